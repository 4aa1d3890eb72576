"""Linked data: every lemap IRI resolves, for people (HTML) and for programs (RDF), by content negotiation.

Routes: ``/id/<kind>/<slug>`` (an entity), ``/id/<kind>/`` and ``/id/`` (indexes; ``/id/scheme/`` lists
the concept schemes), ``/ontology`` (the vocabulary, documented by pyLODE), ``/shapes`` (the SHACL
shapes), ``/context.jsonld`` and ``/context/v1.jsonld`` (the JSON-LD context), ``/.well-known/void``
(VoID), ``/catalog`` (DCAT 3; ``/dcat`` redirects there), ``/dump/`` and ``/dump/lemap.{nq,trig,ttl,jsonld}``
with ``/dump/SHA256SUMS``.

Each RDF resource is served as HTML, Turtle, JSON-LD (compact, with lemap's context), N-Triples or
RDF/XML after the ``Accept`` header; ``?format=`` or a suffix (``.ttl``, ``.jsonld``, ``.nt``,
``.rdf``, ``.html``) overrides it. Responses say ``Vary: Accept`` and list the alternates in ``Link``
headers; an unknown IRI is a 404 in the negotiated format, an unsupported type a 406. The
descriptions come from :mod:`lemap_graph.describe` and :mod:`lemap_graph.dataset`, queried through
the app's engine.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from lemap_graph import dataset, describe, formats, queries
from lemap_graph.engine import QueryError
from lemap_graph.queries import PREFIXES, compact
from lemap_graph.store import GRAPH_BASE

bp = Blueprint("linked_data", __name__)

#: This blueprint's entries in the site navigation (see webapp.workbench.site_nav).
bp.nav = (("/id/", "Browse"), ("/ontology", "Vocabulary"), ("/catalog", "Data"))

HTML = "html"
#: The RDF formats every resource is offered in, by name (formats registry), in order of preference.
RDF_FORMATS: tuple[str, ...] = ("ttl", "jsonld", "nt", "rdf")
#: Media types that ask for each offer (beyond the registry's own).
_EXTRA_TYPES = {HTML: ("text/html", "application/xhtml+xml"), "jsonld": ("application/json",)}
SUFFIXES: tuple[str, ...] = (HTML, *RDF_FORMATS)
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology/lemap"
SHAPES_GRAPH = GRAPH_BASE + "ontology/lemap-shapes"
#: Most subjects an entity page lists per incoming property (the count stays exact).
MAX_INCOMING = 200


class NotAcceptable(Exception):
    """No offered format fits the request: 406 with the list of what is offered."""


# -------------------------------------------------------------------------------- app-wide state


@dataclass
class _Cache:
    """Per-app caches of generated documents, dropped when the store's version changes."""

    dumps: dataset.DumpCache = field(default_factory=dataset.DumpCache)
    version: str | None = None
    pages: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str, version: str, make: Callable[[], Any]) -> Any:
        """The document ``key`` of this store version, made once."""
        with self.lock:
            if version != self.version:
                self.version, self.pages = version, {}
            if key not in self.pages:
                self.pages[key] = make()
            return self.pages[key]


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["linked_data"] = _Cache()


def _cache() -> _Cache:
    return current_app.extensions["linked_data"]


def _state():
    return current_app.extensions["lemap"]


def _run() -> describe.Runner:
    return describe.engine_runner(_state().engine)


def _version() -> str:
    return str(_state().engine.version)


def base_iri() -> str:
    """The base of lemap's IRIs (``LEMAP_BASE_IRI``), ending in ``/``."""
    base = current_app.config.get("LEMAP_BASE_IRI") or "https://w3id.org/lemap/"
    return base if base.endswith("/") else base + "/"


def _site() -> dataset.Site:
    return dataset.Site(base_iri())


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
    if name in ("ttl", "nt"):
        body = f"# 404 Not Found: {comment}\n".encode()
    elif name == "rdf":
        safe = comment.replace("--", "- -")
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- 404 Not Found: {safe} -->\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n').encode()
    else:
        body = current_app.json.dumps({"@context": dataset.context_document()["@context"], "@graph": []}).encode()
    return Response(body, status=404, content_type=formats.find(name).content_type)


