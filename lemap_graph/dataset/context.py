"""lemap's JSON-LD context, in published versions that never change meaning, and compact JSON-LD written with it."""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox

from .. import formats


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
