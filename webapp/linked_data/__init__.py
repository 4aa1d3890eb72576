"""Linked data: every lemap IRI resolves, for people (HTML) and for programs (RDF), by content negotiation.

Routes: ``/id/<kind>/<slug>`` (an entity), ``/id/<kind>/`` and ``/id/`` (indexes; ``/id/scheme/`` lists
the concept schemes), ``/ontology`` (the vocabulary, documented by pyLODE), ``/shapes`` (the SHACL
shapes), ``/context.jsonld`` and ``/context/v1.jsonld`` (the JSON-LD context), ``/.well-known/void``
(VoID), ``/catalog`` (DCAT 3; ``/dcat`` redirects there), ``/dump/`` and ``/dump/lemap.{nq,trig,ttl,jsonld}``
with ``/dump/SHA256SUMS``.

Each RDF resource is served as HTML, Turtle, JSON-LD (compact, with lemap's context), N-Triples or
RDF/XML after the ``Accept`` header; ``?format=`` or a suffix (``.ttl``, ``.jsonld``, ``.nt``,
``.rdf``, ``.html``) overrides it. Responses say ``Vary: Accept`` and list the alternates in ``Link``
headers; an unknown IRI is a 404 in the negotiated format, an unsupported type a 406. The
descriptions come from :mod:`lemap_graph.describe` and :mod:`lemap_graph.dataset`, queried through
the app's engine.

Modules: :mod:`.site` (the blueprint, caches, links for templates), :mod:`.negotiation`,
:mod:`.entities` (``/id/``, ``/graph/``) and :mod:`.documents` (vocabulary, shapes, context, VoID,
catalogue, dumps).
"""

from .site import base_iri, bp, ld_json, link_to, page_schema
from .negotiation import HTML, RDF_FORMATS, SUFFIXES, NotAcceptable, negotiate, rdf_body
from . import documents, entities  # noqa: F401  (their routes join the blueprint)

__all__ = ["base_iri", "bp", "ld_json", "link_to", "page_schema", "HTML", "RDF_FORMATS", "SUFFIXES", "NotAcceptable",
           "negotiate", "rdf_body"]
