"""Terms as pages show them: the runner queries go through, labels for IRIs and literals, shared constants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

import pyoxigraph as ox

from ..queries import compact, get_query
from ..store import QueryResult, run_query

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
    #: The partner datasets (:class:`~.sources.PartnerDataset`) the statement showing this term came from.
    partners: tuple = ()
    #: Whether the report's graphs hold that statement too (always, when no partner holds it).
    reported: bool = True

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


def _rows(result: QueryResult) -> list[dict]:
    return [dict(zip(result.variables, row)) for row in result.rows]


def _text(term) -> str | None:
    return term.value if term is not None else None

