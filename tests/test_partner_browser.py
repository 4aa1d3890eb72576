"""A partner checks a CSV in the browser: the form at /validate, the report grouped by focus node, the graphs page."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from browser import outside_requests, save_screenshot, web_sources
from lemap_graph.store import build_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"


@pytest.fixture
def partner_server(live_server_factory, tmp_path):
    store = ox.Store()
    build_store(store, web_sources())
    live = live_server_factory(store, {"LEMAP_TOKENS": str(tmp_path / "tokens.sqlite"), "LEMAP_WORKERS": 1})
    yield live
    live.app.extensions["lemap"].close()


@pytest.mark.browser
def test_a_partner_checks_a_csv_in_the_form(page, partner_server) -> None:
    page.goto(partner_server.url + "/validate")
    page.get_by_role("link", name="Contribute").wait_for()
    page.set_input_files("#file", str(FIXTURES / "activities-unmatched.csv"))
    page.get_by_role("button", name="Check").click()
    page.locator("#verdict").wait_for()
    save_screenshot(page, "partner-validate-report", full_page=True)
    assert "does not conform" in page.locator("#verdict").inner_text()
    nodes = page.locator(".partner-node h3")
    assert nodes.count() == 2
    unmatched = page.locator("#unmatched tbody tr")
    rows = [unmatched.nth(i).inner_text() for i in range(unmatched.count())]
    assert any("Ukrainian SSR" in r and "Ukraine" in r for r in rows)
    page.get_by_role("link", name="country:UKR").first.click()
    page.wait_for_url("**/id/country/UKR")
    assert page.console_errors == [] and outside_requests(page, partner_server) == []


@pytest.mark.browser
def test_the_graphs_page_lists_every_graph(page, partner_server) -> None:
    page.goto(partner_server.url + "/graphs")
    table = page.locator("#graphs")
    table.wait_for()
    save_screenshot(page, "partner-graphs")
    assert "data/triples/ukraine.ttl" in table.inner_text()
    page.get_by_role("link", name="data/triples/ukraine").click()
    page.locator("#provenance").wait_for()
    save_screenshot(page, "partner-graph")
    assert "data/triples/ukraine.ttl" in page.locator("#provenance").inner_text()
