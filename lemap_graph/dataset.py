"""lemap as a dataset: its JSON-LD context, VoID and DCAT descriptions, and whole-store dumps with checksums.

The figures of the descriptions are counted live (``dataset-*.rq`` through a runner, see
:mod:`lemap_graph.describe`); the dumps are written from the store and kept per *store version*
(:func:`store_version`), so they are made once per change of data. The data is CC BY 4.0 and its
source is the UNODC mapping report, which every description and dump states.

>>> from lemap_graph.store import load_project
>>> from lemap_graph.describe import store_runner
>>> store = load_project(None)
>>> site = Site("https://w3id.org/lemap/")
>>> stats = statistics(store_runner(store), site)
>>> stats.triples == len({q.triple for q in store})
True
>>> dump = make_dump(store, "nq")
>>> dump.filename, dump.media_type, len(dump.sha256)
('lemap.nq', 'application/n-quads', 64)
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox

from . import formats
from .describe import Runner
from .queries import PREFIXES, get_query
from .store import META_GRAPH, REPORT_IRI

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
SOURCE_TITLE = ("UNODC Mapping exercise 2013 – 2021: The Role of Law Enforcement in HIV prevention among people "
                "who use drugs (PWUD)")
TITLE = "lemap: law enforcement and HIV prevention among people who use drugs, 2013–2021"
DESCRIPTION = (
    "An open knowledge graph of who worked with whom, with which tools, where and when, to bring law enforcement "
    "into HIV prevention among people who use drugs, curated sentence by sentence from the UNODC mapping report "
    "2013–2021; every fact points at the sentence of the report it came from."
)
KEYWORDS = ("HIV prevention", "law enforcement", "people who use drugs", "harm reduction", "UNODC", "linked data")

# --------------------------------------------------------------------------------- JSON-LD context

#: Version 1 of the JSON-LD context: prefixes only, so compaction never changes what a key means.
#: Frozen: a change of meaning gets a new version (``/context/v2.jsonld``), never an edit of this one.
CONTEXT_V1: dict[str, str] = {
    "lm": "https://w3id.org/lemap/ontology#",
    "lms": "https://w3id.org/lemap/shapes#",
    "lmid": "https://w3id.org/lemap/id/",
    "lmg": "https://w3id.org/lemap/graph/",
    "country": "https://w3id.org/lemap/id/country/",
    "place": "https://w3id.org/lemap/id/place/",
    "orgn": "https://w3id.org/lemap/id/organisation/",
    "doc": "https://w3id.org/lemap/id/document/",
    "act": "https://w3id.org/lemap/id/activity/",
    "adopt": "https://w3id.org/lemap/id/adoption/",
    "ex": "https://w3id.org/lemap/id/excerpt/",
    "section": "https://w3id.org/lemap/id/section/",
    "obs": "https://w3id.org/lemap/id/observation/",
    "group": "https://w3id.org/lemap/id/group/",
    "report": "https://w3id.org/lemap/id/report/",
    "fund": "https://w3id.org/lemap/id/fund/",
    "scheme": "https://w3id.org/lemap/id/scheme/",
    "stage": "https://w3id.org/lemap/id/adoption-stage/",
    "status": "https://w3id.org/lemap/id/status/",
    "akind": "https://w3id.org/lemap/id/activity-kind/",
    "dkind": "https://w3id.org/lemap/id/document-kind/",
    "okind": "https://w3id.org/lemap/id/organisation-kind/",
    "kp": "https://w3id.org/lemap/id/key-population/",
    "topic": "https://w3id.org/lemap/id/topic/",
    "region": "https://w3id.org/lemap/id/region/",
    "qual": "https://w3id.org/lemap/id/qualifier/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}

#: Every published context version; the newest is served at ``/context.jsonld``.
CONTEXTS: dict[str, dict[str, str]] = {"v1": CONTEXT_V1}
CURRENT_CONTEXT = "v1"


def context_document(version: str = CURRENT_CONTEXT) -> dict:
    """The JSON-LD context document of ``version`` (``{"@context": {...}}``).

    :raises KeyError: for a version that was never published.

    >>> context_document()["@context"]["lm"]
    'https://w3id.org/lemap/ontology#'
    """
    return {"@context": dict(CONTEXTS[version])}


def to_jsonld(statements: Iterable[ox.Triple | ox.Quad]) -> bytes:
    """Compact JSON-LD with the current context inlined (the same object ``/context.jsonld`` serves)."""
    return formats.serialize_jsonld_compact(statements, dict(CONTEXTS[CURRENT_CONTEXT]))


# ----------------------------------------------------------------------------------------- IRIs


@dataclass(frozen=True)
class Site:
    """The IRIs of the dataset's descriptions, service and dumps, under the base of lemap's IRIs."""

    base: str

    @property
    def catalog(self) -> str:
        """The DCAT catalogue (served at ``/catalog``)."""
        return self.base + "catalog"

    @property
    def dataset(self) -> str:
        """The dataset itself: one IRI for DCAT and VoID."""
        return self.catalog + "#lemap"

    @property
    def service(self) -> str:
        """The SPARQL data service."""
        return self.catalog + "#sparql"

    @property
    def publisher(self) -> str:
        """The project, as publisher."""
        return self.catalog + "#publisher"

    @property
    def void(self) -> str:
        """The VoID description document (``/.well-known/void``)."""
        return self.base + ".well-known/void"

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint."""
        return self.base + "sparql"

    @property
    def entities(self) -> str:
        """The namespace of every entity IRI."""
        return self.base + "id/"

    def dump_url(self, filename: str) -> str:
        """Where a dump file is downloaded."""
        return self.base + "dump/" + filename

    def distribution(self, name: str) -> str:
        """The DCAT distribution of one dump format (``nq``, ``ttl`` …)."""
        return self.catalog + "#dump-" + name


