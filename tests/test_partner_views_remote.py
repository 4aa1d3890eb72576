"""The partner views' named queries on external SPARQL servers (``oxigraph serve``, Virtuoso 7) with partner datasets
in them: the same rows as the embedded engine, so the marks and the ``sources=report`` filter work on every engine
(``GRAPH ?g`` and the metadata graph, no transitive path inside ``GRAPH``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from lemap_graph import queries
from lemap_graph.engine import Limits, LocalEngine
from lemap_graph.partner.imports import Provenance
from test_remote_engine import _canonical

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"
DATASETS = {"trainings": "trainings.ttl", "steps": "adoption-steps.ttl"}
GRAPH = "https://w3id.org/lemap/graph/partner/npu/{}"
UKR = "https://w3id.org/lemap/id/country/UKR"
ACTIVITY = "https://w3id.org/lemap/id/partner/npu/trainings/activity/kyiv-2019-training"

#: The queries that say where facts come from, with the values they are asked with.
CHECKED = [
    ("entity-statement-graphs", {"_iri": ox.NamedNode(UKR)}),
    ("entity-statement-graphs", {"_iri": ox.NamedNode(ACTIVITY)}),
    ("entity-statement-graphs", {"_iri": ox.NamedNode("https://w3id.org/lemap/id/place/kyiv")}),
    ("entity-quads", {"_iri": ox.NamedNode("https://w3id.org/lemap/id/place/kyiv")}),
    ("adoption-steps", {}),
    ("adoption-timeline", {}),
    ("adoption-country-activities", {"_country": ox.NamedNode(UKR)}),
    ("network-sources", {}),
]


def partner_writes() -> list[tuple[str, bytes, tuple[ox.Quad, ...]]]:
    """Each fixture dataset as the importer writes it: canonical N-Triples and its provenance (the dataset's own)."""
    out = []
    for name, path in DATASETS.items():
        graph = GRAPH.format(name)
        triples = list(ox.parse((FIXTURES / path).read_bytes(), format=ox.RdfFormat.TURTLE,
                                base_iri=f"https://w3id.org/lemap/id/partner/npu/{name}/"))
        record = Provenance(graph, "npu", "2026-12-04T00:00:00Z", "2026-12-04T00:00:00Z", "0" * 64, len(triples), "text/turtle")
        # only the statements about the dataset itself, which drop_graph removes again: the server is shared by the session
        meta = tuple(q for q in record.quads() if q.subject == ox.NamedNode(graph))
        out.append((graph, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), meta))
    return out


@pytest.fixture(scope="module")
def engines(sparql_server, curated_store):
    """The server and an embedded engine over the same curated data, both with npu's two datasets; dropped at the end."""
    local_store = ox.Store()
    local_store.extend(curated_store)
    local = LocalEngine(local_store, Limits(workers=1))
    remote = sparql_server.engine(Limits(timeout=30.0), refresh_seconds=0)
    writes = partner_writes()
    try:
        for graph, ntriples, meta in writes:
            assert local.write_graph(graph, ntriples, meta=meta) == remote.write_graph(graph, ntriples, meta=meta)
        yield sparql_server.name, remote, local
    finally:
        for graph, _, _ in writes:
            remote.drop_graph(graph)
        remote.close()
        local.close()


@pytest.mark.parametrize("name, values", CHECKED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CHECKED)])
def test_partner_marks_are_the_same_on_the_server(engines, name: str, values: dict) -> None:
    server, remote, local = engines
    text = queries.get_query(name).text
    mine, theirs = remote.query(text, substitutions=values), local.query(text, substitutions=values)
    assert mine.variables == theirs.variables
    assert _canonical(mine.rows, text) == _canonical(theirs.rows, text), server
    partnered = [r for r in theirs.records()
                 if r.get("partner") or r.get("partner_graph") or r.get("partner_graphs") or "/partner/" in (r.get("g") or "")]
    assert partnered, f"{name}: the partner datasets show in the answer"
