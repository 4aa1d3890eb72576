"""Describe one entity of the graph: its statements with labels, the links pointing at it, its evidence.

What an entity page shows and what its IRI dereferences to. Every query is a named ``.rq`` file
(``entity-*.rq``) run through a *runner*: a function ``(query text, substitutions) -> QueryResult``,
so the same code runs on a plain store (:func:`store_runner`) or through the web app's engine with
its limits (:func:`engine_runner`). The entity's IRI is always bound as ``?_iri``, never formatted
into the query text.

Modules: :mod:`.terms` (runners, labels of terms), :mod:`.entity` (one entity's description and
triples), :mod:`.sources` (which statements came from partner datasets), :mod:`.listings` (indexes, schemes, graphs), :mod:`.pages` (paths, links, schema.org) and
:mod:`.vocabulary` (the ontology and shapes documents).

>>> from lemap_graph.store import load_project
>>> run = store_runner(load_project(None))
>>> d = describe(run, "https://w3id.org/lemap/id/country/AFG")
>>> d.label, "lm:Country" in [t.curie for t in d.types]
('Afghanistan', True)
>>> describe(run, "https://w3id.org/lemap/id/country/XXX") is None
True
"""

from .terms import (LABEL_LENGTH, PROPERTY_LABELS, PROPERTY_ORDER, RDF_TYPE, SKOS_CONCEPT_SCHEME, Node, Runner,
                    engine_runner, humanise, shorten, store_runner)
from .entity import (Concept, Description, Evidence, IncomingLinks, PropertyValues, concept_tree, describe,
                     entity_quads, entity_triples)
from .sources import PartnerDataset, StatementSources, statement_sources
from .listings import (Member, Scheme, concept_schemes, entity_kinds, graph_rows, group_triples, kind_members,
                       kinds_triples, listing_triples)
from .pages import (LOCAL_ROOTS, SAFE_SCHEMES, SCHEMA_TYPES, local_path, safe_link, schema_org, schema_type,
                    script_json)
from .vocabulary import ShapeDoc, ShapeValue, ontology_html, shapes_document, strip_outside_resources, vocabulary_terms

__all__ = [
    "LABEL_LENGTH", "PROPERTY_LABELS", "PROPERTY_ORDER", "RDF_TYPE", "SKOS_CONCEPT_SCHEME", "Node", "Runner",
    "engine_runner", "humanise", "shorten", "store_runner",
    "Concept", "Description", "Evidence", "IncomingLinks", "PropertyValues", "concept_tree", "describe", "entity_quads", "entity_triples",
    "PartnerDataset", "StatementSources", "statement_sources",
    "Member", "Scheme", "concept_schemes", "entity_kinds", "graph_rows", "group_triples", "kind_members",
    "kinds_triples", "listing_triples",
    "LOCAL_ROOTS", "SAFE_SCHEMES", "SCHEMA_TYPES", "local_path", "safe_link", "schema_org", "schema_type", "script_json",
    "ShapeDoc", "ShapeValue", "ontology_html", "shapes_document", "strip_outside_resources", "vocabulary_terms",
]
