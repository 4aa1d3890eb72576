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
    Setting("LEMAP_WORKERS", 2, "Query worker processes answering SPARQL in parallel.", int),
    Setting("LEMAP_WORKER_MEMORY_MB", 2048, "Memory (MiB) a query worker process may use; 0 for no cap.", int),
    Setting("LEMAP_BASE_IRI", "https://w3id.org/lemap/", "Base of the entity IRIs the app serves under /id/.", str),
    Setting("LEMAP_NETWORK_BACKEND", "auto", "Backend of the network metrics: auto (igraph when installed), networkx or igraph.", str),
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
