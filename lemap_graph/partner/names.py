"""Linking a partner's names to lemap's IRIs: ``resolve(name, kind) -> candidates``, tolerant of spelling.

The index is built from the rows of the named query ``entity-names`` (every label, alternative and
hidden label and ISO code, with the entity's types and concept scheme), so it sees exactly what the
engine holds. Matching uses rapidfuzz on names with case, accents and punctuation folded; ISO codes
match only exactly. This module is the one place the importer asks for names, so it can later be
pointed at the search service's matcher without touching its callers.

>>> index = NameIndex.from_rows([
...     {"entity": "https://w3id.org/lemap/id/country/UKR", "type": "https://w3id.org/lemap/ontology#Country",
...      "scheme": None, "name": "Ukraine", "matchedBy": "http://www.w3.org/2004/02/skos/core#prefLabel"},
...     {"entity": "https://w3id.org/lemap/id/country/UKR", "type": "https://w3id.org/lemap/ontology#Country",
...      "scheme": None, "name": "UKR", "matchedBy": "https://w3id.org/lemap/ontology#isoAlpha3"}])
>>> [(c.iri.rsplit("/", 1)[1], c.match) for c in index.resolve("ukraine", "country")]
[('UKR', True)]
>>> index.resolve("Ukrane", "country")[0].score >= 90
True
>>> index.resolve("UKR", "organisation")
[]
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

_LM = "https://w3id.org/lemap/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_SCHEMA = "https://schema.org/"
_SCHEME = "https://w3id.org/lemap/id/scheme/"
_CODES = {_LM + "isoAlpha2", _LM + "isoAlpha3"}

#: The kinds of entity a name can be resolved to, by the rdf:types that make one.
KIND_TYPES: dict[str, frozenset[str]] = {
    "country": frozenset({_LM + "Country"}),
    "organisation": frozenset({_ORG + "Organization", _ORG + "FormalOrganization", _ORG + "OrganizationalUnit"}),
    "place": frozenset({_SCHEMA + "City", _LM + "Subdivision", _SCHEMA + "Place"}),
    "document": frozenset({_SCHEMA + "CreativeWork"}),
    "activity": frozenset({_LM + "Activity"}),
}
#: A match is automatic at this score or above, when no other entity comes within MARGIN of it.
MATCH_SCORE = 90.0
MARGIN = 5.0
#: The score of a name of three words or more that a longer name starts with (see ``_score``).
PREFIX_SCORE = 92.0


@dataclass(frozen=True)
class Candidate:
    """An entity a name may stand for: its IRI, preferred label, the name that matched, a 0–100 score, and
    ``match``: whether the name stands for it without doubt."""

    iri: str
    label: str
    matched: str
    score: float
    match: bool = False

    def to_dict(self) -> dict:
        """JSON-ready: iri, label, matched, score (one decimal) and match."""
        return {"iri": self.iri, "label": self.label, "matched": self.matched, "score": round(self.score, 1), "match": self.match}


def fold(name: str) -> str:
    """A name with case, accents and punctuation folded away, words separated by one space.

    >>> fold("  Ministère de l'Intérieur, UKRAINE ")
    'ministere de l interieur ukraine'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


def kind_of(types: Iterable[str], scheme: str | None) -> set[str]:
    """The kinds (see :data:`KIND_TYPES`, or a concept scheme's slug) an entity with these types is of.

    >>> sorted(kind_of(["http://www.w3.org/ns/org#FormalOrganization"], None))
    ['organisation']
    >>> kind_of([], "https://w3id.org/lemap/id/scheme/statuses")
    {'statuses'}
    """
    kinds = {k for k, wanted in KIND_TYPES.items() if wanted & set(types)}
    if scheme and scheme.startswith(_SCHEME):
        kinds.add(scheme[len(_SCHEME):])
    return kinds


@dataclass(frozen=True)
class _Name:
    iri: str
    folded: str
    text: str
    code: bool


class NameIndex:
    """Names of lemap's entities by kind, built from ``entity-names`` rows; :meth:`resolve` looks one up."""

    def __init__(self, names: Mapping[str, list[_Name]], labels: Mapping[str, str]):
        self._names, self._labels = names, labels

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str | None]]) -> "NameIndex":
        """Build the index from the named query ``entity-names``'s records (entity, type, scheme, name, matchedBy)."""
        rows = list(rows)
        types: dict[str, set[str]] = defaultdict(set)
        schemes: dict[str, str] = {}
        for r in rows:
            if r.get("type"):
                types[r["entity"]].add(r["type"])
            if r.get("scheme"):
                schemes[r["entity"]] = r["scheme"]
        names: dict[str, list[_Name]] = defaultdict(list)
        labels: dict[str, str] = {}
        seen = set()
        for r in rows:
            iri, text = r["entity"], r["name"] or ""
            if r["matchedBy"].endswith("#prefLabel"):
                labels.setdefault(iri, text)
            for kind in kind_of(types[iri], schemes.get(iri)) | {"any"}:
                key = (kind, iri, text)
                if key not in seen and fold(text):
                    seen.add(key)
                    names[kind].append(_Name(iri, fold(text), text, r["matchedBy"] in _CODES))
        return cls(dict(names), labels)

    def kinds(self) -> list[str]:
        """The kinds this index can resolve names to."""
        return sorted(k for k in self._names if k != "any")

    def label(self, iri: str) -> str:
        """An entity's preferred label, or its IRI."""
        return self._labels.get(iri, iri)

    def resolve(self, name: str, kind: str = "any", limit: int = 5) -> list[Candidate]:
        """The entities of ``kind`` that ``name`` may stand for, best first; the first has ``match`` when sure.

        :param name: a name as a partner wrote it ("Kiev", "MoI Ukraine", "UKR").
        :param kind: ``country``, ``organisation``, ``place``, ``document``, ``activity``, a concept
            scheme's slug (``activity-kinds``, ``statuses`` …) or ``any``.
        :param limit: most candidates returned.
        """
        query = fold(name)
        pool = self._names.get(kind, [])
        if not query or not pool:
            return []
        best: dict[str, tuple[float, str]] = {}
        for n in pool:
            if n.code and n.folded == query:
                best[n.iri] = (100.0, n.text)
        choices = [n.folded for n in pool if not n.code]
        keep = [n for n in pool if not n.code]
        for _, score, i in process.extract(query, choices, scorer=_score, limit=limit * 4):
            n = keep[i]
            if score > best.get(n.iri, (-1.0, ""))[0]:
                best[n.iri] = (score, n.text)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        return [Candidate(iri, self.label(iri), text, score, i == 0 and _sure(ranked))
                for i, (iri, (score, text)) in enumerate(ranked)]


def _score(query: str, choice: str, **_) -> float:
    """Exact folded names score 100; otherwise the best of whole-string and word-order-free similarity."""
    if query == choice:
        return 100.0
    whole = fuzz.ratio(query, choice)
    words = fuzz.token_sort_ratio(query, choice)
    # A shortened title ("Training Manual for Law Enforcement Officials") is the start of the full one:
    # credited just above a sure match when it has enough words to mean something.
    part = PREFIX_SCORE if query.count(" ") >= 2 and choice.startswith(query + " ") else 0.0
    return min(99.0, max(whole, words, part))


def _sure(ranked: list[tuple[str, tuple[float, str]]]) -> bool:
    if not ranked or ranked[0][1][0] < MATCH_SCORE:
        return False
    return len(ranked) == 1 or ranked[1][1][0] < ranked[0][1][0] - MARGIN
