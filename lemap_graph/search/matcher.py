"""Names to entities: candidates from the index, scored with rapidfuzz, and a match decision a person can trust.

A query is compared with every candidate name through four measures (see :func:`score_name`):
the whole folded text (a dropped letter), the words in any order (a swapped word), the
transliteration skeleton ("Kirgizstan"), and the words of the query found among the name's
("national police" in "National Police of Ukraine", ranked below names that say no more than the
query). ISO codes and other short codes count only when equal. An entity's score is its best
name's. A candidate is a *match* only when it is near-exact and clearly ahead of the next one:
two entities called "MoI" are both candidates and neither is a match.

>>> from lemap_graph.search.source import Corpus, EntityRecord
>>> pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
>>> kgz = EntityRecord("https://x/id/country/KGZ", ((pref, "Kyrgyzstan"),), (), ())
>>> kaz = EntityRecord("https://x/id/country/KAZ", ((pref, "Kazakhstan"),), (), ())
>>> from lemap_graph.search.index import SearchIndex
>>> ix = SearchIndex.build(Corpus((kgz, kaz), (), ()), "https://x/id/")
>>> best = rank(ix, "Kirgizstan")[0]
>>> best.entity.label, best.match
('Kyrgyzstan', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from rapidfuzz import fuzz
from rapidfuzz import process as fuzz_process

from .index import Entity, NameRow, SearchIndex
from .text import fold, skeleton

#: Properties whose values are codes: they match when equal, never approximately.
CODE_PROPERTIES = frozenset({
    "https://w3id.org/lemap/ontology#isoAlpha2",
    "https://w3id.org/lemap/ontology#isoAlpha3",
    "https://w3id.org/lemap/ontology#isoNumeric",
    "http://www.w3.org/2004/02/skos/core#notation",
})
#: Lowest score of a match, and how far ahead of the runner-up a match must be.
MATCH_SCORE, MATCH_LEAD = 90.0, 8.0
#: The score of a title cut short at a word boundary, three words or more ("Training Manual for Law Enforcement Officials").
SHORTENED_TITLE = 92.0


@dataclass(frozen=True)
class NameScore:
    """How well one name fits a query: ``score`` 0–100, whether it is near-exact, and the measures behind it."""

    score: float
    near_exact: bool
    features: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An entity proposed for a query: its score, the name that fitted best, and whether it is a match."""

    entity: Entity
    score: float
    name: str
    property: str
    near_exact: bool
    features: tuple[tuple[str, float], ...] = field(default=())
    match: bool = False


def score_name(query: str, name: NameRow) -> NameScore:
    """Score ``name`` against ``query`` (0–100); near-exact means equal up to case, accents, word order, a typo.

    :param query: the text a person typed.
    :param name: an indexed name.

    >>> from lemap_graph.search.index import NameRow
    >>> row = NameRow(1, "National Police of Ukraine", "p", "national police of ukraine", skeleton("National Police of Ukraine"), False)
    >>> score_name("Police National of Ukraine", row).near_exact, score_name("national police", row).near_exact
    (True, False)
    """
    qf = fold(query)
    if qf == name.folded:
        return NameScore(100.0 if not name.derived else 97.0, True, (("exact", 100.0),))
    if name.property in CODE_PROPERTIES or len(name.folded) < 4 or len(qf) < 3:
        return NameScore(0.0, False)
    ratio = fuzz.ratio(qf, name.folded)
    order = fuzz.token_sort_ratio(qf, name.folded)
    qs = skeleton(query)
    sounds = fuzz.ratio(qs, name.skeleton) if len(qs) >= 4 and len(name.skeleton) >= 4 else 0.0
    # Names lemap composed ("MoI Ukraine") stand for the whole name only, never for a part of it.
    found = 0.0 if name.derived else words_found(qf, name.folded)
    score = max(ratio, 0.98 * order, 0.97 * sounds if ratio >= 60 and sounds >= 85 else 0.0, 0.55 * found + 0.45 * ratio)
    near = ratio >= 90 or order >= 95 or (sounds == 100 and ratio >= 70)
    if name.derived:
        score *= 0.97
    # A long title cut short at a word boundary names the whole work (a partner's CSV, a citation): near-exact.
    shortened = not name.derived and qf.count(" ") >= 2 and name.folded.startswith(qf + " ")
    if shortened:
        score, near = max(score, SHORTENED_TITLE), True
    features = (("name_ratio", round(ratio, 1)), ("word_order", round(order, 1)), ("sound", round(sounds, 1)), ("words_found", round(found, 1)))
    if shortened:
        features += (("title_start", 100.0),)
    return NameScore(round(score, 1), near, features)


def words_found(query: str, name: str) -> float:
    """The share (0–100) of the query's words found in the name, each allowing a typo.

    >>> words_found("national police", "national police of ukraine"), words_found("moi ukraine", "ukraine")
    (100.0, 50.0)
    """
    asked, have = query.split(), name.split()
    if not asked or not have:
        return 0.0
    hits = sum(1 for w in asked if w in have or fuzz_process.extractOne(w, have, scorer=fuzz.ratio, score_cutoff=85))
    return round(100.0 * hits / len(asked), 1)


