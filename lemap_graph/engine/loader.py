"""Loading the curated sources into any engine, one named graph per file, with the meta graph's records."""

from __future__ import annotations

from typing import Callable, Iterable

import pyoxigraph as ox

from ..store import META_GRAPH, BuildReport, Source, _meta_quads, _sha256, default_sources, parse_source
from .base import SparqlEngine


def load_sources(engine: SparqlEngine, sources: Iterable[Source] | None = None, *,
                 progress: Callable[[str], None] | None = None) -> BuildReport:
    """Load the curated sources into an engine, one named graph per file, with the meta graph's records.

    As :func:`lemap_graph.store.build_store` does for the embedded store: files whose SHA-256 the
    meta graph already records are left alone, graphs whose file is gone are dropped, and every
    file is parsed before anything is written, so a bad file changes nothing.

    :param engine: the engine to write through (a ``RemoteEngine`` for ``lemap build --endpoint``).
    :param sources: the files; the project's :func:`default_sources` by default.
    :param progress: called with one line of text per file.
    :raises SourceError: when a file does not parse.

    >>> from lemap_graph.engine import Limits, LocalEngine
    >>> engine = LocalEngine(ox.Store(), Limits(workers=1))
    >>> first = default_sources()[:1]
    >>> load_sources(engine, first).loaded, load_sources(engine, first).unchanged
    (1, 1)
    >>> sorted(engine.graphs()) == sorted([first[0].graph, META_GRAPH.value])
    True
    >>> engine.close()
    """
    sources = list(default_sources() if sources is None else sources)
    recorded = _recorded(engine)
    pending = []
    for i, source in enumerate(sources, 1):
        digest = _sha256(source.path)
        if recorded.get(source.graph) == digest:
            _say(progress, f"[{i}/{len(sources)}] {source.relpath}: unchanged")
            continue
        quads = parse_source(source)
        pending.append((source, digest, ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""))
        _say(progress, f"[{i}/{len(sources)}] {source.relpath}: {len(quads)} triples")
    wanted = {s.graph for s in sources}
    stale = sorted(g for g in recorded if g not in wanted)
    for graph in stale:
        engine.drop_graph(graph)
        _say(progress, f"removed {graph} (its file is gone)")
    for source, digest, ntriples in pending:
        engine.write_graph(source.graph, ntriples, replace=True, meta=tuple(_meta_quads(source, digest)))
    total = engine.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return BuildReport(loaded=len(pending), unchanged=len(sources) - len(pending), removed=len(stale),
                       quads=int(total[0][0].value) if total else 0, graphs=tuple(s.graph for s in sources))


def _recorded(engine: SparqlEngine) -> dict[str, str]:
    """Graph IRI → the SHA-256 the meta graph records for its source file."""
    text = (f"SELECT ?g ?sha WHERE {{ GRAPH {META_GRAPH} {{ ?g <https://w3id.org/lemap/ontology#sourceFile> ?f "
            "OPTIONAL { ?g <https://w3id.org/lemap/ontology#sha256> ?sha } } }")
    if META_GRAPH.value not in engine.graphs():
        return {}
    return {r["g"]: r["sha"] or "" for r in engine.query(text).records()}


def _say(progress: Callable[[str], None] | None, line: str) -> None:
    if progress is not None:
        progress(line)
