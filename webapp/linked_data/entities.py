"""Entities and named graphs: ``/id/…`` (one entity, a kind's list, the kinds) and ``/graph/…``, each as a page or as RDF."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, request

from lemap_graph import dataset, describe, formats, queries

from .negotiation import (HTML, RDF_FORMATS, SUFFIXES, _finish, _links, _not_found, _not_found_rdf, _rdf_response,
                          _requested, rdf_body)
from .site import _dataset_schema, _href, _html, _run, _site, _state, base_iri, bp

#: Most subjects an entity page lists per incoming property (the count stays exact).
MAX_INCOMING = 200
#: Formats that keep the named graph of each statement: an entity's TriG and N-Quads say whose dataset each came from.
GRAPH_FORMATS: tuple[str, ...] = ("trig", "nq")
ENTITY_SUFFIXES: tuple[str, ...] = (*SUFFIXES, *GRAPH_FORMATS)

# ---------------------------------------------------------------------------------- entities


def _split_suffix(rest: str, offers: tuple[str, ...] = SUFFIXES) -> tuple[str, str | None]:
    head, dot, ext = rest.rpartition(".")
    if dot and ext in offers and "/" not in ext and head:
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
    path, suffix = _split_suffix(rest, ENTITY_SUFFIXES)
    if suffix and not _known(base_iri() + "id/" + path) and _known(base_iri() + "id/" + rest):
        path, suffix = rest, None  # a slug that really ends in ".ttl" (none does today)
    name, negotiated = _requested(suffix, ENTITY_SUFFIXES)
    iri = base_iri() + "id/" + path
    location = f"/id/{path}.{name}" if name != HTML else None
    if name == HTML:
        response = _entity_html(iri, path)
    else:
        statements = _quads(iri) if name in GRAPH_FORMATS else _triples(iri)
        response = _rdf_response(statements, name) if statements else _not_found_rdf(name, f"<{iri}> is not in lemap")
    links = _links(f"/id/{path}", ENTITY_SUFFIXES, canonical=iri)
    return _finish(response, negotiated=negotiated, links=links, location=location)


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


def _quads(iri: str) -> list[ox.Quad]:
    return describe.entity_quads(_run(), iri) if _valid_iri(iri) else []


def _entity_html(iri: str, path: str) -> Response:
    found = describe.describe(_run(), iri, max_incoming=MAX_INCOMING) if _valid_iri(iri) else None
    if found is None:
        return _not_found(HTML, f"{iri} is not in lemap: no statement has it as subject or object.")
    page_url = request.host_url.rstrip("/") + request.script_root + f"/id/{path}"
    schema = describe.schema_org(found, page_url, dataset={"name": dataset.TITLE, "url": _href(_site().catalog)})
    kind = path.split("/", 1)[0]
    alternates = [(n, formats.find(n), f"{request.script_root}/id/{path}.{n}") for n in (*RDF_FORMATS, *GRAPH_FORMATS)]
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
