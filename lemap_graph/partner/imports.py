"""Importing a partner's dataset: the graph it goes into, its provenance, and one import at a time per graph.

A dataset ``D`` of partner ``P`` lives in the named graph ``https://w3id.org/lemap/graph/partner/P/D``;
relative IRIs in the upload (and the CSV template's new entities) resolve under
``https://w3id.org/lemap/id/partner/P/D/``, so each of the partner's entities has a page under
``/id/``. The meta graph describes the dataset with terms the vocabulary already has: it is an
``lm:PartnerDataset`` ``prov:wasAttributedTo`` the partner, with ``dcterms:created`` (first import),
``dcterms:modified``, ``lm:sha256`` of the last body, ``void:triples`` and ``dcterms:format``.

Writes go through a :class:`GraphWriter` — the app's engine (``write_graph``/``dump``/``query``), or
:class:`StoreWriter` over an on-disk store when no server runs — and each is one transaction.

>>> graph_iri("unaids", "ukraine-2019")
'https://w3id.org/lemap/graph/partner/unaids/ukraine-2019'
>>> base_iri("unaids", "ukraine-2019")
'https://w3id.org/lemap/id/partner/unaids/ukraine-2019/'
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol

import pyoxigraph as ox

from .. import queries
from ..engine.durable import DurableStore
from ..store import GRAPH_BASE, META_GRAPH, run_query
from ..store import write_graph as store_write_graph
from .checking import UploadReport
from .guard import UploadLimits, UploadRefused, check_upload
from .tokens import check_name
from .worker import Upload, check_in_worker

log = logging.getLogger(__name__)

PARTNER_GRAPHS = GRAPH_BASE + "partner/"
PARTNER_IDS = "https://w3id.org/lemap/id/partner/"
_LM = "https://w3id.org/lemap/ontology#"
_DCT = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
#: The JSON-LD contexts an upload may name (loaded from disk, never fetched): lemap's own.
CONTEXT_URLS = ("https://w3id.org/lemap/context/v1.jsonld", "https://w3id.org/lemap/context.jsonld")


def graph_iri(partner: str, dataset: str) -> str:
    """The named graph of a partner's dataset (names checked: they become part of the IRI)."""
    return f"{PARTNER_GRAPHS}{check_name(partner)}/{check_name(dataset, 'dataset')}"


def base_iri(partner: str, dataset: str) -> str:
    """The IRI relative IRIs of the dataset resolve against, and its new entities are minted under."""
    return f"{PARTNER_IDS}{check_name(partner)}/{check_name(dataset, 'dataset')}/"


def partner_iri(partner: str) -> str:
    """The partner itself, the agent its datasets are attributed to."""
    return PARTNER_IDS + check_name(partner)


def json_ld_contexts() -> dict[str, dict]:
    """The JSON-LD context URLs an upload may name, with what each stands for."""
    from ..dataset import context_document

    return {url: context_document()["@context"] for url in CONTEXT_URLS}


def description(graph: str, partner: str) -> list[ox.Triple]:
    """What the dataset is, as validation needs it before the import: an lm:PartnerDataset attributed to the partner."""
    g, agent = ox.NamedNode(graph), ox.NamedNode(partner_iri(partner))
    return [ox.Triple(g, _RDF_TYPE, ox.NamedNode(_LM + "PartnerDataset")),
            ox.Triple(g, ox.NamedNode(_PROV + "wasAttributedTo"), agent),
            ox.Triple(agent, _RDF_TYPE, ox.NamedNode(_PROV + "Agent")),
            ox.Triple(agent, _LABEL, ox.Literal(partner))]


