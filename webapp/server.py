"""Serve the app with gunicorn: one web process per core, all over one engine pool, slow clients parked cheaply.

The engine's pool (one copy of the data, the query workers forked from it) is started once, in
the gunicorn master, before the web processes fork; each web process attaches to it through
``LEMAP_ENGINE_RUN_DIR``. So the web tier uses every core while the data is held once, and
per-client limits hold across processes (they are file locks in the pool's run folder).

The web processes use gevent's worker: a connection costs a greenlet, not a thread, while it
sends its headers or body, so a crowd of slow or idle connections cannot hold the workers that
serve everybody else.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    """A gunicorn application built in code rather than from a command line."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]):
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self):
        return self.factory()


def gunicorn_options(host: str, port: int, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """gunicorn settings for lemap: gevent web processes, one per core by default, long request lines for GET queries.

    >>> options = gunicorn_options("127.0.0.1", 8000, {"LEMAP_QUERY_TIMEOUT": 10.0, "LEMAP_WEB_PROCESSES": 2})
    >>> options["bind"], options["workers"], options["worker_class"]
    (['127.0.0.1:8000'], 2, 'gevent')
    """
    from lemap_graph.settings import load_settings

    settings = settings or load_settings()
    timeout = float(settings["LEMAP_QUERY_TIMEOUT"])
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": int(settings.get("LEMAP_WEB_PROCESSES") or 0) or (os.cpu_count() or 1),
        "worker_class": "gevent",
        "worker_connections": 1000,
        # gunicorn restarts a worker whose heartbeat stops; queries never block the heartbeat
        # (they run in the pool's processes), but leave room for a slow start on a big store.
        "timeout": max(120, int(timeout * 3)),
        "graceful_timeout": 30,
        # a connection that sends nothing for this long is closed (keep-alive and slow headers alike)
        "keepalive": 5,
        "limit_request_line": 8190,
        "accesslog": "-",
        "errorlog": "-",
        "preload_app": False,
        # gunicorn 27's control socket is one fixed path per user: several servers would share it
        "control_socket_disable": True,
    }


def _build_in_child(path) -> None:
    """Build the store from the project's sources in a child process (``lemap build``)."""
    import subprocess
    import sys

    from lemap_graph.engine.durable import StoreUnavailable

    done = subprocess.run([sys.executable, "-m", "lemap_graph.cli", "build", "--store", str(path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise StoreUnavailable(f"{path}: the store could not be built: {done.stderr.strip()}")


def _factory():
    from webapp import create_app

    return create_app()


def _serve_remote(host: str, port: int, settings) -> None:
    """gunicorn over an external SPARQL server; its web processes count each client's queries in one shared folder."""
    import shutil
    import tempfile

    from lemap_graph.engine.remote import CLIENTS_DIR_ENV

    os.environ[CLIENTS_DIR_ENV] = folder = tempfile.mkdtemp(prefix="lemap-clients-")
    try:
        _Gunicorn(_factory, gunicorn_options(host, port, settings)).run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve(host: str, port: int, store_path: str | None) -> None:
    """Serve lemap on ``host:port`` with gunicorn until stopped (SIGINT/SIGTERM).

    :param host: interface to listen on, e.g. ``127.0.0.1``.
    :param port: TCP port.
    :param store_path: the on-disk store folder; ``LEMAP_STORE`` (or ``.lemap/store``) when None.
    """
    from lemap_graph.engine import EngineBusy, Limits, LocalEngine
    from lemap_graph.engine.durable import DurableStore, StoreUnavailable
    from lemap_graph.settings import load_settings

    from .state import RUN_DIR_ENV

    if store_path:
        os.environ["LEMAP_STORE"] = str(store_path)
    settings = load_settings()
    if settings["LEMAP_SPARQL_ENDPOINT"]:  # an external server holds the data: no pool to start
        _serve_remote(host, port, settings)
        return
    # RocksDB's background threads must never start in the process gunicorn forks (a child would
    # wait forever for threads it does not have): the build and every open happen in other processes.
    durable = DurableStore(settings["LEMAP_STORE"])
    if not durable.exists():
        _build_in_child(durable.path)
    engine = LocalEngine(limits=Limits.from_settings(settings), path=durable.path)
    try:
        engine.start()  # the pool answers from disk at once, and from memory once its copy is loaded
    except EngineBusy as e:  # a damaged store stops here, with the pool's words for why
        raise StoreUnavailable(e.message.removeprefix("the query engine failed to start: ")) from None
    os.environ[RUN_DIR_ENV] = str(engine.run_dir)

    try:
        _Gunicorn(_factory, gunicorn_options(host, port, settings)).run()
    finally:
        engine.close()
