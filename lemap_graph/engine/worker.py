"""A query worker: a process forked from the pool, answering one request per connection on its lane's socket.

A worker shares the pool's in-memory store copy-on-write, so starting one is a fork, not a load.
Before it answers anything it leaves the network (a namespace of its own with no route anywhere,
where the system allows it), caps its memory, lowers its priority when its lane asks, and asks the
kernel to kill it when the pool dies. The client that sent a request kills the worker when the
request overruns its time; the pool reaps it and forks a replacement.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from .durable import DurableStore
from .errors import QueryError
from .results import capped, error_reply, execute, serialize

_QUERY_STACK_BYTES = 512 * 1024 * 1024  # deep but bracket-free input (long || chains) overflows 8 MB
_PR_SET_PDEATHSIG = 1


@dataclass
class WorkerSpec:
    """What a forked worker needs: its lane's socket, the data, and its limits."""

    lane: str
    listener: socket.socket
    store: ox.Store | None  # the pool's in-memory copy; None while it loads (answer from disk)
    durable: DurableStore | None
    generation: int
    memory_mb: int
    nice: int


class _State:
    isolated = False
    busy = False
    retire = False
    deadline: float | None = None


def run_worker(spec: WorkerSpec) -> None:
    """The body of a forked worker process; never returns."""
    try:
        _prepare(spec)
        threading.stack_size(_QUERY_STACK_BYTES)
        loop = threading.Thread(target=_serve, args=(spec,), name="lemap-query", daemon=True)
        loop.start()
        threading.stack_size(0)
        threading.Thread(target=_watch, name="lemap-watch", daemon=True).start()
        while loop.is_alive():
            loop.join(0.5)
    finally:
        os._exit(0)


def _prepare(spec: WorkerSpec) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGUSR1, _on_retire)
    _State.isolated = isolate_network()
    if spec.nice:
        os.nice(spec.nice)
    limit_memory(spec.memory_mb)


def _on_retire(signum, frame) -> None:
    """The pool took new data: leave now when idle, or after the request in hand."""
    if not _State.busy:
        os._exit(0)
    _State.retire = True


def isolate_network() -> bool:
    """Move this process into a network namespace of its own (no route anywhere), where allowed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x40000000 | 0x10000000):  # CLONE_NEWNET, then with CLONE_NEWUSER
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def limit_memory(mb: int) -> None:
    """Cap this process's address space at what it maps now plus ``mb`` MiB (0: no cap)."""
    if mb <= 0:
        return
    limit = _mapped_bytes() + mb * 1024 * 1024 + _QUERY_STACK_BYTES
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def _mapped_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _watch() -> None:
    """End this process when a query outlives its client's own kill by far (the client died)."""
    while True:
        time.sleep(0.5)
        deadline = _State.deadline
        if deadline is not None and time.monotonic() > deadline:
            os._exit(1)


def _serve(spec: WorkerSpec) -> None:
    isolated = _State.isolated
    while not _State.retire:
        try:
            sock, _ = spec.listener.accept()
        except OSError:
            return
        _State.busy = True
        conn = Connection(sock.detach())
        try:
            _answer(conn, spec, isolated)
        except (OSError, EOFError):
            pass  # the client went away: nothing to answer
        finally:
            conn.close()
            _State.busy = False


def _answer(conn: Connection, spec: WorkerSpec, isolated: bool) -> None:
    conn.send({"pid": os.getpid(), "generation": spec.generation, "isolated": isolated})
    if not conn.poll(30):
        return
    message = conn.recv()
    timeout = message.get("timeout")
    _State.deadline = time.monotonic() + timeout + 30 if timeout else None
    try:
        reply = _handle(spec, message)
    except QueryError as e:
        reply = {"ok": False, "status": e.status, "message": e.message, "line": e.line, "column": e.column}
    except Exception as e:  # any engine failure is the client's answer, never the worker's end
        reply = error_reply(e)
    _State.deadline = None
    conn.send(reply)


def _handle(spec: WorkerSpec, message: dict) -> dict:
    if spec.store is not None:
        return _on_store(spec.store, message)
    with spec.durable.reading() as store:  # the memory copy is still loading: answer from disk
        return _on_store(store, message)


def _on_store(store: ox.Store, message: dict) -> dict:
    op, limit = message["op"], message.get("max_rows")
    if op == "dump":
        return {"ok": True, "data": _dump(store, message)}
    answer = execute(store, message)
    if op == "query":
        return {"ok": True, "result": capped(answer, limit)}
    within = message.get("limit") is not None and (limit is None or message["limit"] <= limit)
    return {"ok": True, "answer": serialize(answer, message.get("accept"), limit, within_cap=within)}


def _dump(store: ox.Store, message: dict) -> bytes:
    fmt = ox.RdfFormat.from_media_type(message["media_type"])
    graph = message.get("graph")
    if graph is not None:
        return store.dump(format=fmt, from_graph=ox.NamedNode(graph)) or b""
    if fmt.supports_datasets:
        return store.dump(format=fmt) or b""
    merged = ox.Store()
    merged.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    return merged.dump(format=fmt, from_graph=ox.DefaultGraph()) or b""