@dataclass(frozen=True)
class Provenance:
    """The meta graph's record of one import."""

    graph: str
    partner: str
    created: str
    modified: str
    sha256: str
    triples: int
    media_type: str

    def quads(self) -> tuple[ox.Quad, ...]:
        """The record as quads of the meta graph."""
        g = ox.NamedNode(self.graph)
        stamp = ox.NamedNode(_XSD + "dateTime")
        facts = [*(t for t in description(self.graph, self.partner)),
                 ox.Triple(g, ox.NamedNode(_DCT + "title"), ox.Literal(f"{self.partner}/{self.graph.rsplit('/', 1)[1]}")),
                 ox.Triple(g, ox.NamedNode(_DCT + "created"), ox.Literal(self.created, datatype=stamp)),
                 ox.Triple(g, ox.NamedNode(_DCT + "modified"), ox.Literal(self.modified, datatype=stamp)),
                 ox.Triple(g, ox.NamedNode(_LM + "sha256"), ox.Literal(self.sha256)),
                 ox.Triple(g, ox.NamedNode("http://rdfs.org/ns/void#triples"), ox.Literal(str(self.triples), datatype=ox.NamedNode(_XSD + "integer"))),
                 ox.Triple(g, ox.NamedNode(_DCT + "format"), ox.Literal(self.media_type))]
        return tuple(ox.Quad(t.subject, t.predicate, t.object, META_GRAPH) for t in facts)


class GraphWriter(Protocol):
    """What an import needs from the data: the engine's ``dump``, ``write_graph``, ``drop_graph`` and ``query``."""

    def dump(self, format: ox.RdfFormat = ..., graph: str | None = None) -> bytes: ...
    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple = ()) -> int: ...
    def drop_graph(self, graph: str) -> bool: ...
    def query(self, text: str, *, substitutions: Any = None) -> Any: ...


class StoreWriter:
    """A :class:`GraphWriter` over the on-disk store, for the command line: each read and write opens it under its lock.

    A write is one transaction announced in the store's journal, so a running ``lemap serve``
    takes it at once; nothing holds the store between them.
    """

    def __init__(self, durable: DurableStore):
        self.durable = durable

    def dump(self, format: ox.RdfFormat = ox.RdfFormat.N_QUADS, graph: str | None = None) -> bytes:
        """The store, or one graph of it, serialized."""
        with self.durable.reading() as store:
            if graph is not None:
                return store.dump(format=format, from_graph=ox.NamedNode(graph)) or b""
            return store.dump(format=format) or b""

    def write_graph(self, graph: str, ntriples: bytes, *, replace: bool = True, meta: tuple = ()) -> int:
        """One transaction: see :func:`lemap_graph.store.write_graph`."""
        with self.durable.writing([graph, META_GRAPH.value]) as store:
            return store_write_graph(store, graph, ntriples, replace=replace, meta=meta)

    def drop_graph(self, graph: str) -> bool:
        """Remove the graph and its meta statements."""
        from ..store import drop_graph

        with self.durable.writing([graph, META_GRAPH.value]) as store:
            return drop_graph(store, graph)

    def query(self, text: str, *, substitutions: Any = None):
        """Run a query over the store's union graph."""
        with self.durable.reading() as store:
            return run_query(store, text, substitutions=substitutions)


class GraphLocks:
    """One lock per graph IRI, so concurrent imports to one graph run one after the other.

    Threads of one process wait on a lock of the process; with ``folder``, processes (several web
    processes over one store) also wait on an exclusive ``flock`` of a file there, taken without
    blocking and retried, so a waiting import never sleeps inside the lock call and can give up.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, GraphLocks(Path(tmp)).hold("https://w3id.org/lemap/graph/partner/p/d"):
    ...     print("held")
    held
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def hold(self, graph: str) -> Iterator[None]:
        """Hold the lock of ``graph`` for the duration of the block."""
        with self._guard:
            lock = self._locks.setdefault(graph, threading.Lock())
        with lock, ExitStack() as stack:
            if self.folder is not None:
                stack.enter_context(self._file_lock(graph))
            yield

    @contextmanager
    def _file_lock(self, graph: str) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / (hashlib.sha256(graph.encode()).hexdigest()[:32] + ".lock")
        with open(path, "a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class ImportFailed(Exception):
    """The store could not take a checked import (a full disk, a failing store): nothing was stored."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class NotConforming(Exception):
    """The upload does not conform to lemap's shapes: nothing was stored (422 with the report)."""

    def __init__(self, report: UploadReport):
        super().__init__("the upload does not conform to lemap's shapes; nothing was stored")
        self.report = report


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the provenance it recorded and the report of the upload's check."""

    provenance: Provenance
    report: UploadReport
    replaced: bool
    new: bool  # the dataset did not exist before this import


