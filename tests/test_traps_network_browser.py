"""The network view readable at a glance at 1366×900 in real Chromium: a canvas sized to the window,
labels of a legible size on screen at the default zoom, zoom and fit controls, a real empty state when
nothing matches, and no console warning from Cytoscape. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from browser import outside_requests, save_screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def live(live_server_factory, curated_store):
    """The app over the curated data, served on a random port."""
    return live_server_factory(curated_store, {"LEMAP_WORKERS": 1})


@pytest.fixture
def warnings(page):
    """Console warnings of the page (the ``page`` fixture keeps only errors)."""
    seen = []
    page.on("console", lambda m: m.type == "warning" and seen.append(m.text))
    return seen


def open_view(page, live, query: str = "", ready: str = "true") -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live.url}/network{query}")
    page.wait_for_selector(f"#network-canvas[data-ready='{ready}']", state="attached")
    if ready == "true":
        page.wait_for_selector("#network-canvas[data-labels-hidden]", state="attached")


def test_the_graph_is_readable_at_a_glance(page, live, warnings) -> None:
    open_view(page, live)
    box = page.query_selector("#network-canvas").bounding_box()
    assert box["width"] >= 900 and box["height"] >= 600, f"the canvas is {box['width']:.0f}×{box['height']:.0f} px"
    label_px = float(page.get_attribute("#network-canvas", "data-label-px"))
    assert label_px >= 12, f"labels are {label_px:.1f} px on screen"
    overlaps = page.evaluate("""() => {
        const boxes = lemapNetwork.cy.nodes().filter(n => n.data('name') && Number(n.style('text-opacity')) > 0)
            .map(n => n.boundingBox({includeNodes: false, includeLabels: true}));
        let n = 0;
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.x1 < b.x2 && a.x2 > b.x1 && a.y1 < b.y2 && a.y2 > b.y1) n++;
        }
        return {overlaps: n, labels: boxes.length};
    }""")
    assert overlaps["overlaps"] == 0 and overlaps["labels"] >= 15, overlaps
    save_screenshot(page, "network-1366")
    assert warnings == [], f"{len(warnings)} console warnings, first: {warnings[:1]}"
    assert page.console_errors == []
    assert outside_requests(page, live) == []


def test_zoom_and_fit_controls_work_and_labels_stay_legible(page, live) -> None:
    open_view(page, live)
    fitted = page.evaluate("lemapNetwork.cy.zoom()")
    page.click("#network-zoom-in")
    page.wait_for_function("z => lemapNetwork.cy.zoom() > z * 1.3", arg=fitted)
    page.click("#network-zoom-in")
    page.wait_for_function("z => lemapNetwork.cy.zoom() > z * 1.8", arg=fitted)
    assert 12 <= float(page.get_attribute("#network-canvas", "data-label-px")) <= 16
    page.click("#network-fit")
    page.wait_for_function("z => Math.abs(lemapNetwork.cy.zoom() - z) / z < 0.05", arg=fitted)
    page.click("#network-zoom-out")
    page.wait_for_function("z => lemapNetwork.cy.zoom() < z * 0.8", arg=fitted)


def test_filters_that_match_nothing_show_an_empty_state(page, live, warnings) -> None:
    open_view(page, live, "?from=2030&to=2031", ready="empty")
    assert page.is_visible("#network-empty") and not page.is_visible("#network-canvas")
    text = " ".join(page.text_content("#network-empty").split())
    assert "No organisation matches these filters" in text
    assert page.get_attribute("#network-empty a", "href") == "/network"
    assert not page.is_visible("#network-controls")
    assert "0 nodes" not in page.text_content("#network-status")
    save_screenshot(page, "network-empty-1366")
    assert warnings == [] and page.console_errors == []