# ------------------------------------------------------------------------------------ statistics


@dataclass(frozen=True)
class Statistics:
    """Live figures of the whole graph (distinct triples over the union of the named graphs)."""

    triples: int
    distinct_subjects: int
    properties: int
    distinct_objects: int
    classes: int
    entities: int
    class_partitions: tuple[tuple[str, int], ...]
    property_partitions: tuple[tuple[str, int], ...]
    graphs: tuple[tuple[str, int, str], ...]


def statistics(run: Runner, site: Site) -> Statistics:
    """Count the graph: triples, subjects, objects, classes and entities; per class, property and named graph.

    :param run: the runner queries go through.
    :param site: gives the entity namespace counted as ``entities``.
    """
    head = run(get_query("dataset-statistics").text, {"_ns": ox.Literal(site.entities)})
    row = dict(zip(head.variables, head.rows[0])) if head.rows else {}

    def count(name: str) -> int:
        return int(row[name].value) if row.get(name) is not None else 0

    classes = run(get_query("dataset-classes").text, {})
    props = run(get_query("dataset-properties").text, {})
    graphs = run(get_query("graphs").text, {})
    gvars = graphs.variables
    return Statistics(
        triples=count("triples"),
        distinct_subjects=count("distinctSubjects"),
        properties=count("properties"),
        distinct_objects=count("distinctObjects"),
        classes=count("classes"),
        entities=count("entities"),
        class_partitions=tuple((r[0].value, int(r[1].value)) for r in classes.rows),
        property_partitions=tuple((r[0].value, int(r[1].value)) for r in props.rows),
        graphs=tuple(
            (g["graph"].value, int(g["triples"].value), g["file"].value if g.get("file") is not None else "")
            for g in (dict(zip(gvars, r)) for r in graphs.rows)
        ),
    )


# ------------------------------------------------------------------------------------------ dumps

#: The dump formats, in the order they are listed.
DUMP_FORMATS: tuple[str, ...] = ("nq", "trig", "ttl", "jsonld")


@dataclass(frozen=True)
class Dump:
    """One dump file: its bytes, media type and SHA-256."""

    filename: str
    format: formats.Format
    data: bytes

    @property
    def media_type(self) -> str:
        """The dump's media type."""
        return self.format.media_type

    @property
    def size(self) -> int:
        """Its size in bytes."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes, hexadecimal (as ``SHA256SUMS`` lists it)."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def digest(self) -> str:
        """SHA-256 of the bytes, base64 (for ``Digest``/``Repr-Digest`` headers)."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")


