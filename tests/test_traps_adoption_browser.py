"""The adoption map as a person meets it at 1366×900 in real Chromium: large, zoomable, following the
table's filters; and a country page in one voice. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from browser import outside_requests, save_screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def live(live_server_factory, curated_store):
    """The app over the curated data, served on a random port."""
    return live_server_factory(curated_store)


def open_tracer(page, live, query: str = "") -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(live.url + "/adoption" + query)
    page.wait_for_selector("#adoption-map[data-state=ready]")


def test_the_map_is_large_and_zooms(page, live) -> None:
    open_tracer(page, live)
    box = page.query_selector("#adoption-map svg").bounding_box()
    assert box["width"] >= 900 and box["height"] >= 440, f"the map is {box['width']:.0f}×{box['height']:.0f} px"
    save_screenshot(page, "adoption-1366")
    page.click(".map-controls button[aria-label='Zoom in']")
    page.wait_for_function("() => Number(document.getElementById('adoption-map').dataset.zoom) > 1.5")
    transform = page.get_attribute("#adoption-map .zoom-layer", "transform")
    assert transform and "scale(" in transform
    page.click(".map-controls button[aria-label='Show the whole world']")
    page.wait_for_function("() => Number(document.getElementById('adoption-map').dataset.zoom) === 1")
    assert page.console_errors == []
    assert outside_requests(page, live) == []


def test_the_map_follows_the_table_filters(page, live) -> None:
    open_tracer(page, live)
    assert page.get_attribute("#adoption-map", "data-shown") == "all"
    page.select_option("#filter-region", "central-asia")
    page.wait_for_function("() => document.getElementById('adoption-map').dataset.shown !== 'all'")
    shown = set(page.get_attribute("#adoption-map", "data-shown").split())
    table = set(page.eval_on_selector_all("#adoption-table tbody tr[data-iso3]", "trs => trs.map(t => t.dataset.iso3)"))
    assert shown == table and "KAZ" in shown
    faded = set(page.eval_on_selector_all("#adoption-map path.is-filtered-out[data-iso3]", "ps => ps.map(p => p.dataset.iso3)"))
    assert faded and not faded & shown
    assert page.is_visible("#map-filter-note") and f"{len(shown)} countries shown" in page.text_content("#map-filter-note")
    page.wait_for_function("() => Number(document.getElementById('adoption-map').dataset.zoom) > 1.5")
    save_screenshot(page, "adoption-filtered-1366")
    page.select_option("#filter-region", "")
    page.wait_for_function("() => document.getElementById('adoption-map').dataset.shown === 'all'")
    assert page.query_selector_all("#adoption-map .is-filtered-out") == []


def test_a_filtered_link_opens_with_the_map_following(page, live) -> None:
    open_tracer(page, live, "?country=KAZ")
    assert page.get_attribute("#adoption-map", "data-shown") == "KAZ"
    assert "steps shown for Kazakhstan" in " ".join(page.text_content("#row-count").split())


def test_the_country_page_reads_in_one_voice(page, live) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(live.url + "/adoption/UKR")
    lead = page.text_content("#country-lead")
    assert "only indirectly" in " ".join(lead.split())
    assert page.text_content("#lineage-heading").startswith("How Ukraine is linked to the Manual")
    save_screenshot(page, "adoption-ukr-1366", full_page=False)
