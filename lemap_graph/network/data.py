"""The partnership network's data: organisations and activities read from the named queries, once per data version."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pyoxigraph as ox

from ..queries import get_query
from ..store import QueryResult, run_query



LMID = "https://w3id.org/lemap/id/"

#: Roles an organisation can have in an activity, as the participation query names them.
ROLES: tuple[str, ...] = ("organiser", "partner", "funder", "supporter", "host", "participant", "commissioned-by")
#: Statuses of activities; only activities done or in progress count unless a filter says otherwise.
STATUSES: tuple[str, ...] = ("done", "in-progress", "planned", "intended", "not-carried-out", "needed")
DEFAULT_STATUSES: tuple[str, ...] = ("done", "in-progress")
#: The three graphs: organisation–organisation, organisation–country, organisation–activity.
PROJECTIONS: tuple[str, ...] = ("organisations", "countries", "activities")
#: Node metrics, in the order tables show them.
METRICS: tuple[str, ...] = ("degree", "weighted_degree", "betweenness", "pagerank", "community")
#: Backends for the costly metrics: ``auto`` uses igraph when it is installed.
BACKENDS: tuple[str, ...] = ("auto", "networkx", "igraph")
#: Named queries the network is built from.
QUERIES: dict[str, str] = {
    "participation": "network-participation",
    "organisations": "network-organisations",
    "facets": "network-facets",
    "evidence": "network-evidence",
    "sources": "network-sources",
}
#: Whose statements a network is built from: the report's and partners' datasets, or the report's alone.
SOURCES: tuple[str, ...] = ("all", "report")
#: Above this many units of work (nodes × edges) networkx's betweenness is sampled, not exact
#: (about a second on this project's 2-core machines).
EXACT_BETWEENNESS_WORK = 2_000_000
#: igraph's betweenness does the same work about this many times faster (measured: 0.25 s for
#: 1,000 nodes × 39,000 edges), so it stays exact up to EXACT_BETWEENNESS_WORK × this.
IGRAPH_SPEEDUP = 50
#: The seed of every random choice (sampled betweenness, Louvain), so output is stable.
SEED = 0
_DEPTH_MAX = 5

_FACET_PREFIXES = {"region": LMID + "region/", "activity-kind": LMID + "activity-kind/"}
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&\-]{1,11}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]*$")

Runner = Callable[[str], QueryResult]




@dataclass(frozen=True)
class Organisation:
    """An organisation: IRI, full name, acronym (or ""), kinds (IRIs) and parent organisation (or None)."""

    iri: str
    label: str
    short: str = ""
    kinds: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class Activity:
    """An activity with its kinds, start year, countries, their regions, status and (organisation, role) pairs."""

    iri: str
    label: str
    kinds: frozenset[str] = frozenset()
    year: int | None = None
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    status: str | None = None
    roles: tuple[tuple[str, str], ...] = ()
    #: (organisation, role, partner graphs) of each role statement some partner's dataset holds.
    partner_roles: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    #: The (organisation, role) pairs only partners' datasets state (no graph of the report's holds them).
    unreported: frozenset[tuple[str, str]] = frozenset()

    def partner_graphs(self, org: str, role: str) -> tuple[str, ...]:
        """The partner datasets stating that ``org`` had ``role`` in this activity (empty: the report's alone)."""
        return next((graphs for o, r, graphs in self.partner_roles if (o, r) == (org, role)), ())


@dataclass(frozen=True)
class NetworkData:
    """Everything the graphs are built from: activities, organisations, country labels and facet labels."""

    activities: Mapping[str, Activity]
    organisations: Mapping[str, Organisation]
    countries: Mapping[str, str] = field(default_factory=dict)
    facets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        """The name of an organisation, country, activity or concept, else the IRI's last segment."""
        for table in (self.organisations, self.activities):
            if iri in table:
                return table[iri].label
        if iri in self.countries:
            return self.countries[iri]
        for labels in self.facets.values():
            if iri in labels:
                return labels[iri]
        return local_name(iri)


def local_name(iri: str) -> str:
    """The last segment of an IRI (after the last ``/`` or ``#``).

    >>> local_name("https://w3id.org/lemap/id/organisation/unodc")
    'unodc'
    """
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


def _status_slug(iri: str | None) -> str | None:
    return local_name(iri) if iri else None


def load_network_data(run: Runner) -> NetworkData:
    """Run the network's named queries through ``run`` and gather their rows.

    :param run: runs a query text and returns a :class:`~lemap_graph.store.QueryResult` (the app's
        engine, or :func:`~lemap_graph.store.run_query` over a store).
    :return: the activities, organisations, country labels and facets.

    >>> import pyoxigraph as ox
    >>> from bench.synthetic_network import synthetic_quads
    >>> store = ox.Store(); store.extend(synthetic_quads(organisations=3, activities=2, seed=0))
    >>> data = load_network_data(lambda text: run_query(store, text))
    >>> len(data.organisations), len(data.activities)
    (3, 2)
    """
    records = {key: run(get_query(name).text).records() for key, name in QUERIES.items() if key != "evidence"}
    organisations = _organisations(records["organisations"])
    activities, countries = _activities(records["participation"], records.get("sources", ()))
    for iri in {org for a in activities.values() for org, _ in a.roles} - organisations.keys():
        organisations[iri] = Organisation(iri, local_name(iri))  # a role pointing at an untyped node
    facets: dict[str, dict[str, str]] = defaultdict(dict)
    for row in records["facets"]:
        facets[row["facet"]][row["concept"]] = row["label"] or local_name(row["concept"])
    return NetworkData(activities, dict(sorted(organisations.items())), countries, dict(facets))


def data_from_store(store: ox.Store) -> NetworkData:
    """:func:`load_network_data` over a pyoxigraph store (the CLI, the benchmark, tests)."""
    return load_network_data(lambda text: run_query(store, text))


def _organisations(rows: list[dict[str, str | None]]) -> dict[str, Organisation]:
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        g = grouped.setdefault(row["organisation"], {"label": None, "alts": set(), "kinds": set(), "parents": set()})
        g["label"] = g["label"] or row["label"]
        for key, col in (("alts", "alt_label"), ("kinds", "kind"), ("parents", "parent")):
            if row[col]:
                g[key].add(row[col])
    out = {}
    for iri, g in grouped.items():
        acronyms = sorted((a for a in g["alts"] if _ACRONYM.match(a)), key=lambda a: (len(a), a))
        parent = min(g["parents"]) if g["parents"] else None
        out[iri] = Organisation(iri, g["label"] or local_name(iri), acronyms[0] if acronyms else "", tuple(sorted(g["kinds"])), parent)
    return out


def _role_sources(rows) -> tuple[dict[str, dict[tuple[str, str], set[str]]], dict[str, set[tuple[str, str]]]]:
    """Per activity: (organisation, role) → partner graphs, and the pairs some graph of the report's holds."""
    partners: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    reported: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        pair = (row["organisation"], row["role"])
        if row["partner_graph"]:
            partners[row["activity"]][pair].add(row["partner_graph"])
        else:
            reported[row["activity"]].add(pair)
    return partners, reported


def _activities(rows: list[dict[str, str | None]], sources=()) -> tuple[dict[str, Activity], dict[str, str]]:
    grouped: dict[str, dict[str, Any]] = {}
    countries: dict[str, str] = {}
    for row in rows:
        g = grouped.setdefault(row["activity"], {"label": None, "kinds": set(), "countries": set(), "regions": set(),
                                                 "year": None, "status": None, "roles": set()})
        g["label"] = g["label"] or row["activity_label"]
        g["year"] = g["year"] or (int(row["year"]) if row["year"] else None)
        g["status"] = g["status"] or _status_slug(row["status"])
        g["roles"].add((row["organisation"], row["role"]))
        for key, col in (("kinds", "kind"), ("countries", "country"), ("regions", "region")):
            if row[col]:
                g[key].add(row[col])
        if row["country"]:
            countries[row["country"]] = row["country_label"] or countries.get(row["country"]) or local_name(row["country"])
    partners, reported = _role_sources(sources)
    activities = {
        iri: Activity(iri, g["label"] or local_name(iri), frozenset(g["kinds"]), g["year"], frozenset(g["countries"]),
                      frozenset(g["regions"]), g["status"], tuple(sorted(g["roles"])),
                      tuple((o, r, tuple(sorted(gs))) for (o, r), gs in sorted(partners[iri].items())),
                      frozenset(pair for pair in partners[iri] if pair not in reported[iri]))
        for iri, g in sorted(grouped.items())
    }
    return activities, dict(sorted(countries.items()))


def load_evidence(run: Runner) -> dict[str, list[dict[str, str | None]]]:
    """Activity IRI → the excerpts it is derived from (``excerpt``, ``text``, ``section``), from ``network-evidence``."""
    out: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for row in run(get_query(QUERIES["evidence"]).text).records():
        out[row["activity"]].append({"excerpt": row["excerpt"], "text": row["text"], "section": row["section"]})
    return dict(out)
