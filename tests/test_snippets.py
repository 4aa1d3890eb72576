"""Code to copy: parameter values written into a query give the engine's rows, every language quotes any
query exactly, and /api/snippets and the /q/<name> Code panel serve the snippets (errors as JSON)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from lemap_graph import queries
from lemap_graph.snippets import _js_template, _python_string, _r_string, bind_values, query_kind, snippets
from lemap_graph.store import run_query

#: A value for each parameter name the named queries declare, from the curated data.
SAMPLES = {
    "_country": "UKR",
    "_code": "AF",
    "_ns": "https://w3id.org/lemap/id/",
    "_name": "Kiev",
    "_iri": "country:AFG",
    "_prefix": "https://w3id.org/lemap/id/country/",
    "_after": "",
}
PARAMETERISED = [q for q in queries.load_queries() if q.params]
NASTY = 'SELECT ?x WHERE { BIND("""a "quoted" \\\\ back\\\\slash `tick` ${x} )" \'\'\' end""" AS ?x) }\nSPARQL\n'


@pytest.mark.parametrize("query", PARAMETERISED, ids=lambda q: q.name)
def test_values_written_in_give_the_rows_the_engine_binds(query, curated_store) -> None:
    bindings = queries.bind(query, {p.name: SAMPLES[p.name] for p in query.params}, curated_store)
    bound = run_query(curated_store, query.text, substitutions=bindings)
    written = run_query(curated_store, bind_values(query.text, bindings))
    assert written.variables == bound.variables
    assert sorted(map(str, written.rows)) == sorted(map(str, bound.rows))
    for name in bindings:
        assert f"?{name} " not in bind_values(query.text, bindings).split("WHERE", 1)[1], "no parameter is left unbound"


def test_the_samples_exercise_rows() -> None:
    assert set(SAMPLES) == {p.name for q in PARAMETERISED for p in q.params}, "a sample value for every parameter"


def test_values_are_written_as_sparql_terms() -> None:
    text = 'SELECT ?_v WHERE { FILTER(?_v = ?_v) } GROUP BY ?_v ORDER BY DESC(?_v)'
    odd = ox.Literal('a "b"\nc\\')
    written = bind_values(text, {"_v": odd})
    assert written == ('SELECT ("a \\"b\\"\\nc\\\\" AS ?_v) WHERE { FILTER("a \\"b\\"\\nc\\\\" = "a \\"b\\"\\nc\\\\") } '
                       'GROUP BY ("a \\"b\\"\\nc\\\\") ORDER BY DESC("a \\"b\\"\\nc\\\\")')
    assert run_query(ox.Store(), written).rows[0][0] == odd


def test_query_forms() -> None:
    assert query_kind("# SELECT in a comment\nDESCRIBE <http://ex/a>") == "graph"
    assert query_kind("PREFIX s: <http://ex/select#> SELECT * {}") == "results"
    curl = {s.id: s for s in snippets("CONSTRUCT WHERE { ?s ?p ?o }", "http://x/sparql")}["curl"].code
    assert "Accept: text/turtle" in curl


def test_python_strings_are_exact() -> None:
    for text in (NASTY, "plain\n", "ends with a quote\"", "ends with \\", 'has """ inside\n', "crlf\r\n"):
        assert ast.literal_eval(_python_string(text)) == text


@pytest.mark.skipif(shutil.which("node") is None, reason="node is installed with npm for the front end")
def test_javascript_strings_are_exact() -> None:
    out = subprocess.run(["node", "-e", f"process.stdout.write({_js_template(NASTY)})"], capture_output=True, text=True, check=True)
    assert out.stdout == NASTY


def test_r_raw_strings_cannot_be_closed_by_the_query() -> None:
    assert _r_string("http://h/sparql") == '"http://h/sparql"'
    assert _r_string("a)b\n") == 'r"(a)b\n)"'
    assert _r_string('x)"y') == 'r"-(x)"y)-"'
    assert _r_string('x)"y)-"z') == 'r"--(x)"y)-"z)--"'


def test_the_heredoc_delimiter_is_never_a_line_of_the_query() -> None:
    curl = snippets(NASTY, "http://x/sparql")[0].code
    assert "<<'SPARQL_END'" in curl and curl.endswith("\nSPARQL_END\n")


