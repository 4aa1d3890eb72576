"""One entity described: its statements with labels, the links pointing at it, its evidence, a scheme's concepts, its triples."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from ..queries import compact
from ..store import QueryResult
from .sources import PartnerDataset, StatementSources, mark_node, statement_sources
from .terms import (_DCT, _LAST, _LM, _PROV, _SCHEMA, _SKOS, PROPERTY_ORDER, RDF_TYPE, Node, Runner, _node, _pick_label,
                    _rows, _run, _text, humanise, shorten, store_runner)  # noqa: F401  (store_runner: doctests)

# ---------------------------------------------------------------------------------- description


@dataclass(frozen=True)
class PropertyValues:
    """One property of the entity with its label and definition from the vocabulary, and its values."""

    property: str
    label: str
    definition: str | None
    values: tuple[Node, ...]

    @property
    def curie(self) -> str:
        """The property as a CURIE."""
        return compact(self.property)


@dataclass(frozen=True)
class IncomingLinks:
    """The entities pointing at the described one through one property: how many, and (some of) them."""

    property: str
    label: str
    definition: str | None
    count: int
    subjects: tuple[Node, ...]

    @property
    def curie(self) -> str:
        """The property as a CURIE."""
        return compact(self.property)

    @property
    def truncated(self) -> bool:
        """Whether fewer subjects are listed than point at the entity."""
        return len(self.subjects) < self.count


@dataclass(frozen=True)
class Evidence:
    """One sentence of the report a fact came from, with the report section it is in."""

    excerpt: str
    text: str
    section: str | None = None
    section_title: str | None = None


@dataclass(frozen=True)
class Concept:
    """A concept of a scheme, with its notation, definition and narrower concepts (a tree)."""

    iri: str
    label: str
    notation: str | None = None
    definition: str | None = None
    narrower: tuple["Concept", ...] = ()


@dataclass(frozen=True)
class Description:
    """Everything an entity page shows about one IRI."""

    iri: str
    label: str
    alt_labels: tuple[str, ...]
    types: tuple[Node, ...]
    properties: tuple[PropertyValues, ...]
    incoming: tuple[IncomingLinks, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    concepts: tuple[Concept, ...] = field(default=())
    #: The partner datasets some of the entity's statements came from, with how many each (most first).
    partner_datasets: tuple[PartnerDataset, ...] = ()

    @property
    def partner_only(self) -> bool:
        """Whether every statement the entity is the subject of came from partner datasets (none from the report)."""
        values = [v for pv in self.properties for v in pv.values]
        return bool(values) and all(v.partners and not v.reported for v in values)

    @property
    def partner_statements(self) -> int:
        """How many of the statements shown came from a partner dataset."""
        shown = [v for pv in self.properties for v in pv.values] + [s for g in self.incoming for s in g.subjects]
        return sum(1 for v in shown if v.partners)

    def values(self, prop: str) -> tuple[Node, ...]:
        """The values of one property (full IRI), or ``()``."""
        for pv in self.properties:
            if pv.property == prop:
                return pv.values
        return ()

    def first(self, prop: str) -> str | None:
        """The first value of one property as text, or None."""
        values = self.values(prop)
        return values[0].value if values else None

    def has_type(self, iri: str) -> bool:
        """Whether the entity is typed ``iri``."""
        return any(t.value == iri for t in self.types)

    @property
    def curie(self) -> str:
        """The entity's IRI as a CURIE."""
        return compact(self.iri)

    @property
    def incoming_count(self) -> int:
        """How many links point at the entity, over all properties."""
        return sum(group.count for group in self.incoming)


