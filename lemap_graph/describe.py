"""Describe one entity of the graph: its statements with labels, the links pointing at it, its evidence.

What an entity page shows and what its IRI dereferences to. Every query is a named ``.rq`` file
(``entity-*.rq``) run through a *runner*: a function ``(query text, substitutions) -> QueryResult``,
so the same code runs on a plain store (:func:`store_runner`) or through the web app's engine with
its limits (:func:`engine_runner`). The entity's IRI is always bound as ``?_iri``, never formatted
into the query text.

>>> from lemap_graph.store import load_project
>>> run = store_runner(load_project(None))
>>> d = describe(run, "https://w3id.org/lemap/id/country/AFG")
>>> d.label, "lm:Country" in [t.curie for t in d.types]
('Afghanistan', True)
>>> describe(run, "https://w3id.org/lemap/id/country/XXX") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping

import pyoxigraph as ox

from .queries import compact, get_query
from .store import QueryResult, run_query

#: Runs a query text with bound values and returns its result.
Runner = Callable[[str, Mapping[str, ox.NamedNode | ox.Literal]], QueryResult]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_CONCEPT_SCHEME = _SKOS + "ConceptScheme"
_LM = "https://w3id.org/lemap/ontology#"
_SCHEMA = "https://schema.org/"
_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Longest text of an excerpt used as a label, in characters.
LABEL_LENGTH = 100

#: Labels for reused properties whose local name reads badly when split ("prefLabel").
PROPERTY_LABELS: dict[str, str] = {
    RDF_TYPE: "type",
    _SKOS + "prefLabel": "preferred label",
    _SKOS + "altLabel": "alternative label",
    _SKOS + "hiddenLabel": "hidden label (misspelling)",
    _SKOS + "inScheme": "in scheme",
    _SKOS + "hasTopConcept": "has top concept",
    _SKOS + "topConceptOf": "top concept of",
    _PROV + "value": "text",
    _PROV + "wasDerivedFrom": "derived from (evidence)",
    _PROV + "wasQuotedFrom": "quoted from",
    _DCT + "isPartOf": "part of",
    _SCHEMA + "containedInPlace": "contained in place",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2000/01/rdf-schema#isDefinedBy": "defined by",
}

#: Properties shown first on a page, in this order; the rest follow by label, evidence last.
PROPERTY_ORDER: tuple[str, ...] = (
    RDF_TYPE, _SKOS + "prefLabel", _SKOS + "altLabel", _SKOS + "hiddenLabel", _DCT + "title",
    _SKOS + "definition", _SCHEMA + "description", _PROV + "value", _SKOS + "notation", _SKOS + "inScheme",
)
_LAST = (_PROV + "wasDerivedFrom",)


def store_runner(store: ox.Store) -> Runner:
    """A runner over a plain pyoxigraph store (union of all graphs), for scripts and tests.

    :param store: the store to query.

    >>> store_runner(ox.Store())("SELECT ?x WHERE { VALUES ?x { 1 } }", {}).rows[0][0].value
    '1'
    """
    return lambda text, substitutions: run_query(store, text, substitutions=substitutions)


def engine_runner(engine) -> Runner:
    """A runner through an engine object with ``query(text, substitutions=...) -> QueryResult`` (the web app's)."""
    return lambda text, substitutions: engine.query(text, substitutions=substitutions)


def _run(run: Runner, name: str, **values: ox.NamedNode | ox.Literal) -> QueryResult:
    return run(get_query(name).text, values)


# ---------------------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class Node:
    """An RDF term with what a page needs to show it: a label, and its type for a linked IRI."""

    term: ox.NamedNode | ox.BlankNode | ox.Literal
    label: str
    type: str | None = None

    @property
    def is_iri(self) -> bool:
        """Whether the term is an IRI (a link)."""
        return isinstance(self.term, ox.NamedNode)

    @property
    def is_literal(self) -> bool:
        """Whether the term is a literal (a value)."""
        return isinstance(self.term, ox.Literal)

    @property
    def value(self) -> str:
        """The IRI, blank node id or literal text."""
        return self.term.value

    @property
    def curie(self) -> str:
        """The IRI as a CURIE (``country:AFG``) or ``<iri>``; the text of a literal."""
        return compact(self.term.value) if self.is_iri else self.term.value

    @property
    def language(self) -> str | None:
        """A literal's language tag, if any."""
        return self.term.language if self.is_literal else None

    @property
    def datatype(self) -> str | None:
        """A typed literal's datatype IRI (None for plain and language-tagged strings)."""
        if not self.is_literal or self.term.language:
            return None
        dt = self.term.datatype.value
        return None if dt in (_XSD_STRING, _RDF_LANG_STRING) else dt


def humanise(iri: str) -> str:
    """A readable label from an IRI's local name, for terms no vocabulary in the store labels.

    >>> humanise("https://schema.org/translationOfWork"), humanise("http://www.w3.org/ns/org#unitOf")
    ('translation of work', 'unit of')
    """
    if iri in PROPERTY_LABELS:
        return PROPERTY_LABELS[iri]
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ")
    return words if words.isupper() else words.lower()


def shorten(text: str, length: int = LABEL_LENGTH) -> str:
    """``text`` cut at a word boundary to about ``length`` characters, with an ellipsis when cut.

    >>> shorten("one two three", 8)
    'one two…'
    """
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _pick_label(term, pref=None, label=None, title=None, value=None) -> str:
    for candidate in (pref, label, title):
        if candidate is not None and candidate.value.strip():
            return candidate.value
    if value is not None:
        return shorten(value.value)
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    return term.value if isinstance(term, ox.Literal) else "_:" + term.value


def _node(term, pref=None, label=None, title=None, value=None, type_=None) -> Node:
    return Node(term, _pick_label(term, pref, label, title, value), type_.value if type_ is not None else None)


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
    return replace(description, evidence=evidence, concepts=concepts)


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


def _rows(result: QueryResult) -> list[dict]:
    return [dict(zip(result.variables, row)) for row in result.rows]


def _text(term) -> str | None:
    return term.value if term is not None else None


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


# ------------------------------------------------------------------------------- IRIs and pages


#: What this app serves under lemap's base: entities, vocabulary, shapes, catalogue, VoID, endpoint,
#: dumps, contexts and named graphs (first path segment, or the whole path).
LOCAL_ROOTS = ("id/", "ontology", "shapes", "catalog", ".well-known/void", "sparql", "dump/", "context", "graph/")

#: The IRI schemes a page may turn into a link; any other (javascript:, data: …) is shown as text.
SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def local_path(iri: str, base: str) -> str | None:
    """The path this app serves ``iri`` at, when it is one of lemap's (under ``base``), else None.

    :param iri: any IRI.
    :param base: the base of lemap's IRIs (``LEMAP_BASE_IRI``), ending in ``/``.

    >>> b = "https://w3id.org/lemap/"
    >>> local_path(b + "id/country/AFG", b), local_path(b + "ontology#Activity", b), local_path("https://schema.org/Event", b)
    ('/id/country/AFG', '/ontology#Activity', None)
    >>> local_path(b + "catalog#lemap", b), local_path(b + "graph/data/triples/asia", b), local_path(b + "id/", b)
    ('/catalog#lemap', '/graph/data/triples/asia', '/id/')
    """
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    if rest == "" or any(rest.startswith(root) for root in LOCAL_ROOTS):
        return "/" + rest
    return None


def safe_link(iri: str) -> bool:
    """Whether ``iri`` may become a link on a page: only ``http``, ``https`` and ``mailto`` IRIs may.

    >>> safe_link("https://example.org/"), safe_link("mailto:a@b.org"), safe_link("javascript:alert(1)"), safe_link("data:,x")
    (True, True, False, False)
    """
    found = _SCHEME.match(iri)
    return bool(found) and found.group(1).lower() in SAFE_SCHEMES


#: schema.org types for lemap's and the reused vocabularies' classes (schema: classes map to themselves).
SCHEMA_TYPES: dict[str, str] = {
    _LM + "Activity": "Event",
    _LM + "Country": "Country",
    _LM + "Subdivision": "AdministrativeArea",
    _LM + "Excerpt": "Quotation",
    _LM + "ReportSection": "CreativeWork",
    _LM + "ManualAdoption": "Thing",
    _LM + "CountryGroup": "Thing",
    _LM + "PartnerDataset": "Dataset",
    "http://www.w3.org/ns/org#FormalOrganization": "Organization",
    "http://www.w3.org/ns/org#OrganizationalUnit": "Organization",
    "http://www.w3.org/ns/org#Organization": "Organization",
    _SKOS + "Concept": "DefinedTerm",
    _SKOS + "ConceptScheme": "DefinedTermSet",
}

_SCHEMA_PREFERENCE = ("Country", "City", "AdministrativeArea", "Place", "Organization", "Report", "Event",
                      "Quotation", "DefinedTerm", "DefinedTermSet", "Dataset", "Observation", "Grant", "CreativeWork")


def schema_type(types: Iterable[str]) -> str:
    """The one schema.org type that fits best an entity with these RDF types (``Thing`` if none).

    >>> schema_type(["https://w3id.org/lemap/ontology#Activity"]), schema_type(["https://schema.org/Report", "https://schema.org/CreativeWork"])
    ('Event', 'Report')
    """
    found = set()
    for t in types:
        if t.startswith(_SCHEMA):
            found.add(t[len(_SCHEMA):])
        elif t in SCHEMA_TYPES:
            found.add(SCHEMA_TYPES[t])
    for name in _SCHEMA_PREFERENCE:
        if name in found:
            return name
    return sorted(found - {"Thing"})[0] if found - {"Thing"} else "Thing"


def schema_org(description: Description, url: str, *, dataset: Mapping[str, str] | None = None) -> dict:
    """schema.org JSON-LD (as a dict) for an entity page, for search engines.

    :param description: the entity.
    :param url: the page's URL.
    :param dataset: ``name`` and ``url`` of the dataset the entity belongs to, for ``isPartOf``.
    """
    data: dict = {
        "@context": "https://schema.org",
        "@type": schema_type(t.value for t in description.types),
        "@id": description.iri,
        "url": url,
        "identifier": description.iri,
        "name": description.label,
    }
    if description.alt_labels:
        data["alternateName"] = list(description.alt_labels)
    text = description.first(_SKOS + "definition") or description.first(_SCHEMA + "description")
    if text:
        data["description"] = text
    if data["@type"] == "Quotation" and description.evidence:
        data["text"] = description.evidence[0].text
    for key, prop in (("startDate", _SCHEMA + "startDate"), ("endDate", _SCHEMA + "endDate"),
                      ("dateCreated", _SCHEMA + "dateCreated"), ("inLanguage", _SCHEMA + "inLanguage")):
        if (value := description.first(prop)) is not None:
            data[key] = value
    places = [v.label for v in description.values(_SCHEMA + "location") + description.values(_LM + "country")]
    if places and data["@type"] == "Event":
        data["location"] = [{"@type": "Place", "name": name} for name in dict.fromkeys(places)]
    if description.evidence:
        data["citation"] = [e.text for e in description.evidence if e.excerpt != description.iri][:5] or None
        if data["citation"] is None:
            del data["citation"]
    if dataset:
        data["isPartOf"] = {"@type": "Dataset", "name": dataset["name"], "url": dataset["url"]}
        data["license"] = "https://creativecommons.org/licenses/by/4.0/"
    return data


# ---------------------------------------------------------------------------- vocabulary documents

_OUTSIDE = (
    # stylesheets, fonts, scripts and images fetched from another host; a plain link (<a href>) is no request
    re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", re.I),
    re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I),
    re.compile(r"<img\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>", re.I),
    re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;", re.I),
)
_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", re.I)
_PYLODE_SCHEMA = re.compile(r"<script id=\"schema.org\" type=\"application/ld\+json\">.*?</script>", re.S)


