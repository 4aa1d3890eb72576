"""The remote engine: lemap's engine interface over any SPARQL 1.1 server (Virtuoso, Oxigraph, Fuseki, QLever…).

The same rules as the embedded engine hold: the guard runs before anything is sent, the client
enforces the time limit (and passes it on where the server has a setting), the row cap and the
answer formats are the embedded engine's own (:func:`_capped`, :func:`_serialize`), and every
failure is a :class:`QueryError`. Queries see the union of lemap's graphs (those under
:data:`GRAPH_BASE`) as their default graph: when a query names no dataset, the graphs are sent as
``default-graph-uri`` / ``named-graph-uri``, so the server's own graphs (Virtuoso's system graphs)
never leak in. Writes are one SPARQL Update request each, which both Virtuoso and Oxigraph run
as one transaction; each also stamps a revision in :data:`REVISION_GRAPH` so every replica's
:attr:`RemoteEngine.version` changes when any of them writes. See ``docs/deployment.md``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from ..store import GRAPH_BASE, META_GRAPH, SourceError
from .admission import Admission
from .base import Answer, EngineResult, SparqlEngine, _node
from .binding import substitute
from .client import HttpClient, Reply
from .errors import QueryError, QueryTimeout
from .guard import QueryPlan, check_query
from .limits import Limits
from .loader import load_sources  # noqa: F401  (lemap build --endpoint loads through it)
from .negotiation import negotiate, not_acceptable
from .results import capped as _capped, error_reply, serialize as _serialize
from .updates import inserts

#: The graph holding the revision stamp; outside :data:`GRAPH_BASE`, so queries never see it.
REVISION_GRAPH = "https://w3id.org/lemap/revision"
_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_FORM = "application/x-www-form-urlencoded"
_LIST_EVERY = 60.0  # seconds: the graph list is read again at least this often, stamp or not
#: The folder the web processes of one ``lemap serve`` share for per-client admission (set by the server).
CLIENTS_DIR_ENV = "LEMAP_REMOTE_CLIENTS_DIR"
_SPARQL_ACCEPT = {"results": _JSON, "graph": _NTRIPLES, None: f"{_JSON}, {_NTRIPLES};q=0.9"}


class RemoteEngine(SparqlEngine):
    """Answers through a SPARQL 1.1 server; writes through its update endpoint.

    :param query_endpoint: the server's SPARQL query URL (Virtuoso ``…/sparql``, Oxigraph ``…/query``).
    :param update_endpoint: its SPARQL Update URL (Virtuoso: the same ``…/sparql``; Oxigraph ``…/update``);
        without one the engine is read-only and writes answer 405.
    :param store_endpoint: its Graph Store Protocol URL (Oxigraph ``…/store``, Virtuoso ``…/sparql-graph-crud``),
        used to read whole graphs for dumps; without one dumps use CONSTRUCT.
    :param limits: time, size and row limits (``workers`` and ``worker_memory_mb`` do not apply).
    :param refresh_seconds: how long the graph list and the revision stamp are trusted before asking again.
    :param connect_timeout: seconds to wait for a connection (504 after).
    :param write_timeout: seconds a write or a dump may take (they are not capped by the query timeout).
    :param union_default_graph: the server's default graph already is the union of lemap's graphs and it
        holds nothing else (``oxigraph serve --union-default-graph``): queries go without a dataset, which
        is many times faster than naming every graph (docs/deployment.md has the figures).
    :param clients_dir: the folder per-client admission keeps its slots and budgets in, shared by the
        web processes of one server (``LEMAP_REMOTE_CLIENTS_DIR``); a private temporary one by default.

    >>> engine = RemoteEngine("http://127.0.0.1:9/sparql", limits=Limits(timeout=2))
    >>> engine.query("ASK {}")
    Traceback (most recent call last):
    ...
    lemap_graph.engine.errors.QueryError: 502: the SPARQL server at 127.0.0.1:9 cannot be reached: Connection refused
    """

    def __init__(self, query_endpoint: str, *, update_endpoint: str | None = None, store_endpoint: str | None = None,
                 limits: Limits | None = None, refresh_seconds: float = 5.0, connect_timeout: float = 5.0,
                 write_timeout: float = 300.0, union_default_graph: bool = False, clients_dir: str | None = None):
        self.query_endpoint, self.update_endpoint, self.store_endpoint = query_endpoint, update_endpoint, store_endpoint
        self.limits = limits or Limits()
        self.refresh_seconds, self.write_timeout = refresh_seconds, write_timeout
        self.union_default_graph = union_default_graph
        self.http = HttpClient(connect_timeout)
        self._lock = threading.Lock()
        self._graphs: frozenset[str] | None = None
        self._revision: str | None = None
        self._checked = self._listed = float("-inf")
        self._generation = 0
        self._server: str | None = None
        self.admission = Admission(clients_dir or _private_folder(self), self.limits)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "RemoteEngine":
        """An engine for ``LEMAP_SPARQL_ENDPOINT`` (and ``LEMAP_UPDATE_ENDPOINT``, ``LEMAP_STORE_ENDPOINT``).

        >>> RemoteEngine.from_settings({"LEMAP_SPARQL_ENDPOINT": "http://db:8890/sparql", "LEMAP_MAX_ROWS": 5}).limits.max_rows
        5
        """
        endpoint = settings.get("LEMAP_SPARQL_ENDPOINT")
        if not endpoint:
            raise ValueError("LEMAP_SPARQL_ENDPOINT is not set: there is no SPARQL server to use")
        return cls(endpoint, update_endpoint=settings.get("LEMAP_UPDATE_ENDPOINT") or None,
                   store_endpoint=settings.get("LEMAP_STORE_ENDPOINT") or None, limits=Limits.from_settings(settings),
                   union_default_graph=bool(settings.get("LEMAP_SPARQL_UNION")),
                   clients_dir=os.environ.get(CLIENTS_DIR_ENV) or None)

    # -- the server ------------------------------------------------------------------------------

    @property
    def server(self) -> str:
        """The server's ``Server`` header (``Virtuoso/07.20…``, ``Oxigraph/0.5…``), learnt from its first answer."""
        if self._server is None:
            self._fetch("ASK {}", (), "results", self.limits.timeout).body.read()
        return self._server or ""

    def _time_parameters(self) -> list[tuple[str, str]]:
        # Virtuoso stops a query at its ``timeout`` (ms) and says so; Oxigraph has only its --timeout-s.
        if self.server.startswith("Virtuoso"):
            return [("timeout", str(int(self.limits.timeout * 1000)))]
        return []

    def start(self) -> None:
        """Check the server answers and learn its graphs, so the first query does not wait for it."""
        self._refresh(force=True)

    def close(self) -> None:
        """Close this thread's connections (other threads' close when the threads end)."""
        for url in (self.query_endpoint, self.update_endpoint, self.store_endpoint):
            if url:
                self.http.forget(url)

    # -- data about the data -----------------------------------------------------------------------

    def graphs(self) -> frozenset[str]:
        """lemap's named graphs on the server (those under ``GRAPH_BASE``); see :meth:`_refresh` for how fresh.

        :raises QueryError: (502/504) only when the server has never answered.
        """
        try:
            self._refresh()
        except QueryError:
            if self._graphs is None:
                raise
        return self._graphs or frozenset()

    @property
    def version(self) -> int:
        """A number that changes after this engine's writes and, within ``refresh_seconds``, after anyone's.

        Never raises: while the server cannot be asked, the last number stands (queries say why).
        """
        try:
            self._refresh()
        except QueryError:
            pass
        return self._generation

    def _refresh(self, force: bool = False) -> None:
        """Read the revision stamp (cheap) every ``refresh_seconds``; the graph list when it changed, or each minute."""
        if not force and time.monotonic() - self._checked < self.refresh_seconds:
            return
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked < self.refresh_seconds:
                return
            try:
                revision = self._read_revision()
                stale = self._graphs is None or revision != self._revision or now - self._listed > _LIST_EVERY
                graphs = self._read_graphs() if stale or force else self._graphs
            except QueryError:
                if self._graphs is None:
                    raise
                self._checked = now  # keep what is known; ask again after refresh_seconds, not at once
                raise
            if (revision, graphs) != (self._revision, self._graphs) and self._graphs is not None:
                self._generation += 1
            if stale or force:
                self._listed = now
            self._revision, self._graphs, self._checked = revision, graphs, now

    def _read_revision(self) -> str | None:
        text = f"SELECT ?v WHERE {{ GRAPH <{REVISION_GRAPH}> {{ <{META_GRAPH.value}> <{_VERSION_INFO}> ?v }} }}"
        rows = self._select(text, ())
        return min((r[0].value for r in rows if r[0] is not None), default=None)

    def _read_graphs(self) -> frozenset[str]:
        text = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                f'FILTER(STRSTARTS(STR(?g), "{GRAPH_BASE}")) }}')
        return frozenset(r[0].value for r in self._select(text, ()) if isinstance(r[0], ox.NamedNode))

    def _select(self, text: str, dataset, seconds: float | None = None):
        """All rows (or the boolean) of a query of our own, whose answer is known to be small."""
        def finish(answer):
            return bool(answer) if isinstance(answer, ox.QueryBoolean) else [tuple(s) for s in answer]

        return self._answered(text, QueryPlan("SELECT"), dataset, finish, seconds)

    # -- queries -------------------------------------------------------------------------------

    def _check(self, text: str, base_iri: str | None = None) -> QueryPlan:
        """The guard, before anything is sent; only a query with FROM makes it ask the server for the graph list."""
        plan = check_query(text, self.limits, None, base_iri)
        if plan.has_dataset:
            plan = check_query(text, self.limits, self.graphs(), base_iri)
        return plan

    def _dataset(self, plan: QueryPlan, default_graphs, named_graphs) -> list[tuple[str, str]]:
        """Protocol dataset parameters: the caller's, none when the query has FROM, else lemap's graphs."""
        if default_graphs is not None or named_graphs is not None:
            return [("default-graph-uri", _node(g).value) for g in default_graphs or ()] + [
                ("named-graph-uri", _node(g).value) for g in named_graphs or ()]
        if plan.has_dataset or self.union_default_graph:
            return []
        graphs = sorted(self.graphs()) or [META_GRAPH.value]  # an empty dataset, never the server's own graphs
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _fetch(self, text: str, dataset, kind: str | None, seconds: float) -> Reply:
        """POST the query (form-encoded, so long dataset lists fit) and check the reply is an answer."""
        params = [("query", text), *dataset]
        if self._server is not None:
            params += self._time_parameters()
        body = _urlencode(params)
        reply = self.http.request("POST", self.query_endpoint, seconds=seconds, body=body,
                                  headers={"Content-Type": _FORM, "Accept": _SPARQL_ACCEPT.get(kind, _SPARQL_ACCEPT[None])})
        if self._server is None:
            self._server = reply.headers.get("server", "")
        try:
            _check_reply(reply, self.limits.timeout, self.query_endpoint)
        except QueryError:
            self._settle(reply, self.query_endpoint)
            raise
        return reply

    def _answered(self, text: str, plan: QueryPlan, dataset, finish: Callable[[Any], Any], seconds: float | None = None) -> Any:
        """Fetch the answer, hand the parsed (lazily read) answer to ``finish``, and settle the connection."""
        reply = self._fetch(text, dataset, plan.result_kind, seconds or self.limits.timeout)
        try:
            media = reply.headers.get("content-type", "").split(";")[0].strip().lower()
            parsed = _triples(reply) if media in (_NTRIPLES, "text/plain") else _results(reply)
            return finish(_boolean(parsed) if plan.form == "ASK" else parsed)
        except SyntaxError as e:
            raise QueryError(502, f"the SPARQL server at {_where(self.query_endpoint)} answered something that "
                                  f"does not parse: {_shorten(str(e))}") from None
        finally:
            self._settle(reply, self.query_endpoint)

    def _settle(self, reply: Reply, url: str) -> None:
        """Keep the connection only when its answer was read to the end (a capped answer leaves the rest unread)."""
        response = reply.body.response
        if not response.isclosed():
            try:
                reply.body.read(65536)
            except QueryError:
                pass
        if not response.isclosed():
            self.http.forget(url)

    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None, max_rows: int | None = None) -> EngineResult:
        """Run a query over the union of lemap's graphs; its rows, at most ``limits.max_rows`` (see :meth:`SparqlEngine.query`).

        :param text: the SPARQL query.
        :param substitutions: variable name (without ``?``) → pyoxigraph term, written into the query as values.
        :param max_rows: the row cap, ``limits.max_rows`` by default; 0 lifts it (the app's own fixed queries).
        :raises QueryError: refused (400/413), wrong (400), too slow (503), server failing (502/504).
        """
        plan = self._check(text)
        sent = substitute(text, substitutions)
        cap = self.limits.max_rows if max_rows is None else (max_rows or None)
        return self._answered(sent, plan, self._dataset(plan, None, None), lambda answer: _capped(answer, cap))

    def run(self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None,
            base_iri: str | None = None, client: str | None = None) -> Answer:
        """Run a query and serialize it as ``accept`` asks, shaped exactly as the embedded engine's answers.

        :param text: the SPARQL query.
        :param accept: an HTTP Accept header value, or None for the default format.
        :param default_graphs: protocol ``default-graph-uri`` values; they override FROM.
        :param named_graphs: protocol ``named-graph-uri`` values; they override FROM NAMED.
        :param base_iri: the IRI relative IRIs in the query resolve against (sent as a BASE line before the query).
        :param client: who asks (the endpoint's client address): its queries at once and its budget of query
            time are limited as on the embedded engine (``LEMAP_CLIENT_QUERIES``, ``LEMAP_CLIENT_BUDGET_SECONDS``).
        """
        plan = self._check(text, base_iri)
        if plan.result_kind and negotiate(accept, plan.result_kind) is None:
            raise not_acceptable(plan.result_kind)
        sent = f"BASE {ox.NamedNode(base_iri)}\n{text}" if base_iri else text
        dataset = self._dataset(plan, default_graphs, named_graphs)
        with self.admission.slot(client):
            try:
                return self._answered(sent, plan, dataset, lambda answer: _serialize(answer, accept, self.limits.max_rows))
            except QueryError as e:
                raise _in_our_words(e, text, plan, base_iri) from None

    # -- writes ----------------------------------------------------------------------------------

    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Replace (or add to) one graph and its meta statements in one SPARQL Update request (see :meth:`SparqlEngine.write_graph`).

        :raises SourceError: when ``ntriples`` does not parse (nothing is sent then).
        :raises QueryError: 405 without an update endpoint; 502/504 when the server fails.
        """
        node = _node(graph)
        triples = _parse_ntriples(ntriples, node.value)
        operations = [f"DROP SILENT GRAPH {node}"] if replace else []
        operations.append(f"DELETE WHERE {{ GRAPH {META_GRAPH} {{ {node} ?p ?o }} }}")
        operations += inserts(node, triples) + inserts(META_GRAPH, [q.triple for q in meta])
        self._update(operations)
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}", ())
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def drop_graph(self, graph: str) -> bool:
        """Remove one graph and the meta graph's statements about it, in one request; whether it held anything."""
        node = _node(graph)
        existed = self._answered(f"ASK {{ GRAPH {node} {{ ?s ?p ?o }} }}", QueryPlan("ASK"), (), bool)
        self._update([f"DROP SILENT GRAPH {node}", f"DELETE WHERE {{ GRAPH {META_GRAPH} {{ {node} ?p ?o }} }}"])
        return existed

    def _update(self, operations: list[str]) -> None:
        """Send the operations and a new revision stamp as one request (one transaction on Virtuoso and Oxigraph)."""
        if not self.update_endpoint:
            raise QueryError(405, "this engine's SPARQL server has no update endpoint (LEMAP_UPDATE_ENDPOINT): it is read-only")
        stamp = f'"{time.time_ns()}-{uuid.uuid4().hex}"'
        rev, subject = f"<{REVISION_GRAPH}>", f"<{META_GRAPH.value}>"
        operations = [*operations, f"DELETE WHERE {{ GRAPH {rev} {{ {subject} <{_VERSION_INFO}> ?v }} }}",
                      f"INSERT DATA {{ GRAPH {rev} {{ {subject} <{_VERSION_INFO}> {stamp} }} }}"]
        body = _urlencode([("update", " ;\n".join(operations))])
        reply = self.http.request("POST", self.update_endpoint, seconds=self.write_timeout, body=body,
                                  headers={"Content-Type": _FORM, "Accept": "*/*"})
        try:
            _check_reply(reply, self.write_timeout, self.update_endpoint)
            reply.body.read()
        finally:
            self._settle(reply, self.update_endpoint)
        with self._lock:
            self._generation += 1
            self._checked = float("-inf")  # the next look at graphs() or version asks the server

    # -- dumps -------------------------------------------------------------------------------------

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The whole dataset (lemap's graphs) or one graph, serialized and never row-capped (see :meth:`SparqlEngine.dump`)."""
        names = [_node(graph).value] if graph is not None else sorted(self._read_graphs())
        parts = {name: self._graph_triples(name) for name in names}
        if format.supports_datasets and graph is None:
            quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in parts.items() for t in ts]
            return ox.serialize(quads, format=format) or b""
        seen: dict[ox.Triple, None] = {}
        for triples in parts.values():
            seen.update(dict.fromkeys(triples))
        if format.supports_datasets:
            return ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in seen], format=format) or b""
        return ox.serialize(list(seen), format=format) or b""

    def _graph_triples(self, graph: str) -> list[ox.Triple]:
        """Every triple of one graph: a Graph Store Protocol GET where there is one, else a CONSTRUCT."""
        if self.store_endpoint:
            url, reply = self.store_endpoint, self.http.request(
                "GET", self.store_endpoint, seconds=self.write_timeout, params=[("graph", graph)], headers={"Accept": _NTRIPLES})
            if reply.status == 404:
                self._settle(reply, url)
                return []
        else:
            url, text = self.query_endpoint, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            reply = self._fetch(text, (), "graph", self.write_timeout)
        try:
            _check_reply(reply, self.write_timeout, url)
            return list(_triples(reply))
        except SyntaxError as e:
            raise QueryError(502, f"the SPARQL server at {_where(url)} sent a graph that does not parse: {_shorten(str(e))}") from None
        finally:
            self._settle(reply, url)


