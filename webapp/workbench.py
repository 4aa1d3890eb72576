"""The browser side of lemap: home page, SPARQL workbench, named queries as pages and downloads.

Routes: ``/`` (home), ``/q/`` (named queries), ``/q/<name>`` (one query: its text, a parameter
form and the result table), ``/q/<name>.json`` and ``/q/<name>.csv`` (its results), and
``/api/vocabulary-terms`` (the classes and properties the workbench completes). The endpoint's
``GET /sparql`` handler calls :func:`workbench_page` for browsers. Queries are the ``.rq`` files of
:mod:`lemap_graph.queries`, run through the app's engine with bound parameters.
"""

from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from lemap_graph import describe, queries
from lemap_graph.engine import QueryError
from lemap_graph.formats import find, serialize_result
from lemap_graph.store import QueryResult

bp = Blueprint("workbench", __name__)

#: This blueprint's entries in the site navigation: (endpoint or path, label). Other blueprints
#: add theirs as ``bp.nav``; :func:`site_nav` collects them in registration order.
bp.nav = (("workbench.home", "Home"), ("/sparql", "Workbench"), ("workbench.queries_page", "Named queries"))

#: The named query the workbench's class and property completion reads.
TERMS_QUERY = "vocabulary-terms"


class QueryFailed(Exception):
    """A named query that could not run: HTTP ``status`` and a ``message`` for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"site_nav": site_nav, "sparql_url": sparql_url, "compact": queries.compact, "entity_page": entity_page}


def base_iri() -> str:
    """The base of lemap's IRIs (``LEMAP_BASE_IRI``), ending in ``/``."""
    base = current_app.config.get("LEMAP_BASE_IRI") or "https://w3id.org/lemap/"
    return base if base.endswith("/") else base + "/"


def entity_page(iri: str) -> str | None:
    """The app's page for an IRI under lemap's base (``…/id/country/AFG`` → ``/id/country/AFG``,
    ``…/graph/…`` → ``/graph/…``), or None.

    None too when the linked-data pages are not part of this app: link only pages that exist.
    """
    if "linked_data" not in current_app.blueprints:
        return None
    path = describe.local_path(iri, base_iri())
    return request.script_root + path if path else None


def site_nav() -> list[dict[str, Any]]:
    """The navigation entries of every registered blueprint: label, url and whether it is this page."""
    items = []
    for blueprint in current_app.blueprints.values():
        for target, label in getattr(blueprint, "nav", ()):
            url = request.script_root + target if target.startswith("/") else url_for(target)
            current = request.path == url.removeprefix(request.script_root) or (
                target == "workbench.queries_page" and request.path.startswith("/q/")
            )
            items.append({"url": url, "label": label, "current": current})
    return items


def sparql_url() -> str:
    """The URL of the SPARQL endpoint (and workbench), ``/sparql`` under the app's root."""
    return request.script_root + "/sparql"


def workbench_link(text: str) -> str:
    """A link that opens ``text`` in the workbench: the query travels in the URL's fragment."""
    return sparql_url() + "#" + urlencode({"query": text})


def _engine():
    return current_app.extensions["lemap"].engine




def run_named(query: queries.NamedQuery, args: dict[str, str]) -> QueryResult:
    """Bind ``args`` to ``query``'s parameters and run it through the engine.

    :raises QueryFailed: 400 for a bad or missing parameter, else the engine's status and message.
    """
    try:
        substitutions = queries.bind(query, args, _engine())
    except ValueError as e:
        raise QueryFailed(400, str(e)) from None
    try:
        return _engine().query(query.text, substitutions=substitutions)
    except QueryError as e:
        raise QueryFailed(e.status, e.message) from None


def _named_or_404(name: str) -> queries.NamedQuery:
    try:
        return queries.get_query(name)
    except KeyError as e:
        abort(404, description=e.args[0])


def _with_args(url: str, args: dict[str, str]) -> str:
    # Not url_for(**args): an argument called "name" or "_external" would be taken as url_for's own.
    return url + ("?" + urlencode(args) if args else "")


def _filled(args: Iterable[tuple[str, str]]) -> dict[str, str]:
    """URL arguments with a value: an empty form field means 'not given'."""
    return {k: v for k, v in args if v.strip()}


# ---------------------------------------------------------------- pages


@bp.get("/")
def home():
    """The home page: what lemap is and where to go next."""
    named = queries.load_queries()
    return render_template("workbench/home.html", featured=featured(named), count=len(named))


def featured(named: list[queries.NamedQuery], n: int = 6) -> list[queries.NamedQuery]:
    """The first ``n`` queries that answer a competency question and need no value, in question order."""
    def question(q: queries.NamedQuery) -> int:
        found = re.search(r"competency question (\d+)", q.source)
        return int(found.group(1)) if found else 10_000

    runnable = [q for q in named if not any(p.required for p in q.params)]
    return sorted(runnable, key=question)[:n]


