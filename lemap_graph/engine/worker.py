"""A query worker process: loads its copy of the data, then answers requests, isolated from the network."""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from ..formats import serialize_result, serialize_triples
from ..store import to_result
from .base import Answer, EngineResult
from .errors import QueryError
from .negotiation import negotiate, not_acceptable

_SYNTAX = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_QUERY_STACK_BYTES = 512 * 1024 * 1024  # deep but bracket-free input (long || chains) overflows 8 MB


def worker_main(rfd: int, wfd: int) -> None:
    """Entry point of a query worker process: load the snapshot, then answer requests until EOF."""
    rx, tx = Connection(rfd, writable=False), Connection(wfd, readable=False)
    isolated = _isolate_network()
    _limit_memory(int(os.environ.get("LEMAP_WORKER_MEMORY_MB") or 0))
    threading.Thread(target=_watch, args=(os.getppid(),), name="lemap-watch", daemon=True).start()
    threading.stack_size(_QUERY_STACK_BYTES)
    t = threading.Thread(target=_serve, args=(rx, tx, isolated), name="lemap-query")
    t.start()
    threading.stack_size(0)
    t.join()
    os._exit(0)


def _isolate_network() -> bool:
    """Move this process into a network namespace of its own (no route anywhere), where allowed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x40000000 | 0x10000000):  # CLONE_NEWNET, then with CLONE_NEWUSER
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def _limit_memory(mb: int) -> None:
    if mb > 0:
        limit = mb * 1024 * 1024 + _QUERY_STACK_BYTES
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass


#: When the running query must be over at the latest (monotonic seconds), or None when idle.
_deadline: list[float | None] = [None]


def _watch(parent: int) -> None:
    """End this process when its parent is gone, or when a query outlives the parent's own kill by far."""
    while True:
        time.sleep(0.5)
        deadline = _deadline[0]
        if os.getppid() != parent or (deadline is not None and time.monotonic() > deadline):
            os._exit(1)


def _serve(rx: Connection, tx: Connection, isolated: bool) -> None:
    store = ox.Store()
    while True:
        try:
            message = rx.recv()
        except (EOFError, OSError):
            return
        timeout = message.get("timeout")
        _deadline[0] = time.monotonic() + timeout + 30 if timeout else None
        try:
            reply = _handle(store, message)
            if message["op"] == "load":
                reply["isolated"] = isolated
                message = None  # free the snapshot's bytes now, not at the next request
        except QueryError as e:
            reply = {"ok": False, "status": e.status, "message": e.message, "line": e.line, "column": e.column}
        except Exception as e:  # any engine failure is the client's answer, never the worker's end
            reply = _error_reply(e)
        _deadline[0] = None
        try:
            tx.send(reply)
        except (OSError, EOFError):
            return


def _handle(store: ox.Store, message: dict) -> dict:
    op = message["op"]
    if op == "load":
        store.clear()
        if message["nquads"]:
            store.load(message["nquads"], format=ox.RdfFormat.N_QUADS)
        return {"ok": True, "quads": len(store)}
    limit = message.get("max_rows")
    answer = _execute(store, message)
    if op == "query":
        return {"ok": True, "result": _capped(answer, limit)}
    return {"ok": True, "answer": _serialize(answer, message.get("accept"), limit)}


def _execute(store: ox.Store, message: dict):
    dataset = message["dataset"]
    kwargs: dict[str, Any] = {}
    if dataset["mode"] == "union":
        kwargs["use_default_graph_as_union"] = True
    elif dataset["mode"] == "explicit":
        kwargs["default_graph"] = dataset["default"]
        kwargs["named_graphs"] = dataset["named"]
    subs = {ox.Variable(k): v for k, v in (message.get("substitutions") or {}).items()}
    if subs:
        kwargs["substitutions"] = subs
    if message.get("base_iri"):
        kwargs["base_iri"] = message["base_iri"]
    return store.query(message["text"], **kwargs)


def _capped(answer, limit: int | None) -> EngineResult:
    result = to_result(answer, None if limit is None else limit + 1)
    n = len(result.rows) if result.kind == "select" else len(result.triples)
    cut = limit is not None and n > limit
    return EngineResult(
        result.kind,
        variables=result.variables,
        rows=result.rows[:limit] if cut else result.rows,
        boolean=result.boolean,
        triples=result.triples[:limit] if cut else result.triples,
        truncated=cut,
    )


def _serialize(answer, accept: str | None, limit: int | None) -> Answer:
    result = _capped(answer, limit)
    kind = "results" if result.kind in ("select", "ask") else "graph"
    fmt = negotiate(accept, kind)
    if fmt is None:
        raise not_acceptable(kind)
    if result.kind == "graph":
        body = serialize_triples(result.triples, fmt)
    else:
        body = serialize_result(result, fmt)
    if result.truncated and fmt.name == "json":
        doc = json.loads(body)
        doc["lemap"] = {"truncated": True, "limit": limit}
        body = json.dumps(doc, ensure_ascii=False).encode()
    return Answer(body, fmt.media_type, result.kind, result.truncated, limit if result.truncated else None, fmt.name)


def _error_reply(e: Exception) -> dict:
    if isinstance(e, SyntaxError):
        m = _SYNTAX.match(str(e))
        line, col, msg = (int(m.group(1)), int(m.group(2)), m.group(3)) if m else (None, None, str(e))
        return {"ok": False, "status": 400, "message": "SPARQL syntax error: " + _shorten(msg), "line": line, "column": col}
    if isinstance(e, (RuntimeError, ValueError, TypeError)):
        return {"ok": False, "status": 400, "message": _shorten(str(e))}
    if isinstance(e, MemoryError):
        return {"ok": False, "status": 503, "message": "the query needed more memory than a worker may use"}
    return {"ok": False, "status": 500, "message": f"the engine failed: {_shorten(repr(e))}"}


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
