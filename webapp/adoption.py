"""The Training Manual adoption tracer: map, table, timeline and per-country lineage, with downloads.

Routes: ``/adoption`` (map, filterable table, timeline), ``/adoption.csv``, ``/adoption.json`` and
``/adoption.xlsx`` (exactly the rows the table shows for the same ``region``, ``stage``, ``status``,
``year``, ``country``, ``sort``, ``order`` and ``sources`` arguments), ``/adoption/<ISO3>`` (a country's lineage of the
Manual and its other activities) and ``/adoption/<ISO3>.json``. Every view is fed by a named query
(:mod:`lemap_graph.adoption` names them) run through the app's engine over the union of all graphs, so
partner graphs count as soon as they are imported. Facts from partners' datasets are marked as such;
``sources=report`` keeps the report's facts alone (steps, events and activities only partners recorded
are left out), the default ``sources=all`` shows both.
"""

from __future__ import annotations

import codecs
import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for

from lemap_graph import adoption as lib
from lemap_graph import queries
from lemap_graph.store import QueryResult

from .partner import partner_links

bp = Blueprint("adoption", __name__)

#: This blueprint's entry in the site navigation.
bp.nav = (("adoption.page", "Manual adoption"),)

MANUAL_IRI = "https://w3id.org/lemap/id/document/training-manual"
MANUAL_LABEL = "Training Manual for Law Enforcement Officials on HIV Service Provision for People Who Inject Drugs"


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ViewError(Exception):
    """A request this blueprint cannot answer: HTTP ``status`` and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# ---------------------------------------------------------------- queries


def _state():
    return current_app.extensions["lemap"]


def run(name: str, args: dict[str, str] | None = None) -> QueryResult:
    """Run the named query ``name`` through the engine, ``args`` bound as its parameters."""
    query = queries.get_query(name)
    try:
        substitutions = queries.bind(query, args or {}, _state().engine)
    except ValueError as e:
        raise ViewError(404 if "country" in (args or {}) else 400, str(e)) from None
    try:
        return _state().engine.query(query.text, substitutions=substitutions)
    except Exception as e:  # the engine's errors carry .status and .message
        if hasattr(e, "status") and hasattr(e, "message"):
            raise ViewError(int(e.status), f"query {name}: {e.message}") from None
        raise


def query_links(name: str, args: dict[str, str] | None = None) -> dict[str, str]:
    """Where a view's query can be read and rerun: its named-query page and the workbench."""
    from .workbench import workbench_link

    query = queries.get_query(name)
    return {
        "name": name,
        "summary": query.summary,
        "page": url_for("workbench.query_page", name=name, **(args or {})),
        "workbench": workbench_link(query.text),
    }


def _base() -> str:
    return current_app.config.get("LEMAP_BASE_IRI") or lib.BASE_IRI


def entity_url(iri: str | None) -> str | None:
    """The app's URL for an entity IRI (``/id/…``), or None for IRIs it does not serve."""
    path = lib.entity_path(iri, _base())
    return request.script_root + path if path else None


def _steps() -> list[lib.Step]:
    return lib.steps_from_records(run(lib.STEPS_QUERY).records())


def _filters() -> lib.Filters:
    try:
        return lib.Filters.from_args({k: v for k, v in request.args.items()})
    except lib.FilterError as e:
        raise ViewError(400, f"{request.path}: {e}") from None


def _sources_only() -> lib.Filters:
    """A country page's one filter, ``sources`` (other arguments are the table's and ignored here)."""
    try:
        return lib.Filters.from_args({"sources": request.args.get("sources", "")})
    except lib.FilterError as e:
        raise ViewError(400, f"{request.path}: {e}") from None


# ---------------------------------------------------------------- rows for the page


