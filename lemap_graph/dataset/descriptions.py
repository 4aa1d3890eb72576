"""The dataset's VoID description and DCAT 3 catalogue, as pyoxigraph triples.

VoID gives the live counts and partitions, one subset per named graph, the endpoint and the dumps;
DCAT gives the catalogue, one distribution per dump (size and SHA-256) and the SPARQL data service.
"""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox

from ..store import REPORT_IRI
from .counts import Statistics
from .dumps import Dump
from .metadata import DESCRIPTION, KEYWORDS, LICENSE, SOURCE_TITLE, TITLE
from .site import Site


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