def check(writer: GraphWriter, body: bytes, content_type: str | None, partner: str, dataset: str, *,
          replace: bool = True, limits: UploadLimits = UploadLimits(), name: str = "upload"):
    """Guard, parse and validate an upload against the graph as it is (in a worker process); nothing is stored.

    :return: the worker's :class:`~.worker.Checked` (report and canonical N-Triples) and the upload's format.
    :raises UploadRefused: 4xx for what cannot be taken.
    """
    kind = check_upload(body, content_type, limits)
    graph = graph_iri(partner, dataset)
    context = writer.dump(ox.RdfFormat.N_QUADS)
    describe = ox.serialize(description(graph, partner), format=ox.RdfFormat.N_TRIPLES)
    checked = check_in_worker([Upload(name, body, kind)], context=context, base_iri=base_iri(partner, dataset),
                              dataset=graph, description=describe, exclude=(graph,) if replace else (),
                              contexts=json_ld_contexts(), limits=limits)
    return checked, kind


def import_upload(writer: GraphWriter, locks: GraphLocks, body: bytes, content_type: str | None, partner: str,
                  dataset: str, *, replace: bool, limits: UploadLimits = UploadLimits(), now: str | None = None) -> ImportResult:
    """Check an upload and, if it conforms, write it into the partner's graph with its provenance, all or nothing.

    :param writer: the engine (or a :class:`StoreWriter`).
    :param locks: the per-graph locks; imports to one graph wait for each other.
    :param replace: replace the graph (PUT) or add to it (POST).
    :raises UploadRefused: 4xx before anything is written.
    :raises NotConforming: when the upload breaks a shape (nothing is written).
    """
    graph = graph_iri(partner, dataset)
    with locks.hold(graph):
        checked, kind = check(writer, body, content_type, partner, dataset, replace=replace, limits=limits)
        if not checked.report.conforms:
            raise NotConforming(checked.report)
        lines = set(checked.ntriples.splitlines())
        if not replace:
            lines |= set(writer.dump(ox.RdfFormat.N_TRIPLES, graph).splitlines())
        stamp, created = now or _now(), created_at(writer, graph)
        provenance = Provenance(graph, partner, created or stamp, stamp, hashlib.sha256(body).hexdigest(),
                                len({line for line in lines if line.strip()}), kind.media_type)
        try:
            writer.write_graph(graph, checked.ntriples, replace=replace, meta=provenance.quads())
        except OSError as e:  # RocksDB's "No space left on device" and other I/O failures; the transaction is void
            status = 507 if "space" in str(e).lower() else 500
            raise ImportFailed(status, f"the store could not take the import ({e}); nothing was stored") from None
        except Exception as e:  # an engine that cannot write: the partner gets a message, the log the rest
            log.exception("writing %s failed", graph)
            raise ImportFailed(500, f"the store could not take the import ({type(e).__name__}: {e}); nothing was stored") from None
    return ImportResult(provenance, checked.report, replace, created is None)


def created_at(writer: GraphWriter, graph: str) -> str | None:
    """When a graph was first imported, as the meta graph records it (None for a new graph)."""
    for row in writer.query(queries.get_query("graph-provenance").text).records():
        if row["graph"] == graph:
            return row["created"]
    return None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def refuse_bad_names(partner: str, dataset: str) -> None:
    """Raise :class:`UploadRefused` (400) when a partner or dataset name cannot be part of an IRI."""
    try:
        graph_iri(partner, dataset)
    except ValueError as e:
        raise UploadRefused(400, str(e)) from None