def table_row(step: lib.Step) -> dict[str, Any]:
    """One table row: the export's columns plus the links the page shows."""
    row = lib.export_row(step)
    row["country_url"] = url_for("adoption.country", code=step.alpha3) if step.alpha3 else None
    row["stage_slug"], row["status_slug"] = step.stage, step.status
    row["evidence_list"] = list(step.evidence)
    row["sections"] = _section_links(step.sections)
    row["partners"] = partner_links(step.partner_graphs)
    return row


def source_links(filters: lib.Filters, endpoint: str = "adoption.page", **values) -> dict[str, str]:
    """The same view with partner data (``all``) and with the report's facts alone (``report``)."""
    args = {k: v for k, v in filters.to_args().items() if k != "sources"} if endpoint == "adoption.page" else {}
    return {"all": url_for(endpoint, **values, **args), "report": url_for(endpoint, **values, **args, sources="report")}


def country_json(summary: lib.CountrySummary) -> dict[str, Any]:
    """A country for the map: its summary plus the URL of its lineage page."""
    out = summary.to_json()
    out["url"] = url_for("adoption.country", code=summary.alpha3)
    out["entity_url"] = entity_url(summary.country)
    return out


# ---------------------------------------------------------------- pages


@bp.get("/adoption")
def page():
    """The tracer: map, filterable table and timeline of the Training Manual's adoption."""
    filters = _filters()
    every = _steps()
    steps = filters.scope(every)
    shown = filters.apply(every)
    countries = lib.summarise(steps)
    events = [e for e in lib.events_from_records(run(lib.TIMELINE_QUERY).records())
              if filters.sources != "report" or e.in_report]
    return render_template(
        "adoption/index.html",
        filters=filters,
        sources=source_links(filters),
        partner_counts={"steps": sum(1 for s in steps if s.partner_graphs), "only": sum(1 for s in steps if not s.in_report),
                        "hidden": len(every) - len(steps),
                        "datasets": partner_links(sorted({g for s in every for g in s.partner_graphs}))},
        options=lib.filter_options(steps),
        rows=[table_row(s) for s in shown],
        total=len(steps),
        countries=countries,
        events=events,
        stage_counts=lib.count_by_stage(steps, done_only=True),
        downloads={ext: url_for("adoption.download", ext=ext, **filters.to_args()) for ext in ("csv", "json", "xlsx")},
        sort_links=_sort_links(filters),
        all_countries_url=url_for("adoption.page", **{k: v for k, v in filters.to_args().items() if k != "country"}),
        country_label=_country_label(filters.country, countries),
        queries={
            "steps": query_links(lib.STEPS_QUERY),
            "timeline": query_links(lib.TIMELINE_QUERY),
            "by_country": query_links(lib.BY_COUNTRY_QUERY),
        },
        data=_script_data(countries, events),
    )


def _country_label(code: str, countries: list[lib.CountrySummary]) -> str:
    """The name of the country a ``country`` filter names (its code when no country has it)."""
    return next((c.label for c in countries if code and code.upper() in (c.alpha3, c.country.rsplit("/", 1)[-1])), code)


def _script_data(countries: list[lib.CountrySummary], events: list[lib.Event]) -> dict[str, Any]:
    """What the page's script draws the map and the timeline from (embedded as JSON in the page)."""
    keep = ("stage", "stage_label", "status", "status_label", "year", "language_names", "done", "source", "partner_datasets")
    slim = []
    for c in countries:  # the map's card needs no evidence: the table beside it has it
        item = country_json(c)
        item["steps"] = [{k: s[k] for k in keep} for s in item["steps"]]
        slim.append(item)
    return {
        "countries": slim,
        "events": [lib.event_json(e) for e in events],
        "years": list(lib.TIMELINE_YEARS),
        "stages": [s for s, _ in lib.STAGES],
        "standings": lib.STANDINGS,
        "urls": {
            "json": url_for("adoption.download", ext="json"),
            "page": url_for("adoption.page"),
            "countryBase": url_for("adoption.page") + "/",
            "graphBase": request.script_root + "/graph/partner/",
            "atlas110": url_for("static", filename="vendor/world-atlas/countries-110m.json"),
            "atlas50": url_for("static", filename="vendor/world-atlas/countries-50m.json"),
        },
        "baseIri": _base(),
        "scriptRoot": request.script_root,
    }


