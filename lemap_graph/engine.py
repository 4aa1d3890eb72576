"""Safe SPARQL execution: a query guard, a pool of worker processes killed on timeout, capped results.

Every query goes through :func:`check_query` first (size, bracket nesting, ``SERVICE`` in any
spelling, ``FROM`` of graphs that are not in the store, SPARQL Update), then runs in a separate
worker process holding an in-memory copy of the store. A worker that overruns the time limit is
killed (the CPU is freed at once) and replaced; a worker that dies (pyoxigraph can segfault on deep
input) is answered with :class:`WorkerCrashed` and replaced. Workers run without network access where
the system allows a private network namespace, and queries run on a thread with a large stack.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("1"), ox.NamedNode("http://ex/g")))
>>> engine = LocalEngine(store, Limits(workers=1))
>>> engine.query("SELECT ?o WHERE { ?s ?p ?o }").records()
[{'o': '1'}]
>>> engine.run("ASK { ?s ?p ?o }", accept="text/csv").body
b'_askResult\\r\\ntrue\\r\\n'
>>> engine.close()
"""

from __future__ import annotations

import bisect
import ctypes
import json
import logging
import os
import queue
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import weakref
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http import HTTPStatus
from multiprocessing.connection import Connection
from typing import Any, Iterator, Mapping
from urllib.parse import urljoin

import pyoxigraph as ox

from .formats import Format, for_kind, parse_accept, quality, serialize_result, serialize_triples
from .store import PROJECT_ROOT, QueryResult, drop_graph, to_result, write_graph

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class QueryError(Exception):
    """A query that cannot be answered: an HTTP ``status``, a message and, when known, where (1-based)."""

    def __init__(self, status: int, message: str, line: int | None = None, column: int | None = None):
        self.status, self.message, self.line, self.column = status, message, line, column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{status}: {message}{where}")

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict: status, its reason phrase, the error class, message, line, column."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        return {
            "status": self.status,
            "error": phrase,
            "kind": type(self).__name__,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


class QueryRejected(QueryError):
    """The guard refused the query before any engine saw it (too big, too deep, SERVICE, FROM, update)."""


class QueryTimeout(QueryError):
    """The query ran past the time limit; its worker was killed."""

    def __init__(self, seconds: float):
        super().__init__(503, f"the query timed out after {seconds:g} s and was stopped")
        self.seconds = seconds


class WorkerCrashed(QueryError):
    """The worker process running the query died (for example a segfault in the engine)."""


class EngineBusy(QueryError):
    """No query worker became free in time."""


# ---------------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The engine's limits; :meth:`from_settings` reads them from the settings table's names."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_bytes: int = 100_000
    max_nesting: int = 64
    workers: int = 2
    worker_memory_mb: int = 2048

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Limits":
        """Limits from a mapping of ``LEMAP_*`` settings (app.config or :func:`load_settings`).

        >>> Limits.from_settings({"LEMAP_QUERY_TIMEOUT": 2}).timeout
        2.0
        """
        names = {
            "timeout": ("LEMAP_QUERY_TIMEOUT", float),
            "max_rows": ("LEMAP_MAX_ROWS", int),
            "max_query_bytes": ("LEMAP_MAX_QUERY_BYTES", int),
            "max_nesting": ("LEMAP_MAX_NESTING", int),
            "workers": ("LEMAP_WORKERS", int),
            "worker_memory_mb": ("LEMAP_WORKER_MEMORY_MB", int),
        }
        given = {k: conv(settings[n]) for k, (n, conv) in names.items() if settings.get(n) is not None}
        return cls(**given)