def store_version(store: ox.Store) -> str:
    """A short fingerprint of the store's content: the build's record of its sources plus the quad count.

    A rebuild that changes a file, a removed file or an added partner graph changes it.

    >>> store_version(ox.Store()) == store_version(ox.Store())
    True
    """
    h = hashlib.sha256()
    for q in sorted(str(q) for q in store.quads_for_pattern(None, None, None, META_GRAPH)):
        h.update(q.encode("utf-8") + b"\n")
    h.update(str(len(store)).encode("ascii"))
    return h.hexdigest()[:16]


def _banner(comment: str, version: str) -> bytes:
    lines = [
        f"{TITLE}",
        f"Licence: {LICENSE_NAME} <{LICENSE}>",
        f"Source: {SOURCE_TITLE} <{REPORT_IRI}>",
        f"Store version {version}; generated from the lemap store.",
    ]
    return "".join(f"{comment} {line}\n" for line in lines).encode("utf-8") + b"\n"


def make_dump(store: ox.Store, name: str, version: str | None = None) -> Dump:
    """Write the whole store in one format: ``nq``/``trig`` keep the named graphs, ``ttl`` merges them,
    ``jsonld`` is compact JSON-LD with named graphs. N-Quads lines are sorted so the bytes are stable.

    :param store: the store to dump.
    :param name: ``nq``, ``trig``, ``ttl`` or ``jsonld``.
    :param version: the store version named in the banner comment (computed when None).
    :raises KeyError: for another name.
    """
    if name not in DUMP_FORMATS:
        raise KeyError(f"no dump format {name!r} (known: {', '.join(DUMP_FORMATS)})")
    fmt = formats.find(name)
    version = version or store_version(store)
    quads = list(store.quads_for_pattern(None, None, None, None))
    if name == "jsonld":
        data = to_jsonld(quads)
    elif name == "nq":
        lines = formats.serialize_quads(quads, fmt).decode("utf-8").splitlines(keepends=True)
        data = _banner("#", version) + "".join(sorted(lines)).encode("utf-8")
    else:
        data = _banner("#", version) + formats.serialize_quads(quads, fmt, prefixes=PREFIXES)
    return Dump(f"lemap.{fmt.extension}", fmt, data)


class DumpCache:
    """The dumps of the current data version, made on first request and kept until the data changes.

    The source is a pyoxigraph store, or an engine (anything with ``version`` and ``dump``): an
    engine's data is fetched once per version into a store the dumps are written from.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._store: ox.Store | None = None
        self._version: str | None = None
        self._dumps: dict[str, Dump] = {}

    def get(self, source, name: str) -> Dump:
        """The dump ``name`` of ``source`` as it is now.

        >>> cache = DumpCache()
        >>> s = ox.Store()
        >>> cache.get(s, "ttl") is cache.get(s, "ttl")
        True
        """
        with self._lock:
            store, version = self._current(source)
            if name not in self._dumps:
                self._dumps[name] = make_dump(store, name, version)
            return self._dumps[name]

    def _current(self, source) -> tuple[ox.Store, str]:
        key = store_version(source) if isinstance(source, ox.Store) else ("engine", source.version)
        if key != self._key:
            store = source if isinstance(source, ox.Store) else _materialize(source)
            self._key, self._store, self._version, self._dumps = key, store, store_version(store), {}
        return self._store, self._version

    def all(self, source) -> list[Dump]:
        """Every dump, in :data:`DUMP_FORMATS` order."""
        return [self.get(source, name) for name in DUMP_FORMATS]

    def sha256sums(self, source) -> str:
        """The ``SHA256SUMS`` file: ``<hex>  <filename>`` per dump, as ``sha256sum -c`` reads it."""
        return "".join(f"{d.sha256}  {d.filename}\n" for d in self.all(source))


def _materialize(engine) -> ox.Store:
    store = ox.Store()
    data = engine.dump(ox.RdfFormat.N_QUADS)
    if data:
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    return store


# ------------------------------------------------------------------------------- VoID and DCAT

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}

#: Vocabularies the data uses (void:vocabulary).
VOCABULARIES = (
    "https://w3id.org/lemap/ontology#", "https://schema.org/", "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
)


class _Triples:
    """A small builder of pyoxigraph triples with CURIEs for the description vocabularies."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    @staticmethod
    def iri(curie_or_iri: str) -> ox.NamedNode:
        prefix, sep, local = curie_or_iri.partition(":")
        if sep and prefix in _NS:
            return ox.NamedNode(_NS[prefix] + local)
        return ox.NamedNode(curie_or_iri)

    def add(self, s, p: str, o) -> None:
        subject = s if isinstance(s, (ox.NamedNode, ox.BlankNode)) else self.iri(s)
        self.triples.append(ox.Triple(subject, self.iri(p), o))

    def link(self, s, p: str, iri: str) -> None:
        self.add(s, p, self.iri(iri))

    def text(self, s, p: str, value: str, lang: str | None = "en") -> None:
        self.add(s, p, ox.Literal(value, language=lang) if lang else ox.Literal(value))

    def typed(self, s, p: str, value, datatype: str) -> None:
        self.add(s, p, ox.Literal(str(value), datatype=self.iri(datatype)))