def _sort_links(filters: lib.Filters) -> dict[str, dict[str, str]]:
    """Per sortable column: the URL that sorts by it (flipping the order when it is the current sort) and aria-sort."""
    out = {}
    current = filters.sort or "country"
    for key in ("country", "stage", "year", "language", "status"):
        args = filters.to_args()
        args["sort"] = key
        flip = key == current and filters.order == "asc"
        args.pop("order", None)
        if flip:
            args["order"] = "desc"
        state = ("ascending" if filters.order == "asc" else "descending") if key == current else "none"
        out[key] = {"url": url_for("adoption.page", **args), "aria": state}
    return out


@bp.get("/adoption.<any(csv, json, xlsx):ext>")
def download(ext: str):
    """The steps the table shows for these arguments, as CSV, JSON or XLSX."""
    filters = _filters()
    shown = filters.apply(_steps())
    name = "manual-adoption" + "".join(f"-{v}" for k, v in filters.to_args().items() if k not in ("sort", "order"))
    if ext == "csv":
        body = codecs.BOM_UTF8 + lib.write_csv(shown)  # so Excel reads the file as UTF-8 (its dashes, its accents)
    elif ext == "json":
        body = lib.write_json(shown, filters=filters, query=lib.STEPS_QUERY,
                              query_url=url_for("workbench.query_page", name=lib.STEPS_QUERY))
    else:
        note = f"Rows of the named query {lib.STEPS_QUERY} ({request.url_root.rstrip('/')}"
        note += f"{url_for('workbench.query_page', name=lib.STEPS_QUERY)})\nFilters: {urlencode(filters.to_args()) or 'none'}"
        note += "\nSources: " + ("the report's facts only" if filters.sources == "report" else "the report and partners' datasets (column source)")
        body = lib.write_xlsx(shown, note=note)
    disposition = "inline" if ext == "json" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}.{ext}"', "X-Row-Count": str(len(shown))}
    return Response(body, content_type=_MEDIA[ext], headers=headers)


@bp.get("/adoption/<code>")
def country(code: str):
    """A country's lineage of the Manual (adoption steps, versions, curricula, activities) and its other activities."""
    view = _country_view(code)
    if isinstance(view, Response):
        return view
    return render_template("adoption/country.html", **view)


@bp.get("/adoption/<code>.json")
def country_data(code: str):
    """A country's lineage and other activities as JSON."""
    view = _country_view(code, json_suffix=True)
    if isinstance(view, Response):
        return view
    return jsonify({
        "country": view["summary_json"],
        "lineage": _node_json(view["tree"]),
        "other_activities": [{**a.__dict__, "source": a.source} for a in view["others"]],
        "sources": view["filters"].sources,
        "partner_facts": view["partner_facts"],
        "queries": view["queries"],
    })


def _country_view(code: str, json_suffix: bool = False) -> dict[str, Any] | Response:
    iri = _resolve(code)
    alpha3 = iri.rsplit("/", 1)[-1]
    filters = _sources_only()
    if code != alpha3:
        endpoint = "adoption.country_data" if json_suffix else "adoption.country"
        return redirect(url_for(endpoint, code=alpha3, **filters.to_args()), code=301)
    every = [s for s in _steps() if s.country == iri]
    steps = filters.scope(every)
    summary = lib.summarise(steps)[0] if steps else None
    args = {"country": alpha3}
    keep = lambda records: [r for r in records if lib.in_scope(r, filters.sources)]  # noqa: E731
    tree = lib.build_lineage(keep(run(lib.LINEAGE_QUERY, args).records()), root_iri=MANUAL_IRI, root_label=MANUAL_LABEL,
                             country_label=summary.label if summary else _label(iri))
    others = lib.other_activities(keep(run(lib.ACTIVITIES_QUERY, args).records()), tree)
    partner_nodes = [n for n in tree.walk() if n.partner_graphs] + [a for a in others if a.partner_graphs]
    return {
        "filters": filters,
        "sources": source_links(filters, "adoption.country", code=alpha3),
        "partner_facts": len(partner_nodes),
        "hidden_steps": len(every) - len(steps),
        "link": _link_kind(summary, tree),
        "linking_activities": _activities(tree),
        "alpha3": alpha3,
        "iri": iri,
        "label": summary.label if summary else _label(iri),
        "summary": summary,
        "summary_json": country_json(summary) if summary else {"alpha3": alpha3, "country": iri, "steps": []},
        "tree": tree,
        "others": others,
        "entity": entity_url(iri),
        "queries": {
            "lineage": query_links(lib.LINEAGE_QUERY, args),
            "activities": query_links(lib.ACTIVITIES_QUERY, args),
            "steps": query_links(lib.STEPS_QUERY),
            "manual_lineage": query_links(lib.MANUAL_LINEAGE_QUERY),
        },
    }