def _private_folder(engine: RemoteEngine) -> str:
    """A temporary folder removed when ``engine`` is."""
    folder = tempfile.mkdtemp(prefix="lemap-clients-")
    weakref.finalize(engine, shutil.rmtree, folder, True)
    return folder


def _in_our_words(error: QueryError, text: str, plan: QueryPlan, base_iri: str | None) -> QueryError:
    """A query the server refused as the embedded engine refuses it (words, line, column) when pyoxigraph does too.

    Line and column then point into the text as sent by the client. An ASK is left in the server's
    words: pyoxigraph would evaluate it, not only read it.

    >>> e = _in_our_words(QueryError(400, "the SPARQL server refused the query: …"), "SELECT * {\\n ?s ?p", QueryPlan("SELECT"), None)
    >>> e.message.startswith("SPARQL syntax error: "), e.line, e.column
    (True, 2, 7)
    """
    if error.status != 400 or plan.form == "ASK":
        return error
    try:
        ox.Store().query(text, base_iri=base_iri)  # reads the query; SELECT, CONSTRUCT and DESCRIBE evaluate lazily
    except SyntaxError as e:
        reply = error_reply(e)
        return QueryError(400, reply["message"], reply["line"], reply["column"])
    except Exception:  # noqa: BLE001 - pyoxigraph read it; the server's words stand
        return error
    return error


