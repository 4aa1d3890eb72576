"""Dumps: each file loads into a fresh store with exactly the store's triples (blank nodes aside), its
checksums are right, it states its licence and source, and it is made once per store version."""

from __future__ import annotations

import base64
import hashlib

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from lemap_graph import dataset
from lemap_graph.formats import to_rdflib

#: dump file -> pyoxigraph format to load it with, and whether it keeps the named graphs
DUMPS = {
    "lemap.nq": (ox.RdfFormat.N_QUADS, True),
    "lemap.trig": (ox.RdfFormat.TRIG, True),
    "lemap.jsonld": (ox.RdfFormat.JSON_LD, True),
    "lemap.ttl": (ox.RdfFormat.TURTLE, False),
}


def by_graph(quads, keep_graphs: bool = True) -> dict[str, rdflib.Graph]:
    """Quads as one rdflib graph per named graph ("" for the default graph, or for all when merged)."""
    out: dict[str, rdflib.Graph] = {}
    for q in quads:
        name = q.graph_name.value if keep_graphs and isinstance(q.graph_name, ox.NamedNode) else ""
        out.setdefault(name, rdflib.Graph()).add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return out


@pytest.mark.parametrize("filename", list(DUMPS))
def test_a_dump_loaded_into_a_fresh_store_gives_the_same_triples(curated_client, curated_store, filename):
    r = curated_client.get(f"/dump/{filename}")
    assert r.status_code == 200
    rdf_format, keeps_graphs = DUMPS[filename]
    fresh = ox.Store()
    fresh.load(r.data, format=rdf_format)
    expected = by_graph(curated_store, keeps_graphs)
    got = by_graph(fresh, keeps_graphs)
    assert set(got) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), f"{filename}: graph {name or '(merged)'} differs"
    if not keeps_graphs:
        assert len(fresh) == len({q.triple for q in curated_store})


@pytest.mark.parametrize("filename", list(DUMPS))
def test_a_dump_carries_its_checksum_licence_and_source(curated_client, filename):
    r = curated_client.get(f"/dump/{filename}")
    digest = base64.b64encode(hashlib.sha256(r.data).digest()).decode()
    assert r.headers["Digest"] == f"sha-256={digest}"
    assert r.headers["Repr-Digest"] == f"sha-256=:{digest}:"
    assert r.headers["ETag"] == f'"{hashlib.sha256(r.data).hexdigest()}"'
    assert f'filename="{filename}"' in r.headers["Content-Disposition"]
    assert f"<{dataset.LICENSE}>; rel=\"license\"" in r.headers["Link"]
    assert dataset.REPORT_IRI in r.headers["Link"]
    if not filename.endswith(".jsonld"):  # JSON has no comments: the Link header and the catalogue say it
        head = r.data[:600].decode()
        assert dataset.LICENSE in head and "CC BY 4.0" in head and dataset.REPORT_IRI in head
    again = curated_client.get(f"/dump/{filename}", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_sha256sums_lists_every_dump(curated_client):
    text = curated_client.get("/dump/SHA256SUMS").get_data(as_text=True)
    lines = dict(reversed(line.split("  ")) for line in text.splitlines())
    assert set(lines) == set(DUMPS)
    for filename, checksum in lines.items():
        assert hashlib.sha256(curated_client.get(f"/dump/{filename}").data).hexdigest() == checksum


def test_the_downloads_page_states_sizes_checksums_licence_and_source(curated_client):
    html = curated_client.get("/dump/").get_data(as_text=True)
    for filename in DUMPS:
        body = curated_client.get(f"/dump/{filename}").data
        assert f"{len(body):,} bytes" in html and hashlib.sha256(body).hexdigest() in html
    assert dataset.LICENSE in html and "CC BY 4.0" in html and "/id/report/unodc-le-hiv-mapping-2013-2021" in html


def test_dumps_are_made_once_per_store_version():
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/lemap/graph/data/triples/x")
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("1"), g))
    cache = dataset.DumpCache()
    first = cache.get(store, "nq")
    assert cache.get(store, "nq") is first
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("2"), g))
    second = cache.get(store, "nq")
    assert second is not first and b'"2"' in second.data and second.sha256 != first.sha256


def test_an_unknown_dump_is_404(curated_client):
    assert curated_client.get("/dump/lemap.xlsx").status_code == 404
    with pytest.raises(KeyError, match="no dump format"):
        dataset.make_dump(ox.Store(), "xlsx")
