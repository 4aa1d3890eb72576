"""What a worker does with a request, in any process: run it on a store, cap and serialize the answer, or word the error.

Shared by the embedded engine's worker processes and the remote engine (which parses a server's
answer and caps and serializes it the same way).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox

from ..formats import serialize_result, serialize_triples
from ..store import to_result
from .base import Answer, EngineResult
from .negotiation import negotiate, not_acceptable

_SYNTAX = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def execute(store: ox.Store, message: dict):
    """Run a request's query on ``store`` with its dataset, substitutions and base IRI."""
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


def capped(answer, limit: int | None) -> EngineResult:
    """A pyoxigraph answer as an :class:`EngineResult` of at most ``limit`` rows, flagged when cut."""
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


def serialize(answer, accept: str | None, limit: int | None, *, within_cap: bool = False) -> Answer:
    """A pyoxigraph answer serialized as ``accept`` asks, row-capped, the cut flagged in SPARQL JSON.

    :param within_cap: the query cannot return more than ``limit`` rows (its own LIMIT is lower), so
        SELECT results in SPARQL JSON are written by pyoxigraph itself, several times faster than rows
        made into Python objects.
    """
    if within_cap and isinstance(answer, ox.QuerySolutions):
        fmt = negotiate(accept, "results")
        if fmt is not None and fmt.name == "json":
            body = answer.serialize(format=ox.QueryResultsFormat.JSON)
            return Answer(body, fmt.media_type, "select", False, None, fmt.name)
    result = capped(answer, limit)
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


def error_reply(e: Exception) -> dict:
    """The reply for an engine failure: syntax errors with line and column, the rest in one line."""
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