def _link_kind(summary: lib.CountrySummary | None, tree: lib.LineageNode) -> str:
    """How the graph links a country to the Manual: ``steps`` of its own, only ``indirect`` (through
    activities that used a tool based on the Manual), or ``none``."""
    if summary:
        return "steps"
    return "indirect" if tree.children else "none"


def _activities(node: lib.LineageNode) -> list[lib.LineageNode]:
    """The activities in a lineage tree, each once, in tree order."""
    found = [node] if node.type == "activity" else []
    for child in node.children:
        found += [a for a in _activities(child) if a.iri not in {f.iri for f in found}]
    return found


def _resolve(code: str) -> str:
    """The IRI of the country an ISO code (any case) or name names; 404 when none does."""
    # codes and names only: a CURIE or IRI here could name something that is not a country
    if not re.fullmatch(r"[\w .,'()-]{2,80}", code):
        raise ViewError(404, f"/adoption/{code}: not an ISO 3166-1 code or a country name")
    try:
        return queries.resolve_country(code.strip(), _state().engine).value
    except ValueError as e:
        raise ViewError(404, f"/adoption/{code}: {e}") from None


def _label(iri: str) -> str:
    """A country's preferred label (for a country with no adoption step), from the countries query."""
    for row in run("countries").records():
        if row["country"] == iri and row["label"]:
            return row["label"]
    return iri.rsplit("/", 1)[-1]


def _node_json(node: lib.LineageNode) -> dict[str, Any]:
    out = {k: v for k, v in node.__dict__.items() if k != "children"}
    out["source"] = node.source
    out["children"] = [_node_json(c) for c in node.children]
    return out


# ---------------------------------------------------------------- helpers for the templates


@bp.app_template_filter("adoption_entity_url")
def _entity_url_filter(iri: str | None) -> str | None:
    return entity_url(iri)


@bp.app_template_global("adoption_section_links")
def _section_links(sections) -> list[dict[str, Any]]:
    return [
        {"label": s["label"], "short": s["short"], "url": (request.script_root + s["path"]) if s["path"] else None}
        for s in lib.section_links(sections, _base())
    ]


@bp.app_template_filter("adoption_partner_link")
def _partner_link_filter(graph: str) -> dict[str, str]:
    return partner_links([graph])[0]


@bp.app_template_global("adoption_url")
def adoption_url(alpha3: str) -> str:
    """The URL of a country's adoption page, ``/adoption/<ISO3>`` (for other blueprints' templates)."""
    return url_for("adoption.country", code=alpha3.upper())


@bp.errorhandler(ViewError)
def _view_error(error: ViewError):
    if request.path.endswith((".json", ".csv", ".xlsx")):
        if request.path.endswith(".json"):
            return jsonify({"error": error.message, "status": error.status}), error.status
        return Response(error.message + "\n", status=error.status, content_type="text/plain; charset=utf-8")
    return render_template("adoption/error.html", status=error.status, message=error.message), error.status
