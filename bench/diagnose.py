"""Where lemap's time goes, measured in this process on an in-memory pyoxigraph store of the same data.

For each query: lemap's guard (:func:`lemap_graph.engine.check_query`, pure Python), the engine
(pyoxigraph's query plus turning every row into Python objects, as lemap's workers do), lemap's
SPARQL JSON writer (:func:`lemap_graph.formats.serialize_result`), and, for comparison, the same
query written by pyoxigraph's own JSON writer (Rust, no Python objects per row). What lemap's HTTP
time has on top of guard + engine + writer is the web and worker plumbing (Flask, granian, the
pipe to the query worker and pickling the answer).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lemap_graph.engine import Limits, check_query
from lemap_graph.formats import serialize_result
from lemap_graph.store import to_result

from .report import median


@dataclass(frozen=True)
class Breakdown:
    """Median milliseconds of each step of one query, run in process."""

    guard_ms: float
    engine_ms: float
    python_json_ms: float
    rust_json_ms: float
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data."""
        return asdict(self)


def memory_store(nquads: Path) -> ox.Store:
    """An in-memory store of an N-Quads file."""
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def _ms(fn) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def breakdown(store: ox.Store, text: str, *, repeat: int = 3, max_rows: int | None = None) -> Breakdown:
    """Time lemap's steps for ``text`` on ``store``: guard, engine and rows, Python JSON writer, and Rust's.

    :param store: an in-memory store of the dataset.
    :param text: the query.
    :param repeat: how many runs each median is taken over.
    :param max_rows: lemap's row cap (``LEMAP_MAX_ROWS``), applied as its workers apply it.
    """
    guard, engine, pyjson, rust = [], [], [], []
    rows = 0
    graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    for _ in range(repeat):
        guard.append(_ms(lambda: check_query(text, Limits(), graphs))[0])
        ms, result = _ms(lambda: to_result(store.query(text, use_default_graph_as_union=True),
                                           None if max_rows is None else max_rows + 1))
        engine.append(ms)
        pyjson.append(_ms(lambda: serialize_result(result, "json"))[0])
        rows = len(result.rows) if result.kind == "select" else 1
        rust.append(_ms(lambda: _rust_json(store, text))[0])
    return Breakdown(median(guard), median(engine), median(pyjson), median(rust), rows)


def _rust_json(store: ox.Store, text: str) -> bytes | None:
    answer = store.query(text, use_default_graph_as_union=True)
    if isinstance(answer, (ox.QuerySolutions, ox.QueryBoolean)):
        return answer.serialize(format=ox.QueryResultsFormat.JSON)
    return None