def script_json(data) -> str:
    """JSON for a ``<script type="application/ld+json">`` element: ``<``, ``>`` and ``&`` escaped as
    ``\\u003c`` …, so no literal can close the element or open a comment.

    >>> script_json({"name": "</script><script>alert(1)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    import json

    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def strip_outside_resources(html: str) -> str:
    """``html`` without stylesheets, scripts, images or fonts loaded from other hosts.

    >>> strip_outside_resources('<link rel="stylesheet" href="https://cdn.example/x.css"><p>ok</p>')
    '<p>ok</p>'
    """
    for pattern in _OUTSIDE:
        html = pattern.sub("", html)
    return _CSS_URL.sub("none", html)


def _rdflib_graph(triples: Iterable[ox.Triple]):
    from rdflib import Graph

    from .formats import to_rdflib
    from .namespaces import bind_prefixes

    graph = bind_prefixes(Graph())
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def vocabulary_terms(triples: Iterable[ox.Triple], namespace: str) -> list[tuple[str, str, str | None]]:
    """The classes and properties a vocabulary graph defines in ``namespace``: (IRI, label, definition), sorted by IRI."""
    kinds = {"http://www.w3.org/2002/07/owl#" + k for k in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")}
    kinds |= {"http://www.w3.org/2000/01/rdf-schema#Class", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"}
    triples = list(triples)
    terms = sorted({t.subject.value for t in triples if t.predicate.value == RDF_TYPE and t.object.value in kinds
                    and t.subject.value.startswith(namespace) and t.subject.value != namespace})
    out = []
    for iri in terms:
        label = next((t.object.value for t in triples if t.subject.value == iri
                      and t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"), None)
        definition = next((t.object.value for t in triples if t.subject.value == iri
                           and t.predicate.value == _SKOS + "definition"), None)
        out.append((iri, label or humanise(iri), definition))
    return out


def _ontpub():
    """pyLODE's OntPub, imported without letting it reconfigure logging (one of its modules calls
    ``logging.basicConfig(level=DEBUG)`` on import, which would flood the app's log)."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from pylode import OntPub
    finally:
        root.handlers[:], root.level = handlers, level
    for name in ("pylode", "httpx", "asyncio"):
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))
    return OntPub


