"""The dashboard and the code to copy in real headless Chromium at 1366x900: the charts are SVG with axis
labels and the report's qualifiers, the download links give the chart's rows, the Code panel and the
workbench's Code button show snippets that copy. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import json

import pytest

from browser import outside_requests, save_screenshot, vendor_missing
from webapp.dashboard import CHARTS

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def curated_live(live_server_factory, curated_store):
    return live_server_factory(curated_store, {"LEMAP_WORKERS": 1})


def open_dashboard(page, live):
    assert not vendor_missing(), f"missing {vendor_missing()}: run `make assets`"
    page.set_viewport_size(DESKTOP)
    page.goto(live.url + "/dashboard")
    page.wait_for_function(
        "n => document.querySelectorAll('figure.chart[data-drawn=\"true\"]').length === n", arg=len(CHARTS)
    )


def svg_texts(page, chart_id: str) -> list[str]:
    """Every text the chart's SVG shows: tick labels, axis labels, bar labels."""
    return page.eval_on_selector_all(f"#chart-{chart_id} svg text", "ts => ts.map(t => t.textContent.trim())")


def test_dashboard_draws_every_chart_with_axis_labels(page, curated_live) -> None:
    open_dashboard(page, curated_live)
    labels = {chart.id: svg_texts(page, chart.id) for chart in CHARTS}
    assert "Year the activity started" in labels["per-year"]
    assert any(t.strip("↑ ") == "Activities (number)" for t in labels["per-year"]), "the y axis says what and in what unit"
    assert {"2013", "2019", "2021"} <= set(labels["per-year"])
    assert "UNODC region" in labels["by-region"] and "Eastern Europe and Central Asia" in labels["by-region"]
    assert "Central Asia" not in labels["by-region"]
    assert "Kind of activity" in labels["by-kind"] and "training" in labels["by-kind"]
    people = labels["people-trained"]
    assert any(t.startswith("People (the number the report gives)") for t in people)
    assert {"< 5000", "< 1500", "< 400", "more than 1400", "about 250"} <= set(people), "the report's qualifiers are shown"
    assert any(t.startswith("Countries (number)") for t in labels["adoption"])
    assert "Stage of taking up the Training Manual →" in labels["adoption"]
    assert {"1. introduced", "5. in a curriculum"} <= set(labels["adoption"])
    for chart in CHARTS:
        widest = page.eval_on_selector_all(f"#chart-{chart.id} svg", "svgs => Math.max(...svgs.map(s => s.getBoundingClientRect().width))")
        assert widest >= 500, f"{chart.id} is drawn wide enough to read"
    assert "done" in page.text_content("#chart-adoption") and "intended" in page.text_content("#chart-adoption")
    save_screenshot(page, "dashboard-1366")
    save_screenshot(page, "dashboard-1366-full", full_page=True)
    assert page.console_errors == []
    assert outside_requests(page, curated_live) == []


def test_dashboard_downloads_are_the_charts_rows(page, curated_live) -> None:
    open_dashboard(page, curated_live)
    shown = json.loads(page.text_content("#dashboard-data"))
    card = page.locator("#people-trained")
    with page.expect_download() as download:
        card.locator("a.chart-card__csv").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [r["as_reported"] for r in rows] == [r["as_reported"] for r in shown["people-trained"]["rows"]]
    assert download.value.suggested_filename == "dashboard-people-trained.csv"
    with page.expect_download() as download:
        page.locator("#adoption a.chart-card__json").click()
    answer = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert len(answer["results"]["bindings"]) == len(shown["adoption"]["rows"])
    page.locator("#by-kind a.chart-card__query").click()
    page.wait_for_url("**/q/dashboard-activities-by-kind")
    assert "activities by kind" in page.text_content("h1")


def test_query_page_code_panel_shows_and_copies_snippets(page, curated_live, browser_context) -> None:
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=curated_live.url)
    page.set_viewport_size(DESKTOP)
    page.goto(curated_live.url + "/q/adoption-lineage?country=Ukraine")
    tabs = page.locator("#code [role=tab]")
    assert tabs.all_text_contents() == ["curl", "curl (named-query API)", "Python (SPARQLWrapper)",
                                        "Python (requests + pandas)", "R (httr)", "JavaScript (fetch)"]
    page.click("#code-tab-python-sparqlwrapper")
    panel = page.locator("#code-panel-python-sparqlwrapper")
    assert panel.is_visible() and not page.locator("#code-panel-curl").is_visible()
    code = panel.locator("pre code").text_content()
    assert f'ENDPOINT = "{curated_live.url}/sparql"' in code and "country/UKR> AS ?_country" in code
    panel.locator("button.code-snippet__copy").click()
    page.wait_for_function("() => document.querySelector('#code .code-status').textContent.startsWith('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.locator("#code").scroll_into_view_if_needed()
    save_screenshot(page, "query-code-panel-1366")
    assert page.console_errors == []


def test_workbench_code_button_shows_the_current_query(page, curated_live) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(curated_live.url + "/sparql")
    page.wait_for_function("() => window.lemapWorkbench && window.lemapWorkbench.yasgui.getTab().getYasqe()")
    page.select_option("#examples", "dashboard-activities-by-kind")
    page.click("#show-code")
    dialog = page.locator("#code-dialog")
    dialog.locator("[role=tab]").first.wait_for()
    assert dialog.is_visible()
    assert dialog.locator("[role=tab]").all_text_contents()[:3] == ["curl", "Python (SPARQLWrapper)", "Python (requests + pandas)"]
    dialog.locator("#code-tab-r-httr").click()
    r_code = dialog.locator("#code-panel-r-httr pre code").text_content()
    assert f'endpoint <- "{curated_live.url}/sparql"' in r_code
    assert "(COUNT(DISTINCT ?activity) AS ?activities)" in r_code, "the query in the editor"
    save_screenshot(page, "workbench-code-1366")
    dialog.locator(".code-dialog__close").click()
    assert not dialog.is_visible()
    assert page.console_errors == []


def test_markup_in_partner_data_is_drawn_as_text(page, live_server_factory) -> None:
    import pyoxigraph as ox

    from browser import web_sources
    from lemap_graph.store import build_store

    store = ox.Store()
    build_store(store, web_sources())
    live = live_server_factory(store, {"LEMAP_WORKERS": 1})
    hostile = '<img src=x onerror="document.title=1">kind'
    kind, activity = "<https://w3id.org/lemap/id/activity-kind/partner-kind>", "<https://w3id.org/lemap/id/activity/partner-1>"
    ntriples = (
        f'{kind} <http://www.w3.org/2004/02/skos/core#prefLabel> "{hostile.replace(chr(34), chr(92) + chr(34))}"@en .\n'
        f"{activity} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/lemap/ontology#Activity> .\n"
        f"{activity} <https://w3id.org/lemap/ontology#activityKind> {kind} .\n"
        f"{activity} <https://w3id.org/lemap/ontology#status> <https://w3id.org/lemap/id/status/done> .\n"
    ).encode()
    live.app.extensions["lemap"].engine.write_graph("https://w3id.org/lemap/graph/partner-test", ntriples)
    page.goto(live.url + "/dashboard")
    page.wait_for_selector("#chart-by-kind[data-drawn=true]")
    assert hostile in svg_texts(page, "by-kind")
    assert page.locator("#by-kind img").count() == 0 and page.title() != "1"
    assert page.console_errors == []
