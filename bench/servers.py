"""Start, watch and stop the servers: ``lemap serve``, ``oxigraph serve`` on disk and in memory, and
``rdflib-endpoint serve``, on loopback and random ports.

Each server runs in a session of its own, so stopping it ends its whole process tree (lemap's
web processes, pool and query workers) and nothing else. A server counts as started at its
first *correct* answer: a query whose row count is checked against the data, not ``ASK {}``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .memory import tree_cpu, tree_memory, tree_pids

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


class ServerError(Exception):
    """A server that would not start or load: the message says which and ends with its log."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of this environment (PyPI package ``oxigraph``), or a ServerError saying how to get it."""
    found = BIN / "oxigraph"
    if found.exists():
        return str(found)
    other = shutil.which("oxigraph")
    if other:
        return other
    raise ServerError("the oxigraph command is missing: pip install -e '.[bench]' (PyPI package oxigraph==0.5.13)")


def oxigraph_version() -> str:
    """``oxigraph --version``'s answer, e.g. ``oxigraph 0.5.13``."""
    out = subprocess.run([oxigraph_binary(), "--version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def oxigraph_load(location: Path, nquads: Path, log: Path) -> float:
    """``oxigraph load --location DIR --file FILE``; the seconds it took."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        done = subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(nquads)],
                              stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=1800)
    if done.returncode != 0:
        raise ServerError(f"oxigraph load failed with status {done.returncode}:\n{_tail(log)}")
    return time.perf_counter() - start


@dataclass
class Server:
    """A running server: its name, process, SPARQL endpoint URL and log file."""

    name: str
    proc: subprocess.Popen
    url: str
    log: Path
    started: float = field(default_factory=time.perf_counter)
    ready_s: float | None = None

    def alive(self) -> bool:
        """Whether the server's main process is still running."""
        return self.proc.poll() is None

    @property
    def pid(self) -> int:
        """The server's main process id."""
        return self.proc.pid

    def rss(self) -> int:
        """Resident memory of the server's whole process tree, in bytes (0 once it is gone)."""
        return tree_memory(self.proc.pid).rss

    def processes(self) -> int:
        """How many processes the server's tree has."""
        return len(tree_pids(self.proc.pid))

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM the server's process group, then SIGKILL it after ``grace`` seconds."""
        if self.proc.poll() is not None:
            return
        _signal_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(self.proc.pid, signal.SIGKILL)  # what is left of the tree (query workers)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the server's own session, started by us
    except (ProcessLookupError, PermissionError):
        pass


def _launch(name: str, argv: list[str], url: str, log: Path, env: dict | None = None) -> Server:
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    return Server(name, proc, url, log)


def start_oxigraph(location: Path | None, log: Path, *, timeout_s: float | None, name: str = "oxigraph") -> Server:
    """``oxigraph serve`` over ``location`` (in memory when None) with the union of all graphs as default graph.

    :param timeout_s: its ``--timeout-s``; None for none. oxigraph 0.5 starts a timer thread per
        query with it, and under thousands of requests a second those threads pile up until it
        cannot start more and aborts, so the web-tier phase runs it without.
    """
    port = free_port()
    where = ["--location", str(location)] if location is not None else []
    limit = ["--timeout-s", str(int(max(1, timeout_s)))] if timeout_s else []
    argv = [oxigraph_binary(), "serve", *where, "--bind", f"{HOST}:{port}", "--union-default-graph", *limit]
    return _launch(name, argv, f"http://{HOST}:{port}/query", log)


def store_url(server: Server) -> str:
    """The Graph Store endpoint of an ``oxigraph serve`` (``/store`` beside ``/query``)."""
    return server.url.rsplit("/", 1)[0] + "/store"


def post_nquads(url: str, nquads: Path, timeout_s: float = 3600) -> float:
    """POST the N-Quads file to a Graph Store endpoint (streamed from disk); the seconds it took.

    :raises ServerError: on an answer other than 2xx.
    """
    parts = urlsplit(url)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    try:
        with open(nquads, "rb") as body:
            conn.request("POST", parts.path, body=body, headers={
                "Content-Type": "application/n-quads", "Content-Length": str(nquads.stat().st_size)})
            response = conn.getresponse()
            text = response.read()[:500].decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        raise ServerError(f"loading {nquads.name} into {url} failed: {e}") from e
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        raise ServerError(f"loading {nquads.name} into {url} gave HTTP {response.status}: {text}")
    return time.perf_counter() - start


def start_oxigraph_memory(nquads: Path, log: Path, *, timeout_s: float, deadline_s: float) -> Server:
    """``oxigraph serve`` with no ``--location`` (in memory), the N-Quads POSTed to its ``/store`` once it is up."""
    server = start_oxigraph(None, log, timeout_s=timeout_s, name="oxigraph-memory")
    try:
        wait_until(server, lambda: _up(server), deadline_s)
        post_nquads(store_url(server), nquads, timeout_s=deadline_s)
    except Exception:
        server.stop()
        raise
    return server


def start_lemap(store: Path, log: Path, env: dict | None = None) -> Server:
    """``lemap serve --host 127.0.0.1 --port P --store PATH`` (granian, the production server)."""
    port = free_port()
    lemap = BIN / "lemap"
    cmd = [str(lemap)] if lemap.exists() else [sys.executable, "-c", "import sys; from lemap_graph.cli import main; sys.exit(main())"]
    argv = cmd + ["serve", "--host", HOST, "--port", str(port), "--store", str(store)]
    return _launch("lemap", argv, f"http://{HOST}:{port}/sparql", log, env={**os.environ, **(env or {})})


def rdflib_endpoint_binary() -> str | None:
    """The ``rdflib-endpoint`` command of this environment (PyPI ``rdflib-endpoint[cli]``), or None."""
    found = BIN / "rdflib-endpoint"
    return str(found) if found.exists() else shutil.which("rdflib-endpoint")


def start_rdflib_endpoint(nquads: Path, log: Path) -> Server:
    """``rdflib-endpoint serve FILE`` (an rdflib Dataset with the union of its graphs as default graph, under uvicorn)."""
    binary = rdflib_endpoint_binary()
    if binary is None:
        raise ServerError("the rdflib-endpoint command is missing: pip install -e '.[bench]' (rdflib-endpoint[cli]==0.6.3)")
    port = free_port()
    argv = [binary, "serve", str(nquads), "--host", HOST, "--port", str(port)]
    return _launch("rdflib-endpoint", argv, f"http://{HOST}:{port}/", log)


def _up(server: Server) -> bool:
    """Whether the server answers ``ASK {}`` at all (its HTTP side is up; says nothing of its data)."""
    request = urllib.request.Request(
        server.url, data=b"ASK {}", method="POST",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class Check:
    """A ``SELECT (COUNT(*) AS ?n)`` query and the count a server with all the data gives: its first such answer is
    its start-up. A count keeps the answer one row long at any size (a list of the rows would be cut at
    lemap's row cap at 1M, and would measure the transfer rather than the start)."""

    text: str
    count: int

    def passes(self, url: str, timeout: float = 30.0) -> bool:
        """Whether the endpoint at ``url`` answers the query with one row whose ``?n`` is :attr:`count`."""
        return count_of(url, self.text, timeout) == self.count


def count_of(url: str, text: str, timeout: float = 30.0) -> int | None:
    """The ``?n`` of the one row a count query answers (None on an error, no row or not a number)."""
    request = urllib.request.Request(url, data=text.encode("utf-8"), method="POST", headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json",
        "Cache-Control": "no-cache"})  # an answer from lemap's result cache would say nothing of a new worker
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            rows = json.loads(r.read())["results"]["bindings"]
        return int(rows[0]["n"]["value"]) if len(rows) == 1 else None
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def wait_until(server: Server, condition, deadline_s: float, interval: float = 0.05) -> float:
    """Poll ``condition()`` until it holds; the seconds from the server's start.

    :raises ServerError: when the server exits or the condition does not hold within ``deadline_s``.
    """
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if not server.alive():
            raise ServerError(f"{server.name} exited with status {server.proc.returncode}:\n{_tail(server.log)}")
        if condition():
            return time.perf_counter() - server.started
        time.sleep(interval)
    raise ServerError(f"{server.name} did not answer correctly within {deadline_s:g} s:\n{_tail(server.log)}")


def wait_ready(server: Server, check: Check, deadline_s: float) -> float:
    """Wait for the server's first correct answer to ``check``; the seconds from its start (also kept on the server)."""
    server.ready_s = wait_until(server, lambda: check.passes(server.url), deadline_s)
    return server.ready_s


def wait_settled(running: list[Server], deadline_s: float, *, idle_cores: float = 0.05, window: float = 1.0) -> dict[str, float]:
    """Wait until each server's process tree uses less than ``idle_cores`` of CPU over ``window`` seconds.

    A server that answers may still be warming up (lemap's query workers loading their copy of the
    data, RocksDB compacting after a load); timing then would measure the warm-up, not the queries.

    :return: each server's seconds from its start until it was idle (or until ``deadline_s`` ran out).
    """
    end = time.monotonic() + deadline_s
    before = {s.name: tree_cpu(s.proc.pid) for s in running}
    pending, out = list(running), {}
    while pending and time.monotonic() < end:
        time.sleep(window)
        for server in list(pending):
            now = tree_cpu(server.proc.pid)
            if now - before[server.name] < idle_cores * window or not server.alive():
                out[server.name] = time.perf_counter() - server.started
                pending.remove(server)
            before[server.name] = now
    for server in pending:
        out[server.name] = time.perf_counter() - server.started
    return out


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
