"""The adoption tracer in real headless Chromium over the curated data: the map draws every country that has a
recorded stage, clicking a country shows its steps, the filters drive the table, the CSV download equals the
table, the page fits a phone, and nothing is asked of another host. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import json
from urllib.request import urlopen

import pytest

from browser import outside_requests, save_screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live(live_server_factory, curated_store):
    """The app over the curated data, served on a random port."""
    return live_server_factory(curated_store)


def open_tracer(page, live, query: str = "") -> None:
    page.goto(live.url + "/adoption" + query)
    page.wait_for_selector("#adoption-map[data-state=ready]")
    page.wait_for_selector("#adoption-timeline[data-state=ready]")


def recorded_countries(live) -> list[dict]:
    with urlopen(live.url + "/adoption.json") as response:
        return json.load(response)["countries"]


def table_rows(page) -> list[dict]:
    """The table's rows as the reader sees them."""
    return page.eval_on_selector_all("#adoption-table tbody tr[data-iso3]", """trs => trs.map(tr => {
        const cell = label => tr.querySelector(`td[data-label="${label}"]`).textContent.trim().replace(/^—$/, "");
        return {iso3: tr.dataset.iso3, stage: tr.dataset.stage, status: tr.dataset.status,
                country: tr.querySelector('td[data-label="Country"] a').textContent.trim(),
                year: cell("Year"), language: cell("Language")};
    })""")


def page_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_map_draws_a_shape_or_marker_for_every_country_with_a_stage(page, live) -> None:
    open_tracer(page, live)
    countries = recorded_countries(live)
    assert countries
    for c in countries:
        shapes = page.query_selector_all(f'#adoption-map svg [data-iso3="{c["alpha3"]}"]')
        assert shapes, f"{c['label']} has a recorded stage but nothing on the map"
        boxes = [s.bounding_box() for s in shapes]
        assert any(b and b["width"] > 0 and b["height"] > 0 for b in boxes), f"{c['label']} is drawn but not visible"
    # Mauritius is not in the 1:110m atlas: it comes from 1:50m with a ring marker so it can be seen and clicked
    if any(c["alpha3"] == "MUS" for c in countries):
        assert page.query_selector('#adoption-map circle.marker[data-iso3="MUS"]')
    # a country that only intends is drawn differently from one that did it
    standings = {c["alpha3"]: c["standing"] for c in countries}
    fills = {code: page.get_attribute(f'#adoption-map path[data-iso3="{code}"]', "fill") for code in ("AFG", "ARG", "BRA")}
    assert (standings["AFG"], standings["ARG"], standings["BRA"]) == ("done", "not-done", "in-progress")
    assert fills["AFG"].startswith("#") and fills["ARG"].startswith("url(#dots-") and fills["BRA"].startswith("url(#hatch-")
    assert "only intended, planned" in page.text_content("#adoption-legend")
    assert page.console_errors == []
    assert outside_requests(page, live) == []
    save_screenshot(page, "adoption-1280")


def test_clicking_afghanistan_shows_dari_and_2020(page, live) -> None:
    open_tracer(page, live)
    page.click('#adoption-map path[data-iso3="AFG"]')
    card = page.locator("#country-card")
    card.get_by_text("Afghanistan").first.wait_for()
    text = card.text_content()
    assert "Dari" in text and "2020" in text and "done" in text
    page.click('#adoption-map path[data-iso3="ARG"]')
    assert "Not done" in card.text_content() and "intended" in card.text_content()
    page.click('#adoption-map path[data-iso3="AFG"]')
    save_screenshot(page, "adoption-afghanistan-selected")
    page.click("#country-card a[data-country-filter]")  # "Its rows in the table"
    page.wait_for_function("() => document.location.search.includes('country=AFG')")
    page.wait_for_function("() => !document.querySelector('#adoption-table[aria-busy]')")
    assert {r["iso3"] for r in table_rows(page)} == {"AFG"}
    assert page.is_visible("#row-count [data-country-note]")


def test_curriculum_filter_shows_myanmar_and_the_csv_equals_the_table(page, live) -> None:
    open_tracer(page, live)
    total = len(table_rows(page))
    page.select_option("#filter-stage", "curriculum")
    page.wait_for_function("() => document.location.search.includes('stage=curriculum')")
    page.wait_for_function("() => !document.querySelector('#adoption-table[aria-busy]')")
    rows = table_rows(page)
    assert 0 < len(rows) < total
    assert "Myanmar" in {r["country"] for r in rows}
    assert {r["stage"] for r in rows} == {"curriculum"}
    assert page.text_content("#row-count [data-count]") == str(len(rows))
    assert "stage=curriculum" in page.get_attribute("#download-csv", "href")

    with page.expect_download() as info:
        page.click("#download-csv")
    with open(info.value.path(), encoding="utf-8-sig", newline="") as f:
        downloaded = list(csv.DictReader(f))
    assert [(d["iso3"], d["stage_notation"], d["status"].replace(" ", "-"), d["year"], d["language"]) for d in downloaded] == [
        (r["iso3"], "5", r["status"], r["year"], r["language"]) for r in rows
    ]
    assert [d["country"] for d in downloaded] == [r["country"] for r in rows]


def test_sorting_by_year_reorders_the_table_and_the_download(page, live) -> None:
    open_tracer(page, live)
    page.click('#adoption-table th a.sort[data-sort="year"]')
    page.wait_for_function("() => document.location.search.includes('sort=year')")
    page.wait_for_function("() => !document.querySelector('#adoption-table[aria-busy]')")
    years = [r["year"] for r in table_rows(page)]
    dated = [y for y in years if y]
    assert dated == sorted(dated) and years == dated + [""] * (len(years) - len(dated))
    assert page.get_attribute('#adoption-table th.col-year', "aria-sort") == "ascending"
    with urlopen(live.url + page.get_attribute("#download-json", "href")) as response:
        assert [r["year"] for r in json.load(response)["rows"]] == years


def test_the_tracer_is_usable_on_a_phone(page, live) -> None:
    page.set_viewport_size(PHONE)
    open_tracer(page, live)
    assert page_overflow(page) <= 1, "the page is wider than a 390 px phone"
    assert page.is_visible('#adoption-map path[data-iso3="AFG"]')
    page.click('#adoption-map path[data-iso3="AFG"]')
    assert "Dari" in page.text_content("#country-card")
    first = page.locator("#adoption-table tbody tr").first
    assert first.bounding_box()["width"] <= PHONE["width"]
    save_screenshot(page, "adoption-390")
    save_screenshot(page, "adoption-390-full", full_page=True)


def test_lineage_page_shows_the_tree_with_evidence(page, live) -> None:
    page.goto(live.url + "/adoption/AFG")
    tree = page.locator("#lineage-tree")
    assert "Dari" in tree.text_content() and "translated to the national language (Dari) in 2020" in tree.text_content()
    assert page.query_selector('a[href="/q/adoption-lineage?country=AFG"]')
    save_screenshot(page, "adoption-lineage-afg", full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(live.url + "/adoption/MMR")
    assert page_overflow(page) <= 1
    save_screenshot(page, "adoption-lineage-mmr-390")
    assert page.console_errors == []
    assert outside_requests(page, live) == []
