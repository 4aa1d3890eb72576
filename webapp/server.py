"""Serve the app with gunicorn (the production WSGI server): one process, many threads.

One gunicorn process is enough: queries already run in parallel in the engine's worker processes,
so the web process only parses requests and copies bytes. It also keeps one query-worker pool and
one in-memory copy of the data (not one per gunicorn process), and only one process holds the
on-disk store open. The app (and its pool) is created in the gunicorn worker, after the fork.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from gunicorn.app.base import BaseApplication

#: Request threads in the one gunicorn process: enough to keep every query worker busy and still
#: answer cheap requests while slow queries run.
THREADS = 16


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


def gunicorn_options(host: str, port: int) -> dict[str, Any]:
    """gunicorn settings for lemap: one gthread worker, long request lines for GET queries.

    >>> gunicorn_options("127.0.0.1", 8000)["bind"]
    ['127.0.0.1:8000']
    """
    from lemap_graph.settings import load_settings

    timeout = float(load_settings()["LEMAP_QUERY_TIMEOUT"])
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": 1,
        "worker_class": "gthread",
        "threads": THREADS,
        # gunicorn restarts a worker whose heartbeat stops; queries never block the heartbeat
        # (they run in other processes), but leave room for a slow start on a big store.
        "timeout": max(120, int(timeout * 3)),
        "graceful_timeout": 30,
        "limit_request_line": 8190,
        "accesslog": "-",
        "errorlog": "-",
        "preload_app": False,
        # gunicorn 27's control socket is one fixed path per user: several servers would share it
        "control_socket_disable": True,
    }


def serve(host: str, port: int, store_path: str | None) -> None:
    """Serve lemap on ``host:port`` with gunicorn until stopped (SIGINT/SIGTERM).

    :param host: interface to listen on, e.g. ``127.0.0.1``.
    :param port: TCP port.
    :param store_path: the on-disk store folder; ``LEMAP_STORE`` (or ``.lemap/store``) when None.
    """
    if store_path:
        os.environ["LEMAP_STORE"] = str(store_path)

    def factory():
        from webapp import create_app

        app = create_app()
        app.extensions["lemap"].engine.start()  # warm the query workers before the first request
        return app

    _Gunicorn(factory, gunicorn_options(host, port)).run()
