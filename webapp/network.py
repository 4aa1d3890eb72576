"""The partnership network: an interactive Cytoscape.js view and the same network as JSON, GEXF and GraphML.

Routes: ``/network`` (the view, with a sortable metrics table), ``/api/network.json`` (node-link
JSON with metrics), ``/api/network.gexf`` and ``/api/network.graphml`` (for Gephi and other tools),
and ``/api/network/activities.json`` (activities with the report's sentences behind them, for the
side panel). All take the filters of :func:`lemap_graph.network.parse_filters` (``from``, ``to``,
``region``, ``kind``, ``role``, ``status``, ``rollup``, ``graph``, ``ego``, ``depth``, ``sources``: ``all``
for the report's and partners' statements, ``report`` for the report's alone). Nodes and links resting on
partners' statements say so (``provenance``, ``partner_graphs``), in the view and in every export. Networks
are computed once per store version (``engine.version``) and filters, and kept.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from lemap_graph import network as nw
from lemap_graph.queries import get_query

from .partner import partner_links


bp = Blueprint("network", __name__)

#: This blueprint's entry in the site navigation (see webapp.workbench.site_nav).
bp.nav = (("network.page", "Network"),)

#: URL arguments of the view only (not filters): the metric behind node size and what colours nodes.
VIEW_ARGS = ("size", "colour")
SIZE_METRICS = ("pagerank", "betweenness", "degree", "weighted_degree")
COLOURINGS = ("kind", "community")
#: The most activities one call of /api/network/activities.json describes.
MAX_ACTIVITIES = 200
_EXTENSION = "lemap_network"


class BadFilter(Exception):
    """A filter that cannot be used: HTTP ``status`` and a message naming the argument."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# ---------------------------------------------------------------- the cache


_CACHE_LOCK = threading.Lock()


def _cache(app: Flask | None = None) -> nw.NetworkCache:
    app = app or current_app
    with _CACHE_LOCK:  # the warm-up thread and the first request may both get here first
        return app.extensions.get(_EXTENSION) or _new_cache(app)


def _new_cache(app: Flask) -> nw.NetworkCache:
    state = app.extensions["lemap"]
    backend = app.config.get("LEMAP_NETWORK_BACKEND") or "auto"
    # The network needs every row of its named queries (fixed text, not user input), so they run
    # through the engine with the row cap lifted; the result is cached per data version.
    run = lambda text: state.engine.query(text, max_rows=0)  # noqa: E731
    cache = nw.NetworkCache(
        lambda: nw.load_network_data(run),
        backend=backend,
        load_evidence=lambda: nw.load_evidence(run),
    )
    app.extensions[_EXTENSION] = cache
    return cache


def _version(app: Flask | None = None) -> Any:
    return getattr((app or current_app).extensions["lemap"].engine, "version", 0)


@bp.record_once
def _warm(setup_state) -> None:
    """Compute the unfiltered network in the background when the app starts, so the first view is quick."""
    app = setup_state.app

    def warm() -> None:
        try:
            _cache(app).network(_version(app), nw.Filters())
        except Exception:  # a broken store shows its error on the first request instead
            app.logger.exception("could not compute the partnership network in advance")

    if "lemap" in app.extensions:
        threading.Thread(target=warm, name="lemap-network-warm", daemon=True).start()


def current_network() -> tuple[nw.Network, nw.NetworkData]:
    """The network for this request's filters (400 for a bad filter, 404 for an ego not in the graph)."""
    cache, version = _cache(), _version()
    data = cache.data(version)
    args = {k: request.args.getlist(k) for k in request.args if k not in VIEW_ARGS}
    try:
        filters = nw.parse_filters(args, data)
    except ValueError as e:
        raise BadFilter(400, str(e)) from None
    try:
        return cache.network(version, filters), data
    except KeyError as e:
        raise BadFilter(404, str(e.args[0])) from None
    except ValueError as e:  # an unknown LEMAP_NETWORK_BACKEND
        raise BadFilter(500, str(e)) from None


def _error(status: int, message: str) -> Response:
    return Response(current_app.json.dumps({"error": message, "status": status}) + "\n", status=status,
                    content_type="application/json")


# ---------------------------------------------------------------- links


def entity_page(iri: str) -> str | None:
    """The app's page for an entity IRI (``…/id/kind/slug`` → ``/id/kind/slug``), or None for other IRIs."""
    base = current_app.config.get("LEMAP_BASE_IRI", "https://w3id.org/lemap/") + "id/"
    if not iri.startswith(base):
        return None
    return request.script_root + "/id/" + iri[len(base):]


def query_links() -> list[dict[str, str]]:
    """The named queries behind the view: name, summary, page and a link that opens them in the workbench."""
    from .workbench import workbench_link

    out = []
    for key in ("participation", "organisations", "sources"):
        query = get_query(nw.QUERIES[key])
        out.append({"name": query.name, "summary": query.summary, "page": url_for("workbench.query_page", name=query.name),
                    "workbench": workbench_link(query.text)})
    return out


# ---------------------------------------------------------------- pages and APIs


@bp.get("/network")
def page():
    """The network view: filters, the Cytoscape.js graph, a side panel and the sortable metrics table."""
    size = request.args.get("size") if request.args.get("size") in SIZE_METRICS else SIZE_METRICS[0]
    colour = request.args.get("colour") if request.args.get("colour") in COLOURINGS else COLOURINGS[0]
    data, net, error = None, None, None
    try:
        net, data = current_network()
    except BadFilter as e:
        error = e
        data = _cache().data(_version())
    filters = net.filters if net else nw.Filters()
    context = {
        "network": net,
        "rows": _table_rows(net, data) if net else [],
        "error": error,
        "filters": filters,
        "form": _form(filters, data),
        "size": size,
        "colour": colour,
        "size_metrics": SIZE_METRICS,
        "queries": query_links(),
        "downloads": {fmt: url_for(f"network.api_{fmt}", **_multi(request)) for fmt in nw.NETWORK_FORMATS},
        "config": _page_config(data, size, colour),
        "partners": _partner_summary(net, data) if net else None,
    }
    html = render_template("network/network.html", **context)
    return html, (error.status if error else 200)