def describe(run: Runner, iri: str, *, max_incoming: int = 200) -> Description | None:
    """Describe ``iri``: labels, properties, incoming links, evidence and, for a scheme, its concepts.

    :param run: the runner queries go through (:func:`store_runner`, :func:`engine_runner`).
    :param iri: the entity's full IRI.
    :param max_incoming: most subjects listed per incoming property (counts stay exact).
    :return: the description, or None when the graph holds no statement with ``iri`` as subject or object.
    """
    node = ox.NamedNode(iri)
    properties = _outgoing(_run(run, "entity-outgoing", _iri=node))
    incoming = _incoming(
        _run(run, "entity-incoming", _iri=node), _run(run, "entity-incoming-counts", _iri=node), max_incoming
    )
    if not properties and not incoming:
        return None
    by_prop = {pv.property: pv for pv in properties}
    types = by_prop[RDF_TYPE].values if RDF_TYPE in by_prop else ()
    description = Description(
        iri=iri,
        label=_own_label(by_prop, iri),
        alt_labels=tuple(v.value for v in by_prop.get(_SKOS + "altLabel", _EMPTY).values),
        types=types,
        properties=properties,
        incoming=incoming,
    )
    evidence = _evidence(run, node, description)
    concepts = ()
    if description.has_type(_SKOS + "ConceptScheme"):
        concepts = concept_tree(_run(run, "entity-scheme-concepts", _iri=node))
    return _with_sources(replace(description, evidence=evidence, concepts=concepts), statement_sources(run, iri))


def _with_sources(d: Description, sources: StatementSources) -> Description:
    """``d`` with each value and linking entity marked with the partner datasets its statement came from."""
    if not sources.partners:
        return d
    out = lambda p, v: mark_node(v, ("outgoing", p, v.value), sources)  # noqa: E731
    properties = tuple(replace(pv, values=tuple(out(pv.property, v) for v in pv.values)) for pv in d.properties)
    incoming = tuple(replace(g, subjects=tuple(mark_node(s, ("incoming", g.property, s.value), sources) for s in g.subjects))
                     for g in d.incoming)
    types = tuple(out(RDF_TYPE, t) for t in d.types)
    return replace(d, properties=properties, incoming=incoming, types=types, partner_datasets=sources.datasets())


_EMPTY = PropertyValues("", "", None, ())


def _outgoing(result: QueryResult) -> tuple[PropertyValues, ...]:
    groups: dict[str, list] = {}
    meta: dict[str, tuple[str, str | None]] = {}
    for r in _rows(result):
        p = r["p"].value
        meta.setdefault(p, (r["pLabel"].value if r["pLabel"] else humanise(p), _text(r["pDefinition"])))
        groups.setdefault(p, []).append(_node(r["o"], r["oPrefLabel"], r["oLabel"], r["oTitle"], r["oValue"], r["oType"]))
    out = [PropertyValues(p, meta[p][0], meta[p][1], tuple(sorted(vs, key=_value_key))) for p, vs in groups.items()]
    return tuple(sorted(out, key=_property_key))


def _incoming(result: QueryResult, counts: QueryResult, limit: int) -> tuple[IncomingLinks, ...]:
    groups: dict[str, list] = {}
    meta: dict[str, tuple[str, str | None]] = {}
    for r in _rows(result):
        p = r["p"].value
        meta.setdefault(p, (r["pLabel"].value if r["pLabel"] else humanise(p), _text(r["pDefinition"])))
        groups.setdefault(p, []).append(_node(r["s"], r["sPrefLabel"], r["sLabel"], r["sTitle"], r["sValue"], r["sType"]))
    out = []
    for r in _rows(counts):
        p = r["p"].value
        label, definition = meta.get(p, (humanise(p), None))
        subjects = tuple(sorted(groups.get(p, ()), key=_value_key))[:limit]
        out.append(IncomingLinks(p, label, definition, int(r["count"].value), subjects))
    return tuple(sorted(out, key=lambda g: (-g.count, g.label)))


def _evidence(run: Runner, node: ox.NamedNode, description: Description) -> tuple[Evidence, ...]:
    if description.has_type(_LM + "Excerpt"):
        section = description.values(_DCT + "isPartOf")
        return (
            Evidence(
                description.iri,
                description.first(_PROV + "value") or "",
                section[0].value if section else None,
                section[0].label if section else None,
            ),
        )
    return tuple(
        Evidence(r["excerpt"].value, r["text"].value, _text(r["section"]), _text(r["sectionTitle"]))
        for r in _rows(_run(run, "entity-evidence", _iri=node))
    )


