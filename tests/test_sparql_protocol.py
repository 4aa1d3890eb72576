"""The /sparql endpoint speaks the SPARQL 1.1 Protocol: methods, parameters, formats, errors, CORS."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib

EX = "http://example.org/"
G1, G2 = EX + "graph/one", EX + "graph/two"
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}


def _store() -> ox.Store:
    store = ox.Store()
    n = ox.NamedNode
    for i in range(12):
        store.add(ox.Quad(n(f"{EX}item/{i}"), n(EX + "rank"), ox.Literal(str(i), datatype=n("http://www.w3.org/2001/XMLSchema#integer")), n(G1)))
    store.add(ox.Quad(n(EX + "item/0"), n(EX + "label"), ox.Literal("nought", language="en"), n(G2)))
    return store


@pytest.fixture(scope="module")
def app():
    """The app over a 13-triple store in two named graphs, rows capped at 10."""
    from webapp import create_app

    app = create_app({"TESTING": True, "LEMAP_MAX_ROWS": 10, "LEMAP_MAX_QUERY_BYTES": 2000, "LEMAP_MAX_NESTING": 8},
                     store=_store())
    yield app
    app.extensions["lemap"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def _ask(client, query: str, **kw) -> bool:
    response = client.get("/sparql", query_string={"query": query, **kw})
    assert response.status_code == 200, response.data
    return json.loads(response.data)["boolean"]


# --- the three ways to send a query ------------------------------------------------------------


def test_get_post_form_and_post_direct_give_the_same_answer(client) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{EX}label> ?l }}"
    answers = [
        client.get("/sparql", query_string={"query": query}),
        client.post("/sparql", data={"query": query}),
        client.post("/sparql", data=query.encode(), content_type="application/sparql-query"),
    ]
    for response in answers:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
        assert json.loads(response.data)["results"]["bindings"] == [{"s": {"type": "uri", "value": EX + "item/0"}}]


@pytest.mark.parametrize("params", [
    "query=ASK%7B%7D&query=ASK%7B%7D",
])
def test_more_than_one_query_is_a_400(client, params) -> None:
    response = client.get("/sparql?" + params)
    assert response.status_code == 400
    assert "exactly one" in response.get_json()["message"]


def test_a_query_in_both_the_url_and_the_body_is_a_400(client) -> None:
    response = client.post("/sparql?query=ASK%7B%7D", data=b"ASK {}", content_type="application/sparql-query")
    assert response.status_code == 400


@pytest.mark.parametrize("content_type, status", [
    (None, 415), ("text/plain", 415), ("application/sparql-query; charset=UTF-16", 415),
])
def test_a_post_without_a_query_media_type_is_refused(client, content_type, status) -> None:
    response = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": content_type} if content_type else {})
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"


def test_a_body_that_is_not_utf8_is_a_400(client) -> None:
    response = client.post("/sparql", data="ASK { ?s ?p 'é' }".encode("latin-1"), content_type="application/sparql-query")
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["message"]


def test_other_methods_are_405_with_allow(client) -> None:
    response = client.put("/sparql?query=ASK%7B%7D")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


# --- read-only --------------------------------------------------------------------------------


@pytest.mark.parametrize("send", [
    lambda c: c.post("/sparql", data={"update": "CLEAR ALL"}),
    lambda c: c.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update"),
    lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
], ids=["form-update", "direct-update", "get-update"])
def test_update_requests_are_forbidden(client, send) -> None:
    assert send(client).status_code == 403


@pytest.mark.parametrize("text", [
    "CLEAR ALL", "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }",
    "PREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ?p ?o }", "DROP GRAPH <http://example.org/graph/one>",
    "LOAD <http://example.org/data.ttl>",
])
def test_update_text_sent_as_a_query_is_a_400_and_changes_nothing(app, client, text) -> None:
    before = len(app.extensions["lemap"].engine.dump())
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 400
    body = response.get_json()
    assert "read-only" in body["message"] and body["line"] is not None
    assert len(app.extensions["lemap"].engine.dump()) == before
    assert _ask(client, f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")


# --- content negotiation ------------------------------------------------------------------------


@pytest.mark.parametrize("accept, media_type", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
])
def test_select_results_in_each_format(client, accept, media_type) -> None:
    query = f"SELECT ?s ?l WHERE {{ ?s <{EX}label> ?l }}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert _rows(media_type, response.data) == [(EX + "item/0", "nought")]


def _rows(media_type: str, body: bytes) -> list[tuple[str, ...]]:
    if media_type == "application/sparql-results+json":
        doc = json.loads(body)
        return [tuple(b[v]["value"] for v in doc["head"]["vars"]) for b in doc["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        return [tuple(b[0].text for b in r) for r in ET.fromstring(body).iter(SRX + "result")]
    if media_type == "text/csv":
        return [tuple(r) for r in list(csv.reader(io.StringIO(body.decode())))[1:]]
    lines = body.decode().splitlines()[1:]
    return [tuple(cell.strip("<>").split('"')[1] if cell.startswith('"') else cell.strip("<>") for cell in line.split("\t")) for line in lines]


@pytest.mark.parametrize("accept, media_type", [
    (None, "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("text/plain", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml"),
])
def test_construct_and_describe_in_each_rdf_format(client, accept, media_type) -> None:
    for query in (f"CONSTRUCT WHERE {{ ?s <{EX}label> ?l }}", f"DESCRIBE <{EX}item/0>"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200
        assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
        graph = rdflib.Graph().parse(data=response.data, format=RDF_PARSERS[media_type])
        assert (rdflib.URIRef(EX + "item/0"), rdflib.URIRef(EX + "label"), rdflib.Literal("nought", lang="en")) in graph


@pytest.mark.parametrize("query, accept", [
    ("SELECT * WHERE { ?s ?p ?o }", "text/turtle"),
    ("ASK { ?s ?p ?o }", "text/html"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json"),
    ("SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json;q=0"),
])
def test_nothing_acceptable_is_a_406(client, query, accept) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/json"
    assert "available" in response.get_json()["message"]


def test_ask_in_json_xml_csv_and_tsv(client) -> None:
    query = {"query": f"ASK {{ <{EX}item/3> <{EX}rank> 3 }}"}
    assert json.loads(client.get("/sparql", query_string=query).data) == {"head": {}, "boolean": True}
    xml = client.get("/sparql", query_string=query, headers={"Accept": "application/sparql-results+xml"}).data
    assert ET.fromstring(xml).find(SRX + "boolean").text == "true"
    assert client.get("/sparql", query_string=query, headers={"Accept": "text/csv"}).data.split() == [b"_askResult", b"true"]
    assert client.get("/sparql", query_string=query, headers={"Accept": "text/tab-separated-values"}).data.split() == [b"?_askResult", b"true"]


# --- the row cap ---------------------------------------------------------------------------------


def test_results_past_the_row_cap_are_cut_and_flagged(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?s ?o WHERE { ?s ?p ?o }"})
    doc = json.loads(response.data)
    assert len(doc["results"]["bindings"]) == 10
    assert response.headers["X-Lemap-Truncated"] == "10"
    assert doc["lemap"] == {"truncated": True, "limit": 10}
    csv_response = client.get("/sparql", query_string={"query": "SELECT ?s ?o WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert len(csv_response.data.decode().splitlines()) == 11 and csv_response.headers["X-Lemap-Truncated"] == "10"
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert len(graph.data.decode().splitlines()) == 10 and graph.headers["X-Lemap-Truncated"] == "10"


def test_results_under_the_cap_carry_no_flag(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10"})
    assert "X-Lemap-Truncated" not in response.headers
    assert "lemap" not in json.loads(response.data)


# --- datasets --------------------------------------------------------------------------------------


def test_the_default_graph_is_the_union_of_all_graphs(client) -> None:
    assert _ask(client, f"ASK {{ <{EX}item/0> <{EX}rank> ?r ; <{EX}label> ?l }}")


def test_protocol_default_graph_uri_overrides_from(client) -> None:
    query = f"ASK FROM <{G1}> {{ ?s <{EX}label> ?l }}"
    assert not _ask(client, query)
    assert _ask(client, query, **{"default-graph-uri": G2})


def test_protocol_named_graph_uri_limits_graph_patterns(client) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": G2})
    assert [b["g"]["value"] for b in json.loads(response.data)["results"]["bindings"]] == [G2]


def test_dataset_parameters_in_a_form_body_count(client) -> None:
    response = client.post("/sparql", data={"query": f"ASK {{ ?s <{EX}label> ?l }}", "default-graph-uri": G1})
    assert json.loads(response.data)["boolean"] is False


def test_a_protocol_graph_not_in_the_store_is_an_empty_graph(client) -> None:
    """The W3C tests send default-graph-uri of a graph never loaded and expect an answer; nothing is fetched."""
    assert not _ask(client, "ASK { ?s ?p ?o }", **{"default-graph-uri": "http://example.org/not-here"})


def test_from_a_graph_not_in_the_store_is_a_400(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT *\nFROM <http://example.org/elsewhere> { ?s ?p ?o }"})
    assert response.status_code == 400
    body = response.get_json()
    assert "elsewhere" in body["message"] and (body["line"], body["column"]) == (2, 1)


def test_from_a_graph_in_the_store_works(client) -> None:
    assert _ask(client, f"PREFIX g: <{EX}graph/>\nASK FROM g:two {{ ?s <{EX}label> ?l }}")
    assert not _ask(client, f"ASK FROM <{G2}> {{ ?s <{EX}rank> ?r }}")


def test_relative_iris_resolve_against_the_endpoint(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { BIND(<here> AS ?x) }"})
    assert json.loads(response.data)["results"]["bindings"][0]["x"]["value"] == "http://localhost/here"


# --- errors -----------------------------------------------------------------------------------------


def test_a_syntax_error_is_a_400_saying_where(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"].startswith("SPARQL syntax error")
    assert body["line"] == 2 and 1 <= body["column"] <= len("WHERE { ?s ?p }") + 1  # where the parser gave up


def test_an_oversized_query_is_a_413(client) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000
    assert client.post("/sparql", data={"query": query}).status_code == 413
    assert client.post("/sparql", data=query.encode(), content_type="application/sparql-query").status_code == 413


def test_a_huge_body_is_refused_before_it_is_read(client) -> None:
    response = client.post("/sparql", data=b"query=" + b"x" * 200_000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_deep_nesting_is_a_400_saying_where(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {\n" + "{" * 9 + "}" * 9 + "}"})
    assert response.status_code == 400
    body = response.get_json()
    assert "nests" in body["message"] and (body["line"], body["column"]) == (2, 8)


def test_a_post_without_a_query_is_a_400(client) -> None:
    assert client.post("/sparql", data={"default-graph-uri": G1}).status_code == 400


# --- CORS, service description, workbench ------------------------------------------------------------


def test_reads_are_open_to_other_origins(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Lemap-Truncated" in response.headers["Access-Control-Expose-Headers"]
    error = client.get("/sparql", query_string={"query": "ASK {"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_post_with_a_content_type(client) -> None:
    response = client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("accept, media_type", [
    (None, "text/turtle"), ("*/*", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
])
def test_get_without_a_query_describes_the_service(client, accept, media_type) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.data, format=RDF_PARSERS[media_type])
    service = rdflib.URIRef("http://localhost/sparql")
    assert (service, rdflib.RDF.type, SD.Service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert {str(g) for g in graph.objects(None, SD.name)} == {G1, G2}


def test_a_browser_gets_the_workbench(client) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