def _partner_summary(net: nw.Network, data: nw.NetworkData) -> dict[str, Any]:
    """How much of the network shown rests on partners' statements, and which datasets made them."""
    G = net.graph
    every = sorted({g for a in data.activities.values() for _, _, graphs in a.partner_roles for g in graphs})
    return {"activities": G.graph.get("activities", 0), "partner_activities": G.graph.get("partner_activities", 0),
            "datasets": partner_links(G.graph.get("partner_graphs", ())), "any": partner_links(every),
            "nodes": sum(1 for _, a in G.nodes(data=True) if a.get("partner_graphs")),
            "edges": sum(1 for _, _, a in G.edges(data=True) if a.get("partner_graphs"))}


def _multi(req) -> dict[str, list[str]]:
    return {k: req.args.getlist(k) for k in req.args if k not in VIEW_ARGS}


def _page_config(data: nw.NetworkData, size: str, colour: str) -> dict[str, Any]:
    return {
        "api": url_for("network.api_json"),
        "activitiesApi": url_for("network.activities"),
        "page": url_for("network.page"),
        "idBase": current_app.config.get("LEMAP_BASE_IRI", "https://w3id.org/lemap/") + "id/",
        "pageBase": request.script_root + "/id/",
        "filterArgs": list(nw.FILTER_ARGS),
        "size": size,
        "colour": colour,
        "kinds": dict(data.facets.get("organisation-kind", {})),
        "graphBase": request.script_root + "/graph/partner/",
    }


def _table_rows(net: nw.Network, data: nw.NetworkData) -> list[dict[str, Any]]:
    G = net.graph
    rows = []
    for v in net.ranked("pagerank"):
        node = G.nodes[v]
        rows.append({
            "id": v,
            "label": node["label"],
            "type": node["type"],
            "kind": data.label(node["kind"]) if node.get("kind") and node["type"] == "organisation" else node["type"],
            "page": entity_page(v),
            "provenance": node.get("provenance", "report"),
            "partners": partner_links(node.get("partner_graphs", ())),
            **{m: node.get(m) for m in nw.METRICS},
        })
    return rows


def _form(filters: nw.Filters, data: nw.NetworkData) -> dict[str, Any]:
    """Choices and current values of the filter form."""
    def options(facet: str) -> list[dict[str, str]]:
        return sorted(({"value": nw.local_name(iri), "label": label} for iri, label in data.facets.get(facet, {}).items()),
                      key=lambda o: o["label"].lower())

    years = sorted({a.year for a in data.activities.values() if a.year})
    return {
        "regions": options("region"),
        "kinds": options("activity-kind"),
        "roles": nw.ROLES,
        "projections": nw.PROJECTIONS,
        "year_min": years[0] if years else 2013,
        "year_max": years[-1] if years else 2021,
        "region": nw.local_name(filters.regions[0]) if filters.regions else "",
        "kind": nw.local_name(filters.kinds[0]) if filters.kinds else "",
        "statuses": [s for s in filters.statuses] if filters.statuses != nw.DEFAULT_STATUSES else [],
        "sources": filters.sources,
    }


@bp.get("/api/network.json")
def api_json():
    """The network as node-link JSON: nodes with their metrics, edges with weight and activities."""
    return _export("json")


@bp.get("/api/network.gexf")
def api_gexf():
    """The network as GEXF 1.2 for Gephi."""
    return _export("gexf")


@bp.get("/api/network.graphml")
def api_graphml():
    """The network as GraphML."""
    return _export("graphml")


def _export(fmt: str) -> Response:
    try:
        net, _ = current_network()
        body = _cache().serialized(_version(), net.filters, fmt)
    except BadFilter as e:
        return _error(e.status, e.message)
    spec = nw.NETWORK_FORMATS[fmt]
    headers = {"Content-Disposition": f'inline; filename="lemap-network.{spec.extension}"'}
    content_type = spec.media_type + ("" if fmt == "json" else "; charset=utf-8")
    return Response(body, content_type=content_type, headers=headers)


@bp.get("/api/network/activities.json")
def activities():
    """Activities (``?activity=IRI``, repeatable) with label, year, kinds, countries, page and evidence."""
    iris = [i for i in request.args.getlist("activity") if i.strip()]
    if not iris:
        return _error(400, "give one or more activities as ?activity=<IRI>")
    if len(iris) > MAX_ACTIVITIES:
        return _error(400, f"at most {MAX_ACTIVITIES} activities per call, got {len(iris)}")
    cache, version = _cache(), _version()
    data, evidence = cache.data(version), cache.evidence(version)
    unknown = [i for i in iris if i not in data.activities]
    if unknown:
        return _error(404, f"no activity {unknown[0]} in the network")
    out = []
    for iri in dict.fromkeys(iris):
        item = nw.activity_json(data, data.activities[iri])
        excerpts = [{**e, "page": entity_page(e["excerpt"])} for e in evidence.get(iri, [])]
        out.append({"id": iri, **item, "page": entity_page(iri), "evidence": excerpts})
    return Response(current_app.json.dumps({"activities": out}) + "\n", content_type="application/json")
