"""Content negotiation: which format a request asks for (suffix, ``?format=``, ``Accept``), and the answers in it, 404 and 406 included."""

from __future__ import annotations

from typing import Iterable

from flask import Response, current_app, request

from lemap_graph import dataset, formats
from lemap_graph.engine import QueryError
from lemap_graph.queries import PREFIXES

from .site import _dataset_schema, _html, bp

HTML = "html"
#: The RDF formats every resource is offered in, by name (formats registry), in order of preference.
RDF_FORMATS: tuple[str, ...] = ("ttl", "jsonld", "nt", "rdf")
#: Media types that ask for each offer (beyond the registry's own).
_EXTRA_TYPES = {HTML: ("text/html", "application/xhtml+xml"), "jsonld": ("application/json",)}
SUFFIXES: tuple[str, ...] = (HTML, *RDF_FORMATS)


class NotAcceptable(Exception):
    """No offered format fits the request: 406 with the list of what is offered."""

# ------------------------------------------------------------------------------- negotiation


def _offer_types(name: str) -> tuple[str, ...]:
    if name == HTML:
        return _EXTRA_TYPES[HTML]
    fmt = formats.find(name)
    return (fmt.media_type, *(a for a in fmt.aliases if "/" in a), *_EXTRA_TYPES.get(name, ()))


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The q of the most specific range matching ``media_type``."""
    return formats.quality(ranges, media_type)[1]


def negotiate(accept: str | None, offers: Iterable[str] = SUFFIXES) -> str:
    """The offer (``html``, ``ttl``, ``jsonld``, ``nt``, ``rdf``) that fits ``accept`` best; ties go to
    an offer the header names exactly, then to the earlier offer, so a browser's ``*/*`` gets HTML.

    :raises NotAcceptable: when the client accepts none of them.
    """
    offers = list(offers)
    ranges = formats.parse_accept(accept)
    if not ranges:
        return offers[0]
    scored = []
    for i, offer in enumerate(offers):
        types = _offer_types(offer)
        q = max(_quality(ranges, t) for t in types)
        specific = any(r in types for r, _ in ranges)
        if q > 0:
            scored.append((-q, not specific, i, offer))
    if not scored:
        raise NotAcceptable(accept)
    return min(scored)[3]


def _requested(suffix: str | None, offers: Iterable[str] = SUFFIXES) -> tuple[str, bool]:
    """The format asked for (suffix, then ``?format=``, then ``Accept``) and whether it was negotiated."""
    offers = list(offers)
    if suffix:
        return suffix, False
    asked = request.args.get("format")
    if asked:
        name = "html" if asked.strip().lower() in ("html", "text/html") else getattr(formats.find(asked), "name", None)
        if name not in offers:
            raise NotAcceptable(f"format={asked}")
        return name, False
    return negotiate(request.headers.get("Accept"), offers), True


def _media_type(name: str) -> str:
    return "text/html" if name == HTML else formats.find(name).media_type


def _links(path: str, offers: Iterable[str], canonical: str | None = None) -> str:
    """A ``Link`` header listing the alternates of the resource at ``path`` (one per format)."""
    root = request.host_url.rstrip("/") + request.script_root
    parts = [f'<{root}{path}.{name}>; rel="alternate"; type="{_media_type(name)}"' for name in offers if name != HTML]
    if canonical:
        parts.append(f'<{canonical}>; rel="canonical"')
    parts.append(f'<{dataset.LICENSE}>; rel="license"')
    return ", ".join(parts)


def _finish(response: Response, *, negotiated: bool, links: str | None, location: str | None = None) -> Response:
    response.headers["Vary"] = "Accept"
    if links:
        response.headers["Link"] = links
    if negotiated and location:
        response.headers["Content-Location"] = request.script_root + location
    if response.mimetype != "text/html":  # the security headers are set app-wide (webapp.security_headers)
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def rdf_body(statements: list, name: str) -> bytes:
    """Triples (or quads) in one RDF format: JSON-LD compact with lemap's context, the others with its prefixes."""
    if name == "jsonld":
        return dataset.to_jsonld(statements)
    return formats.serialize_triples(statements, formats.find(name), prefixes=PREFIXES)


def _rdf_response(triples: list, name: str, status: int = 200) -> Response:
    return Response(rdf_body(triples, name), status=status, content_type=formats.find(name).content_type)


def _not_found_rdf(name: str, what: str) -> Response:
    """A 404 whose body is an empty graph in the asked-for format, with the reason as a comment where it can be."""
    comment = "".join(c if c.isprintable() else " " for c in what)
    if name in ("ttl", "nt", "trig", "nq"):
        body = f"# 404 Not Found: {comment}\n".encode()
    elif name == "rdf":
        safe = comment.replace("--", "- -")
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- 404 Not Found: {safe} -->\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n').encode()
    else:
        body = current_app.json.dumps({"@context": dataset.context_document()["@context"], "@graph": []}).encode()
    return Response(body, status=404, content_type=formats.find(name).content_type)

def _not_found(name: str, what: str) -> Response:
    if name == HTML:
        return _html("not_found.html", 404, message=what, schema=_dataset_schema())
    return _not_found_rdf(name, what)


def _not_acceptable(detail: str) -> Response:
    offered = ", ".join(_media_type(n) for n in SUFFIXES)
    message = (f"406 Not Acceptable: none of the requested types ({detail}) is offered here. "
               f"Available: {offered}; or add ?format=ttl|jsonld|nt|rdf|html, or a suffix .ttl, .jsonld, .nt, .rdf.\n")
    response = Response(message, status=406, content_type="text/plain; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@bp.errorhandler(NotAcceptable)
def _on_not_acceptable(error: NotAcceptable):
    return _not_acceptable(str(error.args[0] if error.args else ""))


@bp.errorhandler(QueryError)
def _on_query_error(error: QueryError):
    text = f"{error.status}: the description could not be computed: {error.message}\n"
    return Response(text, status=error.status, content_type="text/plain; charset=utf-8")
