"""The SPARQL 1.1 Protocol query endpoint at ``/sparql``: read-only, content-negotiated, CORS-open.

GET ``?query=``, POST form-encoded and POST ``application/sparql-query`` run a query through the
engine (:mod:`lemap_graph.engine`); GET without a query describes the service (RDF) or, for a
browser, shows the workbench. Errors are JSON: status, error kind, message, line and column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from lemap_graph import syntax
from lemap_graph.engine import SD_PREFIXES, Answer, QueryError, negotiate, service_description
from lemap_graph.engine.cache import ResultCache
from lemap_graph.formats import serialize_triples
from lemap_graph.queries import PREFIXES

from .state import get_state

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)

ALLOWED = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
TRUNCATED_HEADER = "X-Lemap-Truncated"
#: Says whether the answer came from the result cache: hit, miss (run, and kept) or off (run, not kept).
CACHE_HEADER = "X-Lemap-Cache"
CACHE_EXTENSION = "lemap-results"


@dataclass(frozen=True)
class ProtocolRequest:
    """The protocol parameters of one request: the query (or None) and the dataset it names."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def dataset(self) -> dict:
        """Keyword arguments for ``engine.run``: the protocol dataset, or nothing when none was given."""
        if not self.default_graphs and not self.named_graphs:
            return {}
        return {"default_graphs": list(self.default_graphs), "named_graphs": list(self.named_graphs)}


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    """The SPARQL query operation."""
    if request.method == "OPTIONS":
        return _preflight()
    params = None
    try:
        if request.method not in ("GET", "HEAD", "POST"):
            raise QueryError(405, f"{request.method} is not supported: this endpoint answers queries with GET or POST")
        params = read_request()
        if params.query is None:
            if request.method == "POST":
                raise QueryError(400, "no query given: send one query as the 'query' parameter or as the body")
            return _describe_service()
        if request.method == "GET" and _wants_page():
            return _open_in_workbench(params.query)
        answer, cached = _answer(get_state().engine, params)
    except QueryError as e:
        return error_response(worded(e, params.query if params else None))
    except Exception:  # the client gets JSON, never a stack trace
        log.exception("SPARQL endpoint failure")
        return error_response(QueryError(500, "internal error while answering the query"))
    response = Response(answer.body, status=200, content_type=answer.content_type)
    response.headers[CACHE_HEADER] = cached
    if answer.truncated:
        response.headers[TRUNCATED_HEADER] = str(answer.limit)
    return response


@bp.record_once
def _make_cache(setup) -> None:
    megabytes = float(setup.app.config.get("LEMAP_RESULT_CACHE_MB") or 0)
    setup.app.extensions[CACHE_EXTENSION] = ResultCache(int(megabytes * 1024 * 1024))


def _answer(engine, params: ProtocolRequest) -> tuple[Answer, str]:
    """The query's answer from the result cache or the engine, and which (``hit``, ``miss`` or ``off``).

    A request with ``Cache-Control: no-cache`` (or ``Pragma: no-cache``) is run again and its
    answer kept; one with ``no-store`` is run and not kept. A hit is no query: it takes no slot of
    the client's and none of its budget.
    """
    cache, accept, base = current_app.extensions[CACHE_EXTENSION], request.headers.get("Accept"), request.base_url
    directives = _cache_directives()
    if not cache.max_bytes or "no-store" in directives:
        return engine.run(params.query, accept=accept, base_iri=base, client=client_of(request), **params.dataset), "off"
    version = engine.version  # read first: an answer run while the data change is kept under the old version
    key = (params.query, accept, base, params.default_graphs, params.named_graphs)
    kept = None if "no-cache" in directives else cache.get(version, key)
    if kept is not None:
        return kept, "hit"
    answer = engine.run(params.query, accept=accept, base_iri=base, client=client_of(request), **params.dataset)
    cache.put(version, key, answer)
    return answer, "miss"


def _cache_directives() -> set[str]:
    headers = request.headers
    if "Cache-Control" not in headers and "Pragma" not in headers:
        return set()
    given = f"{headers.get('Cache-Control', '')},{headers.get('Pragma', '')}".lower()
    return {d.strip().split("=")[0] for d in given.split(",") if d.strip()}


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = f"{TRUNCATED_HEADER}, {CACHE_HEADER}"
    response.vary.add("Accept")
    return response


