"""Code to copy: a query as ready-to-run curl, Python, R and JavaScript, for the workbench and every ``/q/<name>`` page.

Routes: ``GET /api/snippets/<name>?<param>=…`` (a named query with its parameter values, exactly as
``/q/<name>`` binds them) and ``GET`` or ``POST /api/snippets`` with ``query=…`` (form, URL or a JSON
body ``{"query": …}``: the workbench's current query). Both answer JSON: the endpoint's absolute URL,
the query as sent and the snippets of :mod:`lemap_graph.snippets`. The ``/q/<name>`` page renders
the same snippets in its Code panel (``workbench/_code.html``, through :func:`named_code`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from lemap_graph import queries
from lemap_graph.engine import QueryError
from lemap_graph.snippets import bind_values, snippets

from .workbench import QueryFailed, sparql_url

bp = Blueprint("snippets", __name__)


class BadRequest(Exception):
    """A request the snippets cannot be made for: HTTP ``status`` and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"named_code": named_code}


def endpoint_url() -> str:
    """The SPARQL endpoint's absolute URL, as a program outside the browser must call it."""
    return request.host_url.rstrip("/") + sparql_url()


def bind_named(query: queries.NamedQuery, args: dict[str, str]) -> dict[str, Any]:
    """``args`` as the terms ``/q/<name>`` binds: :func:`lemap_graph.queries.bind`, countries looked up by the engine.

    :raises QueryFailed: 400 for a bad, unknown or missing parameter (the page's own message).
    """
    try:
        values = {k: _country(v) if getattr(query.param(k), "type", "") == "country" else v for k, v in args.items()}
        # Every country is an <IRI> by now, which bind takes as it is: the empty store is never asked.
        return queries.bind(query, values, ox.Store())
    except ValueError as e:
        raise QueryFailed(400, str(e)) from None


def _country(value: str) -> str:
    """A country parameter's value as ``<IRI>``, looked up by code or name as :func:`queries.resolve_country` does."""
    if isinstance(queries.to_term(value), ox.NamedNode):
        return value
    key = value.strip().zfill(3) if value.strip().isdigit() else value.strip()
    try:
        rows = current_app.extensions["lemap"].engine.query(queries.COUNTRY_LOOKUP, substitutions={"_key": ox.Literal(key)}).rows
    except QueryError as e:
        raise ValueError(f"the country {value!r} could not be looked up: {e.message}") from None
    found = sorted({row[0].value for row in rows})
    if len(found) > 1:
        raise ValueError(f"{value!r} names {len(found)} countries: {', '.join(found)}")
    return f"<{found[0]}>" if found else value  # none: bind says which value names no country


def named_code(query: queries.NamedQuery, args: dict[str, str]) -> dict[str, Any]:
    """The Code panel of a named query's page: endpoint, query and snippets, or a ``message`` why there are none."""
    try:
        bindings = bind_named(query, args)
    except QueryFailed as e:
        return {"endpoint": endpoint_url(), "snippets": [], "message": f"No code until the values are right: {e.message}"}
    api = url_for("workbench.query_data", name=query.name, ext="csv", _external=True)
    api += ("?" + urlencode(args)) if args else ""
    return _answer(query.text, bindings, api_url=api, name=query.name)


def _answer(text: str, bindings: dict | None = None, **extra: Any) -> dict[str, Any]:
    endpoint = endpoint_url()
    found = snippets(text, endpoint, bindings=bindings, api_url=extra.pop("api_url", None))
    return {
        "endpoint": endpoint,
        "query": bind_values(text, bindings),
        "snippets": [{"id": s.id, "label": s.label, "language": s.language, "code": s.code} for s in found],
        **extra,
    }


@bp.get("/api/snippets/<name>")
def for_named(name: str) -> Response:
    """Snippets for a named query, its parameter values given as URL arguments (as on ``/q/<name>``)."""
    try:
        query = queries.get_query(name)
    except KeyError as e:
        return _error(404, e.args[0])
    args = {k: v for k, v in request.args.items() if v.strip()}
    try:
        bindings = bind_named(query, args)
    except QueryFailed as e:
        return _error(e.status, e.message)
    return jsonify(_answer(query.text, bindings, name=name))


@bp.route("/api/snippets", methods=["GET", "POST"])
def for_text() -> Response:
    """Snippets for a query text: ``query`` as a URL or form argument, or in a JSON body."""
    try:
        text = _query_text()
    except BadRequest as e:
        return _error(e.status, e.message)
    return jsonify(_answer(text))


def _query_text() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    if request.is_json and not isinstance(body, dict):
        raise BadRequest(400, 'the JSON body must be an object: {"query": "SELECT …"}')
    text = (body or {}).get("query", request.values.get("query"))
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(400, "no query given: send the SPARQL text as 'query'")
    limit = int(current_app.config.get("LEMAP_MAX_QUERY_BYTES") or 100_000)
    if len(text.encode("utf-8")) > limit:
        raise BadRequest(413, f"the query is larger than {limit} bytes")
    return text


def _error(status: int, message: str) -> Response:
    response = jsonify({"status": status, "message": message})
    response.status_code = status
    return response
