"""The dataset's documents: the vocabulary, the shapes, the JSON-LD context, VoID, the DCAT catalogue and the dumps."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Response, current_app, redirect, request, url_for

from lemap_graph import dataset, describe
from lemap_graph.store import GRAPH_BASE

from .negotiation import HTML, RDF_FORMATS, SUFFIXES, _finish, _links, _not_found, _rdf_response, _requested
from .site import _cache, _dataset_schema, _html, _run, _site, _state, _version, base_iri, bp

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology/lemap"
SHAPES_GRAPH = GRAPH_BASE + "ontology/lemap-shapes"

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
