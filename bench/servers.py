"""Start, watch and stop the two servers: ``lemap serve`` and ``oxigraph serve``, on loopback and random ports.

Each server runs in a session of its own, so stopping it ends its whole process tree (lemap's
gunicorn worker and query workers) and nothing else. :class:`MemorySampler` records each tree's
resident memory (psutil when installed, else /proc) while the benchmark runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

try:
    import psutil
except ImportError:  # the bench extra installs it; /proc does the same on Linux
    psutil = None

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

    def rss(self) -> int:
        """Resident memory of the server's whole process tree, in bytes (0 once it is gone)."""
        return tree_rss(self.proc.pid)

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


def start_oxigraph(location: Path, log: Path, *, timeout_s: float) -> Server:
    """``oxigraph serve`` over ``location`` with the union of all graphs as default graph (as lemap answers)."""
    port = free_port()
    argv = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"{HOST}:{port}",
            "--union-default-graph", "--timeout-s", str(int(max(1, timeout_s)))]
    return _launch("oxigraph", argv, f"http://{HOST}:{port}/query", log)


def start_lemap(store: Path, log: Path, env: dict | None = None) -> Server:
    """``lemap serve --host 127.0.0.1 --port P --store PATH`` (gunicorn, the production server)."""
    port = free_port()
    lemap = BIN / "lemap"
    cmd = [str(lemap)] if lemap.exists() else [sys.executable, "-c", "import sys; from lemap_graph.cli import main; sys.exit(main())"]
    argv = cmd + ["serve", "--host", HOST, "--port", str(port), "--store", str(store)]
    return _launch("lemap", argv, f"http://{HOST}:{port}/sparql", log, env={**os.environ, **(env or {})})


def wait_ready(server: Server, deadline_s: float) -> float:
    """Wait until ``server`` answers ``ASK {}`` with a 200; the seconds since it was started.

    :raises ServerError: when it exits or does not answer within ``deadline_s``.
    """
    request = lambda: urllib.request.Request(  # noqa: E731
        server.url, data=b"ASK {}", method="POST",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if not server.alive():
            raise ServerError(f"{server.name} exited with status {server.proc.returncode}:\n{_tail(server.log)}")
        try:
            with urllib.request.urlopen(request(), timeout=10) as r:
                if r.status == 200:
                    server.ready_s = time.perf_counter() - server.started
                    return server.ready_s
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ServerError(f"{server.name} did not answer within {deadline_s:g} s:\n{_tail(server.log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- memory -------------------------------------------------------------------------------------


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants (empty when it is gone)."""
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            return [pid] + [c.pid for c in root.children(recursive=True)]
        except psutil.Error:
            return []
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            ppid = _proc_ppid(entry)
            if ppid is not None:
                children.setdefault(ppid, []).append(int(entry.name))
    if not Path(f"/proc/{pid}").exists():
        return []
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _proc_ppid(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses


def process_rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 when it is gone)."""
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss
        except psutil.Error:
            return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, summed, in bytes."""
    return sum(process_rss(p) for p in tree_pids(pid))


class MemorySampler:
    """Samples each server's tree RSS every ``interval`` seconds in a thread; keeps the peak and the last value."""

    def __init__(self, servers: list[Server], interval: float = 0.25):
        self.servers, self.interval = servers, interval
        self.peak: dict[str, int] = {s.name: 0 for s in servers}
        self.last: dict[str, int] = {s.name: 0 for s in servers}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def sample(self) -> dict[str, int]:
        """Take one sample now; the RSS of each server."""
        now = {s.name: s.rss() for s in self.servers}
        for name, rss in now.items():
            self.peak[name] = max(self.peak[name], rss)
            self.last[name] = rss
        self.samples += 1
        return now

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "MemorySampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()
