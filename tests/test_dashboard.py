"""The dashboard (/dashboard) and its named queries over the curated data: the numbers match the report's
facts, every chart's data block equals its query's CSV and JSON downloads, and a change of the data
shows at the next load."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from browser import app_over, web_sources
from lemap_graph.queries import get_query
from lemap_graph.store import build_store, run_query
from webapp.dashboard import CHARTS


class _Page(HTMLParser):
    """The data block, the chart figures and the links of the dashboard page."""

    def __init__(self):
        super().__init__()
        self.data_text, self.figures, self.links, self._in_data = "", [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("id") == "dashboard-data":
            self._in_data = attrs.get("type") == "application/json"
        elif tag == "figure" and "data-chart" in attrs:
            self.figures.append(attrs["data-chart"])
        elif tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        self._in_data = False if tag == "script" else self._in_data

    def handle_data(self, data):
        if self._in_data:
            self.data_text += data


def read_page(client) -> _Page:
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.fixture(scope="module")
def dashboard(curated_app):
    page = read_page(curated_app.test_client())
    return page, json.loads(page.data_text)


def rows_of(dashboard, chart_id: str) -> list[dict]:
    return dashboard[1][chart_id]["rows"]


def test_every_chart_is_on_the_page_with_its_query_and_downloads(dashboard) -> None:
    page, data = dashboard
    assert page.figures == [c.id for c in CHARTS]
    for chart in CHARTS:
        assert chart.query.startswith("dashboard-") and get_query(chart.query).summary
        for href in (f"/q/{chart.query}", f"/q/{chart.query}.csv", f"/q/{chart.query}.json"):
            assert href in page.links, f"{chart.id} links {href}"
        assert data[chart.id]["rows"], f"{chart.id} has rows"


def test_the_home_page_and_the_navigation_link_the_dashboard(curated_client) -> None:
    html = curated_client.get("/").get_data(as_text=True)
    assert html.count('href="/dashboard"') >= 2, "a card on the home page and an entry in the site navigation"


def test_the_chart_data_equal_the_downloads(dashboard, curated_client) -> None:
    for chart in CHARTS:
        shown = rows_of(dashboard, chart.id)
        answer = json.loads(curated_client.get(f"/q/{chart.query}.json").get_data(as_text=True))
        as_json = [{v: b[v]["value"] for v in answer["head"]["vars"] if v in b} for b in answer["results"]["bindings"]]
        assert as_json == [{k: v for k, v in row.items() if v is not None} for row in shown], chart.id
        table = list(csv.DictReader(io.StringIO(curated_client.get(f"/q/{chart.query}.csv").get_data(as_text=True))))
        assert table == [{k: ("" if v is None else v) for k, v in row.items()} for row in shown], chart.id


def test_people_trained_keep_the_reports_qualifiers(dashboard) -> None:
    by_group = {(r["source"], r["group"]): r for r in rows_of(dashboard, "people-trained")}
    summary = {g: r["as_reported"] for (s, g), r in by_group.items() if s == "report figure"}
    # The summary's table: "Law Enforcement < 5000", "CSO <1500", "Parliamentarians, … <400"; the introduction: "over 5000".
    assert summary == {
        "Law Enforcement": "< 5000",
        "CSO": "< 1500",
        "Parliamentarians, health, education and social sectors": "< 400",
        "law enforcement and civil society partners": "> 5000",
    }
    assert by_group[("report figure", "Law Enforcement")]["qualifier_label"] == "fewer than"
    assert by_group[("report figure", "CSO")]["period"] == "2013–2021"
    ukraine = by_group[("activity", "representatives of NGOs, police, prison and narcology services")]
    assert (ukraine["as_reported"], ukraine["people"], ukraine["period"]) == ("more than 1400", "1400", "2012–2016")
    assert "more than 1400 representatives" in ukraine["evidence"]
    reported = {r["as_reported"] for r in rows_of(dashboard, "people-trained") if r["source"] == "activity"}
    assert {"about 250", "31", "25", "more than 5000"} <= reported


def test_adoption_stages_per_region(dashboard) -> None:
    cells = {(r["region_label"], r["stage_label"], r["status_label"]): r for r in rows_of(dashboard, "adoption")}
    seap = cells[("Southeast Asia and the Pacific", "translated", "done")]
    assert (seap["country_count"], sorted(seap["countries"].split(", "))) == ("2", ["Thailand", "Vietnam"])
    curricula = cells[("Eastern Europe and Central Asia", "incorporated into a curriculum", "in progress")]
    assert sorted(curricula["countries"].split(", ")) == ["Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan"]
    # Argentina only intends to translate and adapt; Brazil's adaptation is under way: kept apart from "done".
    assert cells[("Latin America and the Caribbean", "adapted", "intended")]["countries"] == "Argentina"
    assert cells[("Latin America and the Caribbean", "adapted", "in progress")]["countries"] == "Brazil"
    assert not any(r == "Central Asia" for r, _, _ in cells), "Central Asia is counted in its wider region once"
    assert sum(int(r["country_count"]) for r in cells.values()) == 19, "19 adoption steps, one country each"


def test_activities_per_year_by_region_and_by_kind_agree(dashboard, curated_store) -> None:
    per_year, by_region = rows_of(dashboard, "per-year"), rows_of(dashboard, "by-region")
    totals = Counter()
    for r in per_year:
        totals[r["region_label"]] += int(r["activities"])
    assert totals == {r["region_label"]: int(r["activities"]) for r in by_region}
    assert "Central Asia" not in totals
    # Moldova's six 2019 programmes (counselling, internship, probation, release, PRAS, systematic assistance).
    assert {(r["year"], r["region_label"]): r["activities"] for r in per_year}[("2019", "Eastern Europe and Central Asia")] == "6"
    kinds = {r["kind_label"]: int(r["activities"]) for r in rows_of(dashboard, "by-kind")}
    assert kinds == _kinds_counted_by_hand(curated_store)


def _kinds_counted_by_hand(store) -> dict[str, int]:
    """Activities done or in progress per kind label, counted in Python from plain triples."""
    rows = run_query(store, """
        PREFIX lm: <https://w3id.org/lemap/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?a ?label ?status WHERE { ?a a lm:Activity ; lm:activityKind/skos:prefLabel ?label ; lm:status ?status }
    """).rows
    counted = Counter(label.value for a, label, status in rows if re.search(r"/(done|in-progress)$", status.value))
    return dict(counted)


def test_a_data_change_shows_at_the_next_load(tmp_path) -> None:
    store = ox.Store()
    build_store(store, web_sources())
    with app_over(store) as app:
        client = app.test_client()
        before = json.loads(read_page(client).data_text)["by-kind"]["rows"]
        count = {r["kind_label"]: int(r["activities"]) for r in before}.get("webinar", 0)
        activity = "<https://w3id.org/lemap/id/activity/test-webinar>"
        ntriples = (
            f"{activity} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/lemap/ontology#Activity> .\n"
            f"{activity} <https://w3id.org/lemap/ontology#activityKind> <https://w3id.org/lemap/id/activity-kind/webinar> .\n"
            f"{activity} <https://w3id.org/lemap/ontology#status> <https://w3id.org/lemap/id/status/done> .\n"
        ).encode()
        app.extensions["lemap"].engine.write_graph("https://w3id.org/lemap/graph/test-partner", ntriples)
        after = json.loads(read_page(client).data_text)["by-kind"]["rows"]
        assert {r["kind_label"]: int(r["activities"]) for r in after}["webinar"] == count + 1


def test_unknown_arguments_change_nothing(curated_client) -> None:
    response = curated_client.get("/dashboard?chart=%3Cscript%3E&year=abc")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split('id="dashboard-data">')[0]
