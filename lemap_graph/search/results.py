"""The search box's answer: entities found by name or by the report's sentences, grouped by kind.

Entities come from the matcher (names, typo- and transliteration-tolerant) and from the sentences
of the report that match the query (FTS5, words corrected against the report's own words, and a
name's other spellings added: "Kiev" also finds sentences saying "Kyiv"). Each entity carries the
best matching sentence it was derived from, with the match marked.

>>> from lemap_graph.search.source import Corpus, EntityRecord, ExcerptRecord
>>> from lemap_graph.search.index import SearchIndex
>>> pref, alt = "http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2004/02/skos/core#altLabel"
>>> kyiv = EntityRecord("https://x/id/place/kyiv", ((pref, "Kyiv"), (alt, "Kiev")), (), ())
>>> act = EntityRecord("https://x/id/activity/a1", ((pref, "Pilot scheme"),), (), ())
>>> ix = SearchIndex.build(Corpus((kyiv, act), (ExcerptRecord("https://x/id/excerpt/1", "Schemes ran in Kyiv.", (act.iri,)),), ()), "https://x/id/")
>>> answer = search(ix, "Kiev")
>>> [(g.kind, [h.entity.label for h in g.hits]) for g in answer.groups]
[('place', ['Kyiv']), ('activity', ['Pilot scheme'])]
>>> answer.groups[1].hits[0].sentence.pieces
(('Schemes ran in ', False), ('Kyiv', True), ('.', False))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from .index import Entity, ExcerptHit, SearchIndex
from .matcher import CODE_PROPERTIES, rank
from .text import fold

#: Words too common to narrow a search of the report's sentences.
STOPWORDS = frozenset("a an and at by for from in into of on or the to with".split())
#: Most hits shown per kind, and most sentences read.
PER_KIND, SENTENCES = 10, 60


@dataclass(frozen=True)
class Hit:
    """One entity found: its score, the name that matched (None when found by a sentence), a matching sentence."""

    entity: Entity
    score: float
    name: str | None
    sentence: ExcerptHit | None


@dataclass(frozen=True)
class Group:
    """The hits of one kind (country, organisation, activity …), best first; ``total`` counts all of them."""

    kind: str
    hits: tuple[Hit, ...]
    total: int


@dataclass(frozen=True)
class Answer:
    """What a search found: hits grouped by kind, the matching sentences, and the words the sentences were searched for."""

    query: str
    groups: tuple[Group, ...]
    sentences: tuple[ExcerptHit, ...]
    words: tuple[str, ...]


def search(index: SearchIndex, query: str, *, kind: str | None = None, per_kind: int = PER_KIND) -> Answer:
    """Search names and sentences for ``query``; only entities of ``kind`` when given.

    :param index: the search index.
    :param query: what a person typed.
    :param kind: a kind (the path segment after /id/) to keep to, or None for all.
    :param per_kind: most hits listed per kind (``Group.total`` still counts them all).
    """
    named = rank(index, query, limit=200, min_score=60.0)
    names = [c for c in named if c.score >= 72 or c.near_exact]
    wanted = sentence_words(index, query)
    sentences = index.sentences(fts_query(wanted, _spellings(index, names, query)), SENTENCES) if wanted else []
    best_sentence = _first_sentences(sentences)
    hits: dict[int, Hit] = {}
    for c in names:
        hits[c.entity.key] = Hit(c.entity, c.score, c.name, best_sentence.get(c.entity.key))
    for position, sentence in enumerate(sentences):
        for key in sentence.entities:
            if key not in hits:
                hits[key] = Hit(index.entity(key), round(60.0 - 20.0 * position / len(sentences), 1), None, sentence)
    return Answer(query, _grouped(hits.values(), kind, per_kind), tuple(sentences), tuple(wanted))


def sentence_words(index: SearchIndex, query: str) -> list[str]:
    """The query's words to look for in the report, each misspelt one replaced by the report's closest words."""
    out = []
    for word in fold(query).split():
        if word in STOPWORDS or (len(word) < 2):
            continue
        close = index.correct(word)
        if close and close[0] != word:
            scored = sorted(((fuzz.ratio(word, c), c) for c in close), reverse=True)
            close = [c for s, c in scored if s >= 75][:2]
        out.append("|".join(close) if close else word)
    return out


def fts_query(wanted: list[str], spellings: list[str]) -> str:
    """An FTS5 query: every word (or one of its corrections), or one of the name's other spellings as a phrase.

    >>> fts_query(["kiev"], ["kyiv"])
    '(("kiev")) OR "kyiv"'
    >>> fts_query(["referral", "scheme|schemes"], [])
    '(("referral") AND ("scheme" OR "schemes"))'
    """
    words = " AND ".join("(" + " OR ".join(_quoted(w) for w in alternatives.split("|")) + ")" for alternatives in wanted)
    return " OR ".join([f"({words})", *(_quoted(s) for s in spellings)])


def _spellings(index: SearchIndex, names, query: str) -> list[str]:
    """Other names of the entities the query names almost exactly ("Kyiv" for "Kiev"), as phrases."""
    asked = fold(query)
    out: dict[str, None] = {}
    for c in names:
        if not c.near_exact:
            continue
        for row in index.names_of(c.entity.key):
            if row.property not in CODE_PROPERTIES and not row.derived and row.folded != asked and len(row.folded) >= 3:
                out[row.folded] = None
    return list(out)[:6]


def _first_sentences(sentences: list[ExcerptHit]) -> dict[int, ExcerptHit]:
    first: dict[int, ExcerptHit] = {}
    for s in sentences:
        for key in s.entities:
            first.setdefault(key, s)
    return first


def _grouped(hits, kind: str | None, per_kind: int) -> tuple[Group, ...]:
    by_kind: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: (-h.score, h.entity.label.casefold())):
        if kind is None or hit.entity.kind == kind:
            by_kind.setdefault(hit.entity.kind, []).append(hit)
    groups = [Group(k, tuple(v[:per_kind]), len(v)) for k, v in by_kind.items()]
    return tuple(sorted(groups, key=lambda g: -g.hits[0].score))


def _quoted(text: str) -> str:
    return '"' + re.sub(r'"', '""', text) + '"'
