"""The workbench in real headless Chromium: it runs an example query and shows its rows, completes the
graph's terms from the app itself, keeps the query in the URL, downloads results, shows the server's
error message — and never asks any host but the app's. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from browser import outside_requests, save_screenshot, vendor_missing
from lemap_graph import queries
from lemap_graph.store import run_query

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def open_workbench(page, live, fragment: str = ""):
    assert not vendor_missing(), f"missing {vendor_missing()}: run `make assets`"
    page.goto(live.url + "/sparql" + fragment)
    page.wait_for_selector(".yasqe .CodeMirror")
    page.wait_for_function("() => window.lemapWorkbench && window.lemapWorkbench.yasgui.getTab().getYasqe()")


def editor_text(page) -> str:
    return page.evaluate("lemapWorkbench.yasgui.getTab().getQuery()")


def set_editor_text(page, text: str) -> None:
    page.evaluate("q => { lemapWorkbench.yasgui.getTab().setQuery(q); }", text)


def url_query(page) -> str | None:
    return parse_qs(urlsplit(page.url).fragment).get("query", [None])[0]


def result_table(page) -> tuple[list[str], list[list[str]]]:
    """Header and rows of YASR's result table, as the reader sees them."""
    page.wait_for_selector(".yasr table.dataTable tbody tr")
    header = page.eval_on_selector_all(".yasr table.dataTable thead th", "ths => ths.map(th => th.textContent.trim())")
    rows = page.eval_on_selector_all(
        ".yasr table.dataTable tbody tr",
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim()))",
    )
    return header, rows


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def run_editor_query(page) -> None:
    page.click(".yasqe_queryButton")


def test_workbench_runs_an_example_query_and_asks_no_other_host(page, live_server, web_store) -> None:
    open_workbench(page, live_server)
    assert "PREFIX lm: <https://w3id.org/lemap/ontology#>" in editor_text(page)
    save_screenshot(page, "workbench-1280")

    example = queries.get_query("countries")
    page.select_option("#examples", example.name)
    assert editor_text(page) == example.text
    assert page.text_content("#example-description") == example.description
    page.wait_for_function("q => decodeURIComponent(location.hash).length > 0", arg=None)
    assert url_query(page) == example.text, "the URL keeps the query"

    run_editor_query(page)
    header, rows = result_table(page)
    expected = run_query(web_store, example.text)
    assert [h for h in header if h] == list(expected.variables)
    assert len(rows) == len(expected.rows)
    assert any("country:AFG" in cell for cell in rows[0]), "lemap IRIs are shown with their prefixes"
    assert any("Afghanistan" in cell for cell in rows[0])
    save_screenshot(page, "workbench-results-1280", full_page=True)

    page.set_viewport_size(PHONE)
    save_screenshot(page, "workbench-results-390", full_page=True)
    assert page_overflow(page) <= 0, "on a phone only the result table scrolls sideways, not the page"
    assert outside_requests(page, live_server) == []
    assert page.console_errors == []


def test_editor_completes_the_graph_terms_from_the_app(page, live_server) -> None:
    open_workbench(page, live_server)
    set_editor_text(page, "PREFIX lm: <https://w3id.org/lemap/ontology#>\nSELECT * WHERE {\n  ?a a lm:Activ")
    page.evaluate("(() => { const y = lemapWorkbench.yasgui.getTab().getYasqe(); y.focus(); y.setCursor(y.lastLine(), 999); })()")
    page.keyboard.press("Control+Space")
    hints = page.wait_for_selector(".CodeMirror-hints")
    assert "lm:Activity" in hints.text_content()
    page.keyboard.press("Enter")
    assert editor_text(page).endswith("?a a lm:Activity")

    page.keyboard.type(" ; lm:partne")
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => document.querySelector('.CodeMirror-hints') && document.querySelector('.CodeMirror-hints').textContent.includes('lm:partner')")
    page.keyboard.press("Escape")

    set_editor_text(page, "")
    page.keyboard.type("PREFIX akin")
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => document.querySelector('.CodeMirror-hints') && document.querySelector('.CodeMirror-hints').textContent.includes('akind: <https://w3id.org/lemap/id/activity-kind/>')")
    save_screenshot(page, "workbench-completion-1280")
    assert any(urlsplit(u).path == "/api/vocabulary-terms" for u in page.requested_urls)
    assert outside_requests(page, live_server) == []


def test_a_link_reproduces_the_query(page, live_server) -> None:
    text = "PREFIX lm: <https://w3id.org/lemap/ontology#>\nSELECT ?country WHERE { ?country a lm:Country } ORDER BY ?country"
    # A share link may name another endpoint: the workbench takes only the query from it.
    open_workbench(page, live_server, "#query=" + quote(text) + "&endpoint=" + quote("https://example.org/sparql"))
    assert editor_text(page) == text
    run_editor_query(page)
    header, rows = result_table(page)
    assert [r[1] for r in rows][:1] == ["country:AFG"]
    assert outside_requests(page, live_server) == []


def test_an_error_shows_the_server_message_and_keeps_the_query(page, live_server, web_client) -> None:
    bad = "SELECT ?x WHERE { ?x ?y }"
    answer = web_client.post("/sparql", data={"query": bad}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 400
    open_workbench(page, live_server)
    set_editor_text(page, bad)
    run_editor_query(page)
    error = page.wait_for_selector(".yasr .lemap-error")
    shown = error.text_content()
    body = answer.get_data(as_text=True)
    try:
        data = json.loads(body)
        message = str(data.get("message") or data.get("error"))
    except ValueError:
        message = body.strip()
    assert message.strip()[:40] in shown
    assert editor_text(page) == bad
    save_screenshot(page, "workbench-error-1280")
    assert outside_requests(page, live_server) == []


def test_a_timeout_shows_the_server_message_and_keeps_the_query(page, live_server_factory, web_store) -> None:
    live = live_server_factory(web_store, {"LEMAP_QUERY_TIMEOUT": 1.0})
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    open_workbench(page, live)
    set_editor_text(page, endless)
    run_editor_query(page)
    shown = page.wait_for_selector(".yasr .lemap-error").text_content()
    assert "HTTP 503" in shown and "timed out after 1 s" in shown
    assert editor_text(page) == endless
    assert outside_requests(page, live) == []


def test_results_download_as_csv_and_json(page, live_server, web_store) -> None:
    open_workbench(page, live_server)
    page.select_option("#examples", "countries")
    expected = run_query(web_store, queries.get_query("countries").text)
    with page.expect_download() as info:
        page.click("#download-csv")
    table = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert table[0] == list(expected.variables) and len(table) == len(expected.rows) + 1
    assert info.value.suggested_filename == "countries.csv"
    with page.expect_download() as info:
        page.click("#download-json")
    data = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert len(data["results"]["bindings"]) == len(expected.rows)
    assert outside_requests(page, live_server) == []


@pytest.mark.parametrize("path", ["/", "/q/", "/q/entity-by-name?name=Kiev"])
def test_pages_look_right_on_a_desktop_and_a_phone(page, live_server, path: str) -> None:
    name = (path.strip("/").split("?")[0].replace("/", "-") or "home")
    page.goto(live_server.url + path)
    save_screenshot(page, f"{name}-1280", full_page=True)
    page.set_viewport_size(PHONE)
    save_screenshot(page, f"{name}-390", full_page=True)
    assert page_overflow(page) <= 0, "nothing is wider than a phone but the result table, which scrolls in its box"
    assert outside_requests(page, live_server) == []
    assert page.console_errors == []
