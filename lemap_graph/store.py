"""The only module that opens stores and parses RDF: build, open and query lemap's Oxigraph store.

Each source file (``ontology/*.ttl``, ``ontology/schemes/*.ttl``, ``data/triples/*.ttl``) is loaded
into a named graph of its own, ``https://w3id.org/lemap/graph/<path without .ttl>``; queries see
the union of all graphs as their default graph. The graph ``…/graph/meta`` records, for each source
graph, the file and the SHA-256 of its bytes, so a rebuild reloads only what changed and removes
what is gone, and never touches graphs it did not load (partner uploads).

Layout, chosen by measurement (see the README): the durable copy lives in RocksDB on disk
(``LEMAP_STORE``, default ``./.lemap/store``); the engine's pool answers from one in-memory copy
shared by its forked workers (:mod:`lemap_graph.engine.pool`), 1.3–7.5x faster on scans, GROUP BY
and joins (:func:`memory_copy` makes such a copy in-process).

>>> store = open_store(None)
>>> report = build_store(store, default_sources())
>>> report.loaded > 0 and not report.removed
True
>>> build_store(store, default_sources()).loaded   # nothing changed: nothing reloaded
0
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, NoReturn

import pyoxigraph as ox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GRAPH_BASE = "https://w3id.org/lemap/graph/"
META_GRAPH = ox.NamedNode(GRAPH_BASE + "meta")
REPORT_IRI = "https://w3id.org/lemap/id/report/unodc-le-hiv-mapping-2013-2021"
DEFAULT_STORE_PATH = Path(".lemap") / "store"

_LM = "https://w3id.org/lemap/ontology#"
_SOURCE_FILE = ox.NamedNode(_LM + "sourceFile")
_SHA256 = ox.NamedNode(_LM + "sha256")
_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SOURCE_GRAPH = ox.NamedNode(_LM + "SourceGraph")


class SourceError(Exception):
    """A source file that cannot be parsed: ``str(e)`` is ``file:line:column: message``."""

    def __init__(self, file: str, line: int | None, column: int | None, message: str):
        self.file, self.line, self.column, self.message = file, line, column, message
        super().__init__(f"{file}:{line or 0}:{column or 0}: {message}")


@dataclass(frozen=True)
class Source:
    """One Turtle source file and the named graph it is loaded into."""

    path: Path
    relpath: str

    @property
    def graph(self) -> str:
        """The named graph IRI: ``…/graph/`` + the path without its suffix."""
        return GRAPH_BASE + self.relpath.removesuffix(".ttl")

    @property
    def from_report(self) -> bool:
        """Whether the file holds curated facts from the report (``data/triples/``)."""
        return self.relpath.startswith("data/triples/")


@dataclass(frozen=True)
class BuildReport:
    """What a build did: counts of graphs loaded, left unchanged and removed, and triples in all."""

    loaded: int
    unchanged: int
    removed: int
    quads: int
    graphs: tuple[str, ...] = field(default=())


def default_sources(root: Path = PROJECT_ROOT) -> list[Source]:
    """The project's sources: the ontology, the shapes, the SKOS schemes and the curated data.

    :param root: the project folder holding ``ontology/`` and ``data/``.
    :return: sources in a stable order.
    """
    patterns = ("ontology/*.ttl", "ontology/schemes/*.ttl", "data/triples/*.ttl")
    return [Source(p, p.relative_to(root).as_posix()) for pat in patterns for p in sorted(root.glob(pat))]


def store_path_from_env() -> Path:
    """The on-disk store folder: ``LEMAP_STORE`` or ``./.lemap/store``."""
    return Path(os.environ.get("LEMAP_STORE") or DEFAULT_STORE_PATH)


def open_store(path: str | Path | None) -> ox.Store:
    """Open (creating it if needed) the on-disk store at ``path``, or a fresh in-memory one for None."""
    if path is None:
        return ox.Store()
    Path(path).mkdir(parents=True, exist_ok=True)
    return ox.Store(str(path))


def parse_source(source: Source) -> list[ox.Quad]:
    """Parse one Turtle file into quads of its named graph, raising :class:`SourceError` on bad input."""
    data = source.path.read_bytes()
    return parse_turtle(data, source.relpath, ox.NamedNode(source.graph))


def parse_turtle(data: bytes, name: str, graph: ox.NamedNode) -> list[ox.Quad]:
    """Parse Turtle bytes into quads in ``graph``; errors name ``name:line:column``.

    >>> parse_turtle(b'<s:a> <s:b> ' + b'(' * 300 + b')' * 300 + b' .', "deep.ttl", META_GRAPH)
    Traceback (most recent call last):
    lemap_graph.store.SourceError: deep.ttl:1:269: collections and blank nodes nest deeper than 256 levels
    """
    check_tokens(data, name)
    try:
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=_base_for(name)))
    except SyntaxError as e:
        raise SourceError(name, e.lineno, e.offset, _syntax_message(e)) from None
    except MemoryError as e:  # the parser's own buffer cap; check_tokens names the usual cause first
        raise SourceError(name, 1, 1, f"too large to parse: {e}") from None
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


#: Deepest nesting of ``( … )`` collections and ``[ … ]`` blank nodes accepted in a source file. The
#: parser copes with far more, but rdflib's serializers and pyshacl walk them recursively (Python
#: stops at 1,000 frames), and curated data never nests more than a few levels.
MAX_TURTLE_NESTING = 256
#: Longest single token (literal, IRI, comment) Oxigraph's Turtle parser buffers: 16 MiB.
MAX_TOKEN_BYTES = 16 * 1024 * 1024

# The tokens that may hold brackets or span megabytes: strings (long and short), IRIs, comments; and the brackets.
_TOKEN = re.compile(rb"""
  "{3}[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"{3}|\Z)
