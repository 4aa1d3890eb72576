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


def _answers(server: Server) -> bool:
    request = urllib.request.Request(
        server.url, data=b"ASK {}", method="POST",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(running: list[Server], deadline_s: float) -> dict[str, float]:
    """Wait until every server answers ``ASK {}`` with a 200; each one's seconds from its start to its first answer.

    :raises ServerError: when one exits or does not answer within ``deadline_s``.
    """
    pending, out = list(running), {}
    end = time.monotonic() + deadline_s
    while pending and time.monotonic() < end:
        for server in list(pending):
            if not server.alive():
                raise ServerError(f"{server.name} exited with status {server.proc.returncode}:\n{_tail(server.log)}")
            if _answers(server):
                server.ready_s = out[server.name] = time.perf_counter() - server.started
                pending.remove(server)
        time.sleep(0.1)
    if pending:
        raise ServerError(f"{pending[0].name} did not answer within {deadline_s:g} s:\n{_tail(pending[0].log)}")
    return out


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


def tree_detail(pid: int) -> list[dict[str, int]]:
    """Each process of ``pid``'s tree with its depth below ``pid`` (0: the server itself) and its RSS in bytes."""
    pids = tree_pids(pid)
    parents = {p: _parent(p) for p in pids}

    def depth(p: int) -> int:
        """How many parent steps ``p`` is below ``pid``."""
        d = 0
        while p != pid and p in parents and d < 10:
            p, d = parents[p], d + 1
        return d

    return [{"pid": p, "depth": depth(p), "rss": process_rss(p)} for p in pids]


def _parent(pid: int) -> int | None:
    if psutil is not None:
        try:
            return psutil.Process(pid).ppid()
        except psutil.Error:
            return None
    return _proc_ppid(Path(f"/proc/{pid}"))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) the live processes of ``pid``'s tree have used."""
    total = 0.0
    for p in tree_pids(pid):
        if psutil is not None:
            try:
                t = psutil.Process(p).cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
            continue
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, summed, in bytes."""
    return sum(process_rss(p) for p in tree_pids(pid))


class MemorySampler:
    """Samples each watched server's tree RSS every ``interval`` seconds in a thread; keeps the peak and the last value."""

    def __init__(self, interval: float = 0.25):
        self.interval = interval
        self.servers: list[Server] = []
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.samples = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def watch(self, server: Server) -> Server:
        """Sample ``server`` from now on (call it right after starting the server)."""
        with self._lock:
            self.servers.append(server)
            self.peak.setdefault(server.name, 0)
        return server

    def sample(self) -> dict[str, int]:
        """Take one sample now; the RSS of each server."""
        with self._lock:
            watched = list(self.servers)
        now = {s.name: s.rss() for s in watched}
        with self._lock:
            for name, rss in now.items():
                self.peak[name] = max(self.peak.get(name, 0), rss)
                self.last[name] = rss
            self.samples += 1
        return now

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()
