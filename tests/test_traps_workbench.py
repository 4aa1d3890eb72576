"""The workbench traps a newcomer fell into, each as a person meets it in real Chromium (and the HTTP
side of it through the test client): truncation said in words and in downloads, pasted queries
without PREFIX lines, /sparql?query=… opened in a browser, progress and Cancel, plain values in the
result table, a chart view, limit errors in words, and links only through safe schemes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from browser import outside_requests, save_screenshot, vendor_missing

DESKTOP = {"width": 1366, "height": 900}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NO_PREFIXES = "SELECT ?country ?name WHERE {\n  ?country a lm:Country ;\n    skos:prefLabel ?name .\n}\nORDER BY ?name"


def open_workbench(page, live, path: str = "/sparql") -> None:
    assert not vendor_missing(), f"missing {vendor_missing()}: run `make assets`"
    page.goto(live.url + path)
    page.wait_for_selector(".yasqe .CodeMirror")
    page.wait_for_function("() => window.lemapWorkbench && window.lemapWorkbench.yasgui.getTab().getYasqe()")


def set_query(page, text: str) -> None:
    page.evaluate("q => { lemapWorkbench.yasgui.getTab().setQuery(q); }", text)


def run(page) -> None:
    page.click(".yasqe_queryButton")


def editor_text(page) -> str:
    return page.evaluate("lemapWorkbench.yasgui.getTab().getQuery()")


def cells(page) -> list[list[str]]:
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    return page.eval_on_selector_all(
        ".yasr table.dataTable tbody tr",
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).slice(1).map(td => td.textContent.trim()))",
    )


# --- 1. truncation --------------------------------------------------------------------------------


@pytest.mark.browser
def test_truncation_is_said_in_words_on_screen_and_in_the_csv(page, live_server_factory, web_store) -> None:
    live = live_server_factory(web_store, {"LEMAP_MAX_ROWS": 7})
    open_workbench(page, live)
    set_query(page, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    run(page)
    assert len(cells(page)) == 7
    note = page.wait_for_selector(".yasr .lemap-truncated", state="visible").text_content()
    assert "first 7 rows" in note and "at most 7 rows" in note
    with page.expect_download() as info:
        page.click("#download-csv")
    lines = open(info.value.path(), encoding="utf-8").read().splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(lines[:-1]))))
    assert rows[0] == ["s", "p", "o"] and len(rows) == 8
    assert lines[-1].startswith("# lemap: truncated") and "first 7 rows" in lines[-1]
    assert "first 7 rows" in page.text_content("#workbench-status")
    with page.expect_download() as info:
        page.click("#download-json")
    assert json.loads(open(info.value.path(), encoding="utf-8").read())["lemap"] == {"truncated": True, "limit": 7}
    assert page.console_errors == []


@pytest.mark.browser
def test_a_whole_answer_says_nothing_about_truncation(page, live_server) -> None:
    open_workbench(page, live_server)
    set_query(page, "SELECT ?s WHERE { ?s a <https://w3id.org/lemap/ontology#Country> } LIMIT 2")
    run(page)
    assert len(cells(page)) == 2
    assert not page.is_visible(".yasr .lemap-truncated")


# --- 2. pasted queries without PREFIX lines ----------------------------------------------------------


def test_an_undeclared_lemap_prefix_is_one_readable_line(web_client) -> None:
    response = web_client.post("/sparql", data={"query": NO_PREFIXES}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] == "unknown prefix `lm:` — lemap knows it: add `PREFIX lm: <https://w3id.org/lemap/ontology#>`"
    assert (body["line"], body["column"]) == (2, 14)


def test_an_unknown_prefix_and_other_syntax_errors_read_as_one_line(web_client) -> None:
    body = web_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s foo:bar ?o }"}).get_json()
    assert body["message"].startswith("unknown prefix `foo:` — declare it with `PREFIX foo: <…>`")
    assert (body["line"], body["column"]) == (1, 21)
    body = web_client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p ?o"}).get_json()
    assert body["message"].startswith('SPARQL syntax error at line 2, column 10: expected one of ",", "."')
    assert "\n" not in body["message"] and "'\\u{" not in body["message"] and "..=" not in body["message"]


@pytest.mark.browser
def test_a_pasted_query_gets_lemaps_prefixes_and_runs(page, live_server) -> None:
    open_workbench(page, live_server)
    page.evaluate("""q => { const y = lemapWorkbench.yasgui.getTab().getYasqe();
                             y.setValue(''); y.replaceRange(q, {line: 0, ch: 0}, undefined, 'paste'); }""", NO_PREFIXES)
    page.wait_for_function("() => lemapWorkbench.yasgui.getTab().getQuery().includes('PREFIX lm:')")
    text = editor_text(page)
    assert "PREFIX lm: <https://w3id.org/lemap/ontology#>" in text and "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in text
    assert text.endswith(NO_PREFIXES)
    run(page)
    assert ["country:AFG", "Afghanistan"] in cells(page)


@pytest.mark.browser
def test_a_typed_query_without_prefixes_gets_them_when_run(page, live_server) -> None:
    open_workbench(page, live_server)
    set_query(page, NO_PREFIXES)
    run(page)
    assert ["country:AFG", "Afghanistan"] in cells(page)
    assert "PREFIX lm:" in editor_text(page)
    assert "lm:" in page.text_content("#workbench-status")


# --- 7. /sparql?query= in a browser; progress and Cancel ----------------------------------------------


def test_a_browser_opening_a_query_url_gets_the_workbench(web_client) -> None:
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/lemap/ontology#Country> }"
    page = web_client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER_ACCEPT, "Sec-Fetch-Dest": "document"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Accept" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    config = json.loads(html.split('id="workbench-config">', 1)[1].split("</script>", 1)[0])
    assert config["run"] == query
    data = web_client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert data.mimetype == "application/sparql-results+json" and data.get_json()["results"]["bindings"]


@pytest.mark.browser
def test_a_query_url_opens_the_workbench_and_runs_it(page, live_server) -> None:
    query = "SELECT ?country WHERE { ?country a <https://w3id.org/lemap/ontology#Country> } ORDER BY ?country"
    with page.expect_response(lambda r: r.url.startswith(live_server.url + "/sparql") and r.request.method == "POST"):
        open_workbench(page, live_server, "/sparql?" + __import__("urllib.parse").parse.urlencode({"query": query}))
    assert editor_text(page) == query
    assert cells(page)[0] == ["country:AFG"]
    assert outside_requests(page, live_server) == []


@pytest.mark.browser
def test_a_running_query_shows_progress_and_can_be_cancelled(page, live_server_factory, web_store) -> None:
    live = live_server_factory(web_store, {"LEMAP_QUERY_TIMEOUT": 8.0})
    open_workbench(page, live)
    set_query(page, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    run(page)
    progress = page.wait_for_selector("#workbench-progress", state="visible")
    page.wait_for_function("() => /Running the query… \\d+ s/.test(document.getElementById('workbench-elapsed').textContent)")
    save_screenshot(page, "workbench-running")
    page.click("#workbench-cancel")
    page.wait_for_selector("#workbench-progress", state="hidden")
    assert "cancelled" in page.text_content("#workbench-status")
    assert not progress.is_visible()


# --- 8. plain values, datatype on hover; safe links ----------------------------------------------------


@pytest.mark.browser
def test_result_cells_show_plain_values_with_the_datatype_on_hover(page, live_server) -> None:
    open_workbench(page, live_server)
    set_query(page, """SELECT ?year ?name ?where WHERE {
  VALUES (?year ?name ?where) { (2012 "Kyiv"@en <https://w3id.org/lemap/id/country/UKR>) }
}""")
    run(page)
    assert cells(page) == [["2012", "Kyiv", "country:UKR"]]
    titles = page.eval_on_selector_all(".yasr tbody td span, .yasr tbody td a", "els => els.map(e => e.title)")
    assert "datatype: xsd:integer" in titles and "language: en" in titles
    assert "^^" not in page.text_content(".yasr tbody") and "@en" not in page.text_content(".yasr tbody")
    link = page.get_attribute(".yasr tbody a.iri", "href")
    assert link == "/id/country/UKR", "an IRI under lemap's base links to the app's own page"


@pytest.mark.browser
def test_only_http_https_and_mailto_iris_become_links(page, live_server) -> None:
    open_workbench(page, live_server)
    set_query(page, "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <data:text/html,hi> <https://example.org/a> <mailto:a@example.org> } }")
    run(page)
    cells(page)
    links = page.eval_on_selector_all(".yasr tbody a", "els => els.map(e => e.getAttribute('href'))")
    assert sorted(links) == ["https://example.org/a", "mailto:a@example.org"]
    shown = page.text_content(".yasr tbody")
    assert "javascript:alert(1)" in shown and "data:text/html,hi" in shown


# --- limit errors in words ---------------------------------------------------------------------------


@pytest.mark.browser
def test_limit_errors_are_said_in_words(page, live_server_factory, web_store) -> None:
    live = live_server_factory(web_store, {"LEMAP_MAX_QUERY_BYTES": 200})
    open_workbench(page, live)
    set_query(page, "SELECT * WHERE { ?s ?p ?o } # " + "x" * 300)
    run(page)
    shown = page.wait_for_selector(".yasr .lemap-error").text_content()
    assert "The query is too large for this endpoint" in shown and "HTTP 413" in shown and "the limit is 200 bytes" in shown


# --- charts -------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_numeric_result_has_a_chart_view(page, live_server) -> None:
    page.set_viewport_size(DESKTOP)
    open_workbench(page, live_server)
    set_query(page, """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class (COUNT(?s) AS ?instances) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?instances)""")
    run(page)
    cells(page)
    page.click(".yasr .select_chart")
    svg = page.wait_for_selector(".yasr .lemap-chart svg")
    box = svg.bounding_box()
    assert box["width"] > 900, "the chart uses the width of the page"
    texts = page.eval_on_selector_all(".yasr .lemap-chart svg text", "ts => ts.map(t => t.textContent)")
    assert any("?instances" in t for t in texts), "the value axis is labelled"
    assert any(t.startswith("skos:") or t.startswith("lm:") for t in texts), "bars are labelled with the classes"
    bars = page.eval_on_selector_all(".yasr .lemap-chart svg rect", "rs => rs.length")
    assert bars >= 3
    page.evaluate("document.querySelector('.yasr').scrollIntoView()")
    save_screenshot(page, "workbench-chart-1366")
    assert page.console_errors == []
    assert outside_requests(page, live_server) == []


@pytest.mark.browser
def test_a_result_without_numbers_offers_no_chart(page, live_server) -> None:
    open_workbench(page, live_server)
    set_query(page, "SELECT ?s WHERE { ?s a <https://w3id.org/lemap/ontology#Country> }")
    run(page)
    cells(page)
    assert "disabled" in (page.get_attribute(".yasr .select_chart", "class") or "")


@pytest.mark.browser
@pytest.mark.parametrize("status, words", [
    (429, "Too many of your queries are running at once"),
    (503, "The server could not answer this query now"),
])
def test_busy_answers_are_said_in_words(page, live_server, status, words) -> None:
    """The admission limits answer JSON with a message (and a Retry-After); the page says what it means."""
    body = json.dumps({"status": status, "error": "Busy", "message": "2 heavy queries of yours are running", "retry_after": 5})
    page.route("**/sparql", lambda route: route.fulfill(status=status, body=body, content_type="application/json",
                                                         headers={"Retry-After": "5"})
               if route.request.method == "POST" else route.continue_())
    open_workbench(page, live_server)
    set_query(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    run(page)
    shown = " ".join(page.wait_for_selector(".yasr .lemap-error").text_content().split())
    assert words in shown and f"HTTP {status}" in shown and "2 heavy queries of yours are running" in shown
    assert "Try again in 5 s." in shown


@pytest.mark.browser
def test_counts_per_year_are_drawn_on_a_year_axis(page, live_server) -> None:
    page.set_viewport_size(DESKTOP)
    open_workbench(page, live_server)
    set_query(page, "SELECT ?year ?activities WHERE { VALUES (?year ?activities) { (2014 3) (2015 5) (2016 2) (2018 7) } }")
    run(page)
    cells(page)
    page.click(".yasr .select_chart")
    page.wait_for_selector(".yasr .lemap-chart svg")
    assert page.eval_on_selector(".lemap-chart select[name=value]", "s => s.value") == "activities"
    assert page.eval_on_selector(".lemap-chart select[name=label]", "s => s.value") == "year"
    texts = page.eval_on_selector_all(".yasr .lemap-chart svg text", "ts => ts.map(t => t.textContent)")
    assert {"2014", "2015", "2016", "2018"} <= set(texts), texts
    assert any("?activities" in t for t in texts) and any("?year" in t for t in texts)
    assert page.eval_on_selector_all(".yasr .lemap-chart svg rect", "rs => rs.length") >= 4
    assert page.console_errors == []
