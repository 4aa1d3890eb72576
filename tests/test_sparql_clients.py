"""Real SPARQL clients work with the endpoint unmodified: SPARQLWrapper, rdflib's SPARQLStore and curl.

Each runs against the app served by granian (``webapp.server.serve``) on a random loopback port.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

EX = "http://example.org/"
GRAPH = EX + "graph/people"
QUERY = f"PREFIX ex: <{EX}>\nSELECT ?who ?name WHERE {{ ?who ex:name ?name }} ORDER BY ?name"


@pytest.fixture(scope="module")
def server(production_server_factory):
    """granian serving three people with names (one in French) in one named graph."""
    n = ox.NamedNode
    quads = [
        ox.Quad(n(EX + "ana"), n(EX + "name"), ox.Literal("Ana"), n(GRAPH)),
        ox.Quad(n(EX + "bo"), n(EX + "name"), ox.Literal("Bo"), n(GRAPH)),
        ox.Quad(n(EX + "cé"), n(EX + "name"), ox.Literal("Cécile", language="fr"), n(GRAPH)),
        ox.Quad(n(EX + "ana"), n(EX + "knows"), n(EX + "bo"), n(GRAPH)),
    ]
    return production_server_factory(quads)


EXPECTED = [(EX + "ana", "Ana"), (EX + "bo", "Bo"), (EX + "cé", "Cécile")]


# --- SPARQLWrapper ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(server, method) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(QUERY)
    client.setMethod(method)
    client.setReturnFormat(JSON)
    doc = client.queryAndConvert()
    assert [(b["who"]["value"], b["name"]["value"]) for b in doc["results"]["bindings"]] == EXPECTED
    assert doc["results"]["bindings"][2]["name"]["xml:lang"] == "fr"


def test_sparqlwrapper_select_xml_and_csv(server) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(QUERY)
    client.setReturnFormat(XML)
    xml = client.queryAndConvert()  # a minidom document
    assert [n.firstChild.data for n in xml.getElementsByTagName("literal")] == ["Ana", "Bo", "Cécile"]
    client.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(client.queryAndConvert().decode())))
    assert rows[0] == ["who", "name"] and [tuple(r) for r in rows[1:]] == EXPECTED


def test_sparqlwrapper_ask(server) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(f"ASK {{ <{EX}ana> <{EX}knows> <{EX}bo> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, XML])
def test_sparqlwrapper_construct(server, fmt) -> None:
    client = SPARQLWrapper(server.url)
    client.setQuery(f"CONSTRUCT WHERE {{ ?s <{EX}knows> ?o }}")
    client.setReturnFormat(fmt)
    result = client.queryAndConvert()
    graph = rdflib.Graph().parse(data=result, format="turtle") if fmt == TURTLE else result
    assert set(graph) == {(rdflib.URIRef(EX + "ana"), rdflib.URIRef(EX + "knows"), rdflib.URIRef(EX + "bo"))}


def test_sparqlwrapper_sees_a_syntax_error_as_a_bad_query(server) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = SPARQLWrapper(server.url)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        client.query()


# --- rdflib's SPARQLStore ----------------------------------------------------------------------


def test_rdflib_sparqlstore_select(server) -> None:
    store = SPARQLStore(query_endpoint=server.url)
    rows = [(str(r.who), str(r.name)) for r in store.query(QUERY)]
    assert rows == EXPECTED


def test_rdflib_sparqlstore_graph_api(server) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=server.url, returnFormat="json"))
    assert set(graph.objects(rdflib.URIRef(EX + "ana"), rdflib.URIRef(EX + "knows"))) == {rdflib.URIRef(EX + "bo")}
    assert len(graph) == 4
    assert graph.query(f"ASK {{ <{EX}bo> ?p ?o }}").askAnswer is True


def test_rdflib_sparqlstore_construct(server) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=server.url))
    result = graph.query(f"CONSTRUCT WHERE {{ ?s <{EX}knows> ?o }}")
    assert len(result.graph) == 1


# --- curl ---------------------------------------------------------------------------------------------


def _curl(*args: str) -> subprocess.CompletedProcess:
    curl = shutil.which("curl")
    assert curl, "curl is not installed"
    return subprocess.run([curl, "-sS", "--max-time", "30", *args], capture_output=True, timeout=60, check=True)


def test_curl_get_with_urlencoded_query(server) -> None:
    done = _curl("-G", "-H", "Accept: application/sparql-results+json", "--data-urlencode", f"query={QUERY}", server.url)
    doc = json.loads(done.stdout)
    assert [(b["who"]["value"], b["name"]["value"]) for b in doc["results"]["bindings"]] == EXPECTED


def test_curl_post_form_csv(server) -> None:
    done = _curl("-H", "Accept: text/csv", "--data-urlencode", f"query={QUERY}", server.url)
    assert done.stdout.decode().splitlines() == ["who,name", *(f"{w},{n}" for w, n in EXPECTED)]


def test_curl_post_direct_with_status_and_headers(server) -> None:
    done = _curl("-i", "-H", "Content-Type: application/sparql-query", "-H", "Accept: text/turtle",
                 "--data-binary", f"CONSTRUCT WHERE {{ ?s <{EX}knows> ?o }}", server.url)
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-type: text/turtle; charset=utf-8" in head.lower()
    assert b"access-control-allow-origin: *" in head.lower()
    assert len(rdflib.Graph().parse(data=body, format="turtle")) == 1


def test_curl_sees_json_errors(server) -> None:
    done = _curl("-w", "\n%{http_code}", "--data-urlencode", "query=SELECT * WHERE { SERVICE <http://127.0.0.1:1/> {} }", server.url)
    body, _, status = done.stdout.decode().rpartition("\n")
    assert status == "400"
    assert "SERVICE" in json.loads(body)["message"]