def _preflight() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no body type
    response.headers["Allow"] = ALLOWED
    response.headers["Access-Control-Allow-Methods"] = ALLOWED
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def error_response(error: QueryError) -> Response:
    """A JSON error: status, error kind, message, line and column (the last two null when unknown)."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.status == 405:
        response.headers["Allow"] = ALLOWED
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def client_of(req) -> str:
    """Who sends a query, for the per-client limit: the address the request came from.

    Behind a reverse proxy, the proxy's ProxyFix settings make ``remote_addr`` the client's own.
    """
    return req.remote_addr or "unknown"


def read_request() -> ProtocolRequest:
    """Read the query and dataset from GET parameters or a POST body, enforcing the protocol's rules.

    :raises QueryError: 400 for more than one query or a body that is not UTF-8, 403 for SPARQL
        Update, 413 for an oversized body, 415 for a POST without a query media type.
    """
    limits = get_state().engine.limits
    request.max_content_length = 3 * limits.max_query_bytes + 65536  # percent-encoding triples the size
    args = request.args
    if request.method == "POST":
        queries, updates, fields = _read_post(args)
    else:
        queries, updates, fields = args.getlist("query"), args.getlist("update"), args
    if updates:
        raise QueryError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if len(queries) > 1:
        raise QueryError(400, f"{len(queries)} queries given; send exactly one")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(args.getlist("default-graph-uri") + _extra(fields, args, "default-graph-uri")),
        named_graphs=tuple(args.getlist("named-graph-uri") + _extra(fields, args, "named-graph-uri")),
    )


def _extra(fields, args, name: str) -> list[str]:
    return [] if fields is args else fields.getlist(name)


def _read_post(args):
    mimetype = request.mimetype
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if mimetype == UPDATE:
        raise QueryError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if mimetype not in (FORM, DIRECT):
        given = f"Content-Type {mimetype}" if mimetype else "no Content-Type"
        raise QueryError(415, f"POST with {given}: send {FORM} (query=…) or {DIRECT} (the query as the body)")
    if charset not in ("utf-8", "utf8"):
        raise QueryError(415, f"charset {charset} is not supported: send UTF-8")
    try:
        if mimetype == FORM:
            form = request.form
            return args.getlist("query") + form.getlist("query"), args.getlist("update") + form.getlist("update"), form
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise QueryError(413, "the request body is too large") from None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise QueryError(400, f"the query is not valid UTF-8 (byte {e.start})") from None
    return [text] + args.getlist("query"), args.getlist("update"), args


def _describe_service() -> Response:
    choice = negotiate(request.headers.get("Accept"), "graph", extra=("text/html",))
    if choice is None:
        raise QueryError(406, "the service description is available as RDF (Turtle, N-Triples, JSON-LD, RDF/XML) or HTML")
    if choice == "text/html":
        from webapp.workbench import workbench_page  # written alongside; imported when first needed

        return workbench_page()
    triples = service_description(request.base_url, get_state().engine.graphs())
    return Response(serialize_triples(triples, choice, prefixes=SD_PREFIXES), content_type=choice.content_type)


# ---------------------------------------------------------------- for people: readable errors, the workbench


def worded(error: QueryError, text: str | None) -> QueryError:
    """A syntax error said in one readable line (an undeclared prefix named, with the fix); others as they are."""
    if error.status != 400 or text is None or not error.message.startswith("SPARQL syntax error"):
        return error
    problem = syntax.readable(text, error.message, error.line, error.column, PREFIXES)
    return QueryError(400, problem.message, problem.line, problem.column)


def _wants_page() -> bool:
    """Whether a browser opened the URL as a page: it prefers text/html and navigates to a document.

    Browsers say so by ``Sec-Fetch-Dest: document`` or by listing ``application/xhtml+xml``; a
    program that merely tolerates HTML (``text/html, */*;q=0.1``) still gets results.
    """
    accept = request.headers.get("Accept") or ""
    navigating = request.headers.get("Sec-Fetch-Dest") == "document" or "application/xhtml+xml" in accept
    return navigating and "text/html" in accept and negotiate(accept, "results", extra=("text/html",)) == "text/html"


def _open_in_workbench(text: str) -> Response:
    """``/sparql?query=…`` opened in a browser: the workbench with that query, run as the page opens."""
    from webapp.workbench import workbench_page  # written alongside; imported when first needed

    response = workbench_page(run=text)
    response.vary.add("Accept")
    return response
