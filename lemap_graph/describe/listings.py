"""Lists and small generated graphs: the entities of a kind, the kinds, the concept schemes, the named graphs, as rows and as RDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox

from .terms import _DCT, RDF_TYPE, Node, Runner, _pick_label, _rows, _run, _text, humanise, store_runner  # noqa: F401  (doctests)

@dataclass(frozen=True)
class Member:
    """An entity listed on an index page (all countries, all activities …)."""

    iri: str
    label: str
    type: str | None


def kind_members(run: Runner, prefix: str) -> list[Member]:
    """Every entity whose IRI starts with ``prefix`` (e.g. ``…/id/country/``), with a label, sorted by label.

    >>> from lemap_graph.store import load_project
    >>> ms = kind_members(store_runner(load_project(None)), "https://w3id.org/lemap/id/country/")
    >>> ms[0].label, len(ms) > 10
    ('Afghanistan', True)
    """
    result = _run(run, "entity-kind-members", _prefix=ox.Literal(prefix))
    members = [
        Member(r["entity"].value, _pick_label(r["entity"], r["prefLabel"], r["rdfsLabel"], r["titleOrName"], r["value"]),
               _text(r["entityType"]))
        for r in _rows(result)
    ]
    return sorted(members, key=lambda m: (m.label.lower(), m.iri))


def entity_kinds(run: Runner, namespace: str) -> list[tuple[str, int]]:
    """The kinds of entity under ``namespace`` (``country``, ``activity`` …) with how many of each, by kind.

    >>> from lemap_graph.store import load_project
    >>> dict(entity_kinds(store_runner(load_project(None)), "https://w3id.org/lemap/id/"))["report"]
    1
    """
    result = _run(run, "entity-kinds", _ns=ox.Literal(namespace))
    return [(r["kind"].value, int(r["entities"].value)) for r in _rows(result)]


def group_triples(triples: Iterable[ox.Triple]) -> list[tuple[Node, list[tuple[str, str, list[Node]]]]]:
    """Triples grouped by subject, then property, for a page showing a small generated graph (VoID, DCAT).

    Subjects come in order of first appearance; a blank node that is some triple's object is shown
    inline, as the text of its own properties. Labels are ``dcterms:title`` values or CURIEs.
    """
    triples = list(triples)
    titles = {t.subject: t.object.value for t in triples if t.predicate.value == _DCT + "title"}
    grouped: dict = {}
    for t in triples:
        grouped.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    inline = {t.object for t in triples if isinstance(t.object, ox.BlankNode)}

    def node(term) -> Node:
        if isinstance(term, ox.BlankNode) and term in grouped:
            parts = [f"{humanise(p)}: {', '.join(node(o).label for o in os)}" for p, os in grouped[term].items()]
            return Node(term, "; ".join(parts))
        if isinstance(term, ox.Literal):
            return Node(term, term.value)
        return Node(term, titles.get(term, _pick_label(term)))

    return [
        (node(s), [(p, humanise(p), [node(o) for o in os]) for p, os in props.items()])
        for s, props in grouped.items()
        if s not in inline
    ]


@dataclass(frozen=True)
class Scheme:
    """A SKOS concept scheme with its label, definition and number of concepts."""

    iri: str
    label: str
    definition: str | None
    concepts: int


def concept_schemes(run: Runner) -> list[Scheme]:
    """The concept schemes of the graph, sorted by label.

    >>> from lemap_graph.store import load_project
    >>> "Adoption stages of the Training Manual" in [s.label for s in concept_schemes(store_runner(load_project(None)))]
    True
    """
    rows = _rows(_run(run, "dataset-schemes"))
    return [Scheme(r["scheme"].value, _pick_label(r["scheme"], r["label"]), _text(r["definition"]), int(r["concepts"].value))
            for r in rows]


_VOID = "http://rdfs.org/ns/void#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def _t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o)


def listing_triples(iri: str, title: str, members: Iterable[tuple[str, str, str | None]]) -> list[ox.Triple]:
    """An index page as RDF: ``iri`` is a VoID dataset whose ``rdfs:member`` s are the listed entities,
    each with its label and (when known) its type.

    :param iri: the list's IRI (``…/id/country/``).
    :param title: what the list is, in words.
    :param members: (IRI, label, type IRI or None) of each entity listed.

    >>> ts = listing_triples("https://w3id.org/lemap/id/country/", "Every country", [("https://w3id.org/lemap/id/country/AFG", "Afghanistan", None)])
    >>> sorted(t.predicate.value.rsplit("#", 1)[1] for t in ts)
    ['entities', 'label', 'label', 'member', 'type']
    """
    members = list(members)
    triples = [_t(iri, RDF_TYPE, ox.NamedNode(_VOID + "Dataset")), _t(iri, _RDFS + "label", ox.Literal(title, language="en")),
               _t(iri, _VOID + "entities", ox.Literal(str(len(members)), datatype=ox.NamedNode(_XSD_INTEGER)))]
    for member, label, type_ in members:
        triples.append(_t(iri, _RDFS + "member", ox.NamedNode(member)))
        triples.append(_t(member, _RDFS + "label", ox.Literal(label)))
        if type_:
            triples.append(_t(member, RDF_TYPE, ox.NamedNode(type_)))
    return triples


def kinds_triples(iri: str, kinds: Iterable[tuple[str, int]]) -> list[ox.Triple]:
    """The index of kinds (``/id/``) as RDF: a VoID dataset with one subset per kind, each with its
    URI space and number of entities."""
    triples = [_t(iri, RDF_TYPE, ox.NamedNode(_VOID + "Dataset")),
               _t(iri, _RDFS + "label", ox.Literal("Every kind of entity in lemap", language="en"))]
    for kind, count in kinds:
        subset = iri + kind + "/"
        triples += [_t(iri, _VOID + "subset", ox.NamedNode(subset)),
                    _t(subset, RDF_TYPE, ox.NamedNode(_VOID + "Dataset")),
                    _t(subset, _RDFS + "label", ox.Literal(kind, language="en")),
                    _t(subset, _VOID + "uriSpace", ox.Literal(subset)),
                    _t(subset, _VOID + "entities", ox.Literal(str(count), datatype=ox.NamedNode(_XSD_INTEGER)))]
    return triples


def graph_rows(run: Runner) -> list[dict[str, str | None]]:
    """Every named graph but the meta graph (named query ``graphs``): IRI, triples, origin, file,
    derivedFrom, title, publisher, added, sha256, as text (None when unrecorded).

    >>> from lemap_graph.store import load_project
    >>> any(r["file"] == "ontology/lemap.ttl" and int(r["triples"]) > 100 for r in graph_rows(store_runner(load_project(None))))
    True
    """
    return [{k: _text(v) for k, v in r.items()} for r in _rows(_run(run, "graphs"))]
