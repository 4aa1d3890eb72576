"""The pool process: holds the one in-memory copy of the data and forks the query workers from it.

Run as ``python -m lemap_graph.engine.pool CONFIG`` by :class:`~lemap_graph.engine.local.LocalEngine`.
Loading the data once and forking the workers from it means the workers share its pages
copy-on-write (one copy of the data, not one per worker), and replacing a killed worker is a fork
(milliseconds), not a reload. Reads write to the pages they touch, though, so a worker copies
what its queries scan: one whose private pages pass :data:`RECYCLE_MB` is retired when idle and
a fresh fork replaces it. Each lane (``app`` for the app's own pages and named queries,
``public`` for the SPARQL endpoint) has a listening Unix socket and workers of its own, so
queries from the public endpoint can never take the workers the pages need.

With an on-disk store the pool forks its first workers at once, answering from the store on disk,
while it loads the memory copy with pyoxigraph's bulk loader; then it forks workers over the
copy and retires the first ones. It watches the store's journal and takes changed graphs into the
copy (a fork of new workers, the old ones retiring when idle). Everything it publishes for clients
(generation, graphs, workers, how each worker ended) is a file in the run folder.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from .durable import DurableStore
from .worker import WorkerSpec, run_worker

log = logging.getLogger(__name__)

META_GRAPH = "https://w3id.org/lemap/graph/meta"
#: A worker whose own (copied) pages pass this is retired once idle and a fresh fork takes its place.
#: Reading pyoxigraph's in-memory store writes to the pages it touches, so each query copies what it
#: scans out of the shared copy: left alone, every worker ends up with a whole copy of its own.
RECYCLE_MB = 512  # LEMAP_WORKER_RECYCLE_MB's default: above what a whole scan copies at 1M triples (about 330 MiB)


@dataclass
class Lane:
    """One lane: its socket, how many workers it keeps, their priority, and the live ones (pid → generation)."""

    name: str
    size: int
    nice: int
    listener: socket.socket
    workers: dict[int, int] = field(default_factory=dict)


class Pool:
    """The pool's state and main loop (single-threaded except for the loader, which never forks)."""

    def __init__(self, config: dict):
        self.run_dir = Path(config["run_dir"])
        self.memory_mb = int(config.get("memory_mb") or 0)
        self.durable = DurableStore(config["store_path"]) if config.get("store_path") else None
        self.lanes = {name: self._lane(name, spec) for name, spec in config["lanes"].items()}
        self.control = self._listen("control")
        self.store: ox.Store | None = None
        self.generation = 0
        self.graphs: frozenset[str] = frozenset()
        self.journal_offset = 0
        self.lock = threading.Lock()  # held while the loader swaps or changes the store
        self.loading: threading.Thread | None = None
        self.retired: set[int] = set()
        self.recycle_mb = int(config.get("recycle_mb", RECYCLE_MB))  # 0: never
        self.next_recycle = 0.0
        self.cpu_seen: dict[int, float] = {}
        self.changed = True

    def _listen(self, name: str) -> socket.socket:
        path = self.run_dir / f"{name}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen(128)
        return sock

    def _lane(self, name: str, spec: dict) -> Lane:
        return Lane(name, max(1, int(spec["workers"])), int(spec.get("nice", 0)), self._listen(name))

    # -- data ------------------------------------------------------------------------------------

    def start_data(self, nquads: bytes | None) -> None:
        """Load the data: from ``nquads`` at once, or from the on-disk store in the background."""
        if self.durable is None:
            store = ox.Store()
            if nquads:
                store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
            self._swap(store)
            return
        self.journal_offset = self.durable.journal_size()
        with self.durable.reading() as disk:
            graphs = _graph_names(disk)
        self._publish_generation(None, graphs)  # disk mode: workers read the store until the copy is ready
        self._load_in_background(self._full_copy)

    def _full_copy(self) -> None:
        # Through a file, not bytes: the dump is as large as the N-Quads (about 2 GiB at 10M triples),
        # and held in memory it sat beside the copy being built, raising the load's peak by as much.
        with tempfile.NamedTemporaryFile(dir=self.run_dir, suffix=".nq") as dump:
            with self.durable.reading() as disk:
                disk.dump(dump.name, format=ox.RdfFormat.N_QUADS)
            store = ox.Store()
            store.bulk_load(path=dump.name, format=ox.RdfFormat.N_QUADS)
        self._swap(store)

    def _load_in_background(self, target) -> None:
        def run():
            try:
                target()
            except Exception:  # a failed load keeps the data in hand; the next change tries again
                log.exception("lemap pool: loading the data failed")

        self.loading = threading.Thread(target=run, name="lemap-loader", daemon=True)
        self.loading.start()

    def _swap(self, store: ox.Store) -> None:
        with self.lock:
            self._publish_generation(store, _graph_names(store))

    def _publish_generation(self, store: ox.Store | None, graphs: frozenset[str]) -> None:
        self.store, self.graphs = store, graphs
        self.generation += 1
        self.changed = True

    def apply(self, changes: dict[str, bytes | None]) -> None:
        """Replace graphs in the copy with new N-Triples (None or empty: drop them); a new generation."""
        with self.lock:
            store = self.store if self.store is not None else ox.Store()
            for graph, data in changes.items():
                node = ox.NamedNode(graph)
                if store.contains_named_graph(node):
                    store.remove_graph(node)
                if data:
                    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=node)
            self._publish_generation(store, _graph_names(store))

    def replace_all(self, nquads: bytes) -> None:
        """A new copy of everything, from N-Quads."""
        store = ox.Store()
        if nquads:
            store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        self._swap(store)

    def follow_journal(self) -> None:
        """Take the graphs that writers announced since the last look (in the background)."""
        if self.durable is None or (self.loading and self.loading.is_alive()):
            return
        changes, offset = self.durable.changes_since(self.journal_offset)
        if not changes:
            return
        self.journal_offset = offset
        if any(c.everything for c in changes) or self.store is None:
            self._load_in_background(self._full_copy)
            return
        graphs = sorted({g for c in changes for g in c.graphs} | {META_GRAPH})
        self._load_in_background(lambda: self.apply(self._read_graphs(graphs)))

    def _read_graphs(self, graphs: list[str]) -> dict[str, bytes | None]:
        with self.durable.reading() as disk:
            return {g: disk.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or None for g in graphs}

    # -- workers -------------------------------------------------------------------------------------

    def fill(self) -> None:
        """Fork workers until every lane has its size at the current generation; retire older ones."""
        if not self.lock.acquire(blocking=False):
            return  # the loader is changing the store: never fork a half-changed copy
        try:
            for lane in self.lanes.values():
                current = [p for p, g in lane.workers.items() if g == self.generation and p not in self.retired]
                for _ in range(lane.size - len(current)):
                    self._fork(lane)
                    self.changed = True
                for pid, gen in list(lane.workers.items()):
                    if gen != self.generation and pid not in self.retired:
                        self.retired.add(pid)
                        _signal(pid, signal.SIGUSR1)
        finally:
            self.lock.release()
        if self.changed:
            self.write_state()

    def _fork(self, lane: Lane) -> None:
        spec = WorkerSpec(lane.name, lane.listener, self.store, self.durable, self.generation, self.memory_mb, lane.nice)
        pid = os.fork()
        if pid == 0:
            for other in self.lanes.values():
                if other is not lane:
                    other.listener.close()
            self.control.close()
            run_worker(spec)
        lane.workers[pid] = self.generation

    def recycle(self) -> None:
        """Retire (once idle) the workers whose private pages passed :data:`RECYCLE_MB`; looked at once a second."""
        if not self.recycle_mb or time.monotonic() < self.next_recycle:
            return
        self.next_recycle = time.monotonic() + 1.0
        for lane in self.lanes.values():
            for pid in [p for p in lane.workers if p not in self.retired]:
                # counting private pages walks the page tables (60 ms of CPU a worker at 10M triples):
                # only for a worker that ran since the last look, as an idle one copied nothing
                cpu = _cpu_seconds(pid)
                if cpu - self.cpu_seen.get(pid, 0.0) >= 0.05:
                    self.cpu_seen[pid] = cpu
                    if _private_mb(pid) > self.recycle_mb:
                        self.retired.add(pid)
                        _signal(pid, signal.SIGUSR1)

    def reap(self) -> None:
        """Collect ended workers, recording how each ended for the client that was waiting on it."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for lane in self.lanes.values():
                lane.workers.pop(pid, None)
            self.retired.discard(pid)
            self.cpu_seen.pop(pid, None)
            self.changed = True
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGKILL:
                self._record_exit(pid, signal.Signals(os.WTERMSIG(status)).name)

    def _record_exit(self, pid: int, how: str) -> None:
        exits = self.run_dir / "exits"
        exits.mkdir(exist_ok=True)
        (exits / str(pid)).write_text(how)

    def write_state(self) -> None:
        """Publish the generation, graphs and workers for clients (one file, replaced atomically)."""
        state = {
            "pid": os.getpid(),
            "generation": self.generation,
            "memory": self.store is not None,
            "graphs": sorted(self.graphs),
            "workers": {name: sorted(lane.workers) for name, lane in self.lanes.items()},
        }
        tmp = self.run_dir / "state.json.tmp"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.run_dir / "state.json")
        self.changed = False

    # -- control ---------------------------------------------------------------------------------------

    def handle_control(self) -> None:
        """One control request from a client: apply changes or replace everything, then say the generation."""
        sock, _ = self.control.accept()
        conn = Connection(sock.detach())
        try:
            if not conn.poll(30):
                return
            message = conn.recv()
            if message["op"] == "apply":
                self.apply(message["changes"])
            elif message["op"] == "replace_all":
                self.replace_all(message["nquads"])
            elif message["op"] == "follow":  # after the copy in hand is complete, take the journal's changes
                for _ in range(2):
                    if self.loading:
                        self.loading.join()
                    self.follow_journal()
            self.fill()
            conn.send({"ok": True, "generation": self.generation})
        except (OSError, EOFError):
            pass
        finally:
            conn.close()


def _graph_names(store: ox.Store) -> frozenset[str]:
    return frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) ``pid`` has used; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _private_mb(pid: int) -> int:
    """MiB of ``pid``'s pages that are its own (``Private_Dirty``: copied from the pool or new); 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> None:
    """Run the pool: read the config, load the data, then fork, reap and follow changes until stopped."""
    config = json.loads(argv[0])
    # Ctrl-C reaches the whole process group: the pool is stopped by its owner (SIGTERM, or the owner's
    # exit), after the web processes have finished their requests, not by the key itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The process that started the pool names itself: one that died before this line ran (or while the data
    # load) must still end the pool, and getppid() would already name whoever adopted it.
    parent = int(config.get("parent") or os.getppid())
    pool = Pool(config)
    nquads = sys.stdin.buffer.read() if config.get("stdin") else None
    try:
        pool.start_data(nquads)
    except Exception as e:  # the client reads why in the run folder, and says it
        (pool.run_dir / "error").write_text(str(e) or type(e).__name__)
        raise SystemExit(1) from None
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: _stop(pool))
    selector = selectors.DefaultSelector()
    selector.register(pool.control, selectors.EVENT_READ, "control")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    pool.fill()
    (pool.run_dir / "ready").write_text(str(os.getpid()))
    while os.getppid() == parent:  # the process that started the pool is gone: so is the pool
        for key, _ in selector.select(timeout=0.1):
            if key.data == "wake":
                os.read(wake_r, 4096)
            else:
                pool.handle_control()
        pool.reap()
        pool.recycle()
        pool.follow_journal()
        pool.fill()
    _stop(pool)


def _stop(pool: Pool) -> None:
    pids = [pid for lane in pool.lanes.values() for pid in lane.workers]
    for pid in pids:
        _signal(pid, signal.SIGKILL)
    for pid in pids:  # reap them, so no zombie outlives the pool
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
