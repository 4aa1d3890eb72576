"""The embedded engine: pyoxigraph in a pool of forked worker processes, reached over Unix sockets.

:class:`LocalEngine` is the client. It starts the pool process (:mod:`.pool`) the first time it is
needed — or attaches to one another process started, so several web processes share one pool and
one copy of the data — and sends each request to a worker of the request's lane: ``app`` for the
app's own queries (:meth:`query`), ``public`` for the SPARQL endpoint (:meth:`run`). A request
that waits too long for a free worker is refused (503 with ``Retry-After``); one that runs past
the time limit has its worker killed (503), and the pool forks a replacement at once.

Writes go to the on-disk store (:mod:`.durable`) when there is one, and to the store the engine
was given otherwise; the pool takes the changed graphs before the write returns.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Mapping

import pyoxigraph as ox

from ..store import META_GRAPH, PROJECT_ROOT, drop_graph, write_graph
from .admission import Admission, Meter
from .base import Answer, EngineResult, SparqlEngine, _node
from .channel import Channel, frame
from .durable import DurableStore
from .errors import EngineBusy, QueryError, QueryOutOfMemory, QueryRejected, QueryTimeout, WorkerCrashed
from .guard import QueryPlan, check_query
from .limits import Limits
from .negotiation import negotiate, not_acceptable

log = logging.getLogger(__name__)

_STARTUP_SECONDS = 120.0
_DUMP_SECONDS = 300.0
#: Lanes and the priority of their workers: the public endpoint's yield the CPU to the pages'.
APP, PUBLIC = "app", "public"
_PUBLIC_NICE = 10


class LocalEngine(SparqlEngine):
    """Runs queries on pyoxigraph in worker processes forked from one pool that holds the data.

    :param store: an in-memory store to answer from (tests, small data); its N-Quads go to the pool.
    :param limits: time, size and row limits and the pool's sizes.
    :param path: the on-disk store instead of ``store``: the pool reads it and follows its journal.
    :param run_dir: the folder of a pool another process started, to attach to instead of starting one.
    :param strict_protocol_graphs: refuse (400) ``default-graph-uri`` / ``named-graph-uri`` that are not
        in the store; by default they are empty graphs, as the SPARQL 1.1 Protocol tests expect.
    """

    def __init__(self, store: ox.Store | None = None, limits: Limits | None = None, *, path: str | os.PathLike | None = None,
                 run_dir: str | os.PathLike | None = None, strict_protocol_graphs: bool = False):
        if (store is None) == (path is None) and run_dir is None:
            raise ValueError("LocalEngine needs either a store or the path of an on-disk store")
        self.limits = limits or Limits()
        self.strict_protocol_graphs = strict_protocol_graphs
        self._source = store
        self.durable = DurableStore(path) if path is not None else None
        self._owner = run_dir is None
        self.run_dir = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="lemap-engine-"))
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._ready = False
        self._state: dict[str, Any] = {}
        self._state_stamp = None
        # paths read on every query, made once: pathlib's joins cost more than the stat itself
        self._state_path = str(self.run_dir / "state.json")
        self._sockets = {lane: str(self.run_dir / f"{lane}.sock") for lane in (APP, PUBLIC)}
        self._isolated = False
        self.admission = Admission(self.run_dir / "clients", self.limits)
        self._finalizer = weakref.finalize(self, _stop_pool, [None], self.run_dir, self._owner, os.getpid())

    # -- the pool process -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the pool (if this engine owns it) and wait until its workers are listening."""
        if self._ready and not self._closed:
            return
        with self._lock:
            if self._closed:
                raise EngineBusy(503, "the query engine is shut down")
            if self._owner and self._proc is None:
                self._proc = self._spawn_pool()
                self._finalizer.detach()
                self._finalizer = weakref.finalize(self, _stop_pool, [self._proc], self.run_dir, True, os.getpid())
        self._wait_ready()
        self._ready = True

    def _spawn_pool(self) -> subprocess.Popen:
        config = {
            "run_dir": str(self.run_dir),
            "parent": os.getpid(),
            "store_path": str(self.durable.path) if self.durable else None,
            "stdin": self.durable is None,
            "memory_mb": self.limits.worker_memory_mb,
            "recycle_mb": self.limits.worker_recycle_mb,
            "lanes": {APP: {"workers": self.limits.app_workers}, PUBLIC: {"workers": self.limits.workers, "nice": _PUBLIC_NICE}},
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen([sys.executable, "-m", "lemap_graph.engine.pool", json.dumps(config)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, cwd=str(PROJECT_ROOT))
        data = self._source.dump(format=ox.RdfFormat.N_QUADS) if self._source is not None else b""
        try:
            proc.stdin.write(data or b"")
            proc.stdin.close()
        except BrokenPipeError:
            pass
        return proc

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _STARTUP_SECONDS
        while not (self.run_dir / "ready").exists():
            if self._proc is not None and self._proc.poll() is not None:
                why = (self.run_dir / "error").read_text() if (self.run_dir / "error").exists() else \
                    f"exit status {self._proc.returncode}"
                raise EngineBusy(503, f"the query engine failed to start: {why}")
            if time.monotonic() > deadline:
                raise EngineBusy(503, "the query engine did not start in time")
            time.sleep(0.01)

    def _pool_state(self) -> dict[str, Any]:
        try:
            st = os.stat(self._state_path)
            stamp = (st.st_ino, st.st_mtime_ns)  # replaced, not rewritten: a new inode every time
        except FileNotFoundError:
            self.start()
            return self._pool_state()
        if stamp != self._state_stamp:
            with open(self._state_path, encoding="utf-8") as f:
                self._state, self._state_stamp = json.load(f), stamp
        return self._state

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers of every lane (for tests and monitoring); none before the first query."""
        if not (self.run_dir / "ready").exists():
            return []
        return sorted(p for pids in self._pool_state()["workers"].values() for p in pids)

    def graphs(self) -> frozenset[str]:
        """The IRIs of the named graphs the workers answer from."""
        return frozenset(self._pool_state()["graphs"])

    @property
    def version(self) -> int:
        """The pool's generation: it changes whenever the workers take new data; caches key on it."""
        return int(self._pool_state()["generation"])

    @property
    def isolated(self) -> bool:
        """Whether the last worker that answered ran in a network namespace of its own (no outside network)."""
        return self._isolated

    # -- requests ------------------------------------------------------------------------------------

    def _call(self, lane: str, message: dict, *, timeout: float | None = None, client: str | None = None) -> dict:
        timeout = self.limits.timeout if timeout is None else timeout
        request = frame({"timeout": timeout, "max_rows": self.limits.max_rows, **message})
        self.start()
        with self.admission.slot(client if lane == PUBLIC else None) as meter:
            # A retiring worker may take a connection and leave, and just after new data the old workers
            # may still be the ones listening while the new ones start: try again, for a little while.
            deadline = time.monotonic() + max(1.0, self.limits.queue_seconds)
            while (reply := self._try(lane, request, timeout, meter)) is None:
                if time.monotonic() > deadline:
                    raise EngineBusy(503, "no query worker could take the query; try again shortly", retry_after=1)
                time.sleep(0.002)
        if not reply.get("ok"):
            raise QueryError(reply["status"], reply["message"], reply.get("line"), reply.get("column"))
        return reply

    def _try(self, lane: str, request: bytes, timeout: float, meter: Meter) -> dict | None:
        conn = self._connect(lane)
        try:
            wait = self.limits.queue_seconds if lane == PUBLIC else timeout + self.limits.queue_seconds
            try:
                hello = conn.recv(wait)
            except TimeoutError:
                raise EngineBusy(503, f"every {lane} query worker is busy; try again shortly",
                                 retry_after=max(1, round(self.limits.timeout / 2))) from None
            except (EOFError, OSError):
                return None
            if hello["generation"] < self.version:
                return None  # a worker over older data, retiring: the next one has the new data
            self._isolated = bool(hello.get("isolated"))
            taken = time.monotonic()  # the client's budget is charged from here: the worker is its own
            try:
                conn.send_frame(request)
                return conn.recv(timeout)
            except TimeoutError:
                _kill(hello["pid"])
                raise QueryTimeout(timeout) from None
            except (EOFError, OSError):
                raise self._crashed(hello["pid"]) from None
            finally:
                meter.ran(time.monotonic() - taken)
        finally:
            conn.close()

    def _connect(self, lane: str) -> Channel:
        try:
            return Channel.connect(self._sockets[lane])
        except OSError as e:
            raise EngineBusy(503, f"the query engine is not answering ({e.strerror or e})", retry_after=5) from None

    def _crashed(self, pid: int) -> QueryError:
        how = _exit_of(self.run_dir / "exits" / str(pid))
        if how == "SIGABRT" and self.limits.worker_memory_mb:  # Rust aborts when an allocation fails
            return QueryOutOfMemory(503, f"the query needed more memory than a query worker may use "
                                      f"(LEMAP_WORKER_MEMORY_MB={self.limits.worker_memory_mb}); its worker was replaced")
        why = f"it was killed by signal {how}" if how else "it stopped answering"
        return WorkerCrashed(500, f"the query worker died while running this query ({why}); it was replaced")

    def _dataset(self, plan: QueryPlan, default_graphs, named_graphs) -> dict:
        if default_graphs is None and named_graphs is None:
            return {"mode": "query" if plan.has_dataset else "union"}
        default = [_node(g) for g in default_graphs or ()]
        named = [_node(g) for g in named_graphs or ()]
        if self.strict_protocol_graphs:
            known = self.graphs()
            for g in (*default, *named):
                if g.value not in known:
                    raise QueryRejected(400, f"no graph <{g.value}> in this store")
        return {"mode": "explicit", "default": default, "named": named}

    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None, max_rows: int | None = None) -> EngineResult:
        """Run one of the app's queries over the union of all graphs; at most ``limits.max_rows`` rows.

        :param text: the SPARQL query.
        :param substitutions: variable name (without ``?``) → pyoxigraph term, bound by the engine;
            pyoxigraph requires substituted variables to be in the SELECT projection.
        :param max_rows: the row cap (``limits.max_rows`` by default; 0 for none).
        :raises QueryError: (or a subclass) when the query is refused, wrong, too slow or crashes.
        """
        plan = check_query(text, self.limits, self.graphs())
        message = {"op": "query", "text": text, "dataset": self._dataset(plan, None, None),
                   "substitutions": dict(substitutions or {})}
        if max_rows is not None:
            message["max_rows"] = max_rows or None
        return self._call(APP, message)["result"]

    def run(self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None, base_iri: str | None = None,
            client: str | None = None) -> Answer:
        """Run a query from the public endpoint and serialize it as ``accept`` asks (SPARQL JSON / Turtle by default).

        :param text: the SPARQL query.
        :param accept: an HTTP Accept header value, or None for the default format.
        :param default_graphs: protocol ``default-graph-uri`` values; they override FROM.
        :param named_graphs: protocol ``named-graph-uri`` values; they override FROM NAMED.
        :param base_iri: the IRI relative IRIs in the query resolve against (the endpoint URL).
        :param client: who asks (an address or a token's partner), for the per-client limit.
        :raises QueryError: 400/413 refused or invalid, 406 no acceptable format, 429 too many at once,
            503 timeout or busy, 500 crash.
        """
        plan = check_query(text, self.limits, self.graphs(), base_iri)
        if plan.result_kind and negotiate(accept, plan.result_kind) is None:
            raise not_acceptable(plan.result_kind)
        message = {"op": "run", "text": text, "dataset": self._dataset(plan, default_graphs, named_graphs),
                   "accept": accept, "base_iri": base_iri, "limit": plan.limit}
        return self._call(PUBLIC, message, client=client)["answer"]

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The data the workers answer from, serialized and uncapped (see :meth:`SparqlEngine.dump`).

        >>> engine = LocalEngine(ox.Store())
        >>> engine.dump()
        b''
        >>> engine.close()
        """
        message = {"op": "dump", "media_type": format.media_type, "graph": graph}
        return self._call(APP, message, timeout=max(_DUMP_SECONDS, self.limits.timeout))["data"]

    # -- writes ---------------------------------------------------------------------------------------

    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Write one graph in one transaction; the workers answer from it when this returns.

        >>> engine = LocalEngine(ox.Store(), Limits(workers=1, app_workers=1))
        >>> engine.write_graph("http://ex/g", b'<http://ex/a> <http://ex/p> "x" .\\n')
        1
        >>> engine.query("SELECT ?o WHERE { GRAPH <http://ex/g> { ?s ?p ?o } }").records()
        [{'o': 'x'}]
        >>> engine.drop_graph("http://ex/g"), sorted(engine.graphs())
        (True, [])
        >>> engine.close()
        """
        if self.durable is not None:
            with self.durable.writing([graph, META_GRAPH.value]) as store:
                count = write_graph(store, graph, ntriples, replace=replace, meta=meta)
            self._control({"op": "follow"})
            return count
        count = write_graph(self._source, graph, ntriples, replace=replace, meta=meta)
        self._apply([graph, META_GRAPH.value])
        return count

    def drop_graph(self, graph: str) -> bool:
        """Remove one graph and its meta statements; the workers no longer see it when this returns."""
        if self.durable is not None:
            with self.durable.writing([graph, META_GRAPH.value]) as store:
                existed = drop_graph(store, graph)
            self._control({"op": "follow"})
            return existed
        existed = drop_graph(self._source, graph)
        self._apply([graph, META_GRAPH.value])
        return existed

    def _apply(self, graphs: list[str]) -> None:
        changes = {g: self._source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or None for g in graphs}
        self._control({"op": "apply", "changes": changes})

    def reload(self, store: ox.Store | None = None) -> None:
        """Answer from new data: ``store`` (or the one given at first) copied whole, or the on-disk store's changes."""
        if self.durable is not None:
            self._control({"op": "follow"})
            return
        self._source = store if store is not None else self._source
        self._control({"op": "replace_all", "nquads": self._source.dump(format=ox.RdfFormat.N_QUADS) or b""})

    def _control(self, message: dict) -> dict:
        self.start()
        conn = Channel.connect(str(self.run_dir / "control.sock"))
        try:
            conn.send(message)
            reply = conn.recv(_STARTUP_SECONDS)
        except TimeoutError:
            raise EngineBusy(503, "the query engine did not take the new data in time") from None
        finally:
            conn.close()
        self._state_stamp = None
        return reply

    def close(self) -> None:
        """Stop the pool and its workers (when this engine started them); later queries get :class:`EngineBusy`."""
        with self._lock:
            self._closed = True
        self._finalizer()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exit_of(path: Path) -> str | None:
    """How a worker ended, as the pool recorded it (it reaps within milliseconds)."""
    for _ in range(50):
        try:
            how = path.read_text()
            path.unlink(missing_ok=True)
            return how
        except FileNotFoundError:
            time.sleep(0.02)
    return None


def _stop_pool(holder: list, run_dir: Path, owner: bool, creator: int) -> None:
    if os.getpid() != creator:
        return  # a forked child (a web process) exiting: the pool belongs to the process that started it
    proc = holder[0]
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if owner:
        shutil.rmtree(run_dir, ignore_errors=True)
