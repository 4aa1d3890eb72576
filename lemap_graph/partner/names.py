"""Linking a partner's names to lemap's IRIs: ``resolve(name, kind) -> candidates``, with the search's matcher.

A CSV row's countries, cities, organisations, documents, activity kinds and statuses must resolve the
same way as in ``/reconcile`` and the search box, so this module asks the one matcher they use
(:mod:`lemap_graph.search`): a :class:`~lemap_graph.search.index.SearchIndex` built from the graph
the upload refers to (the engine's ``search-*`` named queries, run on the checking worker's copy of
it), candidates scored by :func:`~lemap_graph.search.matcher.rank` (case, accents, punctuation, word
order, typos, transliterations, acronyms with their country such as "MoI Ukraine", ISO codes only
when equal) and a match only when it is near-exact and clearly ahead
(:func:`~lemap_graph.search.matcher.decide`). A kind is a set of classes (``country`` is
``lm:Country`` …) or a concept scheme (``activity-kinds``, ``statuses`` …), whose members come from
the named query ``entity-names``.

>>> from lemap_graph.store import load_project
>>> index = NameIndex.from_store(load_project(None))
>>> [(c.iri.rsplit("/", 1)[1], c.match) for c in index.resolve("ukraine", "country")][:1]
[('UKR', True)]
>>> best = index.resolve("Kharkov", "place")[0]
>>> best.label, best.match
('Kharkiv', True)
>>> index.resolve("UKR", "organisation")[:1] == [] or not index.resolve("UKR", "organisation")[0].match
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable, Mapping

import pyoxigraph as ox

from .. import queries
from ..search import matcher
from ..search.index import SearchIndex
from ..search.source import read_corpus
from ..search.text import fold as _fold
from ..store import run_query

_LM = "https://w3id.org/lemap/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_SCHEMA = "https://schema.org/"
_SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
_SCHEME = "https://w3id.org/lemap/id/scheme/"
#: The namespace of lemap's entities, whose names the index holds.
ENTITIES = "https://w3id.org/lemap/id/"

#: The kinds of entity a name can be resolved to, by the rdf:types that make one.
KIND_TYPES: dict[str, frozenset[str]] = {
    "country": frozenset({_LM + "Country"}),
    "organisation": frozenset({_ORG + "Organization", _ORG + "FormalOrganization", _ORG + "OrganizationalUnit"}),
    "place": frozenset({_SCHEMA + "City", _LM + "Subdivision", _SCHEMA + "Place"}),
    "document": frozenset({_SCHEMA + "CreativeWork"}),
    "activity": frozenset({_LM + "Activity"}),
}
#: A match scores at least this (and leads the next candidate clearly): the search matcher's threshold.
MATCH_SCORE = matcher.MATCH_SCORE
#: How many candidates are scored before a concept scheme's members are picked from them.
_SCHEME_POOL = 60


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
    """A name with case, accents and punctuation folded away, words separated by one space (the search's folding).

    >>> fold("  Ministère de l'Intérieur, UKRAINE ")
    'ministere de l interieur ukraine'
    """
    return " ".join(_fold(name).split())


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


class NameIndex:
    """The search index of the graph an upload refers to, with the members of each concept scheme; :meth:`resolve` looks a name up."""

    def __init__(self, index: SearchIndex, schemes: Mapping[str, frozenset[str]]):
        self._index, self._schemes = index, schemes

    @classmethod
    def from_store(cls, store: ox.Store, entities: str = ENTITIES) -> "NameIndex":
        """Index the names of ``store``'s entities under ``entities`` as the search service does (its named queries).

        :param store: the graph (the checking worker's copy of the engine's data, with the upload's context).
        :param entities: the entity namespace (``LEMAP_BASE_IRI`` + ``id/``).
        """
        run = lambda text, substitutions=None: run_query(store, text, substitutions=substitutions)  # noqa: E731
        members: dict[str, set[str]] = defaultdict(set)
        for row in run(queries.get_query("entity-names").text).records():
            for kind in kind_of((), row["scheme"]):
                members[kind].add(row["entity"])
        return cls(SearchIndex.build(read_corpus(run, entities), entities), {k: frozenset(v) for k, v in members.items()})

    def kinds(self) -> list[str]:
        """The kinds this index can resolve names to."""
        return sorted({*KIND_TYPES, *self._schemes})

    def label(self, iri: str) -> str:
        """An entity's preferred label, or its IRI."""
        found = self._index.find(iri)
        return found.label if found is not None else iri

    def resolve(self, name: str, kind: str = "any", limit: int = 5) -> list[Candidate]:
        """The entities of ``kind`` that ``name`` may stand for, best first; the first has ``match`` when sure.

        :param name: a name as a partner wrote it ("Kiev", "MoI Ukraine", "UKR").
        :param kind: ``country``, ``organisation``, ``place``, ``document``, ``activity``, a concept
            scheme's slug (``activity-kinds``, ``statuses`` …) or ``any``.
        :param limit: most candidates returned.
        """
        if not fold(name):
            return []
        if kind in self._schemes:
            # the scheme's concepts among the best-scored concepts, and the match decided among them alone
            pool = matcher.rank(self._index, name, types=(_SKOS_CONCEPT,), limit=_SCHEME_POOL)
            found = matcher.decide([replace(c, match=False) for c in pool if c.entity.iri in self._schemes[kind]])
        elif kind in KIND_TYPES or kind == "any":
            found = matcher.rank(self._index, name, types=KIND_TYPES.get(kind, ()), limit=limit)
        else:
            return []
        return [Candidate(c.entity.iri, c.entity.label, c.name, c.score, c.match) for c in found[:limit]]
