"""The web tests on an external SPARQL server: ``pytest --engine oxigraph`` or ``--engine virtuoso``.

The same tests run: :func:`browser.app_over` asks :func:`engine_over` for an engine, which loads the
test's store into one server per session (started by :mod:`servers`) and answers through
:class:`~lemap_graph.engine.remote.RemoteEngine`. The server is reloaded only when a test's store
differs from what it holds, or a test wrote to it.
"""

from __future__ import annotations

import atexit
import hashlib
import tempfile
from pathlib import Path

import pyoxigraph as ox

from lemap_graph.engine import Limits
from lemap_graph.engine.remote import RemoteEngine
from lemap_graph.store import GRAPH_BASE, META_GRAPH

#: The engine the web tests use: ``embedded`` (the default), ``oxigraph`` or ``virtuoso``.
ENGINE = {"kind": "embedded"}

#: Where a test store's default-graph triples go on a server (see :func:`_graphs_of`).
DEFAULT_GRAPH = GRAPH_BASE + "default"

_servers: dict = {}
_loaded: dict[str, str | None] = {}


def remote() -> bool:
    """Whether the web tests run on an external server."""
    return ENGINE["kind"] != "embedded"


def _server():
    kind = ENGINE["kind"]
    if kind not in _servers:
        from servers import STARTERS

        server = STARTERS[kind](Path(tempfile.mkdtemp(prefix=f"lemap-{kind}-")))
        atexit.register(server.stop)
        _servers[kind] = server
    return _servers[kind]


def _fingerprint(store: ox.Store) -> str:
    return hashlib.sha256(store.dump(format=ox.RdfFormat.N_QUADS) or b"").hexdigest()


def engine_over(store: ox.Store, limits: Limits) -> RemoteEngine:
    """A RemoteEngine over the session's server holding exactly ``store``'s named graphs."""
    server = _server()
    engine = server.engine(limits)
    key = _fingerprint(store)
    if _loaded.get(server.name) != key:
        for graph in sorted(engine.graphs()):
            engine.drop_graph(graph)
        for graph, data in _graphs_of(store):
            engine.write_graph(graph, data)
        _loaded[server.name] = key
    engine.loaded_version = engine.version
    return engine


def _graphs_of(store: ox.Store) -> list[tuple[str, bytes]]:
    """``store``'s graphs as (IRI, N-Triples), in the order they can be written to a server.

    Each write replaces what the meta graph says about its graph, so the meta graph goes last, or
    the records the store holds would be deleted again. Triples in the store's default graph (a few
    tests build a store without graphs) go into :data:`DEFAULT_GRAPH`: the embedded engine's queries
    see them in their union, a server's only when they are in one of lemap's graphs.
    """
    graphs = sorted((g.value for g in store.named_graphs()), key=lambda g: (g == META_GRAPH.value, g))
    found = [(g, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or b"") for g in graphs]
    default = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return ([(DEFAULT_GRAPH, default)] if default.strip() else []) + found


def release(engine: RemoteEngine) -> None:
    """After a test: when it wrote to the server, the next test reloads it."""
    if engine.version != getattr(engine, "loaded_version", None):
        _loaded.pop(_server().name, None)
