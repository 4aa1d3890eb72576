"""The full-text index: SQLite FTS5 tables over every entity's names and the report's sentences.

Built once per version of the data (:mod:`lemap_graph.search.service`) from a
:class:`~lemap_graph.search.source.Corpus`, held in memory, read by the matcher:

- ``name``: one row per name of an entity (labels, acronyms, ISO codes, and derived names such as
  "MoI Ukraine" for a ministry with the acronym MoI located in Ukraine), with its folded text and
  transliteration skeleton, B-tree indexed for exact and prefix look-ups;
- ``name_grams``: an FTS5 ``trigram`` table over the folded names and skeletons, which finds the
  candidates of a misspelt name (most shared rare trigrams first) without reading every name;
- ``excerpt_fts``: an FTS5 table (``porter unicode61 remove_diacritics 2``) over the report's
  sentences, ranked by bm25 and highlighted by FTS5 itself;
- ``word_grams``: the sentences' words under a trigram table, to correct a misspelt search word.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Iterable, Iterator

from .source import Corpus, EntityRecord, TypeRecord
from .text import fold, skeleton, trigrams, words

#: Name properties in order of preference for an entity's display name.
LABEL_ORDER = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://purl.org/dc/terms/title",
)
#: Markers FTS5 puts around a match in a sentence; control characters never found in the report.
MARK_START, MARK_END = "\x02", "\x03"
_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z]{2,6}$")

_SCHEMA = """
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, kind TEXT, label TEXT, description TEXT);
CREATE TABLE entity_type (entity INTEGER, type TEXT);
CREATE INDEX entity_type_by_type ON entity_type (type, entity);
CREATE TABLE name (id INTEGER PRIMARY KEY, entity INTEGER, text TEXT, property TEXT,
                   folded TEXT, skeleton TEXT, derived INTEGER);
