"""The engine interface the app and the command line read and write through, and what it answers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Mapping

import pyoxigraph as ox

from ..store import QueryResult
from .errors import QueryRejected
from .limits import Limits

@dataclass(frozen=True)
class Answer:
    """A serialized query answer: the body, its media type, the row cap it hit (if any) and its kind."""

    body: bytes
    media_type: str
    kind: str
    truncated: bool = False
    limit: int | None = None
    format_name: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header value (media type with charset)."""
        return f"{self.media_type}; charset=utf-8"


@dataclass(frozen=True)
class EngineResult(QueryResult):
    """A :class:`QueryResult` that also says whether the row cap cut it."""

    truncated: bool = False


def _node(iri: Any) -> ox.NamedNode:
    if isinstance(iri, ox.NamedNode):
        return iri
    try:
        return ox.NamedNode(str(iri))
    except ValueError:
        raise QueryRejected(400, f"not a valid graph IRI: {iri!r}") from None


class SparqlEngine(ABC):
    """What the web app needs from a SPARQL engine; :class:`LocalEngine` runs pyoxigraph in worker processes.

    A later ``RemoteEngine`` can forward to an external SPARQL 1.1 server behind the same methods.
    """

    limits: Limits

    @abstractmethod
    def query(self, text: str, *, substitutions: Mapping[str, Any] | None = None, max_rows: int | None = None) -> EngineResult:
        """Run one of the app's queries over the union of all graphs; a structured result.

        :param max_rows: the row cap, ``limits.max_rows`` by default; 0 lifts it (the app's own
            fixed queries that need every row, such as the partnership network's).
        """

    @abstractmethod
    def run(
        self, text: str, *, accept: str | None, default_graphs=None, named_graphs=None, base_iri: str | None = None,
        client: str | None = None,
    ) -> Answer:
        """Run a query and serialize the answer in the format ``accept`` asks for."""

    @abstractmethod
    def graphs(self) -> frozenset[str]:
        """The named graphs queries can use."""

    @property
    def version(self) -> int:
        """A number that changes whenever the engine's data changes; caches key on it."""
        return 0

    @abstractmethod
    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple[ox.Quad, ...] = ()) -> int:
        """Atomically replace (or add to) one named graph, and record its provenance in the meta graph.

        Either all of it is stored or nothing is; queries see the new data once this returns.

        :param graph: the named graph's IRI.
        :param ntriples: the graph's triples as N-Triples (already parsed and validated: never a raw upload).
        :param replace: replace the graph's triples (HTTP PUT) rather than add to them (POST).
        :param meta: quads for the meta graph describing ``graph``; they replace what it held about it.
        :return: the number of triples in the graph afterwards.
        """

    @abstractmethod
    def drop_graph(self, graph: str) -> bool:
        """Remove one named graph and the meta graph's statements about it; whether it existed."""

    @abstractmethod
    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The whole dataset (or one named graph), serialized and never row-capped.

        For dumps, exports and the context a partner upload is validated against.

        :param format: an RDF format; a graph format (Turtle, N-Triples …) merges the graphs
            unless ``graph`` names one.
        :param graph: the IRI of one named graph, or None for all of them.
        """

    def start(self) -> None:
        """Get ready to answer (start processes, open connections) before the first query."""

    def reload(self, store: ox.Store | None = None) -> None:
        """Take a fresh copy of the data (after the store changed)."""

    def close(self) -> None:
        """Stop whatever the engine runs."""