| '{3}[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'{3}|\Z)
| "[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"?
| '[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'?
| <[^<>"{}|^`\\\x00-\x20]*>?
| \#[^\n\r]*
| (?<!\\)[\[\]()]   # not a prefixed name's escaped \( or \[
""", re.X | re.S)


def check_tokens(data: bytes, name: str) -> None:
    """Refuse, as :class:`SourceError` at its line and column, a token over 16 MiB or brackets nested too deep.

    >>> check_tokens(b'<s:a> <s:b> "(((" , ex:a\\\\(\\\\( .  # (((', "ok.ttl")
    """
    depth = 0
    for m in _TOKEN.finditer(data):
        token = m.group()
        if token in (b"(", b"["):
            depth += 1
            if depth > MAX_TURTLE_NESTING:
                _refuse(data, m.start(), name, f"collections and blank nodes nest deeper than {MAX_TURTLE_NESTING} levels")
        elif token in (b")", b"]"):
            depth = max(0, depth - 1)
        elif len(token) > MAX_TOKEN_BYTES:
            _refuse(data, m.start(), name, f"a {_kind(token)} of {len(token) / 2**20:.1f} MiB is longer than the "
                                           f"{MAX_TOKEN_BYTES // 2**20} MiB one token may have")


def _kind(token: bytes) -> str:
    return {ord("<"): "IRI", ord("#"): "comment"}.get(token[0], "literal")


def _refuse(data: bytes, offset: int, name: str, message: str) -> NoReturn:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    raise SourceError(name, data.count(b"\n", 0, offset) + 1, column, message)


def _base_for(name: str) -> str:
    return "https://w3id.org/lemap/source/" + name


def _syntax_message(e: SyntaxError) -> str:
    return str(e.msg if e.msg else e)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_sources(store: ox.Store) -> dict[str, tuple[str, str]]:
    """Graphs a build loaded: graph IRI → (source file, SHA-256) as the meta graph records them."""
    out: dict[str, tuple[str, str]] = {}
    for q in store.quads_for_pattern(None, _SOURCE_FILE, None, META_GRAPH):
        sha = next(store.quads_for_pattern(q.subject, _SHA256, None, META_GRAPH), None)
        out[q.subject.value] = (q.object.value, sha.object.value if sha else "")
    return out


def build_store(
    store: ox.Store,
    sources: Iterable[Source] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """(Re)load changed sources into their named graphs and drop graphs whose file is gone.

    Every file is parsed before anything is changed, so a bad file leaves the store as it was.

    :param store: the store to update.
    :param sources: the files to load; the project's :func:`default_sources` by default.
    :param progress: called with one line of text per file, for a terminal.
    :raises SourceError: when a file cannot be parsed (nothing is changed then).
    """
    sources = list(default_sources() if sources is None else sources)
    recorded = recorded_sources(store)
    pending = []
    for i, source in enumerate(sources, 1):
        digest = _sha256(source.path)
        if recorded.get(source.graph, ("", ""))[1] == digest:
            _say(progress, f"[{i}/{len(sources)}] {source.relpath}: unchanged")
            continue
        quads = parse_source(source)
        pending.append((source, digest, quads))
        _say(progress, f"[{i}/{len(sources)}] {source.relpath}: {len(quads)} triples")
    wanted = {s.graph for s in sources}
    stale = [g for g in recorded if g not in wanted]
    for graph in stale:
        _drop(store, graph)
        _say(progress, f"removed {graph} (its file is gone)")
    for source, digest, quads in pending:
        _drop(store, source.graph)
        store.extend(quads)
        store.extend(_meta_quads(source, digest))
    store.flush()
    return BuildReport(
        loaded=len(pending),
        unchanged=len(sources) - len(pending),
        removed=len(stale),
        quads=len(store),
        graphs=tuple(s.graph for s in sources),
    )


def _say(progress: Callable[[str], None] | None, line: str) -> None:
    if progress is not None:
        progress(line)


def _drop(store: ox.Store, graph: str) -> None:
    node = ox.NamedNode(graph)
    if store.contains_named_graph(node):
        store.remove_graph(node)
    for q in list(store.quads_for_pattern(node, None, None, META_GRAPH)):
        store.remove(q)


def _meta_quads(source: Source, digest: str) -> list[ox.Quad]:
    g = ox.NamedNode(source.graph)
    quads = [
        ox.Quad(g, _RDF_TYPE, _SOURCE_GRAPH, META_GRAPH),
        ox.Quad(g, _SOURCE_FILE, ox.Literal(source.relpath), META_GRAPH),
        ox.Quad(g, _SHA256, ox.Literal(digest), META_GRAPH),
    ]
    if source.from_report:
        quads.append(ox.Quad(g, _DERIVED, ox.NamedNode(REPORT_IRI), META_GRAPH))
    return quads


def write_graph(store: ox.Store, graph: str, ntriples: bytes, *, replace: bool = True, meta=()) -> int:
    """Replace (or add to) ``graph`` with N-Triples and its meta-graph statements with ``meta``, in one transaction.

    :return: the number of triples in the graph afterwards.
    :raises SourceError: when ``ntriples`` does not parse (nothing is changed then).

    >>> s = ox.Store()
    >>> write_graph(s, "http://ex/g", b'_:b <http://ex/p> "1" .\\n')
    1
    >>> write_graph(s, "http://ex/g", b'_:c <http://ex/p> "2" .\\n')  # blank nodes replaced too
    1
    """
    node = ox.NamedNode(graph)
    try:
        triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as e:
        raise SourceError(graph, e.lineno, e.offset, _syntax_message(e)) from None
    added = [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples] + list(meta)
    # One SPARQL update is one transaction: readers never see half a graph, a failure changes nothing.
    # DROP and DELETE WHERE, not DELETE DATA, which cannot name the graph's blank nodes.
    steps = [f"DELETE WHERE {{ GRAPH {META_GRAPH} {{ {node} ?p ?o }} }}"]
    if replace:
        steps.insert(0, f"DROP SILENT GRAPH {node}")
    if added:
        steps.append("INSERT DATA { " + " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in added) + " }")
    store.update(" ;\n".join(steps))
    store.flush()
    return sum(1 for _ in store.quads_for_pattern(None, None, None, node))


def drop_graph(store: ox.Store, graph: str) -> bool:
    """Remove ``graph`` and the meta graph's statements about it; whether the graph held anything."""
    node = ox.NamedNode(graph)
    existed = store.contains_named_graph(node)
    _drop(store, graph)
    store.flush()
    return existed


def terminal_progress(line: str) -> None:
    """Print a progress line to standard error when it is a terminal."""
    if sys.stderr.isatty():
        print(line, file=sys.stderr)


def memory_copy(store: ox.Store) -> ox.Store:
    """An in-memory copy of ``store`` (all graphs), for answering queries fast."""
    copy = ox.Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))
    return copy


