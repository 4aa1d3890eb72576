"""What the search index is built from, read through the engine's named queries (``search-*.rq``).

The engine caps every answer at ``max_rows``; :func:`read_pages` reads a long answer page by page,
keyed on the IRI each query sorts by, so a graph of any size is read whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pyoxigraph as ox

from .. import queries

#: A function that runs a query with substitutions and returns an engine result (``engine.query``).
Runner = Callable[..., Any]


@dataclass(frozen=True)
class EntityRecord:
    """One entity as the index holds it: its IRI, names (property, text), types, countries (IRI, label)."""

    iri: str
    names: tuple[tuple[str, str], ...]
    types: tuple[str, ...]
    countries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExcerptRecord:
    """One sentence of the report and the IRIs of the entities derived from it."""

    iri: str
    text: str
    entities: tuple[str, ...]


@dataclass(frozen=True)
class TypeRecord:
    """A class: IRI, label, definition and direct broader classes."""

    iri: str
    label: str
    definition: str
    broader: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    """Everything the index is built from."""

    entities: tuple[EntityRecord, ...]
    excerpts: tuple[ExcerptRecord, ...]
    types: tuple[TypeRecord, ...]


def read_pages(run: Runner, name: str, key: str, substitutions: dict[str, ox.Literal]) -> Iterator[dict[str, Any]]:
    """Every row of named query ``name``, read in pages ordered by the IRI in column ``key``.

    A page cut by the row cap ends inside some IRI's rows: that IRI's rows are read again with the
    next page, which starts after the IRI before it.

    :param run: ``engine.query``.
    :param name: a named query whose ``_after`` parameter keeps the rows whose ``key`` sorts after it.
    :param key: the column the query sorts by.
    :param substitutions: the query's other parameters.
    """
    text, after = queries.get_query(name).text, ""
    while True:
        result = run(text, substitutions={**substitutions, "_after": ox.Literal(after)})
        rows = result.records()
        if not getattr(result, "truncated", False):
            yield from rows
            return
        keys = [r[key] for r in rows]
        last = keys[-1]
        complete = [r for r in rows if r[key] != last]
        if not complete:  # one IRI alone fills a page: keep what fits rather than loop
            yield from rows
            return
        yield from complete
        after = complete[-1][key]


def read_corpus(run: Runner, base: str) -> Corpus:
    """Read names, types, countries, evidence sentences and classes through ``run`` (``engine.query``).

    :param run: ``engine.query``.
    :param base: the entity namespace (``LEMAP_BASE_IRI`` + ``id/``).
    """
    scope = {"_ns": ox.Literal(base)}
    names: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in read_pages(run, "search-names", "entity", scope):
        names[row["entity"]].append((row["property"], row["name"]))
    types: dict[str, set[str]] = defaultdict(set)
    countries: dict[str, dict[str, str]] = defaultdict(dict)
    for row in read_pages(run, "search-entities", "entity", scope):
        types[row["entity"]].add(row["type"])
        if row["country"]:
            countries[row["entity"]][row["country"]] = row["countryLabel"] or row["country"].rsplit("/", 1)[-1]
    entities = tuple(
        EntityRecord(iri, tuple(names[iri]), tuple(sorted(types[iri])), tuple(sorted(countries[iri].items())))
        for iri in sorted(names)
    )
    return Corpus(entities, tuple(_excerpts(run)), tuple(_types(run)))


def _excerpts(run: Runner) -> Iterator[ExcerptRecord]:
    for row in read_pages(run, "search-evidence", "excerpt", {}):
        yield ExcerptRecord(row["excerpt"], row["text"] or "", tuple((row["entities"] or "").split()))


def _types(run: Runner) -> Iterator[TypeRecord]:
    rows = run(queries.get_query("search-types").text).records()
    broader: dict[str, list[str]] = defaultdict(list)
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(row["type"], row)
        if row["broader"] and row["broader"] != row["type"]:
            broader[row["type"]].append(row["broader"])
    for iri, row in seen.items():
        label = row["label"] or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        yield TypeRecord(iri, label, row["definition"] or "", tuple(dict.fromkeys(broader[iri])))
