"""Safe SPARQL execution behind one interface: a query guard, worker processes killed on timeout, capped results.

Every query goes through :func:`check_query` first (size, bracket nesting, ``SERVICE`` in any
spelling, ``FROM`` of graphs that are not in the store, SPARQL Update), then runs in a separate
worker process. Modules: :mod:`.guard` (the guard), :mod:`.negotiation` (result formats),
:mod:`.base` (the :class:`SparqlEngine` interface and its answers), :mod:`.local` (the embedded
engine), :mod:`.worker` (the worker process), :mod:`.description` (the service description).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("1"), ox.NamedNode("http://ex/g")))
>>> engine = LocalEngine(store, Limits(workers=1))
>>> engine.query("SELECT ?o WHERE { ?s ?p ?o }").records()
[{'o': '1'}]
>>> engine.run("ASK { ?s ?p ?o }", accept="text/csv").body
b'_askResult\\r\\ntrue\\r\\n'
>>> engine.close()
"""

from .base import Answer, EngineResult, SparqlEngine
from .description import SD_PREFIXES, service_description
from .errors import (EngineBusy, QueryError, QueryOutOfMemory, QueryRejected, QueryTimeout, TooManyQueries,
                     WorkerCrashed)
from .guard import QueryPlan, Token, check_query, decode_escapes, line_column, tokenize
from .limits import Limits
from .local import LocalEngine
from .negotiation import acceptable_types, negotiate, not_acceptable

__all__ = [
    "Answer", "EngineResult", "SparqlEngine", "SD_PREFIXES", "service_description", "EngineBusy", "QueryError",
    "QueryOutOfMemory", "QueryRejected", "QueryTimeout", "TooManyQueries", "WorkerCrashed", "QueryPlan", "Token", "check_query", "decode_escapes",
    "line_column", "tokenize", "Limits", "LocalEngine", "acceptable_types", "negotiate", "not_acceptable",
]