def load_project(path: str | Path | None = None, *, progress=None) -> ox.Store:
    """Build the on-disk store at ``path`` (or an in-memory one for None) from the project's sources."""
    store = open_store(path)
    build_store(store, default_sources(), progress=progress)
    return store


@dataclass(frozen=True)
class QueryResult:
    """A query's answer: ``kind`` is ``select``, ``ask`` or ``graph``."""

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()

    def records(self) -> list[dict[str, str | None]]:
        """SELECT rows as dicts of variable → lexical value (None when unbound)."""
        return [
            {v: (t.value if t is not None else None) for v, t in zip(self.variables, row)} for row in self.rows
        ]


def run_query(
    store: ox.Store,
    text: str,
    *,
    substitutions: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    default_graph: list[ox.NamedNode] | None = None,
    named_graphs: list[ox.NamedNode] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run a SPARQL query with pyoxigraph over the union of all graphs, values bound by the engine.

    :param store: the store to query.
    :param text: the SPARQL query.
    :param substitutions: variable name (without ``?``) → RDF term, bound by the engine (SEP-0007),
        never formatted into the query text. pyoxigraph requires a substituted variable to be
        in the SELECT projection, so named queries project their parameters.
    :param default_graph: graphs forming the default graph instead of the union of all graphs.
    :param named_graphs: graphs visible to ``GRAPH``; all by default.
    :param limit: keep at most this many rows or triples.
    :raises SyntaxError: for an invalid query (the message gives line:column).

    >>> s = open_store(None)
    >>> s.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("1"), ox.NamedNode("http://ex/g")))
    >>> run_query(s, "SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"s": ox.NamedNode("http://ex/a")}).records()
    [{'s': 'http://ex/a', 'o': '1'}]
    """
    subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
    kwargs = {"substitutions": subs or None, "named_graphs": named_graphs}
    if default_graph is not None:
        kwargs["default_graph"] = default_graph
    else:
        kwargs["use_default_graph_as_union"] = True
    answer = store.query(text, **kwargs)
    return to_result(answer, limit)


def to_result(answer, limit: int | None = None) -> QueryResult:
    """Turn a pyoxigraph answer into a :class:`QueryResult`, keeping at most ``limit`` rows."""
    if isinstance(answer, ox.QueryBoolean) or isinstance(answer, bool):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = tuple(v.value for v in answer.variables)
        rows = []
        for solution in answer:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(tuple(solution))  # values in projection order, unbound as None
        return QueryResult("select", variables=names, rows=tuple(rows))
    triples = []
    for t in answer:
        if limit is not None and len(triples) >= limit:
            break
        triples.append(t)
    return QueryResult("graph", triples=tuple(triples))


@dataclass(frozen=True)
class Stats:
    """Triples per named graph and instances per class, largest first."""

    graphs: tuple[tuple[str, int], ...]
    classes: tuple[tuple[str, int], ...]
    total: int


def store_stats(store: ox.Store) -> Stats:
    """Count triples per named graph and instances per class over the union graph."""
    graphs = run_query(
        store,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY DESC(?n) ?g",
    )
    classes = run_query(
        store,
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c",
    )
    return Stats(
        graphs=tuple((r[0].value, int(r[1].value)) for r in graphs.rows),
        classes=tuple((r[0].value, int(r[1].value)) for r in classes.rows),
        total=len(store),
    )