# ---------------------------------------------------------------------------------------------
# The guard: a tokenizer-level look at the query text, before any parser sees it
# ---------------------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_WS = re.compile(r"\s+")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VAR = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+")
_BNODE = re.compile(r"_:[\w.\-]*")
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
# A keyword, or a prefixed name (its prefix, the colon and its local part) as one token.
_NAME = re.compile(r"(?:[^\W\d][\w\-]*(?:\.+[\w\-]+)*)?:(?:[\w\-:%]|\\.)*(?:\.+(?:[\w\-:%]|\\.)+)*|[^\W\d][\w\-]*(?:\.+[\w\-]+)*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_SHORT = {q: re.compile(q + r"(?:[^" + q + r"\\\n\r]|\\.)*" + q) for q in ("'", '"')}
_LONG = {q: re.compile(q * 3 + r"(?:[^" + q + r"\\]|\\.|" + q + r"(?!" + q * 2 + r"))*" + q * 3, re.S) for q in ("'", '"')}
_OPEN = {"{", "(", "["}
_CLOSE = {"}", ")", "]"}

QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is ws, comment, string, iri, var, bnode, lang, name, number, open, close or other."""

    kind: str
    text: str
    pos: int


def tokenize(text: str) -> Iterator[Token]:
    """Split SPARQL text into tokens in linear time; unterminated strings fall back to single characters.

    The fallback is on purpose: text the tokenizer cannot read as a string is scanned as tokens,
    so a keyword is never hidden inside something the real parser would not read as a string.

    >>> [t.text for t in tokenize("ASK { ?s <p> 'x' } # c") if t.kind != "ws"]
    ['ASK', '{', '?s', '<p>', "'x'", '}', '# c']
    """
    n, p = len(text), 0
    no_string_before: dict[str, int] = {}  # a failed string scan at p fails for every start up to this end
    while p < n:
        c = text[p]
        m = None
        if c.isspace():
            m = _WS.match(text, p)
        elif c == "#":
            end = _line_end(text, p)
            yield Token("comment", text[p:end], p)
            p = end
            continue
        elif c in "'\"":
            m = _string_at(text, p, c, no_string_before)
            if m:
                yield Token("string", m.group(), p)
                p = m.end()
                continue
        elif c == "<":
            m = _IRI.match(text, p)
            if m:
                yield Token("iri", m.group(), p)
                p = m.end()
                continue
        elif c in "?$":
            m = _VAR.match(text, p)
        elif c == "_" and text.startswith("_:", p):
            m = _BNODE.match(text, p)
        elif c == "@":
            m = _LANG.match(text, p)
        elif c.isdigit() or (c == "." and p + 1 < n and text[p + 1].isdigit()):
            m = _NUMBER.match(text, p)
        elif c == ":" or c.isalpha() or c == "_":
            m = _NAME.match(text, p)
        if m and m.end() > p:
            yield Token(_kind_of(c), m.group(), p)
            p = m.end()
            continue
        if c == "{" and text.startswith("{|", p):
            yield Token("open", "{|", p)
            p += 2
        elif c == "|" and text.startswith("|}", p):
            yield Token("close", "|}", p)
            p += 2
        else:
            yield Token("open" if c in _OPEN else "close" if c in _CLOSE else "other", c, p)
            p += 1


def _kind_of(c: str) -> str:
    if c.isspace():
        return "ws"
    if c in "?$":
        return "var"
    if c == "_":
        return "bnode"
    if c == "@":
        return "lang"
    if c.isdigit() or c == ".":
        return "number"
    return "name"


def _line_end(text: str, p: int) -> int:
    ends = [i for i in (text.find("\n", p), text.find("\r", p)) if i >= 0]
    return min(ends) if ends else len(text)


def _string_at(text: str, p: int, quote: str, no_string_before: dict[str, int]):
    long = text.startswith(quote * 3, p)
    key = quote * (3 if long else 1)
    if p < no_string_before.get(key, -1):
        return _SHORT[quote].match(text, p) if long else None
    m = (_LONG if long else _SHORT)[quote].match(text, p)
    if m is None:
        no_string_before[key] = len(text) if long else _line_end(text, p)
        if long:  # '''' may still open a short string ''
            return _SHORT[quote].match(text, p)
    return m


@dataclass(frozen=True)
class _View:
    """The query as one parser may read it: tokens without whitespace and comments, and a position map."""

    text: str
    tokens: tuple[Token, ...]
    offsets: tuple[tuple[int, int], ...] = ()  # (position in this view, position in the original text)

    def original(self, pos: int) -> int:
        if not self.offsets:
            return pos
        i = bisect.bisect_right(self.offsets, (pos, sys.maxsize)) - 1
        view_at, orig_at = self.offsets[i] if i >= 0 else (0, 0)
        return orig_at + (pos - view_at)


def decode_escapes(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Decode SPARQL's ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes, which are allowed anywhere in a query.

    :return: the decoded text and (decoded position, original position) pairs after each escape.
    :raises QueryRejected: for an escape that names no valid character.

    >>> decode_escapes(r"\\u0053ERVICE")[0]
    'SERVICE'
    """
    if "\\u" not in text and "\\U" not in text:
        return text, ()
    out, offsets, last, shift = [], [(0, 0)], 0, 0
    for m in _ESCAPE.finditer(text):
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            line, col = line_column(text, m.start())
            raise QueryRejected(400, f"invalid character escape {m.group()}", line, col)
        out.append(text[last : m.start()])
        out.append(chr(code))
        shift += len(m.group()) - 1
        last = m.end()
        offsets.append((m.end() - shift, m.end()))
    out.append(text[last:])
    return "".join(out), tuple(offsets)


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of character ``pos`` in ``text``.

    >>> line_column("a\\nbc", 3)
    (2, 2)
    """
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


@dataclass(frozen=True)
class QueryPlan:
    """What the guard learnt: the query form (SELECT…, or None if unknown) and the FROM / FROM NAMED graphs."""

    form: str | None
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    from_places: tuple[tuple[str, tuple[int, int]], ...] = field(default=(), repr=False, compare=False)

    @property
    def has_dataset(self) -> bool:
        """Whether the query names its own dataset with FROM or FROM NAMED."""
        return bool(self.from_graphs or self.from_named)

    @property
    def result_kind(self) -> str | None:
        """``results`` for SELECT/ASK, ``graph`` for CONSTRUCT/DESCRIBE, None when unknown."""
        return QUERY_FORMS.get(self.form or "")


def check_query(
    text: str, limits: Limits = Limits(), graphs: frozenset[str] | None = None, base_iri: str | None = None
) -> QueryPlan:
    """Vet query text before any parser sees it; raise :class:`QueryRejected` saying what and where.

    Checks, in order: size (413), ``\\u`` escapes, bracket nesting of ``{ ( [`` outside strings,
    IRIs and comments (400), ``SERVICE`` as a keyword in any case or escape spelling (400), SPARQL
    Update (400), and ``FROM`` / ``FROM NAMED`` naming a graph that is not in ``graphs`` (400).
    The text is read both as written and with its escapes decoded, and refused if either reading fails.

    :param text: the query text.
    :param limits: the size and nesting limits.
    :param graphs: the named graphs in the store; None skips the FROM check.
    :param base_iri: the IRI relative IRIs resolve against (the endpoint's URL for the protocol).

    >>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' }").form
    'SELECT'
    >>> check_query("ASK { \\\\u0053ERVICE <http://example.org/> {} }")
    Traceback (most recent call last):
    ...
    lemap_graph.engine.QueryRejected: 400: SERVICE is not allowed: this endpoint makes no outbound requests (line 1, column 7)
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_query_bytes:
        raise QueryRejected(413, f"the query is {size} bytes; the limit is {limits.max_query_bytes} bytes")
    decoded, offsets = decode_escapes(text)
    views = [_View(text, _significant(text))]
    if offsets:
        views.append(_View(decoded, _significant(decoded), offsets))
    for view in views:
        _check_nesting(view, text, limits.max_nesting)
    for view in views:
        _check_service(view, text)
    plans = [_plan(view, text, base_iri) for view in views]
    if graphs is not None:
        for plan in plans:
            _check_from(plan, graphs)
    return plans[-1]


def _significant(text: str) -> tuple[Token, ...]:
    return tuple(t for t in tokenize(text) if t.kind not in ("ws", "comment"))


def _reject(view: _View, original: str, pos: int, message: str, status: int = 400) -> QueryRejected:
    line, col = line_column(original, view.original(pos))
    return QueryRejected(status, message, line, col)


def _check_nesting(view: _View, original: str, limit: int) -> None:
    depth = 0
    for t in view.tokens:
        if t.kind == "open":
            depth += 1
            if depth > limit:
                raise _reject(view, original, t.pos, f"the query nests brackets deeper than {limit} levels")
        elif t.kind == "close":
            depth = max(0, depth - 1)


def _check_service(view: _View, original: str) -> None:
    for t in view.tokens:
        if t.kind == "name" and t.text.upper() == "SERVICE":
            raise _reject(view, original, t.pos, "SERVICE is not allowed: this endpoint makes no outbound requests")


def _plan(view: _View, original: str, base: str | None) -> QueryPlan:
    tokens, i, prefixes = view.tokens, 0, {}
    while i < len(tokens) and tokens[i].kind == "name" and tokens[i].text.upper() in ("BASE", "PREFIX"):
        if tokens[i].text.upper() == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
            i += 2
        elif i + 2 < len(tokens) and tokens[i + 1].kind == "name" and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":").split(":")[0]] = _resolve(tokens[i + 2].text[1:-1], base)
            i += 3
        else:
            break
    form = tokens[i].text.upper() if i < len(tokens) and tokens[i].kind == "name" else None
    if form in UPDATE_KEYWORDS:
        raise _reject(view, original, tokens[i].pos, f"SPARQL Update ({form}) is not accepted: this endpoint is read-only")
    if form not in QUERY_FORMS:
        form = None
    from_graphs, from_named = _from_clauses(view, original, prefixes, base)
    return QueryPlan(
        form,
        tuple(iri for iri, _ in from_graphs),
        tuple(iri for iri, _ in from_named),
        tuple(from_graphs + from_named),
    )


def _from_clauses(view: _View, original: str, prefixes: dict[str, str], base: str | None):
    tokens, default, named = view.tokens, [], []
    for i, t in enumerate(tokens):
        if t.kind != "name" or t.text.upper() != "FROM":
            continue
        j = i + 1
        is_named = j < len(tokens) and tokens[j].kind == "name" and tokens[j].text.upper() == "NAMED"
        j += is_named
        target = tokens[j] if j < len(tokens) else None
        iri = _iri_of(target, prefixes, base)
        if iri is None:
            raise _reject(view, original, t.pos, "FROM must name a graph of this store by its IRI")
        (named if is_named else default).append((iri, line_column(original, view.original(t.pos))))
    return default, named


def _iri_of(token: Token | None, prefixes: dict[str, str], base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    if token.kind == "name" and ":" in token.text:
        prefix, local = token.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri


def _check_from(plan: QueryPlan, graphs: frozenset[str]) -> None:
    for iri, (line, col) in plan.from_places:
        if iri not in graphs:
            message = f"FROM <{iri}>: no such graph in this store (graphs are never fetched from the web)"
            raise QueryRejected(400, message, line, col)


# ---------------------------------------------------------------------------------------------
# Content negotiation
# ---------------------------------------------------------------------------------------------


def negotiate(accept: str | None, kind: str, extra: tuple[str, ...] = ()) -> Format | str | None:
    """The best format of ``kind`` (``results`` or ``graph``) for an Accept header, default first on ties.

    :param extra: further media types to weigh (e.g. ``text/html``), returned as strings when they win.
    :return: a :class:`Format`, one of ``extra``, or None when nothing offered is acceptable (406).

    >>> negotiate(None, "results").name
    'json'
    >>> negotiate("text/turtle;q=0.5, application/rdf+xml", "graph").name
    'rdf'
    >>> negotiate("text/html", "graph") is None
    True
    """
    offers: list[Format | str] = [*for_kind(kind), *extra]
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    scored = []
    for i, offer in enumerate(offers):
        names = (offer,) if isinstance(offer, str) else (offer.media_type, *(a for a in offer.aliases if "/" in a))
        specific, q = max(quality(ranges, n) for n in names)  # an explicit q=0 for a type wins over */*
        if q > 0:
            scored.append((-q, -specific, i, offer))
    return min(scored, key=lambda s: s[:3])[3] if scored else None


def acceptable_types(kind: str) -> list[str]:
    """Media types offered for a kind of result, for a 406 message."""
    return [f.media_type for f in for_kind(kind)]


# ---------------------------------------------------------------------------------------------
# Answers and the engine interface
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A serialized query answer: the body, its media type, the row cap it hit (if any) and its kind."""

    body: bytes
    media_type: str
    kind: str
    truncated: bool = False
    limit: int | None = None
    format_name: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header value (media type with charset)."""
        return f"{self.media_type}; charset=utf-8"


@dataclass(frozen=True)
class EngineResult(QueryResult):
    """A :class:`QueryResult` that also says whether the row cap cut it."""

    truncated: bool = False


def _node(iri: Any) -> ox.NamedNode:
    if isinstance(iri, ox.NamedNode):
        return iri
    try:
        return ox.NamedNode(str(iri))
    except ValueError:
        raise QueryRejected(400, f"not a valid graph IRI: {iri!r}") from None


class SparqlEngine(ABC):
    """What the web app needs from a SPARQL engine; :class:`LocalEngine` runs pyoxigraph in worker processes.

    A later ``RemoteEngine`` can forward to an external SPARQL 1.1 server behind the same methods.
    """

    limits: Limits

    @abstractmethod
    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None) -> EngineResult:
        """Run a query over the union of all graphs; a structured, row-capped result."""

    @abstractmethod
    def run(
        self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None, base_iri: str | None = None
    ) -> Answer:
        """Run a query and serialize the answer in the format ``accept`` asks for."""

    @abstractmethod
    def graphs(self) -> frozenset[str]:
        """The named graphs queries can use."""

    @property
    def version(self) -> int:
        """A number that changes whenever the engine's data changes; caches key on it."""
        return 0

    @abstractmethod
    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Atomically replace (or add to) one named graph, and record its provenance in the meta graph.

        Either all of it is stored or nothing is; queries see the new data once this returns.

        :param graph: the named graph's IRI.
        :param ntriples: the graph's triples as N-Triples (already parsed and validated: never a raw upload).
        :param replace: replace the graph's triples (HTTP PUT) rather than add to them (POST).
        :param meta: quads for the meta graph describing ``graph``; they replace what it held about it.
        :return: the number of triples in the graph afterwards.
        """

    @abstractmethod
    def drop_graph(self, graph: str) -> bool:
        """Remove one named graph and the meta graph's statements about it; whether it existed."""

    @abstractmethod
    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The whole dataset (or one named graph), serialized and never row-capped.

        For dumps, exports and the context a partner upload is validated against.

        :param format: an RDF format; a graph format (Turtle, N-Triples …) merges the graphs
            unless ``graph`` names one.
        :param graph: the IRI of one named graph, or None for all of them.
        """

    def start(self) -> None:
        """Get ready to answer (start processes, open connections) before the first query."""

    def reload(self, store: ox.Store | None = None) -> None:
        """Take a fresh copy of the data (after the store changed)."""

    def close(self) -> None:
        """Stop whatever the engine runs."""


# ---------------------------------------------------------------------------------------------
# The worker pool
# ---------------------------------------------------------------------------------------------

_WORKER_CMD = "import sys; from lemap_graph.engine import worker_main; worker_main(int(sys.argv[1]), int(sys.argv[2]))"
_STARTUP_SECONDS = 120.0


class _Died(Exception):
    pass


class _Overran(Exception):
    pass


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, generation: int, memory_mb: int):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        env["LEMAP_WORKER_MEMORY_MB"] = str(memory_mb)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CMD, str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                cwd=str(PROJECT_ROOT),
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.tx, self.rx = Connection(to_child_w, readable=False), Connection(from_child_r, writable=False)
        self.generation = generation
        self.isolated = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply; raise _Overran past ``timeout``, _Died on EOF."""
        try:
            self.tx.send(message)
            if not self.rx.poll(timeout):
                raise _Overran()
            return self.rx.recv()
        except (EOFError, OSError, BrokenPipeError):
            raise _Died() from None

    def kill(self) -> None:
        """Kill the process at once and reap it, so its CPU and memory are freed."""
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.error("query worker %s did not die", self.pid)
        for conn in (self.tx, self.rx):
            try:
                conn.close()
            except OSError:
                pass

    def death(self) -> str:
        """How the process ended, for an error message."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            hint = " — most often it ran out of its memory cap, LEMAP_WORKER_MEMORY_MB" if name == "SIGABRT" else ""
            return f"it was killed by signal {name}{hint}"
        return f"it exited with status {code}"


class LocalEngine(SparqlEngine):
    """Runs queries on pyoxigraph in ``limits.workers`` worker processes, each with a copy of the store.

    :param store: the data to answer from; each worker loads an N-Quads dump of it when it starts.
    :param limits: time, size and row limits and the pool size.
    :param strict_protocol_graphs: refuse (400) ``default-graph-uri`` / ``named-graph-uri`` that are not
        in the store; by default they are empty graphs, as the SPARQL 1.1 Protocol tests expect.
    """

    def __init__(self, store: ox.Store, limits: Limits | None = None, *, strict_protocol_graphs: bool = False):
        self.limits = limits or Limits()
        self.strict_protocol_graphs = strict_protocol_graphs
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        self._slots = 0  # workers alive or being started; grows on demand up to limits.workers
        self._generation = 0
        self._take_snapshot(store)
        # Workers also exit on their own when this engine is collected (their pipes close).
        self._finalizer = weakref.finalize(self, _kill_all, self._all, self._lock)

    def start(self) -> None:
        """Start all the worker processes now (the server warms up this way).

        Without it workers start on demand: the first query starts one, and another starts
        whenever every worker is busy, up to ``limits.workers``.
        """
        while self._grow():
            pass

    def _grow(self) -> bool:
        """Start one more worker if the pool is below its size; whether one was started."""
        with self._lock:
            if self._closed or self._slots >= max(1, self.limits.workers):
                return False
            self._slots += 1
        self._spawn_later()
        return True

    # -- data ------------------------------------------------------------------------------------

    def _take_snapshot(self, store: ox.Store) -> None:
        # Keep the store, not its N-Quads: a new worker gets a fresh dump (about 1 s at 1M triples),
        # which saves holding a copy of every triple as bytes for the life of the server.
        graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        with self._lock:
            self._source, self._graphs = store, graphs
            self._generation += 1

    def graphs(self) -> frozenset[str]:
        """The IRIs of the named graphs in the snapshot the workers answer from."""
        return self._graphs

    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Write one graph into the store in one transaction, then reload the workers (see :meth:`SparqlEngine.write_graph`).

        >>> engine = LocalEngine(ox.Store(), Limits(workers=1))
        >>> engine.write_graph("http://ex/g", b'<http://ex/a> <http://ex/p> "x" .\\n')
        1
        >>> engine.query("SELECT ?o WHERE { GRAPH <http://ex/g> { ?s ?p ?o } }").records()
        [{'o': 'x'}]
        >>> engine.drop_graph("http://ex/g"), engine.graphs()
        (True, frozenset())
        >>> engine.close()
        """
        with self._lock:
            source = self._source
        count = write_graph(source, graph, ntriples, replace=replace, meta=meta)
        self.reload(source)
        return count

    def drop_graph(self, graph: str) -> bool:
        """Remove one graph and its meta statements, then reload the workers."""
        with self._lock:
            source = self._source
        existed = drop_graph(source, graph)
        self.reload(source)
        return existed

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The data the workers answer from, serialized (see :meth:`SparqlEngine.dump`).

        >>> engine = LocalEngine(ox.Store())
        >>> engine.dump()
        b''
        """
        with self._lock:
            source = self._source
        if graph is not None:
            return source.dump(format=format, from_graph=_node(graph)) or b""
        if format.supports_datasets:
            return source.dump(format=format) or b""
        return _merged(source).dump(format=format, from_graph=ox.DefaultGraph()) or b""

    @property
    def version(self) -> int:
        """A number that changes whenever the engine takes new data (:meth:`reload`); caches key on it."""
        return self._generation

    def reload(self, store: ox.Store | None = None) -> None:
        """Answer from a new snapshot of ``store``: idle workers are replaced now, busy ones when they finish.

        :param store: the changed store (required for this engine).
        """
        if store is None:
            raise ValueError("LocalEngine.reload needs the store to copy")
        self._take_snapshot(store)
        stale = []
        while True:
            try:
                stale.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for w in stale:
            self._retire(w)

    # -- pool --------------------------------------------------------------------------------------

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    def _spawn_later(self) -> None:
        """Fill one slot (already counted in ``_slots``) with a new worker, in the background."""
        threading.Thread(target=self._spawn, name="lemap-worker-spawn", daemon=True).start()

    def _spawn(self) -> None:
        if not self._try_spawn():
            with self._lock:
                self._slots -= 1

    def _try_spawn(self) -> bool:
        for attempt in range(5):
            if self._closed:
                return False
            with self._lock:
                generation, source = self._generation, self._source
            worker = None
            try:
                worker = _Worker(generation, self.limits.worker_memory_mb)
                with self._lock:
                    self._all.add(worker)
                snapshot = source.dump(format=ox.RdfFormat.N_QUADS) or b""
                reply = worker.call({"op": "load", "nquads": snapshot}, _STARTUP_SECONDS)
                del snapshot
                if not reply.get("ok"):
                    raise RuntimeError(reply.get("message"))
                worker.isolated = bool(reply.get("isolated"))
                self._release(worker)
                return True
            except (_Died, _Overran, RuntimeError, OSError) as e:
                if worker is not None:
                    self._forget(worker)
                if self._closed:
                    return False
                log.error("query worker failed to start (attempt %d): %r", attempt + 1, e)
                time.sleep(0.5 * (attempt + 1))
        return False

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker for good: its slot is freed."""
        self._forget(worker)
        with self._lock:
            self._slots -= 1

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement in the same slot."""
        if self._closed:
            self._discard(worker)
            return
        self._forget(worker)
        self._spawn_later()

    def _release(self, worker: _Worker) -> None:
        if self._closed:
            self._discard(worker)
        elif worker.generation != self._generation:
            self._retire(worker)
        else:
            self._idle.put(worker)

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.limits.timeout + 10
        while True:
            if self._closed:
                raise EngineBusy(503, "the query engine is shut down")
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                self._grow()  # every worker is busy (or none started yet): add one if there is room
                worker = None
            try:
                worker = worker or self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise EngineBusy(503, f"all {self.limits.workers} query workers are busy; try again shortly") from None
            if worker.generation == self._generation and worker.proc.poll() is None:
                return worker
            self._retire(worker)

    def _call(self, message: dict) -> dict:
        worker = self._acquire()
        message = {**message, "timeout": self.limits.timeout, "max_rows": self.limits.max_rows}
        try:
            reply = worker.call(message, self.limits.timeout)
        except _Overran:
            self._retire(worker)
            raise QueryTimeout(self.limits.timeout) from None
        except _Died:
            why = worker.death()
            self._retire(worker)
            raise WorkerCrashed(500, f"the query worker died while running this query ({why}); it was replaced") from None
        self._release(worker)
        if not reply.get("ok"):
            raise QueryError(reply["status"], reply["message"], reply.get("line"), reply.get("column"))
        return reply

    def close(self) -> None:
        """Kill every worker; later queries get :class:`EngineBusy`."""
        self._closed = True
        self._finalizer()

    @property
    def isolated(self) -> bool:
        """Whether every idle worker runs in a network namespace of its own (no outside network)."""
        with self._lock:
            return bool(self._all) and all(w.isolated for w in self._all)

    # -- queries -----------------------------------------------------------------------------------

    def _dataset(self, plan: QueryPlan, default_graphs, named_graphs) -> dict:
        if default_graphs is None and named_graphs is None:
            return {"mode": "query" if plan.has_dataset else "union"}
        default = [_node(g) for g in default_graphs or ()]
        named = [_node(g) for g in named_graphs or ()]
        if self.strict_protocol_graphs:
            for g in (*default, *named):
                if g.value not in self._graphs:
                    raise QueryRejected(400, f"no graph <{g.value}> in this store")
        return {"mode": "explicit", "default": default, "named": named}

    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None) -> EngineResult:
        """Run a query over the union of all graphs and return its rows (at most ``limits.max_rows``).

        :param text: the SPARQL query.
        :param substitutions: variable name (without ``?``) → pyoxigraph term, bound by the engine;
            pyoxigraph requires substituted variables to be in the SELECT projection.
        :raises QueryError: (or a subclass) when the query is refused, wrong, too slow or crashes.
        """
        plan = check_query(text, self.limits, self._graphs)
        reply = self._call(
            {"op": "query", "text": text, "dataset": self._dataset(plan, None, None), "substitutions": dict(substitutions or {})}
        )
        return reply["result"]

    def run(
        self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None, base_iri: str | None = None
    ) -> Answer:
        """Run a query and serialize it as ``accept`` asks (SPARQL JSON / Turtle by default).

        :param text: the SPARQL query.
        :param accept: an HTTP Accept header value, or None for the default format.
        :param default_graphs: protocol ``default-graph-uri`` values; they override FROM.
        :param named_graphs: protocol ``named-graph-uri`` values; they override FROM NAMED.
        :param base_iri: the IRI relative IRIs in the query resolve against (the endpoint URL).
        :raises QueryError: 400/413 refused or invalid, 406 no acceptable format, 503 timeout, 500 crash.
        """
        plan = check_query(text, self.limits, self._graphs, base_iri)
        if plan.result_kind and negotiate(accept, plan.result_kind) is None:
            raise not_acceptable(plan.result_kind)
        dataset = self._dataset(plan, default_graphs, named_graphs)
        reply = self._call({"op": "run", "text": text, "dataset": dataset, "accept": accept, "base_iri": base_iri})
        return reply["answer"]


def _merged(store: ox.Store) -> ox.Store:
    """A store whose default graph holds every triple of ``store``'s named graphs (for graph formats)."""
    merged = ox.Store()
    merged.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    return merged


def _kill_all(workers: set[_Worker], lock: threading.Lock) -> None:
    with lock:
        doomed = list(workers)
        workers.clear()
    for w in doomed:
        w.kill()


def not_acceptable(kind: str) -> QueryError:
    """The 406 error for a kind of result, listing what is on offer."""
    return QueryError(406, "none of the requested media types can be produced; available: " + ", ".join(acceptable_types(kind)))


# ---------------------------------------------------------------------------------------------
# The worker process
# ---------------------------------------------------------------------------------------------

_SYNTAX = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_QUERY_STACK_BYTES = 512 * 1024 * 1024  # deep but bracket-free input (long || chains) overflows 8 MB


def worker_main(rfd: int, wfd: int) -> None:
    """Entry point of a query worker process: load the snapshot, then answer requests until EOF."""
    rx, tx = Connection(rfd, writable=False), Connection(wfd, readable=False)
    isolated = _isolate_network()
    _limit_memory(int(os.environ.get("LEMAP_WORKER_MEMORY_MB") or 0))
    threading.Thread(target=_watch, args=(os.getppid(),), name="lemap-watch", daemon=True).start()
    threading.stack_size(_QUERY_STACK_BYTES)
    t = threading.Thread(target=_serve, args=(rx, tx, isolated), name="lemap-query")
    t.start()
    threading.stack_size(0)
    t.join()
    os._exit(0)


def _isolate_network() -> bool:
    """Move this process into a network namespace of its own (no route anywhere), where allowed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x40000000 | 0x10000000):  # CLONE_NEWNET, then with CLONE_NEWUSER
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def _limit_memory(mb: int) -> None:
    if mb > 0:
        limit = mb * 1024 * 1024 + _QUERY_STACK_BYTES
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass


#: When the running query must be over at the latest (monotonic seconds), or None when idle.
_deadline: list[float | None] = [None]


def _watch(parent: int) -> None:
    """End this process when its parent is gone, or when a query outlives the parent's own kill by far."""
    while True:
        time.sleep(0.5)
        deadline = _deadline[0]
        if os.getppid() != parent or (deadline is not None and time.monotonic() > deadline):
            os._exit(1)


def _serve(rx: Connection, tx: Connection, isolated: bool) -> None:
    store = ox.Store()
    while True:
        try:
            message = rx.recv()
        except (EOFError, OSError):
            return
        timeout = message.get("timeout")
        _deadline[0] = time.monotonic() + timeout + 30 if timeout else None
        try:
            reply = _handle(store, message)
            if message["op"] == "load":
                reply["isolated"] = isolated
                message = None  # free the snapshot's bytes now, not at the next request
        except QueryError as e:
            reply = {"ok": False, "status": e.status, "message": e.message, "line": e.line, "column": e.column}
        except Exception as e:  # any engine failure is the client's answer, never the worker's end
            reply = _error_reply(e)
        _deadline[0] = None
        try:
            tx.send(reply)
        except (OSError, EOFError):
            return


def _handle(store: ox.Store, message: dict) -> dict:
    op = message["op"]
    if op == "load":
        store.clear()
        if message["nquads"]:
            store.load(message["nquads"], format=ox.RdfFormat.N_QUADS)
        return {"ok": True, "quads": len(store)}
    limit = message.get("max_rows")
    answer = _execute(store, message)
    if op == "query":
        return {"ok": True, "result": _capped(answer, limit)}
    return {"ok": True, "answer": _serialize(answer, message.get("accept"), limit)}


def _execute(store: ox.Store, message: dict):
    dataset = message["dataset"]
    kwargs: dict[str, Any] = {}
    if dataset["mode"] == "union":
        kwargs["use_default_graph_as_union"] = True
    elif dataset["mode"] == "explicit":
        kwargs["default_graph"] = dataset["default"]
        kwargs["named_graphs"] = dataset["named"]
    subs = {ox.Variable(k): v for k, v in (message.get("substitutions") or {}).items()}
    if subs:
        kwargs["substitutions"] = subs
    if message.get("base_iri"):
        kwargs["base_iri"] = message["base_iri"]
    return store.query(message["text"], **kwargs)


def _capped(answer, limit: int | None) -> EngineResult:
    result = to_result(answer, None if limit is None else limit + 1)
    n = len(result.rows) if result.kind == "select" else len(result.triples)
    cut = limit is not None and n > limit
    return EngineResult(
        result.kind,
        variables=result.variables,
        rows=result.rows[:limit] if cut else result.rows,
        boolean=result.boolean,
        triples=result.triples[:limit] if cut else result.triples,
        truncated=cut,
    )


def _serialize(answer, accept: str | None, limit: int | None) -> Answer:
    result = _capped(answer, limit)
    kind = "results" if result.kind in ("select", "ask") else "graph"
    fmt = negotiate(accept, kind)
    if fmt is None:
        raise not_acceptable(kind)
    if result.kind == "graph":
        body = serialize_triples(result.triples, fmt)
    else:
        body = serialize_result(result, fmt)
    if result.truncated and fmt.name == "json":
        doc = json.loads(body)
        doc["lemap"] = {"truncated": True, "limit": limit}
        body = json.dumps(doc, ensure_ascii=False).encode()
    return Answer(body, fmt.media_type, result.kind, result.truncated, limit if result.truncated else None, fmt.name)


def _error_reply(e: Exception) -> dict:
    if isinstance(e, SyntaxError):
        m = _SYNTAX.match(str(e))
        line, col, msg = (int(m.group(1)), int(m.group(2)), m.group(3)) if m else (None, None, str(e))
        return {"ok": False, "status": 400, "message": "SPARQL syntax error: " + _shorten(msg), "line": line, "column": col}
    if isinstance(e, (RuntimeError, ValueError, TypeError)):
        return {"ok": False, "status": 400, "message": _shorten(str(e))}
    if isinstance(e, MemoryError):
        return {"ok": False, "status": 503, "message": "the query needed more memory than a worker may use"}
    return {"ok": False, "status": 500, "message": f"the engine failed: {_shorten(repr(e))}"}


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Service description
# ---------------------------------------------------------------------------------------------

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FMT = "http://www.w3.org/ns/formats/"
#: Prefixes for writing a service description as Turtle.
SD_PREFIXES = {"sd": _SD, "formats": _FMT}
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def service_description(endpoint: str, graphs: frozenset[str] | set[str] = frozenset()) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint at ``endpoint``, listing its named graphs.

    >>> any(t.object.value.endswith("SPARQL11Query") for t in service_description("http://x/sparql"))
    True
    """
    sd = lambda local: ox.NamedNode(_SD + local)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    me, dataset, default = ox.NamedNode(endpoint), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(me, a, sd("Service")),
        ox.Triple(me, sd("endpoint"), me),
        ox.Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(me, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(me, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    triples += [ox.Triple(me, sd("resultFormat"), ox.NamedNode(_FMT + f)) for f in _RESULT_FORMATS]
    for g in sorted(graphs):
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, a, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(g))]
    return triples
