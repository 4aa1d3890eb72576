"""The traps a client's request fell into, through the test client on the curated graph: lists that
refused RDF with a self-contradicting 406, local graph addresses that answered 404, links that left
the app, a CSV Excel misread — each parsed before it is asserted."""

from __future__ import annotations

import pytest
import rdflib

BASE = "https://w3id.org/lemap/"
RDFS_MEMBER = rdflib.RDFS.member
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def graph_of(response, fmt: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format=fmt)


# --- 3. entity lists negotiate like entities -------------------------------------------------------


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_the_list_of_a_kind_is_rdf_when_asked(curated_client, accept, fmt) -> None:
    r = curated_client.get("/id/country/", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    g = graph_of(r, fmt)
    members = set(g.objects(rdflib.URIRef(BASE + "id/country/"), RDFS_MEMBER))
    assert rdflib.URIRef(BASE + "id/country/AFG") in members and len(members) > 10
    assert str(g.value(rdflib.URIRef(BASE + "id/country/AFG"), rdflib.RDFS.label)) == "Afghanistan"
    assert "Accept" in r.headers["Vary"]


def test_format_parameter_and_suffix_work_on_lists(curated_client) -> None:
    for url in ("/id/country/?format=ttl", "/id/country/index.ttl"):
        r = curated_client.get(url)
        assert r.status_code == 200 and r.mimetype == "text/turtle", url
        assert (rdflib.URIRef(BASE + "id/country/"), RDFS_MEMBER, rdflib.URIRef(BASE + "id/country/UKR")) in graph_of(r)
    assert 'rel="alternate"; type="text/turtle"' in curated_client.get("/id/country/").headers["Link"]


def test_the_index_of_kinds_and_of_schemes_are_rdf_when_asked(curated_client) -> None:
    g = graph_of(curated_client.get("/id/", headers={"Accept": "text/turtle"}))
    subsets = set(g.objects(rdflib.URIRef(BASE + "id/"), VOID.subset))
    assert rdflib.URIRef(BASE + "id/country/") in subsets
    assert int(g.value(rdflib.URIRef(BASE + "id/country/"), VOID.entities)) > 10
    g = graph_of(curated_client.get("/id/scheme/?format=ttl"))
    schemes = set(g.objects(rdflib.URIRef(BASE + "id/scheme/"), RDFS_MEMBER))
    assert rdflib.URIRef(BASE + "id/scheme/regions") in schemes
    assert curated_client.get("/id/", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_a_list_still_says_406_only_for_what_it_does_not_offer(curated_client) -> None:
    r = curated_client.get("/id/country/", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "image/png" in r.get_data(as_text=True)
    r = curated_client.get("/id/no-such-kind/", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.mimetype == "text/turtle"
