"""The header's search box in real headless Chromium over the curated data: typing offers suggestions, a
suggestion opens the entity's page, Enter opens the results page with the report's sentences marked,
keyboard choice works, and nothing is asked of another host. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from browser import outside_requests, save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def live(live_server_factory, curated_store):
    """The app over the curated data, served on a random port."""
    return live_server_factory(curated_store)


def suggestions(page) -> list[str]:
    """The labels of the suggestions shown under the header's box."""
    page.wait_for_selector("#site-search-q-suggestions:not([hidden]) [role=option]")
    return page.eval_on_selector_all(
        "#site-search-q-suggestions [role=option] .search-suggestions__label", "els => els.map(e => e.textContent)"
    )


def test_typing_a_misspelt_name_suggests_and_a_suggestion_opens_its_page(page, live) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live.url + "/network")
    box = page.locator("header #site-search-q")
    box.click()
    box.press_sequentially("Kharkov", delay=40)
    page.wait_for_function("() => [...document.querySelectorAll('#site-search-q-suggestions .search-suggestions__label')].some(e => e.textContent === 'Kharkiv')")
    shown = suggestions(page)
    assert shown[0] == "Kharkiv"
    assert shown[-1] == "Search everything for “Kharkov”"
    assert page.get_attribute("#site-search-q", "aria-expanded") == "true"
    save_screenshot(page, "search-suggestions")
    page.click("#site-search-q-suggestions [role=option] >> text=Kharkiv National University of Internal Affairs")
    page.wait_for_url("**/id/organisation/ukr-kharkiv-national-university-internal-affairs")
    assert "Kharkiv National University of Internal Affairs" in page.locator("h1").inner_text()
    assert outside_requests(page, live) == []
    assert page.console_errors == []


def test_enter_opens_the_results_grouped_by_kind_with_sentences_marked(page, live) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live.url + "/")
    page.fill("header #site-search-q", "referral schemes")
    page.press("header #site-search-q", "Enter")
    page.wait_for_url("**/search?q=referral+schemes")
    headings = page.eval_on_selector_all(".search-group h2", "hs => hs.map(h => h.firstChild.textContent.trim())")
    assert "Activities" in headings and "Sentences of the report" in headings
    marks = {m.lower() for m in page.eval_on_selector_all(".search-sentence mark", "ms => ms.map(m => m.textContent)")}
    assert {"referral", "schemes"} <= marks
    summary = page.inner_text("#search-summary")
    assert "for referral schemes" in summary and "sentences of the report" in summary
    save_screenshot(page, "search-results", full_page=False)
    page.click(".search-group#kind-activity a.search-hit__label >> nth=0")
    page.wait_for_url("**/id/activity/**")
    assert page.console_errors == []


def test_keyboard_chooses_a_suggestion(page, live) -> None:
    page.goto(live.url + "/q/")
    page.fill("header #site-search-q", "Kirgiz")
    assert suggestions(page)[0] == "Kyrgyzstan"
    page.press("header #site-search-q", "ArrowDown")
    assert page.get_attribute("#site-search-q", "aria-activedescendant") == "site-search-q-suggestions-0"
    page.press("header #site-search-q", "Enter")
    page.wait_for_url("**/id/country/KGZ")
    page.fill("header #site-search-q", "Kiev")
    suggestions(page)
    page.press("header #site-search-q", "Escape")
    assert page.is_hidden("#site-search-q-suggestions")
    assert page.console_errors == []


def test_markup_in_a_name_stays_text(page, live_server_factory, curated_store) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(curated_store)
    name = 'Odesa <img src=x onerror="window.hacked=1"> Network'
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/lemap/id/organisation/odesa-net"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal(name),
                      ox.NamedNode("https://w3id.org/lemap/graph/partner/p/d")))
    live = live_server_factory(store)
    page.goto(live.url + "/")
    page.fill("header #site-search-q", "Odesa <img")
    page.wait_for_function("() => [...document.querySelectorAll('#site-search-q-suggestions .search-suggestions__label')].some(e => e.textContent.includes('<img'))")
    assert name in suggestions(page)
    assert page.evaluate("window.hacked") is None
    assert page.query_selector("#site-search-q-suggestions img") is None
