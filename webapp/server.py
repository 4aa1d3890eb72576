"""Serve the app with granian: one web process per core, all over one engine pool, slow clients parked in Rust.

The engine's pool (one copy of the data, the query workers forked from it) is started once, before
granian forks its web processes; each web process attaches to it through ``LEMAP_ENGINE_RUN_DIR``.
So the web tier uses every core while the data is held once, and per-client limits hold across
processes (they are file locks in the pool's run folder).

granian reads and writes HTTP in Rust on an async runtime: a connection still sending its request
line or headers, or idle between requests, costs no Python thread, and one that stalls its headers
is closed after five seconds. The app runs on a pool of Python threads per process
(``LEMAP_WEB_THREADS``); a request holds one while it reads its body or waits for a query worker.
"""

from __future__ import annotations

import logging
import os
from typing import Any

#: Seconds a connection may take to send its request headers, and may stay idle between requests.
HEADER_SECONDS = 5


def granian_options(host: str, port: int, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """granian's settings for lemap: WSGI web processes, one per core by default, each with a thread pool.

    >>> options = granian_options("127.0.0.1", 8000, {"LEMAP_WEB_PROCESSES": 2, "LEMAP_WEB_THREADS": 64,
    ...                                               "LEMAP_ACCESS_LOG": False})
    >>> options["address"], options["port"], options["workers"], options["blocking_threads"], options["interface"].value
    ('127.0.0.1', 8000, 2, 64, 'wsgi')
    """
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    from lemap_graph.settings import load_settings

    settings = settings or load_settings()
    threads = max(1, int(settings.get("LEMAP_WEB_THREADS") or 1))
    return {
        "address": host.strip("[]"),
        "port": port,
        "interface": Interfaces.WSGI,
        "workers": int(settings.get("LEMAP_WEB_PROCESSES") or 0) or (os.cpu_count() or 1),
        "blocking_threads": threads,
        # requests beyond the threads wait in Rust, not in Python
        "backpressure": threads,
        "http1_settings": HTTP1Settings(header_read_timeout=HEADER_SECONDS * 1000),
        # Ctrl-C signals the whole process group: a web process stopping on its own signal would be
        # taken for a crash and started again while the server shuts down. A web process never runs
        # a query itself (the pool's workers do), so one that dies stops the server, for its
        # supervisor to restart, rather than being replaced.
        "respawn_failed_workers": False,
        # in-flight requests get the query time limit to finish; a web process still busy is killed
        "workers_kill_timeout": int(float(settings.get("LEMAP_QUERY_TIMEOUT") or 10)) + 5,
        "log_access": bool(settings.get("LEMAP_ACCESS_LOG")),
        "log_access_format": '%(addr)s - - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1f ms',
        "websockets": False,
        "factory": True,
    }


def check_port(host: str, port: int) -> None:
    """Raise OSError when ``host:port`` cannot be listened on (taken, or no such address), before anything starts.

    granian itself would stop with a Rust panic and backtrace instead of a sentence.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host.strip("[]"), port))


def _run(host: str, port: int, settings) -> None:
    """granian over :func:`_factory` until SIGINT/SIGTERM."""
    from granian import Granian

    # the thread count is deliberate (most threads wait on a socket, not on the CPU): no warning
    logging.getLogger("_granian").addFilter(lambda record: "Python threads" not in record.getMessage())
    global _SERVER
    _SERVER = Granian("webapp.server:_factory", **granian_options(host, port, settings))
    _SERVER.serve()


#: The granian server of this process tree, as each web process's fork copied it (see :func:`_factory`).
_SERVER = None


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
    """The app of one web process, built in it after granian forks it."""
    import signal

    from webapp import create_app

    # Until granian installs the web process's own handlers (after this returns), the process has
    # the server's, copied by the fork, which only mark the copy of the server as stopping: a
    # SIGTERM or Ctrl-C arriving before then would be lost, and the process would serve on until
    # killed. Such a signal now ends the process at once; it has no request yet.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    # One that came between the fork and the line above was taken by the copied handler, which
    # marked the copied server as interrupted: this process is then not wanted either.
    if _SERVER is not None and getattr(_SERVER, "interrupt_signal", False):
        os._exit(0)
    return create_app()


def _serve_remote(host: str, port: int, settings) -> None:
    """granian over an external SPARQL server; its web processes count each client's queries in one shared folder."""
    import shutil
    import tempfile

    from lemap_graph.engine.remote import CLIENTS_DIR_ENV

    os.environ[CLIENTS_DIR_ENV] = folder = tempfile.mkdtemp(prefix="lemap-clients-")
    try:
        _run(host, port, settings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve(host: str, port: int, store_path: str | None) -> None:
    """Serve lemap on ``host:port`` with granian until stopped (SIGINT/SIGTERM).

    :param host: interface to listen on, e.g. ``127.0.0.1``.
    :param port: TCP port.
    :param store_path: the on-disk store folder; ``LEMAP_STORE`` (or ``.lemap/store``) when None.
    """
    from lemap_graph.engine import EngineBusy, Limits, LocalEngine
    from lemap_graph.engine.durable import DurableStore, StoreUnavailable
    from lemap_graph.settings import load_settings

    from .state import RUN_DIR_ENV

    check_port(host, port)
    if store_path:
        os.environ["LEMAP_STORE"] = str(store_path)
    settings = load_settings()
    if settings["LEMAP_SPARQL_ENDPOINT"]:  # an external server holds the data: no pool to start
        _serve_remote(host, port, settings)
        return
    # RocksDB's background threads must never start in the process granian forks (a child would
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
        _run(host, port, settings)
    finally:
        engine.close()