def _html(template: str, status: int = 200, **context) -> Response:
    context.setdefault("href", _href)
    context.setdefault("curie", compact)
    return Response(render_template(f"linked_data/{template}", **context), status=status, mimetype="text/html")


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


# ---------------------------------------------------------------------------------- templates


def _href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: this app's page for lemap's IRIs, the IRI itself when its scheme is
    safe (http, https, mailto), else None: the page shows it as text."""
    path = describe.local_path(iri, base_iri())
    if path:
        return request.script_root + path
    return iri if describe.safe_link(iri) else None


@bp.app_template_global("link_to")
def link_to(iri: str) -> str | None:
    """:func:`_href` for every page's templates (None: show the IRI as text, never as a link)."""
    return _href(iri)


@bp.app_template_filter("ld_json")
def ld_json(data: Any) -> Markup:
    """Data as JSON for a ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` are escaped as ``\\u003c`` …"""
    return Markup(describe.script_json(data))


@bp.app_template_global("page_schema")
def page_schema(title: str) -> dict:
    """schema.org JSON-LD every page carries: a ``WebPage`` that is part of lemap's ``Dataset``."""
    return {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": title,
        "url": request.base_url,
        "isPartOf": {k: v for k, v in _dataset_schema().items() if k != "@context"},
    }


def _dataset_schema() -> dict:
    """schema.org ``Dataset`` JSON-LD for pages that are not about one entity."""
    site = _site()
    root = request.host_url.rstrip("/") + request.script_root
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": site.dataset,
        "name": dataset.TITLE,
        "description": dataset.DESCRIPTION,
        "url": root + "/catalog",
        "license": dataset.LICENSE,
        "keywords": list(dataset.KEYWORDS),
        "temporalCoverage": "2013/2021",
        "isBasedOn": {"@type": "Report", "@id": dataset.REPORT_IRI, "name": dataset.SOURCE_TITLE},
        "creator": {"@type": "Organization", "name": "lemap project"},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": formats.find(n).media_type,
             "contentUrl": f"{root}/dump/lemap.{formats.find(n).extension}"}
            for n in dataset.DUMP_FORMATS
        ],
    }


# ---------------------------------------------------------------------------------- entities


def _split_suffix(rest: str) -> tuple[str, str | None]:
    head, dot, ext = rest.rpartition(".")
    if dot and ext in SUFFIXES and "/" not in ext and head:
        return head, ext
    return rest, None


@bp.get("/id/")
@bp.get("/id/index.<any(html, ttl, jsonld, nt, rdf):suffix>")
def id_index(suffix: str | None = None):
    """Every kind of entity, with how many there are: a page, or a VoID dataset with a subset per kind."""
    name, negotiated = _requested(suffix)
    kinds = describe.entity_kinds(_run(), _site().entities)
    if name == HTML:
        response = _html("index.html", kinds=kinds, members=None, schemes=None, kind=None, schema=_dataset_schema())
    else:
        response = _rdf_response(describe.kinds_triples(_site().entities, kinds), name)
    return _finish(response, negotiated=negotiated, links=_links("/id/index", SUFFIXES))


@bp.get("/id/<path:rest>")
def entity(rest: str):
    """One entity (or, for ``/id/<kind>/``, the index of a kind), in the format the client asks for."""
    if rest.endswith("/"):
        return _kind_index(rest.rstrip("/"))
    kind, _, tail = rest.rpartition("/")
    if kind and "/" not in kind and tail.startswith("index.") and tail[len("index."):] in SUFFIXES:
        return _kind_index(kind, tail[len("index."):])
    path, suffix = _split_suffix(rest)
    if suffix and not _known(base_iri() + "id/" + path) and _known(base_iri() + "id/" + rest):
        path, suffix = rest, None  # a slug that really ends in ".ttl" (none does today)
    name, negotiated = _requested(suffix)
    iri = base_iri() + "id/" + path
    location = f"/id/{path}.{name}" if name != HTML else None
    if name == HTML:
        response = _entity_html(iri, path)
    else:
        triples = _triples(iri)
        response = _rdf_response(triples, name) if triples else _not_found_rdf(name, f"<{iri}> is not in lemap")
    return _finish(response, negotiated=negotiated, links=_links(f"/id/{path}", SUFFIXES, canonical=iri), location=location)