def ontology_html(triples: Iterable[ox.Triple], namespace: str, *, page_url: str, nav: Iterable[tuple[str, str]] = ()) -> str:
    """Human documentation of the vocabulary, generated by pyLODE from its triples.

    Each term's anchor is its local name, so ``…/ontology#Activity`` lands on ``lm:Activity``;
    anything pyLODE would load from another host is removed, and its schema.org JSON-LD is
    replaced by a ``DefinedTermSet`` listing every term (escaped with :func:`script_json`).

    :param triples: the ontology graph's triples.
    :param namespace: the vocabulary namespace (``…/ontology#``).
    :param page_url: the URL of the documentation page, for the JSON-LD.
    :param nav: (href, text) links put in a bar at the top of the page.
    """
    import html as html_lib

    OntPub = _ontpub()
    triples = list(triples)
    graph = _rdflib_graph(triples)
    doc = OntPub(ontology=graph)
    doc.fids = {iri: iri[len(namespace):] for iri, _, _ in vocabulary_terms(triples, namespace)}
    page = strip_outside_resources(doc.make_html())
    terms = vocabulary_terms(triples, namespace)
    title = next((t.object.value for t in triples if t.subject.value == namespace
                  and t.predicate.value == _DCT + "title"), "lemap ontology")
    data = {
        "@context": "https://schema.org",
        "@type": "DefinedTermSet",
        "@id": namespace,
        "name": title,
        "url": page_url,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "hasDefinedTerm": [
            {"@type": "DefinedTerm", "@id": iri, "name": label, **({"description": d} if d else {})}
            for iri, label, d in terms
        ],
    }
    script = f'<script type="application/ld+json">{script_json(data)}</script>'
    page = _PYLODE_SCHEMA.sub(lambda m: script, page, count=1)
    if script not in page:
        page = page.replace("</head>", script + "</head>", 1)
    if nav:
        links = " · ".join(f'<a href="{html_lib.escape(href)}">{html_lib.escape(text)}</a>' for href, text in nav)
        # as wide as pyLODE's #content (calc(100% - 150px)), so its fixed table of contents never covers the bar
        bar = (f'<nav class="lemap-bar" aria-label="lemap" style="padding:0.5rem 1rem;background:#1d2433;color:#fff;'
               f'width:calc(100% - 150px);box-sizing:border-box">{links}</nav>')
        bar = bar.replace("<a ", '<a style="color:#fff" ')
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, page, count=1)
    return page


