"""Small layout traps, measured in real Chromium at 1366×900: the named queries' tag pills, and the
vocabulary page's table of contents beside (not over) lemap's link bar."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


def test_query_tags_are_small_pills(page, live_server) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/q/")
    tags = page.eval_on_selector_all(".query-list .tag", """els => els.map(e => {
        const s = getComputedStyle(e), r = e.getBoundingClientRect();
        return {h: r.height, top: s.borderTopWidth, bottom: s.borderBottomWidth, pad: s.paddingTop};
    })""")
    assert tags, "the list shows tags"
    assert all(t["h"] < 26 for t in tags), f"pills are {max(t['h'] for t in tags):.0f} px tall"
    assert all(t["top"] == t["bottom"] and t["pad"] == "0px" for t in tags), "no list-item border or padding on a pill"


def test_the_ontology_contents_do_not_cover_the_link_bar(page, live_server) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/ontology")
    bar = page.query_selector("nav.lemap-bar").bounding_box()
    toc = page.query_selector("#toc").bounding_box()
    assert bar["x"] + bar["width"] <= toc["x"], f"the bar ends at {bar['x'] + bar['width']:.0f}, the contents start at {toc['x']:.0f}"
    for link in page.query_selector_all("nav.lemap-bar a"):
        box = link.bounding_box()
        assert box["x"] + box["width"] <= toc["x"]
