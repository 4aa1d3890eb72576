"""The app's shared state: the store it answers from and the SPARQL engine, as ``app.extensions["lemap"]``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Flask, current_app

from lemap_graph.engine import Limits, LocalEngine, SparqlEngine
from lemap_graph.store import build_store, default_sources, open_store

log = logging.getLogger(__name__)


@dataclass
class LemapState:
    """What the blueprints share: ``engine`` answers SPARQL, ``store`` is the data it answers from.

    ``durable`` is the on-disk store when the app opened one (then ``store`` is the same store; None
    when a store was passed in); after changing it (partner uploads), call :meth:`reload`.
    """

    engine: SparqlEngine
    store: ox.Store
    durable: ox.Store | None = None

    def reload(self) -> None:
        """Hand the engine the changed data: its workers load it afresh."""
        self.engine.reload(self.store)

    def close(self) -> None:
        """Stop the engine's worker processes."""
        self.engine.close()


def init_state(app: Flask, store: ox.Store | None) -> LemapState:
    """Create the engine from ``app.config`` over ``store``, or over the on-disk ``LEMAP_STORE``.

    With ``store=None`` the on-disk store is opened (and built from the project's sources when
    empty). SPARQL is answered by the engine's workers, each from an in-memory copy; the web
    process itself reads the on-disk store (the network view, dumps, look-ups), so it holds no
    third copy of the data.
    """
    durable = None
    if store is None:
        durable = open_store(app.config["LEMAP_STORE"])
        if len(durable) == 0:
            report = build_store(durable, default_sources())
            log.info("built the store at %s: %d graphs, %d quads", app.config["LEMAP_STORE"], report.loaded, report.quads)
        store = durable
    engine = LocalEngine(store, Limits.from_settings(app.config))
    state = LemapState(engine=engine, store=store, durable=durable)
    app.extensions["lemap"] = state
    return state


def get_state() -> LemapState:
    """The current app's :class:`LemapState`."""
    return current_app.extensions["lemap"]