@dataclass(frozen=True)
class ShapeValue:
    """A constraint's value as text, with the IRI it stands for when it is one (for a link)."""

    text: str
    iri: str | None = None


@dataclass(frozen=True)
class ShapeDoc:
    """One shape (node or property shape) as its documentation shows it: every triple of it, readably."""

    iri: str | None
    anchor: str | None
    label: str
    message: str | None
    constraints: tuple[tuple[str, str, tuple[ShapeValue, ...]], ...]
    properties: tuple["ShapeDoc", ...] = ()


_SH = "http://www.w3.org/ns/shacl#"


def shapes_document(triples: Iterable[ox.Triple], namespace: str) -> tuple[dict, tuple[ShapeDoc, ...]]:
    """Documentation of a SHACL shapes graph, from its triples: the shapes graph's own metadata, then
    every node shape with its targets and constraints and every property shape under it, and the
    property shapes that stand alone (with targets of their own).

    :param triples: the shapes graph's triples.
    :param namespace: the shapes namespace (``…/shapes#``); anchors are local names in it.
    :return: (metadata: title, description, version, licence; the top-level shapes, sorted by IRI).
    """
    from rdflib import RDF, RDFS, BNode, URIRef

    graph = _rdflib_graph(triples)
    sh = lambda local: URIRef(_SH + local)  # noqa: E731
    ontology = namespace.rstrip("#")
    meta = {
        "title": str(graph.value(URIRef(ontology), URIRef(_DCT + "title")) or "lemap shapes"),
        "description": str(graph.value(URIRef(ontology), URIRef(_DCT + "description")) or ""),
        "version": str(graph.value(URIRef(ontology), URIRef("http://www.w3.org/2002/07/owl#versionInfo")) or ""),
        "license": str(graph.value(URIRef(ontology), URIRef(_DCT + "license")) or ""),
    }

    def render(node) -> ShapeValue:
        if isinstance(node, URIRef):
            return ShapeValue(compact(str(node)), str(node))
        if isinstance(node, BNode):
            items = _rdf_list(graph, node)
            if items is not None:
                return ShapeValue("( " + " ".join(render(i).text for i in items) + " )")
            parts = [f"{compact(str(p))} {render(o).text}" for p, o in sorted(graph.predicate_objects(node))]
            return ShapeValue("[ " + " ; ".join(parts) + " ]")
        return ShapeValue(str(node) if not node.language else f"{node}@{node.language}")

    def doc(shape, skip=(sh("property"),)) -> ShapeDoc:
        iri = str(shape) if isinstance(shape, URIRef) else None
        anchor = iri[len(namespace):] if iri and iri.startswith(namespace) else None
        label = graph.value(shape, RDFS.label) or graph.value(shape, sh("name"))
        path = graph.value(shape, sh("path"))
        constraints = []
        for p in sorted(set(graph.predicates(shape))):
            if p in skip:
                continue
            values = tuple(render(o) for o in sorted(graph.objects(shape, p)))
            constraints.append((str(p), compact(str(p)), values))
        props = tuple(sorted((doc(ps) for ps in graph.objects(shape, sh("property"))), key=lambda d: (d.label, d.iri or "")))
        text = str(label) if label is not None else (render(path).text if path is not None else compact(iri or "shape"))
        message = graph.value(shape, sh("message"))
        return ShapeDoc(iri, anchor, text, str(message) if message is not None else None, tuple(constraints), props)

    attached = set(graph.objects(None, sh("property")))
    standalone = {s for s in graph.subjects(RDF.type, sh("PropertyShape")) if s not in attached}
    shapes = sorted(set(graph.subjects(RDF.type, sh("NodeShape"))) | standalone, key=str)
    return meta, tuple(doc(s) for s in shapes)


def _rdf_list(graph, node):
    from rdflib import RDF
    from rdflib.collection import Collection

    if graph.value(node, RDF.first) is None:
        return None
    return list(Collection(graph, node))
