"""The network view in headless Chromium: it draws the filtered graph, the search focuses a node, and
clicking a link lists the activities behind it. Screenshots go to test-artifacts/network-*.png."""

from __future__ import annotations

import pytest
from browser import outside_requests, save_screenshot

from lemap_graph import network as nw

pytestmark = pytest.mark.browser

ORG = "https://w3id.org/lemap/id/organisation/"


@pytest.fixture
def live(live_server_factory, curated_store):
    """The app over the curated data, served on a random port."""
    return live_server_factory(curated_store, {"LEMAP_WORKERS": 1})


@pytest.fixture(scope="module")
def curated_data(curated_store):
    return nw.data_from_store(curated_store)


def open_view(page, live, query: str = "") -> None:
    page.goto(f"{live.url}/network{query}")
    page.wait_for_selector("#network-canvas[data-ready='true']")


def test_the_view_draws_the_filtered_network(page, live, curated_data) -> None:
    expected = nw.build_network(curated_data, nw.parse_filters({"region": ["eeca"]}, curated_data)).graph
    open_view(page, live, "?region=eeca")
    drawn = page.evaluate("() => ({nodes: lemapNetwork.cy.nodes().length, edges: lemapNetwork.cy.edges().length})")
    assert drawn == {"nodes": expected.number_of_nodes(), "edges": expected.number_of_edges()}
    assert page.locator("#network-metrics tbody tr").count() == expected.number_of_nodes()
    assert f"{expected.number_of_nodes()} nodes" in page.text_content("#network-status")
    save_screenshot(page, "network-eeca")
    assert outside_requests(page, live) == [] and page.console_errors == []


def test_search_focuses_a_node(page, live) -> None:
    open_view(page, live)
    page.fill("#network-search-input", "leahn")
    page.click("#network-search button[type=submit]")
    page.wait_for_function("() => lemapNetwork.focused !== undefined")
    assert page.evaluate("lemapNetwork.focused") == ORG + "leahn"
    assert page.evaluate("lemapNetwork.cy.$(':selected').map(n => n.id())") == [ORG + "leahn"]
    assert page.text_content("#panel-title") == "Law Enforcement and HIV Network"
    assert "United Nations Office on Drugs and Crime" in page.text_content("#network-panel .partners")
    page.wait_for_timeout(400)  # the zoom animation
    page.locator("#network-canvas").scroll_into_view_if_needed()
    save_screenshot(page, "network-search-leahn")
    assert page.console_errors == []


def test_clicking_a_link_lists_its_activities(page, live, curated_data) -> None:
    open_view(page, live)
    page.locator("#network-canvas").scroll_into_view_if_needed()
    # Aim only at a still picture: no viewport animation running and two frames drawn since the scroll.
    page.wait_for_function("""() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
        () => done(!lemapNetwork.cy.animated() && lemapNetwork.cy.elements().every(e => !e.animated())))))""")
    # The heaviest link whose midpoint no node covers, and where that midpoint is in the window.
    target = page.evaluate("""() => {
      const cy = lemapNetwork.cy;
      const box = document.getElementById('network-canvas').getBoundingClientRect();
      const free = e => { const m = e.renderedMidpoint(); return cy.nodes().every(n => {
        const b = n.renderedBoundingBox({includeLabels: true});
        return m.x < b.x1 - 4 || m.x > b.x2 + 4 || m.y < b.y1 - 4 || m.y > b.y2 + 4; }) &&
        m.x > 5 && m.y > 5 && m.x < box.width - 5 && m.y < box.height - 5 && box.top + m.y < window.innerHeight - 5; };
      const edges = cy.edges().filter(free).sort((a, b) => b.data('weight') - a.data('weight'));
      const e = edges[0], m = e.renderedMidpoint();
      return {id: e.id(), source: e.source().id(), target: e.target().id(), x: box.left + m.x, y: box.top + m.y};
    }""")
    page.mouse.click(target["x"], target["y"])
    # Where links cross, the click may land on another link: the panel must list the one it selected.
    page.wait_for_selector("#network-panel[data-edge]")
    clicked = page.evaluate("""() => { const e = lemapNetwork.cy.getElementById(
        document.getElementById('network-panel').dataset.edge); return [e.source().id(), e.target().id()]; }""")
    net = nw.build_network(curated_data, nw.Filters())
    expected = net.graph.edges[clicked[0], clicked[1]]["activities"]
    listed = page.eval_on_selector_all("#network-panel .activities > li", "items => items.map(li => li.dataset.activity)")
    assert listed == expected
    links = page.eval_on_selector_all("#network-panel .activities > li > a", "links => links.map(a => a.getAttribute('href'))")
    assert links == ["/id/activity/" + a.rsplit("/", 1)[1] for a in expected]
    page.wait_for_selector("#network-panel .evidence-link")  # the report's sentences arrive
    assert page.locator("#network-panel .evidence q").first.text_content().strip()
    save_screenshot(page, "network-edge-activities")
    assert outside_requests(page, live) == [] and page.console_errors == []


def test_the_table_sorts_and_a_row_focuses_its_node(page, live) -> None:
    open_view(page, live)
    page.click("#network-metrics button[data-sort='degree']")
    first = page.get_attribute("#network-metrics tbody tr:first-child", "data-id")
    assert first == ORG + "unodc"
    page.click("#network-metrics button[data-sort='label']")
    labels = page.eval_on_selector_all("#network-metrics tbody tr", "rows => rows.map(r => r.dataset.label)")
    assert labels == page.evaluate("labels => [...labels].sort((a, b) => a.localeCompare(b))", labels)
    assert page.get_attribute("#network-metrics th:first-child", "aria-sort") == "ascending"
    page.click("#network-metrics tbody tr:first-child td:nth-child(3)")
    assert page.evaluate("lemapNetwork.focused") == page.get_attribute("#network-metrics tbody tr:first-child", "data-id")
