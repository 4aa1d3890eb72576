"""The embedded engine: pyoxigraph in worker processes, each killed on timeout and replaced."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from typing import Any, Mapping

import pyoxigraph as ox

from ..store import PROJECT_ROOT, drop_graph, write_graph
from .base import Answer, EngineResult, SparqlEngine, _node
from .errors import EngineBusy, QueryError, QueryRejected, QueryTimeout, WorkerCrashed
from .guard import QueryPlan, check_query
from .limits import Limits
from .negotiation import negotiate, not_acceptable

log = logging.getLogger(__name__)

_WORKER_CMD = "import sys; from lemap_graph.engine.worker import worker_main; worker_main(int(sys.argv[1]), int(sys.argv[2]))"
_STARTUP_SECONDS = 120.0


class _Died(Exception):
    pass


class _Overran(Exception):
    pass


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, generation: int, memory_mb: int):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        env["LEMAP_WORKER_MEMORY_MB"] = str(memory_mb)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CMD, str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                cwd=str(PROJECT_ROOT),
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.tx, self.rx = Connection(to_child_w, readable=False), Connection(from_child_r, writable=False)
        self.generation = generation
        self.isolated = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply; raise _Overran past ``timeout``, _Died on EOF."""
        try:
            self.tx.send(message)
            if not self.rx.poll(timeout):
                raise _Overran()
            return self.rx.recv()
        except (EOFError, OSError, BrokenPipeError):
            raise _Died() from None

    def kill(self) -> None:
        """Kill the process at once and reap it, so its CPU and memory are freed."""
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.error("query worker %s did not die", self.pid)
        for conn in (self.tx, self.rx):
            try:
                conn.close()
            except OSError:
                pass

    def death(self) -> str:
        """How the process ended, for an error message."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            hint = " — most often it ran out of its memory cap, LEMAP_WORKER_MEMORY_MB" if name == "SIGABRT" else ""
            return f"it was killed by signal {name}{hint}"
        return f"it exited with status {code}"


class LocalEngine(SparqlEngine):
    """Runs queries on pyoxigraph in ``limits.workers`` worker processes, each with a copy of the store.

    :param store: the data to answer from; each worker loads an N-Quads dump of it when it starts.
    :param limits: time, size and row limits and the pool size.
    :param strict_protocol_graphs: refuse (400) ``default-graph-uri`` / ``named-graph-uri`` that are not
        in the store; by default they are empty graphs, as the SPARQL 1.1 Protocol tests expect.
    """

    def __init__(self, store: ox.Store, limits: Limits | None = None, *, strict_protocol_graphs: bool = False):
        self.limits = limits or Limits()
        self.strict_protocol_graphs = strict_protocol_graphs
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        self._slots = 0  # workers alive or being started; grows on demand up to limits.workers
        self._generation = 0
        self._take_snapshot(store)
        # Workers also exit on their own when this engine is collected (their pipes close).
        self._finalizer = weakref.finalize(self, _kill_all, self._all, self._lock)

    def start(self) -> None:
        """Start all the worker processes now (the server warms up this way).

        Without it workers start on demand: the first query starts one, and another starts
        whenever every worker is busy, up to ``limits.workers``.
        """
        while self._grow():
            pass

    def _grow(self) -> bool:
        """Start one more worker if the pool is below its size; whether one was started."""
        with self._lock:
            if self._closed or self._slots >= max(1, self.limits.workers):
                return False
            self._slots += 1
        self._spawn_later()
        return True

    # -- data ------------------------------------------------------------------------------------

    def _take_snapshot(self, store: ox.Store) -> None:
        # Keep the store, not its N-Quads: a new worker gets a fresh dump (about 1 s at 1M triples),
        # which saves holding a copy of every triple as bytes for the life of the server.
        graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        with self._lock:
            self._source, self._graphs = store, graphs
            self._generation += 1

    def graphs(self) -> frozenset[str]:
        """The IRIs of the named graphs in the snapshot the workers answer from."""
        return self._graphs

    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Write one graph into the store in one transaction, then reload the workers (see :meth:`SparqlEngine.write_graph`).

        >>> engine = LocalEngine(ox.Store(), Limits(workers=1))
        >>> engine.write_graph("http://ex/g", b'<http://ex/a> <http://ex/p> "x" .\\n')
        1
        >>> engine.query("SELECT ?o WHERE { GRAPH <http://ex/g> { ?s ?p ?o } }").records()
        [{'o': 'x'}]
        >>> engine.drop_graph("http://ex/g"), engine.graphs()
        (True, frozenset())
        >>> engine.close()
        """
        with self._lock:
            source = self._source
        count = write_graph(source, graph, ntriples, replace=replace, meta=meta)
        self.reload(source)
        return count

    def drop_graph(self, graph: str) -> bool:
        """Remove one graph and its meta statements, then reload the workers."""
        with self._lock:
            source = self._source
        existed = drop_graph(source, graph)
        self.reload(source)
        return existed

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The data the workers answer from, serialized (see :meth:`SparqlEngine.dump`).

        >>> engine = LocalEngine(ox.Store())
        >>> engine.dump()
        b''
        """
        with self._lock:
            source = self._source
        if graph is not None:
            return source.dump(format=format, from_graph=_node(graph)) or b""
        if format.supports_datasets:
            return source.dump(format=format) or b""
        return _merged(source).dump(format=format, from_graph=ox.DefaultGraph()) or b""

    @property
    def version(self) -> int:
        """A number that changes whenever the engine takes new data (:meth:`reload`); caches key on it."""
        return self._generation

    def reload(self, store: ox.Store | None = None) -> None:
        """Answer from a new snapshot of ``store``: idle workers are replaced now, busy ones when they finish.

        :param store: the changed store (required for this engine).
        """
        if store is None:
            raise ValueError("LocalEngine.reload needs the store to copy")
        self._take_snapshot(store)
        stale = []
        while True:
            try:
                stale.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for w in stale:
            self._retire(w)

    # -- pool --------------------------------------------------------------------------------------

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    def _spawn_later(self) -> None:
        """Fill one slot (already counted in ``_slots``) with a new worker, in the background."""
        threading.Thread(target=self._spawn, name="lemap-worker-spawn", daemon=True).start()

    def _spawn(self) -> None:
        if not self._try_spawn():
            with self._lock:
                self._slots -= 1

    def _try_spawn(self) -> bool:
        for attempt in range(5):
            if self._closed:
                return False
            with self._lock:
                generation, source = self._generation, self._source
            worker = None
            try:
                worker = _Worker(generation, self.limits.worker_memory_mb)
                with self._lock:
                    self._all.add(worker)
                snapshot = source.dump(format=ox.RdfFormat.N_QUADS) or b""
                reply = worker.call({"op": "load", "nquads": snapshot}, _STARTUP_SECONDS)
                del snapshot
                if not reply.get("ok"):
                    raise RuntimeError(reply.get("message"))
                worker.isolated = bool(reply.get("isolated"))
                self._release(worker)
                return True
            except (_Died, _Overran, RuntimeError, OSError) as e:
                if worker is not None:
                    self._forget(worker)
                if self._closed:
                    return False
                log.error("query worker failed to start (attempt %d): %r", attempt + 1, e)
                time.sleep(0.5 * (attempt + 1))
        return False

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker for good: its slot is freed."""
        self._forget(worker)
        with self._lock:
            self._slots -= 1

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement in the same slot."""
        if self._closed:
            self._discard(worker)
            return
        self._forget(worker)
        self._spawn_later()

    def _release(self, worker: _Worker) -> None:
        if self._closed:
            self._discard(worker)
        elif worker.generation != self._generation:
            self._retire(worker)
        else:
            self._idle.put(worker)

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.limits.timeout + 10
        while True:
            if self._closed:
                raise EngineBusy(503, "the query engine is shut down")
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                self._grow()  # every worker is busy (or none started yet): add one if there is room
                worker = None
            try:
                worker = worker or self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise EngineBusy(503, f"all {self.limits.workers} query workers are busy; try again shortly") from None
            if worker.generation == self._generation and worker.proc.poll() is None:
                return worker
            self._retire(worker)

    def _call(self, message: dict) -> dict:
        worker = self._acquire()
        message = {**message, "timeout": self.limits.timeout, "max_rows": self.limits.max_rows}
        try:
            reply = worker.call(message, self.limits.timeout)
        except _Overran:
            self._retire(worker)
            raise QueryTimeout(self.limits.timeout) from None
        except _Died:
            why = worker.death()
            self._retire(worker)
            raise WorkerCrashed(500, f"the query worker died while running this query ({why}); it was replaced") from None
        self._release(worker)
        if not reply.get("ok"):
            raise QueryError(reply["status"], reply["message"], reply.get("line"), reply.get("column"))
        return reply

    def close(self) -> None:
        """Kill every worker; later queries get :class:`EngineBusy`."""
        self._closed = True
        self._finalizer()

    @property
    def isolated(self) -> bool:
        """Whether every idle worker runs in a network namespace of its own (no outside network)."""
        with self._lock:
            return bool(self._all) and all(w.isolated for w in self._all)

    # -- queries -----------------------------------------------------------------------------------

    def _dataset(self, plan: QueryPlan, default_graphs, named_graphs) -> dict:
        if default_graphs is None and named_graphs is None:
            return {"mode": "query" if plan.has_dataset else "union"}
        default = [_node(g) for g in default_graphs or ()]
        named = [_node(g) for g in named_graphs or ()]
        if self.strict_protocol_graphs:
            for g in (*default, *named):
                if g.value not in self._graphs:
                    raise QueryRejected(400, f"no graph <{g.value}> in this store")
        return {"mode": "explicit", "default": default, "named": named}

    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None) -> EngineResult:
        """Run a query over the union of all graphs and return its rows (at most ``limits.max_rows``).

        :param text: the SPARQL query.
        :param substitutions: variable name (without ``?``) → pyoxigraph term, bound by the engine;
            pyoxigraph requires substituted variables to be in the SELECT projection.
        :raises QueryError: (or a subclass) when the query is refused, wrong, too slow or crashes.
        """
        plan = check_query(text, self.limits, self._graphs)
        reply = self._call(
            {"op": "query", "text": text, "dataset": self._dataset(plan, None, None), "substitutions": dict(substitutions or {})}
        )
        return reply["result"]

    def run(
        self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None, base_iri: str | None = None
    ) -> Answer:
        """Run a query and serialize it as ``accept`` asks (SPARQL JSON / Turtle by default).

        :param text: the SPARQL query.
        :param accept: an HTTP Accept header value, or None for the default format.
        :param default_graphs: protocol ``default-graph-uri`` values; they override FROM.
        :param named_graphs: protocol ``named-graph-uri`` values; they override FROM NAMED.
        :param base_iri: the IRI relative IRIs in the query resolve against (the endpoint URL).
        :raises QueryError: 400/413 refused or invalid, 406 no acceptable format, 503 timeout, 500 crash.
        """
        plan = check_query(text, self.limits, self._graphs, base_iri)
        if plan.result_kind and negotiate(accept, plan.result_kind) is None:
            raise not_acceptable(plan.result_kind)
        dataset = self._dataset(plan, default_graphs, named_graphs)
        reply = self._call({"op": "run", "text": text, "dataset": dataset, "accept": accept, "base_iri": base_iri})
        return reply["answer"]


def _merged(store: ox.Store) -> ox.Store:
    """A store whose default graph holds every triple of ``store``'s named graphs (for graph formats)."""
    merged = ox.Store()
    merged.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    return merged


def _kill_all(workers: set[_Worker], lock: threading.Lock) -> None:
    with lock:
        doomed = list(workers)
        workers.clear()
    for w in doomed:
        w.kill()