def test_metadata_lines_are_left_out_and_the_endpoint_is_quoted() -> None:
    query = queries.get_query("countries")
    code = {s.id: s.code for s in snippets(query.text, "http://h/it's/sparql")}
    assert "#+" not in code["python-sparqlwrapper"] and "lm:isoAlpha3" in code["python-sparqlwrapper"]
    assert code["curl"].startswith("curl -sS 'http://h/it'\\''s/sparql'")


# ---------------------------------------------------------------- the web app


def test_api_snippets_for_a_named_query_bind_its_parameters(curated_client) -> None:
    answer = curated_client.get("/api/snippets/adoption-lineage?country=Ukraine").get_json()
    assert answer["endpoint"] == "http://localhost/sparql"
    assert "<https://w3id.org/lemap/id/country/UKR> AS ?_country" in answer["query"]
    assert [s["id"] for s in answer["snippets"]] == ["curl", "python-sparqlwrapper", "python-pandas", "r-httr", "javascript"]
    for snippet in answer["snippets"]:
        assert "http://localhost/sparql" in snippet["code"] and "country/UKR" in snippet["code"]


def test_api_snippets_for_a_query_text(curated_client) -> None:
    text = "SELECT ?s WHERE { ?s a <https://w3id.org/lemap/ontology#Country> } LIMIT 3"
    for response in (
        curated_client.post("/api/snippets", json={"query": text}),
        curated_client.post("/api/snippets", data={"query": text}),
        curated_client.get("/api/snippets", query_string={"query": text}),
    ):
        assert response.status_code == 200
        answer = response.get_json()
        assert answer["query"] == text
        assert text in answer["snippets"][0]["code"]


@pytest.mark.parametrize(
    "method, url, body, status, words",
    [
        ("get", "/api/snippets", None, 400, "no query given"),
        ("post", "/api/snippets", {"query": "  "}, 400, "no query given"),
        ("post", "/api/snippets", ["SELECT"], 400, "must be an object"),
        ("post", "/api/snippets", {"query": "#" * 100_001}, 413, "larger than"),
        ("get", "/api/snippets/no-such-query", None, 404, "no named query"),
        ("get", "/api/snippets/adoption-lineage", None, 400, "missing parameter _country"),
        ("get", "/api/snippets/adoption-lineage?country=Atlantis", None, 400, "no country"),
        ("get", "/api/snippets/countries?bogus=1", None, 400, "not a variable of query countries"),
    ],
)
def test_api_snippets_errors_say_what(curated_client, method, url, body, status, words) -> None:
    response = getattr(curated_client, method)(url, json=body) if body is not None else getattr(curated_client, method)(url)
    assert response.status_code == status
    assert words in response.get_json()["message"]


class _Panel(HTMLParser):
    """The snippets of a page's Code panel: id → code text."""

    def __init__(self):
        super().__init__()
        self.snippets, self.notice, self._id, self._in_code, self._in_panel = {}, "", None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "code":
            self._in_panel = True
        if tag == "section" and "data-snippet" in attrs:
            self._id = attrs["data-snippet"]
            self.snippets[self._id] = ""
        self._in_code = self._in_code or (tag == "code" and self._id is not None and "language-" in attrs.get("class", ""))

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False
        if tag == "section":
            self._id = None

    def handle_data(self, data):
        if self._in_code:
            self.snippets[self._id] += data
        elif self._in_panel and "Fill in" in data:
            self.notice = data


def panel(client, url: str) -> _Panel:
    response = client.get(url)
    parsed = _Panel()
    parsed.feed(response.get_data(as_text=True))
    return parsed


def test_every_query_page_has_a_code_panel(curated_client) -> None:
    code = panel(curated_client, "/q/countries").snippets
    assert list(code) == ["curl", "curl-api", "python-sparqlwrapper", "python-pandas", "r-httr", "javascript"]
    assert code["curl-api"] == "curl -sS 'http://localhost/q/countries.csv'\n"
    assert 'ENDPOINT = "http://localhost/sparql"' in code["python-sparqlwrapper"]


def test_the_code_panel_uses_the_forms_values(curated_client) -> None:
    code = panel(curated_client, "/q/entity-by-name?name=Kharkov").snippets
    assert '("Kharkov" AS ?_name)' in code["curl"]
    assert code["curl-api"] == "curl -sS 'http://localhost/q/entity-by-name.csv?name=Kharkov'\n"
    assert "Fill in" in panel(curated_client, "/q/entity-by-name").notice