CREATE INDEX name_by_folded ON name (folded);
CREATE INDEX name_by_skeleton ON name (skeleton);
CREATE VIRTUAL TABLE name_grams USING fts5 (folded, skeleton, tokenize = 'trigram');
CREATE TABLE excerpt (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, text TEXT);
CREATE VIRTUAL TABLE excerpt_fts USING fts5 (text, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE excerpt_entity (excerpt INTEGER, entity INTEGER);
CREATE INDEX excerpt_entity_by_excerpt ON excerpt_entity (excerpt);
CREATE INDEX excerpt_entity_by_entity ON excerpt_entity (entity);
CREATE TABLE word (id INTEGER PRIMARY KEY, text TEXT UNIQUE);
CREATE VIRTUAL TABLE word_grams USING fts5 (text, tokenize = 'trigram');
"""


@dataclass(frozen=True)
class Entity:
    """An indexed entity: IRI, kind (the path segment after /id/), label, description, types, countries (IRI, label)."""

    key: int
    iri: str
    kind: str
    label: str
    description: str
    types: tuple[str, ...]
    countries: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NameRow:
    """One indexed name of an entity, with its comparison keys; ``derived`` for names lemap composed."""

    entity: int
    text: str
    property: str
    folded: str
    skeleton: str
    derived: bool


@dataclass(frozen=True)
class ExcerptHit:
    """A sentence of the report that matched: IRI, text cut into (text, matched) pieces, entity keys, rank."""

    iri: str
    text: str
    pieces: tuple[tuple[str, bool], ...]
    entities: tuple[int, ...]
    rank: float


class SearchIndex:
    """An in-memory SQLite database of names and sentences; safe to share between threads.

    >>> from lemap_graph.search.source import Corpus, EntityRecord, ExcerptRecord
    >>> kyiv = EntityRecord("https://x/id/place/kyiv", (("http://www.w3.org/2004/02/skos/core#prefLabel", "Kyiv"),), (), ())
    >>> ix = SearchIndex.build(Corpus((kyiv,), (ExcerptRecord("https://x/id/excerpt/1", "Schemes in Kyiv.", (kyiv.iri,)),), ()), "https://x/id/")
    >>> [ix.entity(n.entity).label for n in ix.exact("KYIV")]
    ['Kyiv']
    >>> ix.sentences('"kyiv"')[0].pieces
    (('Schemes in ', False), ('Kyiv', True), ('.', False))
    """

    def __init__(self, db: sqlite3.Connection, base: str, types: tuple[TypeRecord, ...]):
        self._db, self.base, self._lock = db, base, threading.Lock()
        self.types = {t.iri: t for t in types}
        self._entities: dict[int, Entity] = {}
        self._by_iri: dict[str, int] = {}

    # ----------------------------------------------------------------------------- building

    @classmethod
    def build(cls, corpus: Corpus, base: str) -> "SearchIndex":
        """Index ``corpus``; ``base`` is the entity namespace whose path segment after it names the kind."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.executescript(_SCHEMA)
        index = cls(db, base, corpus.types)
        with db:
            for key, record in enumerate(corpus.entities, 1):
                index._add_entity(key, record)
            index._add_excerpts(corpus)
            db.execute("INSERT INTO word_grams (rowid, text) SELECT id, text FROM word")
        return index

    def _add_entity(self, key: int, record: EntityRecord) -> None:
        label = _display_label(record)
        kind = record.iri[len(self.base):].split("/", 1)[0] if record.iri.startswith(self.base) else ""
        description, types = _description(record, self.types), _closure(record.types, self.types)
        entity = Entity(key, record.iri, kind, label, description, types, record.countries)
        self._entities[key], self._by_iri[record.iri] = entity, key
        self._db.execute("INSERT INTO entity VALUES (?, ?, ?, ?, ?)", (key, record.iri, kind, label, entity.description))
        self._db.executemany("INSERT INTO entity_type VALUES (?, ?)", [(key, t) for t in entity.types])
        for text, prop, derived in _names(record):
            folded, skel = fold(text), skeleton(text)
            if not folded:
                continue
            cursor = self._db.execute(
                "INSERT INTO name (entity, text, property, folded, skeleton, derived) VALUES (?, ?, ?, ?, ?, ?)",
                (key, text, prop, folded, skel, int(derived)),
            )
            self._db.execute("INSERT INTO name_grams (rowid, folded, skeleton) VALUES (?, ?, ?)", (cursor.lastrowid, folded, skel))

    def _add_excerpts(self, corpus: Corpus) -> None:
        seen_words: set[str] = set()
        for key, record in enumerate(corpus.excerpts, 1):
            self._db.execute("INSERT INTO excerpt VALUES (?, ?, ?)", (key, record.iri, record.text))
            self._db.execute("INSERT INTO excerpt_fts (rowid, text) VALUES (?, ?)", (key, record.text))
            linked = [(key, self._by_iri[iri]) for iri in record.entities if iri in self._by_iri]
            self._db.executemany("INSERT INTO excerpt_entity VALUES (?, ?)", linked)
            seen_words.update(w for w in words(record.text) if len(w) > 2 and not w.isdigit())
        self._db.executemany("INSERT INTO word (text) VALUES (?)", [(w,) for w in sorted(seen_words)])

    # ----------------------------------------------------------------------------- reading

    def entity(self, key: int) -> Entity:
        """The entity with index key ``key``."""
        return self._entities[key]

    def find(self, iri: str) -> Entity | None:
        """The entity with this IRI, or None."""
        key = self._by_iri.get(iri)
        return self._entities[key] if key is not None else None

    def __len__(self) -> int:
        return len(self._entities)

    def exact(self, text: str) -> list[NameRow]:
        """Names equal to ``text`` once folded, or with the same transliteration skeleton."""
        folded, skel = fold(text), skeleton(text)
        return self._names("SELECT * FROM name WHERE folded = ? OR (skeleton = ? AND length(skeleton) >= 4)", (folded, skel))

    def starting(self, text: str, limit: int = 200) -> list[NameRow]:
        """Names whose folded text starts with ``text`` folded (a B-tree range, not a scan)."""
        folded = fold(text)
        if not folded:
            return []
        return self._names("SELECT * FROM name WHERE folded >= ? AND folded < ? LIMIT ?", (folded, folded + "\uffff", limit))

    def similar(self, text: str, limit: int = 300) -> list[NameRow]:
        """Names sharing trigrams with ``text`` or its skeleton, those sharing the rarest trigrams first."""
        grams = list(dict.fromkeys(trigrams(text) + trigrams(skeleton(text))))[:64]
        if not grams:
            return []
        match = " OR ".join(_quoted(g) for g in grams)
        sql = (
            "SELECT name.* FROM name_grams JOIN name ON name.id = name_grams.rowid "
            "WHERE name_grams MATCH ? ORDER BY name_grams.rank LIMIT ?"
        )
        return self._names(sql, (match, limit))

    def names_of(self, key: int) -> list[NameRow]:
        """Every indexed name of one entity."""
        return self._names("SELECT * FROM name WHERE entity = ?", (key,))

    def of_types(self, types: Iterable[str]) -> set[int]:
        """Keys of the entities of any of these types (or their subclasses)."""
        wanted = list(types)
        marks = ",".join("?" * len(wanted))
        with self._lock:
            rows = self._db.execute(f"SELECT entity FROM entity_type WHERE type IN ({marks})", wanted).fetchall()
        return {r[0] for r in rows}

    def type_counts(self) -> dict[str, int]:
        """How many indexed entities each class (with its subclasses) has."""
        with self._lock:
            rows = self._db.execute("SELECT type, COUNT(*) FROM entity_type GROUP BY type").fetchall()
        return dict(rows)

    def correct(self, word: str) -> list[str]:
        """Words of the report close to ``word`` (itself first when the report uses it), for a misspelt search."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM word WHERE text = ?", (word,)).fetchone() or len(word) < 4:
                return [word]
            grams = " OR ".join(_quoted(g) for g in trigrams(word))
            rows = self._db.execute(
                "SELECT text FROM word_grams WHERE word_grams MATCH ? ORDER BY rank LIMIT 40", (grams,)
            ).fetchall() if grams else []
        return [r[0] for r in rows]

    def sentences(self, match: str, limit: int = 50) -> list[ExcerptHit]:
        """Sentences matching the FTS5 query ``match``, best first (bm25), with their matches marked."""
        sql = (
            "SELECT excerpt.id, excerpt.iri, excerpt.text, highlight(excerpt_fts, 0, ?, ?), excerpt_fts.rank "
            "FROM excerpt_fts JOIN excerpt ON excerpt.id = excerpt_fts.rowid "
            "WHERE excerpt_fts MATCH ? ORDER BY excerpt_fts.rank LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (MARK_START, MARK_END, match, limit)).fetchall()
            links = self._links([r[0] for r in rows])
        return [ExcerptHit(iri, text, _pieces(marked), tuple(links.get(key, ())), rank) for key, iri, text, marked, rank in rows]

    def evidence_of(self, key: int, limit: int = 3) -> list[str]:
        """The texts of the first sentences an entity was derived from."""
        sql = "SELECT excerpt.text FROM excerpt_entity JOIN excerpt ON excerpt.id = excerpt_entity.excerpt WHERE entity = ? ORDER BY excerpt.iri LIMIT ?"
        with self._lock:
            return [r[0] for r in self._db.execute(sql, (key, limit)).fetchall()]

    def _links(self, excerpts: list[int]) -> dict[int, list[int]]:
        marks = ",".join("?" * len(excerpts))
        out: dict[int, list[int]] = {}
        for excerpt, entity in self._db.execute(f"SELECT excerpt, entity FROM excerpt_entity WHERE excerpt IN ({marks})", excerpts):
            out.setdefault(excerpt, []).append(entity)
        return out

    def _names(self, sql: str, args: tuple) -> list[NameRow]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [NameRow(r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def close(self) -> None:
        """Free the database."""
        self._db.close()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _pieces(marked: str) -> tuple[tuple[str, bool], ...]:
    """``a\\x02b\\x03c`` → (a, False), (b, True), (c, False), without empty pieces."""
    out = []
    for i, part in enumerate(re.split(f"[{MARK_START}{MARK_END}]", marked)):
        if part:
            out.append((part, i % 2 == 1))
    return tuple(out)


def _display_label(record: EntityRecord) -> str:
    for prop in LABEL_ORDER:
        for p, text in record.names:
            if p == prop:
                return text
    return record.names[0][1] if record.names else record.iri.rsplit("/", 1)[-1]


def _description(record: EntityRecord, types: dict[str, TypeRecord]) -> str:
    """"Organisation · Ukraine": the entity's most specific type label and the countries it is in or about."""
    labels = [types[t].label for t in record.types if t in types]
    where = ", ".join(label for _, label in record.countries[:3])
    what = labels[0][:1].upper() + labels[0][1:] if labels else ""
    return " · ".join(p for p in (what, where) if p)


def _closure(direct: tuple[str, ...], types: dict[str, TypeRecord]) -> tuple[str, ...]:
    """The entity's types and every broader class of them."""
    seen: dict[str, None] = {}
    todo = list(direct)
    while todo:
        t = todo.pop()
        if t not in seen:
            seen[t] = None
            todo.extend(types[t].broader if t in types else ())
    return tuple(seen)


def _names(record: EntityRecord) -> Iterator[tuple[str, str, bool]]:
    """The entity's names, then "<acronym> <country>" and "<acronym> of <country>" for each acronym it has."""
    for prop, text in record.names:
        yield text, prop, False
    for _, text in record.names:
        if _ACRONYM.match(text):
            for _, country in record.countries:
                yield f"{text} {country}", "derived", True
                yield f"{text} of {country}", "derived", True