def _common(b: _Triples, site: Site) -> None:
    """What DCAT and VoID both say about the dataset: title, description, licence, source, publisher."""
    d = site.dataset
    b.text(d, "dcterms:title", TITLE)
    b.text(d, "dcterms:description", DESCRIPTION)
    b.link(d, "dcterms:license", LICENSE)
    b.link(d, "dcterms:source", REPORT_IRI)
    b.link(d, "prov:wasDerivedFrom", REPORT_IRI)
    b.link(d, "dcterms:publisher", site.publisher)
    b.link(d, "foaf:homepage", site.base)
    b.link(site.publisher, "rdf:type", "foaf:Organization")
    b.text(site.publisher, "foaf:name", "lemap project")
    b.text(REPORT_IRI, "dcterms:title", SOURCE_TITLE, lang=None)


def void_triples(stats: Statistics, site: Site, dumps: Iterable[Dump] = ()) -> list[ox.Triple]:
    """The VoID description of the dataset: live counts, partitions by class and property, one subset per
    named graph, the SPARQL endpoint, the dumps, the URI space and the vocabularies.

    :param stats: the live figures (:func:`statistics`).
    :param site: the IRIs.
    :param dumps: the dump files to list as ``void:dataDump``.
    """
    b = _Triples()
    b.link(site.void, "rdf:type", "void:DatasetDescription")
    b.text(site.void, "dcterms:title", "VoID description of lemap")
    b.link(site.void, "foaf:primaryTopic", site.dataset)
    d = site.dataset
    b.link(d, "rdf:type", "void:Dataset")
    _common(b, site)
    b.link(d, "void:sparqlEndpoint", site.sparql)
    for dump in dumps:
        b.link(d, "void:dataDump", site.dump_url(dump.filename))
    b.text(d, "void:uriSpace", site.entities, lang=None)
    b.link(d, "void:rootResource", REPORT_IRI)
    for example in (REPORT_IRI, site.entities + "document/training-manual", site.entities + "country/AFG"):
        b.link(d, "void:exampleResource", example)
    for vocabulary in VOCABULARIES:
        b.link(d, "void:vocabulary", vocabulary)
    for name, value in (("triples", stats.triples), ("entities", stats.entities), ("classes", stats.classes),
                        ("properties", stats.properties), ("distinctSubjects", stats.distinct_subjects),
                        ("distinctObjects", stats.distinct_objects)):
        b.typed(d, f"void:{name}", value, "xsd:integer")
    for cls, n in stats.class_partitions:
        part = ox.BlankNode()
        b.add(d, "void:classPartition", part)
        b.link(part, "void:class", cls)
        b.typed(part, "void:entities", n, "xsd:integer")
    for prop, n in stats.property_partitions:
        part = ox.BlankNode()
        b.add(d, "void:propertyPartition", part)
        b.link(part, "void:property", prop)
        b.typed(part, "void:triples", n, "xsd:integer")
    for graph, n, file in stats.graphs:
        b.link(d, "void:subset", graph)
        b.link(graph, "rdf:type", "void:Dataset")
        b.link(graph, "rdf:type", "sd:NamedGraph")
        b.link(graph, "sd:name", graph)
        b.typed(graph, "void:triples", n, "xsd:integer")
        if file:
            b.text(graph, "dcterms:title", file, lang=None)
    return b.triples


_IANA = "http://www.iana.org/assignments/media-types/"
_FORMAT_TITLES = {
    "nq": "N-Quads dump (named graphs kept)",
    "trig": "TriG dump (named graphs kept)",
    "ttl": "Turtle dump (named graphs merged)",
    "jsonld": "JSON-LD dump (compact, named graphs kept)",
}


