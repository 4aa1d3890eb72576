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
_open: list[tuple[RemoteEngine, ox.Store, str]] = []  # the apps open now, (engine, store, fingerprint), oldest first


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
    engine = _server().engine(limits)
    _open.append((engine, store, _fingerprint(store)))
    _load(store, _open[-1][2], engine)
    return engine


def sync(used: list | None = None) -> None:
    """Before a test: the server holds the data of the app the test uses.

    ``used`` are the test's fixture values; the first app among them (a Flask app, its test client,
    a live server) names the data. Without one, the app opened last. A module's app stays open while
    another module-scoped or test's own app over other data is opened (and the server holds that),
    so each test gets the data of its own app back here.
    """
    engines = [e for e in map(_engine_of, used or ()) if e is not None]
    entries = [entry for entry in _open if engines and entry[0] is engines[0]] or _open[-1:]
    if entries:
        engine, store, key = entries[0]
        if _loaded.get(_server().name) != key:
            _load(store, key, engine)
            engine.start()  # forget the graph list and revision it had seen
            engine.loaded_version = engine.version


def _engine_of(value) -> RemoteEngine | None:
    """The remote engine behind a fixture value: a Flask app, its test client, or a live server."""
    app = getattr(value, "application", None) or getattr(value, "app", None) or value
    state = getattr(app, "extensions", {}).get("lemap") if isinstance(getattr(app, "extensions", None), dict) else None
    engine = getattr(state, "engine", None)
    return engine if isinstance(engine, RemoteEngine) else None


def _load(store: ox.Store, key: str, engine: RemoteEngine) -> None:
    """Make the server hold ``store`` (unless it already does) and remember ``engine``'s version."""
    server = _server()
    if _loaded.get(server.name) != key:
        _keep_writes(server.name)
        engine.start()  # the graphs the server holds now, not those this engine saw last
        for graph in sorted(engine.graphs()):
            engine.drop_graph(graph)
        for graph, data in _graphs_of(store):
            engine.write_graph(graph, data)
        _loaded[server.name] = key
    engine.loaded_version = engine.version


def _keep_writes(name: str) -> None:
    """Before the server is given other data: an open app that wrote to it (a partner import over HTTP)
    keeps what it wrote, as its data from now on, so its next test finds the server as it left it."""
    for i, (engine, _, key) in enumerate(_open):
        if key == _loaded.get(name) and engine.version != getattr(engine, "loaded_version", None):
            kept = ox.Store()
            kept.load(engine.dump(), format=ox.RdfFormat.N_QUADS)
            _open[i] = (engine, kept, _fingerprint(kept))


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
    """After an app: when it wrote to the server, the next app (or test) reloads it."""
    _open[:] = [entry for entry in _open if entry[0] is not engine]
    if engine.version != getattr(engine, "loaded_version", None):
        _loaded.pop(_server().name, None)
