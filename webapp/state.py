"""The app's shared state: the engine every page, API and the endpoint read and write through, as ``app.extensions["lemap"]``.

Nothing in the app opens the store: the engine does, or the external SPARQL server the engine
forwards to (``LEMAP_SPARQL_ENDPOINT``). With an on-disk store (``LEMAP_STORE``) the
engine's pool loads it into memory once and forks its query workers from that one copy; several
web processes attach to the same pool (``LEMAP_ENGINE_RUN_DIR``, set by ``lemap serve``), so the
data is held once however many processes serve pages.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Flask, current_app

from lemap_graph.engine import Limits, LocalEngine, SparqlEngine
from lemap_graph.engine.durable import DurableStore
from lemap_graph.engine.remote import RemoteEngine
from lemap_graph.store import build_store, default_sources

log = logging.getLogger(__name__)

#: The run folder of a pool another process started (``lemap serve``), for web processes to attach to.
RUN_DIR_ENV = "LEMAP_ENGINE_RUN_DIR"


@dataclass
class LemapState:
    """What the blueprints share: ``engine`` answers SPARQL and takes writes."""

    engine: SparqlEngine

    def reload(self) -> None:
        """Have the engine take changed data (a store given to :func:`init_state` that was changed in place)."""
        self.engine.reload()

    def close(self) -> None:
        """Stop the engine's processes (when this app started them)."""
        self.engine.close()


def ensure_built(path: str | os.PathLike) -> DurableStore:
    """The on-disk store at ``path``, built from the project's sources when it holds nothing yet."""
    durable = DurableStore(path)
    if not durable.exists():
        with durable.writing() as store:
            report = build_store(store, default_sources())
        log.info("built the store at %s: %d graphs, %d quads", path, report.loaded, report.quads)
    return durable


def make_engine(config, store: ox.Store | None = None) -> SparqlEngine:
    """The engine the settings ask for: over ``store`` when given, an external server when
    ``LEMAP_SPARQL_ENDPOINT`` is set, else the pool of ``LEMAP_STORE``."""
    limits = Limits.from_settings(config)
    if store is not None:
        return LocalEngine(store, limits)
    if config.get("LEMAP_SPARQL_ENDPOINT"):
        return RemoteEngine.from_settings(config)
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir:  # the pool is another process's; writes still go to the store, under its lock
        return LocalEngine(limits=limits, run_dir=run_dir, path=config["LEMAP_STORE"])
    durable = ensure_built(config["LEMAP_STORE"])
    return LocalEngine(limits=limits, path=durable.path)


def init_state(app: Flask, store: ox.Store | None, engine: SparqlEngine | None = None) -> LemapState:
    """The app's state over ``engine`` when given, else an engine made from ``app.config`` (over ``store`` when given)."""
    state = LemapState(engine=engine or make_engine(app.config, store))
    app.extensions["lemap"] = state
    return state


def get_state() -> LemapState:
    """The current app's :class:`LemapState`."""
    return current_app.extensions["lemap"]