def _own_label(by_prop: dict[str, PropertyValues], iri: str) -> str:
    def best(prop: str) -> str | None:
        values = by_prop[prop].values if prop in by_prop else ()
        for lang in ("en", None, ""):
            for v in values:
                if v.is_literal and (lang is None or (v.language or "") == lang):
                    return v.value
        return None

    for prop in (_SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label", _DCT + "title", _SCHEMA + "name"):
        if (found := best(prop)) is not None:
            return found
    quote = best(_PROV + "value")
    return shorten(quote) if quote else compact(iri)


def _property_key(pv: PropertyValues) -> tuple:
    if pv.property in PROPERTY_ORDER:
        return (0, PROPERTY_ORDER.index(pv.property), "")
    return (2 if pv.property in _LAST else 1, 0, pv.label.lower())


def _value_key(node: Node) -> tuple:
    return (not node.is_iri, node.label.lower(), node.value)


# ------------------------------------------------------------------------------------- concepts


def _notation_key(concept: Concept) -> tuple:
    n = concept.notation
    if n is not None and re.fullmatch(r"-?\d+(\.\d+)?", n):
        return (0, float(n), concept.label.lower())
    return (1 if n is not None else 2, 0.0, (n or "") + concept.label.lower())


def concept_tree(result: QueryResult) -> tuple[Concept, ...]:
    """Concepts of a scheme (rows of ``entity-scheme-concepts``) as a tree, ordered by notation then label.

    A concept whose broader concept is not in the scheme is a root; a cycle is cut where it closes.
    """
    flat: dict[str, Concept] = {}
    broader: dict[str, set[str]] = {}
    for r in _rows(result):
        iri = r["concept"].value
        flat.setdefault(iri, Concept(iri, _pick_label(r["concept"], r["label"]), _text(r["notation"]), _text(r["definition"])))
        if r["broader"] is not None:
            broader.setdefault(iri, set()).add(r["broader"].value)
    children: dict[str, list[str]] = {}
    for iri, parents in broader.items():
        for parent in parents & flat.keys():
            children.setdefault(parent, []).append(iri)
    roots = [iri for iri in flat if not (broader.get(iri, set()) & flat.keys())]

    def build(iri: str, seen: frozenset[str]) -> Concept:
        kids = [build(k, seen | {k}) for k in children.get(iri, ()) if k not in seen]
        c = flat[iri]
        return Concept(c.iri, c.label, c.notation, c.definition, tuple(sorted(kids, key=_notation_key)))

    return tuple(sorted((build(iri, frozenset({iri})) for iri in roots), key=_notation_key))


# ------------------------------------------------------------------------------------ the RDF


def entity_triples(run: Runner, iri: str) -> list[ox.Triple]:
    """The triples ``iri`` dereferences to: its statements, those pointing at it, and its blank nodes.

    :param run: the runner queries go through.
    :param iri: the entity's full IRI.
    :return: distinct triples, empty when the graph does not know ``iri``.

    >>> from lemap_graph.store import load_project
    >>> ts = entity_triples(store_runner(load_project(None)), "https://w3id.org/lemap/id/country/AFG")
    >>> any(t.predicate.value.endswith("isoAlpha3") and t.object.value == "AFG" for t in ts)
    True
    """
    result = _run(run, "entity-triples", _iri=ox.NamedNode(iri))
    seen: dict[ox.Triple, None] = {}
    for r in _rows(result):
        seen.setdefault(ox.Triple(r["s"], r["p"], r["o"]), None)
    return list(seen)


def entity_quads(run: Runner, iri: str) -> list[ox.Quad]:
    """The statements about ``iri`` in the named graphs holding them (TriG, N-Quads: whose dataset each came from).

    :param run: the runner queries go through.
    :param iri: the entity's full IRI.
    :return: distinct quads, empty when the graph does not know ``iri``.

    >>> from lemap_graph.store import load_project
    >>> qs = entity_quads(store_runner(load_project(None)), "https://w3id.org/lemap/id/country/AFG")
    >>> sorted({q.graph_name.value.rsplit("/", 1)[1] for q in qs})[:2]
    ['countries', 'global']
    """
    result = _run(run, "entity-quads", _iri=ox.NamedNode(iri))
    return list(dict.fromkeys(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in _rows(result)))