def _valid_iri(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


def _known(iri: str) -> bool:
    return _valid_iri(iri) and bool(_triples(iri))


def _triples(iri: str) -> list[ox.Triple]:
    return describe.entity_triples(_run(), iri) if _valid_iri(iri) else []


def _entity_html(iri: str, path: str) -> Response:
    found = describe.describe(_run(), iri, max_incoming=MAX_INCOMING) if _valid_iri(iri) else None
    if found is None:
        return _not_found(HTML, f"{iri} is not in lemap: no statement has it as subject or object.")
    page_url = request.host_url.rstrip("/") + request.script_root + f"/id/{path}"
    schema = describe.schema_org(found, page_url, dataset={"name": dataset.TITLE, "url": _href(_site().catalog)})
    kind = path.split("/", 1)[0]
    alternates = [(n, formats.find(n), f"{request.script_root}/id/{path}.{n}") for n in RDF_FORMATS]
    return _html("entity.html", d=found, kind=kind, alternates=alternates, schema=schema,
                 rdf_type=describe.RDF_TYPE)


def _kind_index(kind: str, suffix: str | None = None) -> Response:
    """The list of one kind (or of the concept schemes), negotiated like an entity: a page or RDF."""
    name, negotiated = _requested(suffix)
    links = _links(f"/id/{kind}/index", SUFFIXES)
    iri = _site().entities + kind + "/"
    if kind == "scheme":
        schemes = describe.concept_schemes(_run())
        if name != HTML:
            members = [(s.iri, s.label, describe.SKOS_CONCEPT_SCHEME) for s in schemes]
            return _finish(_rdf_response(describe.listing_triples(iri, "The concept schemes of lemap", members), name),
                           negotiated=negotiated, links=links)
        response = _html("index.html", kinds=None, members=None, schemes=schemes, kind=kind, schema=_dataset_schema())
        return _finish(response, negotiated=negotiated, links=links)
    members = describe.kind_members(_run(), iri) if "/" not in kind else []
    if not members:
        return _finish(_not_found(name, f"There is no kind of entity called {kind!r} under /id/."), negotiated=negotiated, links=None)
    if name != HTML:
        triples = describe.listing_triples(iri, f"Every {kind} in lemap", [(m.iri, m.label, m.type) for m in members])
        return _finish(_rdf_response(triples, name), negotiated=negotiated, links=links)
    response = _html("index.html", kinds=None, members=members, schemes=None, kind=kind, schema=_dataset_schema())
    return _finish(response, negotiated=negotiated, links=links)


# --------------------------------------------------------------------------------- named graphs


@bp.get("/graph/<path:rest>")
def named_graph(rest: str):
    """One named graph: a page describing it (source, size, provenance) or, as RDF, its triples."""
    path, suffix = _split_suffix(rest)
    iri = base_iri() + "graph/" + path
    if suffix and iri not in _state().engine.graphs():
        path, suffix, iri = rest, None, base_iri() + "graph/" + rest
    name, negotiated = _requested(suffix)
    links = _links(f"/graph/{path}", SUFFIXES, canonical=iri)
    if iri not in _state().engine.graphs():
        return _finish(_not_found(name, f"{iri} is not a named graph of this store"), negotiated=negotiated, links=None)
    if name == HTML:
        response = _graph_html(iri, path)
    else:
        response = Response(_graph_rdf(iri, name), content_type=formats.find(name).content_type)
    return _finish(response, negotiated=negotiated, links=links, location=f"/graph/{path}.{name}" if name != HTML else None)


def _graph_rdf(iri: str, name: str) -> bytes:
    """The graph's triples in one format, read whole through the engine (never row-capped)."""
    if name == "nt":
        return _state().engine.dump(ox.RdfFormat.N_TRIPLES, graph=iri)
    ntriples = _state().engine.dump(ox.RdfFormat.N_TRIPLES, graph=iri)
    return rdf_body(list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)), name)


def _graph_html(iri: str, path: str) -> Response:
    rows = [r for r in describe.graph_rows(_run()) if r["graph"] == iri]
    # a partner's dataset: who sent it, when, and as what (the provenance its import recorded)
    imported = [r for r in _state().engine.query(queries.get_query("graph-provenance").text).records() if r["graph"] == iri]
    row = {**(rows[0] if rows else {}), **{k: v for k, v in (imported[0] if imported else {}).items() if v}}
    alternates = [(n, f"{request.script_root}/graph/{path}.{n}") for n in RDF_FORMATS]
    return _html("named_graph.html", iri=iri, row=row, alternates=alternates, schema=_dataset_schema())


