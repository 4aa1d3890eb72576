"""The SPARQL 1.1 Service Description of the endpoint."""

from __future__ import annotations

import pyoxigraph as ox

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FMT = "http://www.w3.org/ns/formats/"
#: Prefixes for writing a service description as Turtle.
SD_PREFIXES = {"sd": _SD, "formats": _FMT}
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def service_description(endpoint: str, graphs: frozenset[str] | set[str] = frozenset()) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint at ``endpoint``, listing its named graphs.

    >>> any(t.object.value.endswith("SPARQL11Query") for t in service_description("http://x/sparql"))
    True
    """
    sd = lambda local: ox.NamedNode(_SD + local)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    me, dataset, default = ox.NamedNode(endpoint), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(me, a, sd("Service")),
        ox.Triple(me, sd("endpoint"), me),
        ox.Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(me, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(me, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    triples += [ox.Triple(me, sd("resultFormat"), ox.NamedNode(_FMT + f)) for f in _RESULT_FORMATS]
    for g in sorted(graphs):
        node = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, a, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(g))]
    return triples