# -- answers -------------------------------------------------------------------------------------


def _check_reply(reply: Reply, seconds: float, url: str) -> None:
    """Raise the right :class:`QueryError` for a reply that is not an answer."""
    if reply.headers.get("x-sql-state", "").upper() == "S1TAT":
        raise QueryTimeout(seconds)  # Virtuoso's "anytime" answer: what it found before the timeout, incomplete
    if 200 <= reply.status < 300:
        return
    message = _shorten(reply.text())
    if "timeout" in message.lower() or "timed out" in message.lower() or "S1T00" in message:
        raise QueryTimeout(seconds)
    if reply.status == 400:
        raise QueryError(400, f"the SPARQL server refused the query: {message}")
    raise QueryError(502, f"the SPARQL server at {_where(url)} answered {reply.status}: {message}")


def _results(reply: Reply):
    """SPARQL JSON (or XML) results, read as pyoxigraph reads them."""
    media = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if media.endswith("xml"):
        return ox.parse_query_results(reply.body, format=ox.QueryResultsFormat.XML)
    return ox.parse_query_results(_BlankNodeIds(reply.body), format=ox.QueryResultsFormat.JSON)


class _BlankNodeIds:
    """A SPARQL JSON stream with Virtuoso's blank node values (``"nodeID://b10006"``) made plain ids (``"b10006"``).

    pyoxigraph refuses ``nodeID://…`` as a blank node identifier. The end of each chunk that could
    begin a marker is held back with the byte before it (to tell an escaped quote), so a marker split
    across reads is still found; a read never returns more than asked.
    """

    _MARKER = b'"nodeID://'
    _FOUND = re.compile(rb'(?<!\\)"nodeID://')  # not an escaped quote inside a literal

    def __init__(self, body):
        self.body, self.tail, self.out, self.ended = body, b"", b"", False

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes of the rewritten stream (b"" at its end)."""
        whole = n is None or n < 0
        while not self.ended and (whole or len(self.out) < n):
            chunk = self.body.read(-1 if whole else max(n, 8192))
            if not chunk:
                self.ended, self.out, self.tail = True, self.out + self._FOUND.sub(b'"', self.tail), b""
                break
            data = self.tail + chunk
            hold = min(len(data), self._partial(data) + 1)
            self.tail, self.out = data[len(data) - hold:], self.out + self._FOUND.sub(b'"', data[: len(data) - hold])
        size = len(self.out) if whole else n
        data, self.out = self.out[:size], self.out[size:]
        return data

    def _partial(self, data: bytes) -> int:
        """How many bytes at the end are a marker or its beginning."""
        for k in range(len(self._MARKER), 0, -1):
            if data.endswith(self._MARKER[:k]):
                return k
        return 0


def _boolean(answer):
    """An ASK answer as a boolean; Virtuoso 7 answers ASK as one ``__ASK_RETVAL`` row (1 or none)."""
    if isinstance(answer, ox.QuerySolutions):
        return any(s[0] is not None and s[0].value not in ("0", "false") for s in answer)
    return answer


def _triples(reply: Reply):
    """N-Triples, read lazily into triples."""
    return (q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))


def _parse_ntriples(ntriples: bytes, graph: str) -> list[ox.Triple]:
    try:
        return list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as e:
        raise SourceError(graph, e.lineno, e.offset, str(e.msg if e.msg else e)) from None


def _urlencode(params) -> bytes:
    return urlencode(list(params)).encode()


def _where(url: str) -> str:
    return urlsplit(url).netloc or url


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