# ------------------------------------------------------------------------ vocabulary and shapes


def _graph_triples(graph: str) -> list[ox.Triple]:
    data = _state().engine.dump(ox.RdfFormat.N_TRIPLES, graph=graph)
    return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)) if data else []


def _nav() -> list[tuple[str, str]]:
    root = request.script_root
    return [(root + "/", "lemap home"), (root + "/shapes", "Shapes"), (root + "/id/scheme/", "Concept schemes"),
            (root + "/catalog", "Data and downloads"), (root + "/ontology.ttl", "Turtle")]


_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"


def _version_matches(triples: list[ox.Triple], version: str | None) -> bool:
    """Whether ``version`` (from ``/ontology/<version>``) is the loaded graph's owl:versionInfo (or None)."""
    return version is None or any(t.predicate.value == _VERSION_INFO and t.object.value == version for t in triples)


@bp.get("/ontology")
@bp.get("/ontology.<any(html, ttl, jsonld, nt, rdf):suffix>")
@bp.get("/ontology/<version>")
def ontology(suffix: str | None = None, version: str | None = None):
    """The vocabulary: pyLODE documentation as HTML, or the ontology graph as RDF; ``/ontology/<version>``
    (its owl:versionIRI) is the same while that version is the one loaded."""
    name, negotiated = _requested(suffix)
    triples = _graph_triples(ONTOLOGY_GRAPH)
    if triples and not _version_matches(triples, version):
        response = _not_found(name, f"version {version} of the ontology is not the one published here")
    elif not triples:
        response = _not_found(name, "the ontology graph is not loaded in this store")
    elif name == HTML:
        namespace = base_iri() + "ontology#"
        page_url = request.host_url.rstrip("/") + request.script_root + "/ontology"
        nav = _nav()
        page = _cache().get("ontology.html", _version(),
                            lambda: describe.ontology_html(triples, namespace, page_url=page_url, nav=nav))
        response = Response(page, mimetype="text/html")
    else:
        response = _rdf_response(triples, name)
    return _finish(response, negotiated=negotiated, links=_links("/ontology", SUFFIXES, canonical=base_iri() + "ontology#"),
                   location=f"/ontology.{name}" if name != HTML else None)


@bp.get("/shapes")
@bp.get("/shapes.<any(html, ttl, jsonld, nt, rdf):suffix>")
@bp.get("/shapes/<version>")
def shapes(suffix: str | None = None, version: str | None = None):
    """The SHACL shapes: every shape and constraint as HTML, or the shapes graph as RDF (``/shapes/<version>``
    while that version is loaded)."""
    name, negotiated = _requested(suffix)
    triples = _graph_triples(SHAPES_GRAPH)
    if triples and not _version_matches(triples, version):
        response = _not_found(name, f"version {version} of the shapes is not the one published here")
    elif not triples:
        response = _not_found(name, "the shapes graph is not loaded in this store")
    elif name == HTML:
        meta, docs = _cache().get("shapes", _version(), lambda: describe.shapes_document(triples, base_iri() + "shapes#"))
        schema = {**_dataset_schema(), "@type": "Dataset", "@id": base_iri() + "shapes", "name": meta["title"],
                  "description": meta["description"] or meta["title"]}
        response = _html("shapes.html", meta=meta, shapes=docs, schema=schema)
    else:
        response = _rdf_response(triples, name)
    return _finish(response, negotiated=negotiated, links=_links("/shapes", SUFFIXES, canonical=base_iri() + "shapes"),
                   location=f"/shapes.{name}" if name != HTML else None)


# -------------------------------------------------------------------------- context and dataset