def dcat_triples(site: Site, dumps: Iterable[Dump], stats: Statistics | None = None) -> list[ox.Triple]:
    """The DCAT 3 catalogue: the dataset, one distribution per dump (media type, byte size, SHA-256),
    one through the SPARQL endpoint, and the SPARQL data service.

    :param site: the IRIs.
    :param dumps: the dump files (their sizes and checksums are stated).
    :param stats: live figures; when given, the dataset's ``void:triples`` is stated too.
    """
    b = _Triples()
    c, d, svc = site.catalog, site.dataset, site.service
    b.link(c, "rdf:type", "dcat:Catalog")
    b.text(c, "dcterms:title", "lemap data catalogue")
    b.text(c, "dcterms:description", "The datasets and services of lemap.")
    b.link(c, "dcterms:license", LICENSE)
    b.link(c, "dcterms:publisher", site.publisher)
    b.link(c, "foaf:homepage", site.base)
    b.link(c, "dcat:dataset", d)
    b.link(c, "dcat:service", svc)
    b.link(d, "rdf:type", "dcat:Dataset")
    _common(b, site)
    for word in KEYWORDS:
        b.text(d, "dcat:keyword", word)
    b.link(d, "dcat:landingPage", site.base)
    b.link(d, "dcterms:conformsTo", "https://w3id.org/lemap/ontology#")
    b.link(d, "dcterms:conformsTo", "https://w3id.org/lemap/shapes")
    b.link(d, "dcterms:language", "http://id.loc.gov/vocabulary/iso639-1/en")
    period = ox.BlankNode()
    b.add(d, "dcterms:temporal", period)
    b.link(period, "rdf:type", "dcterms:PeriodOfTime")
    b.typed(period, "dcat:startDate", "2013", "xsd:gYear")
    b.typed(period, "dcat:endDate", "2021", "xsd:gYear")
    if stats is not None:
        b.typed(d, "void:triples", stats.triples, "xsd:integer")
    for dump in dumps:
        _distribution(b, site, dump)
    sparql_dist = site.catalog + "#sparql-distribution"
    b.link(d, "dcat:distribution", sparql_dist)
    b.link(sparql_dist, "rdf:type", "dcat:Distribution")
    b.text(sparql_dist, "dcterms:title", "SPARQL 1.1 endpoint")
    b.link(sparql_dist, "dcat:accessURL", site.sparql)
    b.link(sparql_dist, "dcat:accessService", svc)
    b.link(sparql_dist, "dcterms:license", LICENSE)
    b.link(svc, "rdf:type", "dcat:DataService")
    b.text(svc, "dcterms:title", "lemap SPARQL endpoint")
    b.text(svc, "dcterms:description", "SPARQL 1.1 query service over the whole graph (read only, with time and row limits).")
    b.link(svc, "dcat:endpointURL", site.sparql)
    b.link(svc, "dcat:endpointDescription", site.void)
    b.link(svc, "dcat:servesDataset", d)
    b.link(svc, "dcterms:conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    b.link(svc, "dcterms:license", LICENSE)
    return b.triples


def _distribution(b: _Triples, site: Site, dump: Dump) -> None:
    name = dump.format.name
    dist = site.distribution(name)
    b.link(site.dataset, "dcat:distribution", dist)
    b.link(dist, "rdf:type", "dcat:Distribution")
    b.text(dist, "dcterms:title", _FORMAT_TITLES.get(name, dump.filename))
    b.link(dist, "dcat:downloadURL", site.dump_url(dump.filename))
    b.link(dist, "dcat:accessURL", site.dump_url(dump.filename))
    b.link(dist, "dcat:mediaType", _IANA + dump.media_type)
    b.typed(dist, "dcat:byteSize", dump.size, "xsd:nonNegativeInteger")
    b.link(dist, "dcterms:license", LICENSE)
    checksum = ox.BlankNode()
    b.add(dist, "spdx:checksum", checksum)
    b.link(checksum, "rdf:type", "spdx:Checksum")
    b.link(checksum, "spdx:algorithm", "spdx:checksumAlgorithm_sha256")
    b.typed(checksum, "spdx:checksumValue", dump.sha256, "xsd:hexBinary")
