"""Every setting in one table: name, default and help; read from ``LEMAP_*`` environment variables.

The web app's factory reads the same table, then applies its test config on top.

>>> SETTINGS["LEMAP_QUERY_TIMEOUT"].default
10.0
>>> load_settings({"LEMAP_MAX_ROWS": "5"})["LEMAP_MAX_ROWS"]
5
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default value, parser and a line of help."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


_TABLE = (
    Setting("LEMAP_STORE", ".lemap/store", "Folder of the on-disk Oxigraph store (the durable copy)."),
    Setting("LEMAP_QUERY_TIMEOUT", 10.0, "Seconds a SPARQL query may run before it is stopped (503).", float),
    Setting("LEMAP_MAX_ROWS", 10000, "Most rows (or triples) a query returns; more are cut and flagged.", int),
    Setting("LEMAP_MAX_QUERY_BYTES", 100_000, "Largest query text accepted, in bytes (413 above).", int),
    Setting("LEMAP_MAX_NESTING", 64, "Deepest nesting of braces and parentheses accepted in a query (400 above).", int),
    Setting("LEMAP_WORKERS", 4, "Query worker processes answering the public SPARQL endpoint in parallel (forked from one copy of the data, at a lower CPU priority).", int),
    Setting("LEMAP_APP_WORKERS", 2, "Query worker processes answering the app's own pages and named-query APIs, apart from the endpoint's.", int),
    Setting("LEMAP_QUEUE_SECONDS", 2.0, "Seconds an endpoint query may wait for a free worker before it is refused (503 with Retry-After).", float),
    Setting("LEMAP_CLIENT_QUERIES", 2, "Endpoint queries one client (address) may have running at once; more get 429 with Retry-After. 0 for no limit.", int),
    Setting("LEMAP_CLIENT_BUDGET_SECONDS", 60.0, "Seconds of endpoint query time one client may use per window; past it, 429 with Retry-After until the window ends. 0 for no budget.", float),
    Setting("LEMAP_CLIENT_WINDOW_SECONDS", 60.0, "The window of the per-client query-time budget, in seconds.", float),
    Setting("LEMAP_PROXY_HOPS", 0, "Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none); the client address the per-client limits count is taken from them.", int),
    Setting("LEMAP_WEB_PROCESSES", 0, "Web processes `lemap serve` runs (granian, each over the same engine pool); 0 for one per core.", int),
    Setting("LEMAP_WEB_THREADS", 256, "Python threads each web process may run requests on (a request waiting for a query worker or reading its body holds one; connections still sending headers hold none).", int),
    Setting("LEMAP_ACCESS_LOG", False, "Log one line per request on standard output (address, time, request, status, milliseconds); off by default, as a proxy in front usually logs them.", _bool),
    Setting("LEMAP_RESULT_CACHE_MB", 32.0, "Memory (MiB) each web process keeps endpoint answers in, keyed on the data's version and the exact request; repeats are answered from it (header X-Lemap-Cache), Cache-Control: no-cache skips it. 0 for no cache.", float),
    Setting("LEMAP_WORKER_MEMORY_MB", 2048, "Memory (MiB) a query worker may use beyond the shared data; 0 for no cap.", int),
    Setting("LEMAP_WORKER_RECYCLE_MB", 512, "Private memory (MiB) past which an idle query worker is replaced by a fresh fork: reads copy the shared pages they touch, so a worker that scanned holds its own copy of what it scanned. Lower: less memory, scans pay the copy again; 0 never replaces.", int),
    Setting("LEMAP_BASE_IRI", "https://w3id.org/lemap/", "Base of the entity IRIs the app serves under /id/.", str),
    Setting("LEMAP_NETWORK_BACKEND", "auto", "Backend of the network metrics: auto (igraph when installed), networkx or igraph.", str),
    Setting("LEMAP_PUBLIC_URL", "", "Public base URL of the site (e.g. https://lemap.example.org); absolute links are built from it. Empty: from the request's trusted Host.", str),
    Setting("LEMAP_TRUSTED_HOSTS", "127.0.0.1,localhost,[::1]", "Comma-separated host names the app answers for (with the host of LEMAP_PUBLIC_URL); any other Host header gets 400.", str),
    Setting("LEMAP_SPARQL_ENDPOINT", "", "Query URL of an external SPARQL 1.1 server to answer from instead of the embedded store (empty: embedded).", str),
    Setting("LEMAP_UPDATE_ENDPOINT", "", "SPARQL Update URL of that server, for writes (builds, partner uploads); empty: read-only.", str),
    Setting("LEMAP_STORE_ENDPOINT", "", "Graph Store Protocol URL of that server, to read whole graphs for dumps; empty: CONSTRUCT.", str),
    Setting("LEMAP_SPARQL_UNION", False, "That server's default graph already is the union of lemap's graphs (oxigraph serve --union-default-graph): send no dataset, much faster.", _bool),
    Setting("LEMAP_TOKENS", "", "SQLite file of the partners' import tokens (hashed); empty for tokens.sqlite beside LEMAP_STORE.", str),
    Setting("LEMAP_MAX_UPLOAD_BYTES", 10_000_000, "Largest partner upload accepted by /validate and /graphs, in bytes (413 above).", int),
    Setting("LEMAP_UPLOAD_NESTING", 64, "Deepest nesting of JSON-LD objects and arrays or RDF/XML elements in an upload (400 above).", int),
    Setting("LEMAP_UPLOAD_TIMEOUT", 60.0, "Seconds the worker process checking an upload may run before it is killed (413).", float),
    Setting("LEMAP_UPLOAD_MEMORY_MB", 2048, "Memory (MiB) the worker process checking an upload may use; 0 for no cap.", int),
    Setting("LEMAP_UPLOAD_WORKERS", 2, "Uploads checked at once (each in its own worker process); more wait, then get 503.", int),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _TABLE}


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by ``LEMAP_*`` variables in ``environ`` (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    return {s.name: (s.parse(environ[s.name]) if s.name in environ else s.default) for s in _TABLE}