def candidates(index: SearchIndex, query: str) -> list[NameRow]:
    """The names worth scoring for ``query``: equal ones, ones it starts, and ones sharing trigrams with it."""
    rows = index.exact(query) + index.starting(query, 50) + index.similar(query)
    return list({(r.entity, r.text, r.property): r for r in rows}.values())


def rank(
    index: SearchIndex,
    query: str,
    *,
    types: Iterable[str] = (),
    limit: int = 10,
    min_score: float = 50.0,
) -> list[Candidate]:
    """Entities for ``query``, best first, each with its best name; the first is a match when unambiguous.

    :param index: the search index.
    :param query: a name as a person or a spreadsheet spells it.
    :param types: class IRIs; when given, only entities of one of them (or of a subclass) are returned.
    :param limit: most candidates returned.
    :param min_score: candidates scoring lower are left out.
    """
    allowed = index.of_types(types) if types else None
    best: dict[int, Candidate] = {}
    for row in candidates(index, query):
        if allowed is not None and row.entity not in allowed:
            continue
        s = score_name(query, row)
        current = best.get(row.entity)
        if s.score >= min_score and (current is None or s.score > current.score):
            best[row.entity] = Candidate(index.entity(row.entity), s.score, row.text, row.property, s.near_exact, s.features)
    ordered = sorted(best.values(), key=lambda c: (-c.score, c.entity.label.casefold(), c.entity.iri))
    return decide(ordered)[:limit]


def decide(ordered: list[Candidate]) -> list[Candidate]:
    """Mark the first candidate a match when it is near-exact, scores ``MATCH_SCORE`` or more, and leads clearly.

    >>> from lemap_graph.search.index import Entity
    >>> e = lambda n: Entity(n, f"x:{n}", "k", f"E{n}", "", ())
    >>> [c.match for c in decide([Candidate(e(1), 100, "MoI", "p", True), Candidate(e(2), 100, "MoI", "p", True)])]
    [False, False]
    """
    if not ordered:
        return ordered
    first = ordered[0]
    runner_up = ordered[1].score if len(ordered) > 1 else 0.0
    if first.near_exact and first.score >= MATCH_SCORE and first.score - runner_up >= MATCH_LEAD:
        return [replace(first, match=True), *ordered[1:]]
    return ordered


def prefix_closeness(prefix: str, name: NameRow) -> float:
    """How close ``prefix`` is to the start of ``name`` (0–100), letters or transliteration skeleton.

    >>> from lemap_graph.search.index import NameRow
    >>> prefix_closeness("Kirgiz", NameRow(1, "Kyrgyzstan", "p", "kyrgyzstan", "krgstn", False))
    95.0
    """
    folded, skel = fold(prefix), skeleton(prefix)
    letters = fuzz.ratio(folded, name.folded[: len(folded)])
    sounds = fuzz.ratio(skel, name.skeleton[: len(skel)]) if len(skel) >= 3 else 0.0
    return round(max(letters, 0.95 * sounds), 1)


def suggest(index: SearchIndex, prefix: str, *, types: Iterable[str] = (), limit: int = 10) -> list[Candidate]:
    """Entities for a name being typed: names starting with ``prefix`` first, then the closest others.

    :param index: the search index.
    :param prefix: what has been typed so far.
    :param types: class IRIs to keep to, as in :func:`rank`.
    :param limit: most suggestions.
    """
    folded = fold(prefix)
    if not folded:
        return []
    allowed = index.of_types(types) if types else None
    starts: dict[int, Candidate] = {}
    for row in index.starting(prefix, 200) + [r for r in index.similar(prefix, 400) if f" {folded}" in f" {r.folded}"]:
        if allowed is not None and row.entity not in allowed:
            continue
        # Whole name started: shorter names first; a later word started: after them.
        score = 100.0 - len(row.folded) / 10 if row.folded.startswith(folded) else 90.0 - len(row.folded) / 10
        if row.entity not in starts or score > starts[row.entity].score:
            starts[row.entity] = Candidate(index.entity(row.entity), round(max(score, 51.0), 1), row.text, row.property, False)
    if len(starts) < limit:
        for row in index.similar(prefix, 200):
            close = prefix_closeness(prefix, row)
            if close >= 75 and row.entity not in starts and (allowed is None or row.entity in allowed):
                starts[row.entity] = Candidate(index.entity(row.entity), round(close * 0.85, 1), row.text, row.property, False)
    found = sorted(starts.values(), key=lambda c: (-c.score, c.entity.label.casefold()))
    if len(found) < limit:
        seen = {c.entity.key for c in found}
        found += [c for c in rank(index, prefix, types=types, limit=limit, min_score=60.0) if c.entity.key not in seen]
    return [replace(c, match=False) for c in found[:limit]]
