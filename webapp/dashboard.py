"""The dashboard: the charts people would otherwise make in a spreadsheet, each from one named query.

Route ``/dashboard``. Every chart is a named query (``lemap_graph/sparql/dashboard-*.rq``) run through
the app's engine like any ``/q/<name>`` page, so the chart, the query's page and its CSV and JSON
downloads (``/q/<name>.csv``, ``.json``) always show the same rows. The rows reach the page as JSON in
a ``<script type="application/json">`` block (pages run no inline code); ``static/js/dashboard.js``
draws them with Observable Plot as SVG. The rows are kept per ``engine.version``, so a data change
(a partner import) shows at the next page load.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from lemap_graph import queries

from .workbench import QueryFailed, run_named

bp = Blueprint("dashboard", __name__)

#: This blueprint's entry in the site navigation (see webapp.workbench.site_nav).
bp.nav = (("dashboard.page", "Dashboard"),)

_EXTENSION = "lemap_dashboard"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    """One chart: its element id, the named query behind it, a title, what it counts, and its table's columns."""

    id: str
    query: str
    title: str
    caption: str
    columns: tuple[str, ...]


#: The dashboard's charts, in page order; static/js/dashboard.js draws each by its id.
CHARTS: tuple[Chart, ...] = (
    Chart("per-year", "dashboard-activities-per-year", "Activities per year",
          "Activities done or under way, by the year they started, coloured by UNODC region. "
          "Activities the report gives no year for are listed under the chart.",
          ("year", "region_label", "activities")),
    Chart("by-region", "dashboard-activities-by-region", "Activities by region",
          "Activities done or under way in each UNODC region (Central Asia counted in Eastern Europe and Central Asia; "
          "an activity with no country is global).",
          ("region_label", "activities")),
    Chart("by-kind", "dashboard-activities-by-kind", "Activities by kind",
          "Activities done or under way per kind; an activity of several kinds counts under each.",
          ("kind_label", "activities", "dated_activities")),
    Chart("people-trained", "dashboard-people-trained", "People trained, as the report gives them",
          "The report's figures of people trained by group, then the participants of single activities. "
          "Each bar ends at the number the report gives; its label keeps the report's qualifier "
          "(\u201c< 5000\u201d: fewer than 5000; \u201cmore than 1400\u201d).",
          ("source", "group", "as_reported", "qualifier_label", "period", "item_label")),
    Chart("adoption", "dashboard-adoption-stages-by-region", "Training Manual adoption stages per region",
          "Countries of each UNODC region at each stage of taking up the UNODC Training Manual, "
          "with what was done kept apart from what is under way or only intended.",
          ("region_label", "stage_label", "status_label", "country_count", "countries")),
)


@bp.get("/dashboard")
def page():
    """The dashboard: one card per chart with its data, the query behind it and its downloads."""
    data = chart_data()
    cards = [_card(chart, data[chart.id]) for chart in CHARTS]
    return render_template("dashboard/index.html", cards=cards, data=data)


def chart_data() -> dict[str, dict[str, Any]]:
    """Every chart's rows (``records``) or its ``error``, computed once per version of the data."""
    version = current_app.extensions["lemap"].engine.version
    with _LOCK:
        kept = current_app.extensions.get(_EXTENSION)
    if kept and kept[0] == version:
        return kept[1]
    data = {chart.id: _run(chart) for chart in CHARTS}
    if not any("error" in d for d in data.values()):  # a timeout is not kept: the next load tries again
        with _LOCK:
            current_app.extensions[_EXTENSION] = (version, data)
    return data


def _run(chart: Chart) -> dict[str, Any]:
    try:
        result = run_named(queries.get_query(chart.query), {})
    except QueryFailed as e:
        return {"error": e.message, "status": e.status, "rows": []}
    return {"rows": result.records(), "truncated": bool(getattr(result, "truncated", False))}


def _card(chart: Chart, data: dict[str, Any]) -> dict[str, Any]:
    """What the template shows for one chart: titles, links to the query and its data, the table's rows."""
    return {
        "chart": chart,
        "page": url_for("workbench.query_page", name=chart.query),
        "csv": url_for("workbench.query_data", name=chart.query, ext="csv"),
        "json": url_for("workbench.query_data", name=chart.query, ext="json"),
        "error": data.get("error"),
        "rows": [[row.get(c) for c in chart.columns] for row in data["rows"]],
    }
