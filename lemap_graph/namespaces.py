"""RDF namespaces of lemap: its vocabulary, shapes and IRIs, and the vocabularies it reuses.

``LM`` is a closed :class:`~rdflib.namespace.DefinedNamespace`, so a misspelt term raises
instead of silently minting a new IRI:

>>> LM.Activity
rdflib.term.URIRef('https://w3id.org/lemap/ontology#Activity')
>>> LM.Activty
Traceback (most recent call last):
...
AttributeError: term 'Activty' not in namespace 'https://w3id.org/lemap/ontology#'
>>> PREFIXES["act"]
'https://w3id.org/lemap/id/activity/'
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VANN, XSD, DefinedNamespace

__all__ = [
    "DCAT", "DCTERMS", "LM", "LMID", "LMS", "ORG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS",
    "SCHEMA", "SH", "SKOS", "VANN", "XSD", "bind_prefixes",
]


class LM(DefinedNamespace):
    """The lemap vocabulary, ``ontology/lemap.ttl``; a test keeps this list equal to it."""

    _NS = Namespace("https://w3id.org/lemap/ontology#")
    _fail = True

    # classes
    Activity: URIRef
    Country: URIRef
    CountryGroup: URIRef
    Excerpt: URIRef
    ManualAdoption: URIRef
    PartnerDataset: URIRef
    ReportSection: URIRef
    Subdivision: URIRef
    # object properties
    activityKind: URIRef
    adaptationOf: URIRef
    adoptedDocument: URIRef
    adoptingCountry: URIRef
    adoptionStage: URIRef
    commissionedBy: URIRef
    contributedTo: URIRef
    country: URIRef
    dateQualifier: URIRef
    documentKind: URIRef
    established: URIRef
    follows: URIRef
    host: URIRef
    incorporatedInto: URIRef
    invitedCountQualifier: URIRef
    invitedCountry: URIRef
    member: URIRef
    organisationKind: URIRef
    organisingSupporter: URIRef
    participantCountQualifier: URIRef
    participantCountry: URIRef
    participantPlace: URIRef
    partner: URIRef
    produced: URIRef
    reasonNotCarriedOut: URIRef
    resultingDocument: URIRef
    secondaryPopulation: URIRef
    status: URIRef
    supplementTo: URIRef
    supporter: URIRef
    targetPopulation: URIRef
    unodcRegion: URIRef
    usedDocument: URIRef
    valueQualifier: URIRef
    viaActivity: URIRef
    # datatype properties
    invitedCount: URIRef
    isoAlpha2: URIRef
    isoAlpha3: URIRef
    isoNumeric: URIRef
    outcome: URIRef
    participantCount: URIRef
    participantDescription: URIRef
    periodEnd: URIRef
    periodStart: URIRef
    populationGroup: URIRef
    sha256: URIRef
    sourceFile: URIRef
    year: URIRef


LMS = Namespace("https://w3id.org/lemap/shapes#")
LMID = Namespace("https://w3id.org/lemap/id/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")

#: Every prefix of docs/modelling.md (and the standard ones), prefix -> namespace IRI.
PREFIXES: dict[str, str] = {
    "lm": str(LM._NS),
    "lms": str(LMS),
    "lmid": str(LMID),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "dcat": str(DCAT),
    "vann": str(VANN),
    # entities, one prefix per kind
    "country": f"{LMID}country/",
    "place": f"{LMID}place/",
    "orgn": f"{LMID}organisation/",
    "doc": f"{LMID}document/",
    "act": f"{LMID}activity/",
    "adopt": f"{LMID}adoption/",
    "ex": f"{LMID}excerpt/",
    "section": f"{LMID}section/",
    "obs": f"{LMID}observation/",
    "group": f"{LMID}group/",
    "report": f"{LMID}report/",
    "fund": f"{LMID}fund/",
    "scheme": f"{LMID}scheme/",
    # concepts of ontology/schemes/*.ttl
    "stage": f"{LMID}adoption-stage/",
    "status": f"{LMID}status/",
    "akind": f"{LMID}activity-kind/",
    "dkind": f"{LMID}document-kind/",
    "okind": f"{LMID}organisation-kind/",
    "kp": f"{LMID}key-population/",
    "topic": f"{LMID}topic/",
    "region": f"{LMID}region/",
    "qual": f"{LMID}qualifier/",
    "reason": f"{LMID}reason/",
    "role": f"{LMID}role/",
}


def bind_prefixes(graph):
    """Bind every prefix of :data:`PREFIXES` on ``graph`` and return it.

    :param graph: an :class:`rdflib.Graph` (or Dataset) to bind the prefixes on.
    :returns: the same graph, for chaining.

    >>> from rdflib import Graph
    >>> bind_prefixes(Graph()).namespace_manager.expand_curie("act:x")
    rdflib.term.URIRef('https://w3id.org/lemap/id/activity/x')
    """
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