def workbench_page(run: str | None = None) -> Response:
    """The workbench: YASGUI over this app's endpoint, with the named queries as examples.

    :param run: a query to put in the editor and run as the page opens (``/sparql?query=…`` in a browser).
    """
    examples = [
        {
            "name": q.name,
            "summary": q.summary,
            "description": q.description,
            "text": q.text,
            "params": [p.name for p in q.params],
            "page": url_for("workbench.query_page", name=q.name),
        }
        for q in queries.load_queries()
    ]
    config = {
        "endpoint": sparql_url(),
        "termsUrl": url_for("workbench.vocabulary_terms"),
        "prefixes": list(queries.PREFIXES.items()),
        "examples": examples,
        "baseIri": base_iri(),
        "appRoot": request.script_root,
        "maxRows": current_app.config.get("LEMAP_MAX_ROWS"),
        "run": run,
    }
    html = render_template("workbench/workbench.html", config=config, examples=examples)
    return Response(html, mimetype="text/html")


@bp.get("/q/")
def queries_page():
    """The list of named queries, with their summaries and tags."""
    return render_template("workbench/queries.html", named=queries.load_queries())


@bp.get("/q/<name>")
def query_page(name: str):
    """One named query: summary, description, text, a parameter form and, when it can run, its results."""
    query = _named_or_404(name)
    args = _filled(request.args.items(multi=False))
    missing = [p for p in query.params if p.required and p.option not in args and p.name not in args]
    result, error = None, None
    if not missing:
        try:
            result = run_named(query, args)
        except QueryFailed as e:
            error = e
    html = render_template(
        "workbench/query.html",
        query=query,
        args=args,
        result=result,
        error=error,
        missing=missing,
        open_link=workbench_link(query.text),
        downloads={ext: _with_args(url_for("workbench.query_data", name=name, ext=ext), args) for ext in ("csv", "json")},
    )
    return html, (error.status if error else 200)


@bp.get("/q/<name>.<any(json, csv):ext>")
def query_data(name: str, ext: str):
    """A named query's results as SPARQL JSON or CSV; errors as JSON or text with their status."""
    query = _named_or_404(name)
    try:
        result = run_named(query, _filled(request.args.items(multi=False)))
    except QueryFailed as e:
        return _error_response(ext, e.status, e.message)
    fmt = find(ext)
    if result.kind == "graph":
        fmt = find("jsonld") if ext == "json" else None
    if fmt is None:
        return _error_response(ext, 406, f"query {name} builds a graph, which has no CSV form; use {name}.json (JSON-LD)")
    body = serialize_result(result, fmt, prefixes=queries.PREFIXES)
    headers = {"Content-Disposition": f'inline; filename="{name}.{ext}"'}
    return Response(body, content_type=fmt.content_type, headers=headers)


def _error_response(ext: str, status: int, message: str) -> Response:
    if ext == "json":
        return Response(_json({"error": message, "status": status}), status=status, content_type="application/json")
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _json(data: Any) -> str:
    return current_app.json.dumps(data)


@bp.get("/api/vocabulary-terms")
def vocabulary_terms():
    """Classes and properties (IRI, kind, label, definition) from the graph, for the workbench's completion."""
    try:
        result = run_named(queries.get_query(TERMS_QUERY), {})
    except QueryFailed as e:
        return _error_response("json", e.status, e.message)
    return jsonify({"terms": result.records()})


@bp.errorhandler(404)
def _not_found(error):
    if request.path.endswith((".json", ".csv")) or request.path.startswith("/api/"):
        return _error_response("json" if not request.path.endswith(".csv") else "csv", 404, error.description)
    return render_template("workbench/error.html", status=404, message=error.description), 404


# ---------------------------------------------------------------- result cells


@bp.app_template_filter("term_class")
def term_class(term) -> str:
    """The CSS class of a result cell: ``iri``, ``bnode``, ``literal`` or ``unbound``."""
    if term is None:
        return "unbound"
    if isinstance(term, ox.NamedNode):
        return "iri"
    return "bnode" if isinstance(term, ox.BlankNode) else "literal"


@bp.app_template_filter("term_hint")
def term_hint(term) -> str:
    """What a literal cell shows on hover: its language (``language: en``) or datatype (``datatype: xsd:integer``)."""
    if getattr(term, "language", None):
        return f"language: {term.language}"
    datatype = getattr(term, "datatype", None)
    return f"datatype: {queries.compact(datatype.value)}" if datatype is not None else ""