@bp.get("/context.jsonld")
@bp.get("/context/<version>.jsonld")
def context(version: str | None = None):
    """The JSON-LD context: ``/context.jsonld`` is the current version, ``/context/v1.jsonld`` stays as it is."""
    version = version or dataset.CURRENT_CONTEXT
    if version not in dataset.CONTEXTS:
        message = f"no JSON-LD context {version!r}; published: {', '.join(dataset.CONTEXTS)}"
        return Response(current_app.json.dumps({"status": 404, "message": message}), status=404, mimetype="application/json")
    body = current_app.json.dumps(dataset.context_document(version))
    response = Response(body, content_type="application/ld+json; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=86400"
    if request.view_args.get("version") is None:
        response.headers["Link"] = f'<{request.script_root}/context/{version}.jsonld>; rel="alternate"'
    return response


def _statistics() -> dataset.Statistics:
    return _cache().get("statistics", _version(), lambda: dataset.statistics(_run(), _site()))


def _dumps() -> list[dataset.Dump]:
    return _cache().dumps.all(_state().engine)


@bp.get("/.well-known/void")
@bp.get("/.well-known/void.<any(html, ttl, jsonld, nt, rdf):suffix>")
def void(suffix: str | None = None):
    """The VoID description, with live counts."""
    name, negotiated = _requested(suffix)
    triples = dataset.void_triples(_statistics(), _site(), _dumps())
    if name == HTML:
        response = _html("graph.html", title="VoID description of lemap", groups=describe.group_triples(triples),
                         alternates=[(n, f"{request.script_root}/.well-known/void.{n}") for n in RDF_FORMATS],
                         schema=_dataset_schema())
    else:
        response = _rdf_response(triples, name)
    return _finish(response, negotiated=negotiated, links=_links("/.well-known/void", SUFFIXES),
                   location=f"/.well-known/void.{name}" if name != HTML else None)


@bp.get("/catalog")
@bp.get("/catalog.<any(html, ttl, jsonld, nt, rdf):suffix>")
def catalog(suffix: str | None = None):
    """The DCAT catalogue as RDF; as HTML, the page about the data, its licence, source and downloads."""
    name, negotiated = _requested(suffix)
    dumps, stats = _dumps(), _statistics()
    if name == HTML:
        response = _dataset_page(dumps, stats)
    else:
        response = _rdf_response(dataset.dcat_triples(_site(), dumps, stats), name)
    return _finish(response, negotiated=negotiated, links=_links("/catalog", SUFFIXES, canonical=_site().catalog),
                   location=f"/catalog.{name}" if name != HTML else None)


def _dataset_page(dumps: list[dataset.Dump], stats: dataset.Statistics) -> Response:
    return _html("dataset.html", dumps=dumps, stats=stats, site=_site(), schema=_dataset_schema(),
                 license=dataset.LICENSE, license_name=dataset.LICENSE_NAME, report=dataset.REPORT_IRI,
                 report_title=dataset.SOURCE_TITLE, contexts=list(dataset.CONTEXTS))


@bp.get("/dcat")
def dcat():
    """``/dcat`` is another name of ``/catalog``."""
    target = url_for("linked_data.catalog")
    return redirect(target + ("?" + request.query_string.decode() if request.query_string else ""), code=308)


@bp.get("/dump/")
def dump_index():
    """The downloads: each dump with its size and SHA-256, the licence and the source."""
    return _finish(_dataset_page(_dumps(), _statistics()), negotiated=False, links=None)


@bp.get("/dump/SHA256SUMS")
def dump_sums():
    """SHA-256 of every dump, as ``sha256sum -c`` reads it."""
    body = _cache().dumps.sha256sums(_state().engine)
    response = Response(body, content_type="text/plain; charset=utf-8")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest())
    return response.make_conditional(request)


@bp.get("/dump/lemap.<any(nq, trig, ttl, jsonld):ext>")
def dump(ext: str):
    """A dump of the whole store, with its checksum in ``Digest``, ``Repr-Digest`` and the ETag."""
    d = _cache().dumps.get(_state().engine, ext)
    response = Response(d.data, content_type=d.format.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{d.filename}"'
    response.headers["Digest"] = f"sha-256={d.digest}"
    response.headers["Repr-Digest"] = f"sha-256=:{d.digest}:"
    response.headers["Link"] = (f'<{dataset.LICENSE}>; rel="license", <{dataset.REPORT_IRI}>; rel="http://www.w3.org/ns/prov#wasDerivedFrom", '
                                f'<{request.script_root}/catalog>; rel="describedby"')
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(d.sha256)
    return response.make_conditional(request)
