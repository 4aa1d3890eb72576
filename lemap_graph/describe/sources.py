"""Where an entity's statements came from: the report's graphs or a partner's dataset, statement by statement.

Partners import their datasets into named graphs of their own (``…/graph/partner/<partner>/<dataset>``,
described in the metadata graph as ``lm:PartnerDataset``). The named query ``entity-statement-graphs``
says which graph holds each statement of an entity; :func:`statement_sources` reads it, and
:func:`mark_sources` puts the partner datasets on the values of a :class:`~.entity.Description`, so
a page can mark each partner statement and keep the report's facts with their report evidence.

>>> from lemap_graph.describe import describe
>>> from lemap_graph.store import load_project
>>> d = describe(store_runner(load_project(None)), "https://w3id.org/lemap/id/country/AFG")
>>> d.partner_datasets, d.partner_only
((), False)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import pyoxigraph as ox

from .terms import Node, Runner, _rows, _run, _text, store_runner  # noqa: F401  (store_runner: doctests)

#: A statement as (direction, property IRI, the other term's value): ``outgoing`` when the entity is its subject.
Key = tuple[str, str, str]


@dataclass(frozen=True)
class PartnerDataset:
    """A partner's dataset a statement came from: its graph IRI, the partner's name and the dataset's title."""

    graph: str
    partner: str
    title: str
    statements: int = 0

    @property
    def dataset(self) -> str:
        """The dataset's name, the last segment of its graph IRI.

        >>> PartnerDataset("https://w3id.org/lemap/graph/partner/npu/trainings", "npu", "npu/trainings").dataset
        'trainings'
        """
        return self.graph.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class StatementSources:
    """Every statement of one entity with the partner datasets holding it, and those the report's graphs hold too."""

    partners: dict[Key, tuple[PartnerDataset, ...]]
    reported: frozenset[Key]

    def datasets(self) -> tuple[PartnerDataset, ...]:
        """The partner datasets with how many of the entity's statements each holds, most first."""
        counts = Counter(d.graph for found in self.partners.values() for d in found)
        first = {d.graph: d for found in self.partners.values() for d in found}
        return tuple(replace(first[g], statements=n) for g, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def statement_sources(run: Runner, iri: str) -> StatementSources:
    """Which graph holds each statement about ``iri`` (named query ``entity-statement-graphs``).

    :param run: the runner queries go through.
    :param iri: the entity's full IRI.
    """
    partners: dict[Key, dict[str, PartnerDataset]] = {}
    reported: set[Key] = set()
    for r in _rows(_run(run, "entity-statement-graphs", _iri=ox.NamedNode(iri))):
        key = (r["direction"].value, r["p"].value, r["value"].value)
        if r["partner"] is None:
            reported.add(key)
            continue
        name = _text(r["partner_name"]) or r["partner"].value.rstrip("/").rsplit("/", 1)[-1]
        graph = r["graph"].value
        partners.setdefault(key, {})[graph] = PartnerDataset(graph, name, _text(r["title"]) or graph.rsplit("/partner/", 1)[-1])
    return StatementSources({k: tuple(v.values()) for k, v in partners.items()}, frozenset(reported))


def mark_node(node: Node, key: Key, sources: StatementSources) -> Node:
    """``node`` with the partner datasets its statement came from, and whether the report's graphs hold it too."""
    found = sources.partners.get(key, ())
    return replace(node, partners=found, reported=key in sources.reported or not found) if found else node
