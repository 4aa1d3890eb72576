"""A partner's data in the views, in headless Chromium: datasets imported over HTTP (Turtle and the CSV template),
then the entity pages, the adoption tracer and the network read as a person reads them, the "Report only /
With partner data" switch flipped. Screenshots go to test-artifacts/partner-views-*.png."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from browser import outside_requests, save_screenshot, web_sources
from lemap_graph.store import build_store

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"
ACTIVITY_PAGE = "/id/partner/npu/trainings/activity/kyiv-2019-training"


def put(live, path: str, body: bytes, media_type: str, token: str) -> dict:
    request = urllib.request.Request(live.url + path, data=body, method="PUT",
                                     headers={"Content-Type": media_type, "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 201
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The web fixture graph served over HTTP, with npu's datasets imported through the API: a training (Turtle),
    an adoption step and another name for Kyiv (Turtle), and two activities from the CSV template."""
    from browser import app_over, serve
    from lemap_graph.partner.tokens import TokenStore

    store = ox.Store()
    build_store(store, web_sources())
    tokens = tmp_path_factory.mktemp("views-browser") / "tokens.sqlite"
    with app_over(store, LEMAP_TOKENS=str(tokens)) as app:
        server = serve(app)
        token = TokenStore(tokens).create("npu")
        put(server, "/graphs/npu/trainings", (FIXTURES / "trainings.ttl").read_bytes(), "text/turtle", token)
        put(server, "/graphs/npu/steps", (FIXTURES / "adoption-steps.ttl").read_bytes(), "text/turtle", token)
        put(server, "/graphs/npu/csv", (FIXTURES / "activities.csv").read_bytes(), "text/csv", token)
        try:
            yield server
        finally:
            server.stop()


def test_an_entity_only_a_partner_knows_and_one_it_adds_to(page, live) -> None:
    page.goto(live.url + ACTIVITY_PAGE)
    assert page.locator("#partners").inner_text() == "Only in partner data"
    assert page.locator(".ld-properties .ld-partner").count() >= 10  # every statement, each marked
    save_screenshot(page, "partner-views-entity-partner-only", full_page=True)
    page.locator("#partner-data a", has_text="provenance and triples").click()
    page.wait_for_url("**/graph/partner/npu/trainings")
    assert "npu" in page.locator("#provenance").inner_text()

    page.goto(live.url + "/id/place/kyiv")
    summary = page.locator("#partner-data").inner_text()
    assert "Partner data on this page" in summary and "npu/steps" in summary and "npu/csv" in summary
    hidden = page.locator(".ld-properties tr", has_text="hidden label")
    assert "Kyiv city" in hidden.inner_text() and "npu/steps" in hidden.locator(".ld-partner").inner_text()
    assert "the report says it too" in page.locator(".ld-properties tr", has_text="preferred label").inner_text()
    save_screenshot(page, "partner-views-entity-kyiv", full_page=True)
    assert page.console_errors == [] and outside_requests(page, live) == []


def test_the_adoption_tracer_marks_partner_steps_and_the_switch_hides_them(page, live) -> None:
    page.goto(live.url + "/adoption")
    page.wait_for_selector("#adoption-map[data-state='ready']")
    assert page.locator("#sources-all").get_attribute("aria-current") == "true"
    row = page.locator("#adoption-table tbody tr[data-iso3='UKR']")
    assert row.count() == 1 and "npu/steps" in row.locator(".partner-mark").inner_text()
    assert "from partners' datasets" in page.locator("#partner-count").inner_text()
    assert page.locator("#adoption-map path.country--partner[data-iso3='UKR']").count() == 1  # the map's amber outline
    assert "partner's dataset" in page.locator("#legend-partner").inner_text()
    save_screenshot(page, "partner-views-adoption-all", full_page=True)

    page.locator("#sources-report").click()
    page.wait_for_url("**/adoption?sources=report")
    assert page.locator("#sources-report").get_attribute("aria-current") == "true"
    assert page.locator("#adoption-table tbody tr[data-iso3='UKR']").count() == 0
    page.wait_for_selector("#adoption-map[data-state='ready']")
    assert page.locator("#adoption-map .country--partner").count() == 0 and page.locator("#legend-partner").count() == 0
    assert "left out" in page.locator("#sources-note").inner_text()
    assert "sources=report" in page.locator("#download-csv").get_attribute("href")
    save_screenshot(page, "partner-views-adoption-report", full_page=True)

    page.locator("#sources-all").click()
    page.wait_for_url("**/adoption")
    page.select_option("#filter-stage", "adapted")  # the table refreshes from the JSON: the row is built by the script
    page.wait_for_function("() => location.search.includes('stage=adapted')")
    rebuilt = page.locator("#adoption-table tbody tr[data-source='partner']")
    rebuilt.wait_for()
    assert "npu/steps" in rebuilt.locator(".partner-mark a").inner_text()
    assert page.console_errors == [] and outside_requests(page, live) == []


def test_a_countrys_lineage_marks_partner_facts(page, live) -> None:
    page.goto(live.url + "/adoption/UKR")
    assert "come from partners' datasets" in page.locator("#sources-note").inner_text()
    tree = page.locator("#lineage-tree")
    assert tree.locator(".partner-badge").count() >= 2  # the step and the training that used the Manual
    save_screenshot(page, "partner-views-country", full_page=True)
    page.locator("#sources-report").click()
    page.wait_for_url("**/adoption/UKR?sources=report")
    assert page.locator("#lineage-tree .partner-badge").count() == 0
    assert page.console_errors == []


def test_the_network_marks_partner_links_and_the_filter_drops_them(page, live) -> None:
    page.goto(live.url + "/network")
    page.wait_for_selector("#network-canvas[data-ready='true']")
    line = page.locator("#network-sources").inner_text()
    assert "rest on partners' statements" in line and "npu/trainings" in line
    drawn = page.evaluate("() => lemapNetwork.cy.elements().map(e => e.data('provenance'))")
    assert "report+partner" in drawn or "partner" in drawn
    assert page.locator("#network-metrics .partner-badge").count() >= 1
    assert "partners' statements" in page.locator("#network-legend").inner_text()
    page.fill("#network-search-input", "UNODC")
    page.click("#network-search button[type=submit]")
    page.wait_for_function("() => lemapNetwork.focused !== undefined")
    assert "npu/trainings" in page.locator("#network-panel .partner-note").inner_text()
    page.locator("#network-canvas").scroll_into_view_if_needed()
    save_screenshot(page, "partner-views-network-all", full_page=True)

    page.select_option("#f-sources", "report")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/network?**sources=report**")
    page.wait_for_selector("#network-canvas[data-ready='true']")
    assert "The report's statements only" in page.locator("#network-sources").inner_text()
    drawn = page.evaluate("() => lemapNetwork.cy.elements().map(e => e.data('provenance'))")
    assert drawn and set(drawn) == {"report"}
    save_screenshot(page, "partner-views-network-report", full_page=True)
    assert page.console_errors == [] and outside_requests(page, live) == []
