"""Partnership networks: who worked with whom, as networkx graphs built from query rows, with their metrics.

The rows come from the named queries ``network-participation`` (activity, organisation, role, kind,
year, country, region, status), ``network-organisations`` (labels, kinds, parent organisation) and
``network-facets`` (the activity kinds, regions and organisation kinds, with labels). Three graphs:

- ``organisations``: organisation–organisation, an edge when two took part in an activity together;
  ``weight`` is the number of activities they share and ``activities`` lists them;
- ``countries``: organisation–country (bipartite), ``weight`` activities of the organisation there;
- ``activities``: organisation–activity (bipartite), ``roles`` the organisation's roles in it.

:class:`Filters` selects activities by year range, region, activity kind, role and status, and
rolls organisational units up into their parent organisation (``rollup``). :func:`compute_metrics`
adds degree, weighted degree, betweenness, PageRank and a Louvain community to every node. The
costly betweenness is exact while the graph is small (about 50 times larger with igraph, used when
it is installed) and estimated from a seeded sample of sources beyond, so the same store always
gives the same numbers (``bench/network.py`` has the measurements). :class:`NetworkCache` keeps
networks per store version. ``lemap network`` (:func:`add_network_command`) writes them as
node-link JSON, GEXF or GraphML.

>>> import pyoxigraph as ox
>>> store = ox.Store(); store.extend(synthetic_quads(organisations=6, activities=20, seed=1))
>>> net = build_network(data_from_store(store), Filters(year_from=2015))
>>> net.graph.number_of_nodes(), net.graph.graph["projection"]
(6, 'organisations')
>>> sorted(net.graph.nodes[n]["community"] for n in net.graph)[0]
0
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any, Callable, Iterable, Mapping, Sequence

import networkx as nx
import pyoxigraph as ox

from .queries import get_query
from .store import QueryResult, run_query

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
}
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


# ---------------------------------------------------------------- data from the queries


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
    >>> store = ox.Store(); store.extend(synthetic_quads(organisations=3, activities=2, seed=0))
    >>> data = load_network_data(lambda text: run_query(store, text))
    >>> len(data.organisations), len(data.activities)
    (3, 2)
    """
    records = {key: run(get_query(name).text).records() for key, name in QUERIES.items() if key != "evidence"}
    organisations = _organisations(records["organisations"])
    activities, countries = _activities(records["participation"])
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


def _activities(rows: list[dict[str, str | None]]) -> tuple[dict[str, Activity], dict[str, str]]:
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
    activities = {
        iri: Activity(iri, g["label"] or local_name(iri), frozenset(g["kinds"]), g["year"], frozenset(g["countries"]),
                      frozenset(g["regions"]), g["status"], tuple(sorted(g["roles"])))
        for iri, g in sorted(grouped.items())
    }
    return activities, dict(sorted(countries.items()))


def load_evidence(run: Runner) -> dict[str, list[dict[str, str | None]]]:
    """Activity IRI → the excerpts it is derived from (``excerpt``, ``text``, ``section``), from ``network-evidence``."""
    out: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for row in run(get_query(QUERIES["evidence"]).text).records():
        out[row["activity"]].append({"excerpt": row["excerpt"], "text": row["text"], "section": row["section"]})
    return dict(out)


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Which activities count and how the graph is drawn: every field has a URL/CLI argument of its own.

    ``year_from``/``year_to`` (``from``, ``to``) keep activities that started in those years;
    ``regions``, ``kinds`` (IRIs) and ``roles`` keep activities in one of those regions (an activity
    without a country is in ``region/global``), of one of those kinds, and organisations in one of
    those roles; ``statuses`` the activity statuses that count; ``rollup`` draws units as their
    top-level organisation; ``projection`` picks the graph; ``ego`` and ``depth`` show only the
    organisations within ``depth`` steps of ``ego``.
    """

    year_from: int | None = None
    year_to: int | None = None
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    rollup: bool = False
    projection: str = "organisations"
    ego: str | None = None
    depth: int = 1

    def without_ego(self) -> "Filters":
        """The same filters for the whole graph (metrics are computed on it, then the ego part is cut)."""
        return replace(self, ego=None, depth=1)

    def args(self) -> list[tuple[str, str]]:
        """The filters as URL/CLI arguments (only those that differ from the defaults).

        >>> Filters(year_from=2015, roles=("funder",), rollup=True).args()
        [('from', '2015'), ('role', 'funder'), ('rollup', '1')]
        """
        out: list[tuple[str, str]] = []
        if self.year_from is not None:
            out.append(("from", str(self.year_from)))
        if self.year_to is not None:
            out.append(("to", str(self.year_to)))
        out += [("region", local_name(r)) for r in self.regions] + [("kind", local_name(k)) for k in self.kinds]
        out += [("role", r) for r in self.roles]
        if self.statuses != DEFAULT_STATUSES:
            out += [("status", s) for s in self.statuses]
        if self.rollup:
            out.append(("rollup", "1"))
        if self.projection != "organisations":
            out.append(("graph", self.projection))
        if self.ego:
            out += [("ego", self.ego), ("depth", str(self.depth))]
        return out


#: The argument names :func:`parse_filters` accepts.
FILTER_ARGS: tuple[str, ...] = ("from", "to", "region", "kind", "role", "status", "rollup", "graph", "ego", "depth")


def parse_filters(values: Mapping[str, Sequence[str]], data: NetworkData | None = None) -> Filters:
    """Filters from URL or CLI arguments: name → list of values (a value may also be comma-separated).

    :param values: e.g. ``{"from": ["2015"], "region": ["eeca"], "role": ["partner", "funder"]}``;
        unknown names are an error, empty values are ignored.
    :param data: when given, region and kind values must be concepts it knows.
    :raises ValueError: naming the argument and the value that is not right, and what would be.

    >>> parse_filters({"from": ["2014"], "to": ["2016"], "region": ["eeca"]}).regions
    ('https://w3id.org/lemap/id/region/eeca',)
    >>> parse_filters({"role": ["boss"]})
    Traceback (most recent call last):
    ...
    ValueError: role: unknown role 'boss' (known: organiser, partner, funder, supporter, host, participant, commissioned-by)
    """
    unknown = sorted(set(values) - set(FILTER_ARGS))
    if unknown:
        raise ValueError(f"unknown filter {unknown[0]!r} (known: {', '.join(FILTER_ARGS)})")
    v = {k: [p.strip() for item in values.get(k, ()) for p in str(item).split(",") if p.strip()] for k in FILTER_ARGS}
    year_from, year_to = _year(v["from"], "from"), _year(v["to"], "to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValueError(f"from: {year_from} is after to: {year_to}")
    statuses = tuple(_choices(v["status"], STATUSES + ("all",), "status", "status")) or DEFAULT_STATUSES
    return Filters(
        year_from=year_from,
        year_to=year_to,
        regions=tuple(_concepts(v["region"], "region", data)),
        kinds=tuple(_concepts(v["kind"], "activity-kind", data)),
        roles=tuple(_choices(v["role"], ROLES, "role", "role")),
        statuses=STATUSES if "all" in statuses else statuses,
        rollup=_flag(v["rollup"]),
        projection=(_choices(v["graph"][-1:], PROJECTIONS, "graph", "graph") or ["organisations"])[0],
        ego=_ego(v["ego"], data),
        depth=_depth(v["depth"]),
    )


def _year(items: list[str], name: str) -> int | None:
    if not items:
        return None
    if not re.fullmatch(r"\d{4}", items[-1]):
        raise ValueError(f"{name}: {items[-1]!r} is not a year (YYYY)")
    return int(items[-1])


def _choices(items: list[str], known: Sequence[str], name: str, what: str) -> list[str]:
    for item in items:
        if item not in known:
            raise ValueError(f"{name}: unknown {what} {item!r} (known: {', '.join(known)})")
    return list(dict.fromkeys(items))


def _concepts(items: list[str], facet: str, data: NetworkData | None) -> list[str]:
    prefix = _FACET_PREFIXES[facet]
    name = "region" if facet == "region" else "kind"
    out = []
    for item in items:
        iri = item if item.startswith(("http://", "https://")) else prefix + item.split(":", 1)[-1]
        if not iri.startswith(("http://", "https://")) or not _SLUG.match(local_name(iri)):
            raise ValueError(f"{name}: {item!r} is not a {facet} (a name such as {'eeca' if name == 'region' else 'training'})")
        known = (data.facets.get(facet) or {}) if data is not None else None
        if known is not None and known and iri not in known:
            slugs = ", ".join(sorted(local_name(k) for k in known))
            raise ValueError(f"{name}: unknown {facet} {item!r} (known: {slugs})")
        out.append(iri)
    return list(dict.fromkeys(out))


def _flag(items: list[str]) -> bool:
    if not items:
        return False
    value = items[-1].lower()
    if value not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError(f"rollup: {items[-1]!r} is not a switch (1 or 0)")
    return value in ("1", "true", "yes", "on")


def _ego(items: list[str], data: NetworkData | None) -> str | None:
    if not items:
        return None
    iri = items[-1]
    if iri.startswith("orgn:"):
        iri = LMID + "organisation/" + iri[5:]
    if data is not None and iri not in data.organisations:
        raise ValueError(f"ego: no organisation {items[-1]!r} in the graph (give its IRI)")
    return iri


def _depth(items: list[str]) -> int:
    if not items:
        return 1
    if not re.fullmatch(r"\d+", items[-1]) or not 1 <= int(items[-1]) <= _DEPTH_MAX:
        raise ValueError(f"depth: {items[-1]!r} is not a number of steps from 1 to {_DEPTH_MAX}")
    return int(items[-1])


# ---------------------------------------------------------------- selection and graphs


def root_of(data: NetworkData, iri: str) -> str:
    """The top-level organisation ``iri`` is part of (following unitOf/subOrganizationOf), or itself."""
    seen = {iri}
    while (parent := getattr(data.organisations.get(iri), "parent", None)) and parent not in seen:
        seen.add(parent)
        iri = parent
    return iri


def _keeps(activity: Activity, f: Filters) -> bool:
    if activity.status is not None and activity.status not in f.statuses:
        return False
    if f.year_from is not None or f.year_to is not None:
        year = activity.year
        if year is None or (f.year_from is not None and year < f.year_from) or (f.year_to is not None and year > f.year_to):
            return False
    if f.kinds and not activity.kinds & set(f.kinds):
        return False
    if f.regions:
        regions = activity.regions if activity.countries else {LMID + "region/global"}
        if not regions & set(f.regions):
            return False
    return True


def select(data: NetworkData, filters: Filters) -> list[tuple[Activity, dict[str, tuple[str, ...]]]]:
    """The activities the filters keep, each with organisation → its roles (after the role filter and roll-up).

    :param data: the rows of :func:`load_network_data`.
    :param filters: what to keep.
    :return: activities in IRI order that still have at least one organisation.
    """
    out = []
    for activity in data.activities.values():
        if not _keeps(activity, filters):
            continue
        members: dict[str, set[str]] = defaultdict(set)
        for org, role in activity.roles:
            if not filters.roles or role in filters.roles:
                members[root_of(data, org) if filters.rollup else org].add(role)
        if members:
            out.append((activity, {o: tuple(r for r in ROLES if r in rs) for o, rs in sorted(members.items())}))
    return out


def _org_attrs(data: NetworkData, iri: str) -> dict[str, Any]:
    org = data.organisations.get(iri) or Organisation(iri, local_name(iri))
    return {
        "type": "organisation",
        "label": org.label,
        "short": org.short or org.label,
        "kind": org.kinds[0] if org.kinds else "",
        "kinds": list(org.kinds),
        "parent": org.parent or "",
        "activities": [],
        "roles": {},
    }


def _add_member(G: nx.Graph, data: NetworkData, org: str, activity: Activity, roles: Iterable[str]) -> None:
    if org not in G:
        G.add_node(org, **_org_attrs(data, org))
    node = G.nodes[org]
    node["activities"].append(activity.iri)
    for role in roles:
        node["roles"][role] = node["roles"].get(role, 0) + 1


def build_graph(data: NetworkData, filters: Filters) -> nx.Graph:
    """The graph ``filters.projection`` names, over the activities the filters keep (no metrics yet).

    :param data: the rows of :func:`load_network_data`.
    :param filters: which activities, roles and graph.
    :return: an undirected graph; nodes are IRIs with ``type``, ``label``, ``short``, ``kind`` and
        ``activities``; edges have ``weight`` and ``activities``.
    """
    G = nx.Graph(projection=filters.projection, rollup=filters.rollup)
    links: dict[tuple[str, str], list[str]] = defaultdict(list)  # gathered first: far fewer networkx calls
    for activity, members in select(data, filters):
        for org, roles in members.items():
            _add_member(G, data, org, activity, roles)
        if filters.projection == "organisations":
            for a, b in combinations(members, 2):
                links[a, b].append(activity.iri)
        elif filters.projection == "countries":
            for country in sorted(activity.countries):
                if country not in G:
                    name = data.countries.get(country, local_name(country))
                    G.add_node(country, type="country", label=name, short=name, kind="country", activities=[])
                G.nodes[country]["activities"].append(activity.iri)
                for org in members:
                    links[org, country].append(activity.iri)
        else:
            G.add_node(activity.iri, type="activity", label=activity.label, short=activity.label, kind="activity",
                       activities=[activity.iri], year=activity.year)
            for org, roles in members.items():
                G.add_edge(org, activity.iri, weight=1, activities=[activity.iri], roles=list(roles))
    G.add_edges_from((a, b, {"weight": len(acts), "activities": acts}) for (a, b), acts in links.items())
    return G


def ego_network(G: nx.Graph, node: str, depth: int = 1) -> nx.Graph:
    """The part of ``G`` within ``depth`` steps of ``node`` (node and edge attributes kept).

    :raises KeyError: when ``node`` is not in the graph.

    >>> sorted(ego_network(nx.path_graph(5), 0, 2))
    [0, 1, 2]
    """
    if node not in G:
        raise KeyError(f"{node} is not in the graph (it took part in no activity the filters keep)")
    return G.subgraph(nx.single_source_shortest_path_length(G, node, cutoff=depth)).copy()


# ---------------------------------------------------------------- metrics


def igraph_available() -> bool:
    """Whether python-igraph (PyPI: ``igraph``) is installed, for the faster betweenness, PageRank and Louvain."""
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


def _use_igraph(backend: str) -> bool:
    if backend not in BACKENDS:
        raise ValueError(f"unknown network backend {backend!r} (known: {', '.join(BACKENDS)})")
    if backend == "igraph" and not igraph_available():
        raise ValueError("the igraph backend needs python-igraph: pip install igraph")
    return backend == "igraph" or (backend == "auto" and igraph_available())


class _IGraph:
    """``G`` converted once to igraph (vertex i is ``names[i]``), shared by the metrics."""

    def __init__(self, G: nx.Graph):
        import igraph

        self.names = list(G)
        index = {n: i for i, n in enumerate(self.names)}
        edges = list(G.edges(data="weight", default=1))
        self.g = igraph.Graph(n=len(index), edges=[(index[a], index[b]) for a, b, _ in edges])
        self.g.es["weight"] = [float(w) for _, _, w in edges]

    def named(self, values: Sequence[float]) -> dict[Any, float]:
        return {self.names[i]: v for i, v in enumerate(values)}


_IGRAPH_RNG_LOCK = threading.Lock()


def betweenness(G: nx.Graph, *, backend: str = "auto", exact_work: int = EXACT_BETWEENNESS_WORK,
                seed: int = SEED) -> tuple[dict[Any, float], str]:
    """Normalised betweenness centrality (unweighted shortest paths) and how it was computed.

    Exact while nodes × edges ≤ ``exact_work`` with networkx, or ≤ ``exact_work`` ×
    :data:`IGRAPH_SPEEDUP` through igraph (used when it is installed, or with ``backend="igraph"``);
    above that, estimated from the shortest paths of ``k`` source nodes picked with ``seed``, ``k``
    chosen so the work stays near the limit.

    :param G: an undirected graph.
    :param backend: ``auto``, ``networkx`` or ``igraph``.
    :param exact_work: the most nodes × edges computed exactly with networkx.
    :param seed: the seed of the sample.
    :return: node → value in [0, 1], and ``exact``, ``exact (igraph)`` or ``sampled (…, k=…, seed=…)``.

    >>> values, method = betweenness(nx.path_graph(3), backend="networkx")
    >>> values, method
    ({0: 0.0, 1: 1.0, 2: 0.0}, 'exact')
    """
    return _betweenness(G, _IGraph(G) if _use_igraph(backend) else None, exact_work, seed)


def _betweenness(G: nx.Graph, ig: _IGraph | None, exact_work: int, seed: int) -> tuple[dict[Any, float], str]:
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n < 3:
        return {v: 0.0 for v in G}, "exact"
    if ig is not None:
        scale = 2.0 / ((n - 1) * (n - 2))  # networkx's normalisation for undirected graphs
        if n * max(m, 1) <= exact_work * IGRAPH_SPEEDUP:
            return ig.named([b * scale for b in ig.g.betweenness(directed=False)]), "exact (igraph)"
        # Paths from a seeded sample of k sources only, scaled up by n/k (as networkx's k does).
        k = max(16, min(n, exact_work * IGRAPH_SPEEDUP // max(m, 1)))
        sources = random.Random(seed).sample(range(n), k)
        raw = ig.g.betweenness(directed=False, sources=sources, targets=None)
        return ig.named([b * scale * n / k for b in raw]), f"sampled (igraph, k={k}, seed={seed})"
    if n * max(m, 1) <= exact_work:
        return nx.betweenness_centrality(G, normalized=True), "exact"
    k = max(16, min(n, exact_work // max(m, 1)))
    return nx.betweenness_centrality(G, k=k, normalized=True, seed=seed), f"sampled (networkx, k={k}, seed={seed})"


def pagerank(G: nx.Graph, *, backend: str = "auto", alpha: float = 0.85, tol: float = 1e-12,
             max_iter: int = 1000) -> tuple[dict[Any, float], str]:
    """Weighted PageRank (damping ``alpha``; an isolated node spreads its rank over all nodes).

    Pure Python power iteration, or igraph's PRPACK when it is installed: both give the same values
    to about 1e-9. The values sum to 1.

    :param G: an undirected graph with ``weight`` on its edges (1 where missing).
    :param backend: ``auto``, ``networkx`` (pure Python) or ``igraph``.
    :param alpha: the damping factor.
    :param tol: stop when the ranks change by less than this per node.
    :param max_iter: the most power iterations.
    :return: node → rank, and the method.

    >>> ranks, _ = pagerank(nx.star_graph(2), backend="networkx")
    >>> [round(ranks[v], 4) for v in range(3)]
    [0.4865, 0.2568, 0.2568]
    """
    return _pagerank(G, _IGraph(G) if _use_igraph(backend) else None, alpha, tol, max_iter)


def _pagerank(G: nx.Graph, ig: _IGraph | None, alpha: float = 0.85, tol: float = 1e-12,
              max_iter: int = 1000) -> tuple[dict[Any, float], str]:
    n = G.number_of_nodes()
    if n == 0:
        return {}, "exact"
    if ig is not None:
        # ARPACK, not the default PRPACK, whose OpenMP threads stall for tenths of a second on a busy machine
        ranks = ig.g.pagerank(damping=alpha, weights="weight", directed=False, implementation="arpack")
        return ig.named(ranks), "exact (igraph)"
    strength = {v: G.degree(v, weight="weight") for v in G}
    edges = list(G.edges(data="weight", default=1))
    rank = dict.fromkeys(G, 1.0 / n)
    for _ in range(max_iter):
        dangling = alpha * sum(rank[v] for v in G if strength[v] == 0) / n
        new = dict.fromkeys(G, (1.0 - alpha) / n + dangling)
        for a, b, w in edges:
            new[b] += alpha * rank[a] * w / strength[a]
            new[a] += alpha * rank[b] * w / strength[b]
        delta = sum(abs(new[v] - rank[v]) for v in G)
        rank = new
        if delta < n * tol:
            break
    return rank, "exact"


def communities(G: nx.Graph, *, backend: str = "networkx", seed: int = SEED) -> list[list[Any]]:
    """Louvain communities (weighted, seeded), largest first, ties by their first member; members sorted.

    :param G: an undirected graph with ``weight`` on its edges.
    :param backend: ``networkx`` (the default: the same partition whether igraph is installed or not),
        ``igraph`` (its multilevel algorithm, much faster on large graphs) or ``auto``.
    :param seed: the seed of the random node order.

    >>> communities(nx.barbell_graph(3, 0))
    [[0, 1, 2], [3, 4, 5]]
    """
    return _communities(G, _IGraph(G) if _use_igraph(backend) else None, seed)[0]


def _communities(G: nx.Graph, ig: _IGraph | None, seed: int) -> tuple[list[list[Any]], str]:
    if G.number_of_nodes() == 0:
        return [], "Louvain"
    if ig is not None:
        import igraph

        with _IGRAPH_RNG_LOCK:  # igraph's random generator is global: seed it for this call only
            igraph.set_random_number_generator(random.Random(seed))
            try:
                membership = ig.g.community_multilevel(weights="weight").membership
            finally:
                igraph.set_random_number_generator(random)
        groups: dict[int, list[Any]] = defaultdict(list)
        for i, c in enumerate(membership):
            groups[c].append(ig.names[i])
        found, how = list(groups.values()), f"Louvain (igraph multilevel, seed={seed})"
    else:
        found, how = nx.community.louvain_communities(G, weight="weight", seed=seed), f"Louvain (networkx, seed={seed})"
    return sorted((sorted(c, key=str) for c in found), key=lambda c: (-len(c), str(c[0]))), how


#: Graphs with more edges than this use igraph's Louvain (when igraph is installed): networkx's takes
#: about a third of a second at 30,000 edges, igraph's a few milliseconds.
IGRAPH_LOUVAIN_EDGES = 5_000


def compute_metrics(G: nx.Graph, *, backend: str = "auto", exact_work: int = EXACT_BETWEENNESS_WORK,
                    seed: int = SEED) -> dict[str, str]:
    """Set ``degree``, ``weighted_degree``, ``betweenness``, ``pagerank`` and ``community`` on every node.

    Values are rounded to 10 decimals, so backends that agree to 1e-10 give equal numbers and ties.

    :param G: the graph, changed in place; ``G.graph["communities"]`` is set to their number.
    :param backend: ``auto``, ``networkx`` or ``igraph`` (see :func:`betweenness`).
    :param exact_work: passed to :func:`betweenness`.
    :param seed: the seed of sampled betweenness and of Louvain.
    :return: metric → how it was computed.

    >>> G = nx.Graph([("a", "b"), ("b", "c")])
    >>> compute_metrics(G, backend="networkx")["betweenness"]
    'exact'
    >>> G.nodes["b"]["degree"], G.nodes["b"]["betweenness"]
    (2, 1.0)
    """
    ig = _IGraph(G) if _use_igraph(backend) and G.number_of_nodes() else None
    between, between_how = _betweenness(G, ig, exact_work, seed)
    ranks, rank_how = _pagerank(G, ig)
    groups, group_how = _communities(G, ig if G.number_of_edges() > IGRAPH_LOUVAIN_EDGES else None, seed)
    for i, members in enumerate(groups):
        for v in members:
            G.nodes[v]["community"] = i
    for v in G:
        node = G.nodes[v]
        node["degree"] = G.degree(v)
        node["weighted_degree"] = G.degree(v, weight="weight")
        node["betweenness"] = round(between[v], 10)
        node["pagerank"] = round(ranks[v], 10)
    G.graph["communities"] = len(groups)
    return {"degree": "exact", "weighted_degree": "exact", "betweenness": between_how, "pagerank": rank_how,
            "community": group_how}


@dataclass(frozen=True)
class Network:
    """A graph with its metrics on every node, the filters that made it and how each metric was computed."""

    graph: nx.Graph
    filters: Filters
    methods: Mapping[str, str]

    def ranked(self, metric: str = "pagerank") -> list[str]:
        """Node IRIs by ``metric``, highest first (ties by label)."""
        nodes = self.graph.nodes
        return sorted(self.graph, key=lambda v: (-nodes[v].get(metric, 0), nodes[v]["label"], v))

    def partners(self, node: str) -> list[tuple[str, int]]:
        """The neighbours of ``node`` with the edge weight, heaviest first (ties by label)."""
        G = self.graph
        return sorted(((v, G.edges[node, v]["weight"]) for v in G[node]), key=lambda p: (-p[1], G.nodes[p[0]]["label"]))


def build_network(data: NetworkData, filters: Filters, *, backend: str = "auto",
                  exact_work: int = EXACT_BETWEENNESS_WORK) -> Network:
    """The graph for ``filters`` with metrics computed on the whole filtered graph, then cut to the ego part if asked.

    :param data: the rows of :func:`load_network_data`.
    :param filters: which activities, which graph, which ego network.
    :param backend: ``auto``, ``networkx`` or ``igraph``.
    :param exact_work: see :func:`betweenness`.
    :raises KeyError: when ``filters.ego`` is not in the filtered graph.
    """
    whole = build_graph(data, filters.without_ego())
    methods = compute_metrics(whole, backend=backend, exact_work=exact_work)
    return cut_ego(Network(whole, filters.without_ego(), methods), filters)


def cut_ego(network: Network, filters: Filters) -> Network:
    """``network`` (whole-graph metrics) cut to ``filters.ego`` and ``filters.depth`` when an ego is set."""
    if not filters.ego:
        return network
    graph = ego_network(network.graph, filters.ego, filters.depth)
    graph.graph.update(network.graph.graph, ego=filters.ego, depth=filters.depth)
    return Network(graph, filters, network.methods)


# ---------------------------------------------------------------- exports


@dataclass(frozen=True)
class NetworkFormat:
    """An export format of a network: name, media type and file extension."""

    name: str
    media_type: str
    extension: str


NETWORK_FORMATS: dict[str, NetworkFormat] = {
    "json": NetworkFormat("json", "application/json", "json"),
    "gexf": NetworkFormat("gexf", "application/gexf+xml", "gexf"),
    "graphml": NetworkFormat("graphml", "application/graphml+xml", "graphml"),
}


def node_link(network: Network, data: NetworkData | None = None) -> dict[str, Any]:
    """The network as node-link JSON (``nx.node_link_graph(d, edges="edges")`` reads it back).

    Nodes carry their attributes and metrics; edges ``weight`` and ``activities``; ``graph`` the
    filters, counts and metric methods; when ``data`` is given, ``activities`` maps every activity
    IRI used to its label, year, kinds and countries.
    """
    G = network.graph
    nodes = [{"id": v, **G.nodes[v]} for v in G]
    edges = [{"source": a, "target": b, **attrs} for a, b, attrs in G.edges(data=True)]
    meta = {
        **{k: x for k, x in G.graph.items()},
        "filters": dict(_multi(network.filters.args())),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "methods": dict(network.methods),
    }
    out: dict[str, Any] = {"directed": False, "multigraph": False, "graph": meta, "nodes": nodes, "edges": edges}
    if data is not None:
        used = sorted({a for _, attrs in G.nodes(data=True) for a in attrs.get("activities", ())})
        out["activities"] = {iri: activity_json(data, data.activities[iri]) for iri in used if iri in data.activities}
    return out


def _multi(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out[k] = v if k not in out else (out[k] if isinstance(out[k], list) else [out[k]]) + [v]
    return out


def activity_json(data: NetworkData, a: Activity) -> dict[str, Any]:
    """An activity as JSON: label, start year, status, kind and country names."""
    return {
        "label": a.label,
        "year": a.year,
        "status": a.status,
        "kinds": [data.label(k) for k in sorted(a.kinds)],
        "countries": [data.countries.get(c, local_name(c)) for c in sorted(a.countries)],
    }


def flat_graph(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` whose attributes GEXF and GraphML can hold: lists joined with spaces, role counts
    as ``role=n`` words, None left out.

    >>> G = nx.Graph(); G.add_edge("a", "b", activities=["x", "y"], weight=2)
    >>> flat_graph(G).edges["a", "b"]["activities"]
    'x y'
    """
    H = nx.Graph()
    H.graph.update({k: _flat(v) for k, v in G.graph.items() if v is not None})
    for v, attrs in G.nodes(data=True):
        H.add_node(v, **{k: _flat(x) for k, x in attrs.items() if x is not None})
    for a, b, attrs in G.edges(data=True):
        H.add_edge(a, b, **{k: _flat(x) for k, x in attrs.items() if x is not None})
    return H


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(str(x) for x in value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    return value


def to_gexf(network: Network) -> bytes:
    """The network as GEXF 1.2 (Gephi), attributes flattened by :func:`flat_graph`."""
    H = flat_graph(network.graph)
    H.graph = {}  # GEXF has no graph attributes (networkx reads 'mode' and 'name' from them)
    buffer = io.BytesIO()
    nx.write_gexf(H, buffer, version="1.2draft")
    return buffer.getvalue()


def to_graphml(network: Network) -> bytes:
    """The network as GraphML, attributes flattened by :func:`flat_graph`."""
    buffer = io.BytesIO()
    nx.write_graphml(flat_graph(network.graph), buffer, encoding="utf-8")
    return buffer.getvalue()


def serialize_network(network: Network, fmt: str, data: NetworkData | None = None) -> bytes:
    """The network in ``fmt`` (``json``, ``gexf`` or ``graphml``) as bytes.

    :raises ValueError: for another format.
    """
    if fmt == "json":
        import json

        return (json.dumps(node_link(network, data), ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    if fmt == "gexf":
        return to_gexf(network)
    if fmt == "graphml":
        return to_graphml(network)
    raise ValueError(f"unknown network format {fmt!r} (known: {', '.join(NETWORK_FORMATS)})")


# ---------------------------------------------------------------- cache


#: How many serialized networks :class:`NetworkCache` keeps (a 100k-triple network's JSON is megabytes).
BODIES_KEPT = 8


class NetworkCache:
    """Networks computed once per store version and filters (least recently used dropped past ``maxsize``).

    :param load: returns the :class:`NetworkData` of the current store (called once per version).
    :param backend: passed to :func:`build_network`.
    :param maxsize: how many networks to keep.

    >>> import pyoxigraph as ox
    >>> store = ox.Store(); store.extend(synthetic_quads(organisations=4, activities=3, seed=0))
    >>> cache = NetworkCache(lambda: data_from_store(store))
    >>> cache.network(1, Filters()) is cache.network(1, Filters())
    True
    """

    def __init__(self, load: Callable[[], NetworkData], *, backend: str = "auto", maxsize: int = 32,
                 load_evidence: Callable[[], dict] | None = None):
        self._load, self._load_evidence = load, load_evidence
        self.backend, self.maxsize = backend, maxsize
        self._version: Any = object()
        self._data: NetworkData | None = None
        self._evidence: dict | None = None
        self._networks: OrderedDict[Filters, Network] = OrderedDict()
        self._bodies: OrderedDict[tuple[Filters, str], bytes] = OrderedDict()
        self._lock = threading.RLock()

    def _at(self, version: Any) -> None:
        if version != self._version:
            self._version, self._data, self._evidence = version, None, None
            self._networks.clear()
            self._bodies.clear()

    def data(self, version: Any) -> NetworkData:
        """The rows of the store at ``version`` (queried once per version)."""
        with self._lock:
            self._at(version)
            if self._data is None:
                self._data = self._load()
            return self._data

    def evidence(self, version: Any) -> dict:
        """Activity → excerpts at ``version`` (queried once per version, when first asked for)."""
        with self._lock:
            self._at(version)
            if self._evidence is None:
                self._evidence = self._load_evidence() if self._load_evidence else {}
            return self._evidence

    def network(self, version: Any, filters: Filters) -> Network:
        """The network for ``filters`` at ``version``: the whole graph's metrics are cached, the ego cut is cheap."""
        with self._lock:
            data = self.data(version)
            key = filters.without_ego()
            if key in self._networks:
                self._networks.move_to_end(key)
            else:
                self._networks[key] = build_network(data, key, backend=self.backend)
                while len(self._networks) > self.maxsize:
                    self._networks.popitem(last=False)
            return cut_ego(self._networks[key], filters)

    def serialized(self, version: Any, filters: Filters, fmt: str) -> bytes:
        """:func:`serialize_network` of :meth:`network`, kept too (a large network's JSON takes a while to write).

        :raises ValueError: for an unknown format; KeyError as :meth:`network`.
        """
        with self._lock:
            net = self.network(version, filters)
            key = (filters, fmt)
            if key not in self._bodies:
                self._bodies[key] = serialize_network(net, fmt, self.data(version))
                while len(self._bodies) > BODIES_KEPT:
                    self._bodies.popitem(last=False)
            self._bodies.move_to_end(key)
            return self._bodies[key]


# ---------------------------------------------------------------- synthetic networks (benchmarks, tests)


_SYN = LMID
_KINDS = ("training", "workshop", "meeting", "seminar", "project", "dialogue")
_REGIONS = ("eeca", "mena", "rosa", "lac", "seap", "rosaf")
_ORG_KINDS = ("ministry", "police", "civil-society-organisation", "network", "un-country-office", "university")


def synthetic_quads(organisations: int = 100, activities: int = 300, *, seed: int = SEED,
                    countries: int = 30, hubs: int = 3, units: int = 10) -> list[ox.Quad]:
    """A made-up partnership network in the shape of the curated data, for benchmarks and tests.

    A few hub organisations take part in many activities (as UNODC does), the others in a few,
    picked with preferential attachment (and each at least once when there are as many activities
    as organisations); ``units`` organisations are units of the first hub. Each
    activity has 2–5 organisations in random roles, a kind, a year 2013–2021, a status and a
    country. About 10 triples per activity and 5 per organisation.

    :param organisations: how many organisations.
    :param activities: how many activities.
    :param seed: the random seed (same seed, same quads).
    :param countries: how many countries (``country:S000`` …), spread over six regions.
    :param hubs: how many hub organisations.
    :param units: how many organisations are units of the first hub (rolled up by ``rollup``).
    :return: quads in the default graph.

    >>> len(synthetic_quads(organisations=10, activities=20)) > 200
    True
    """
    rng = random.Random(seed)
    quads: list[ox.Quad] = []
    add = _quad_adder(quads)
    for c in range(countries):
        country = f"{_SYN}country/S{c:03d}"
        add(country, _RDF + "type", _LM + "Country")
        add(country, _SKOS + "prefLabel", ox.Literal(f"Country {c}", language="en"))
        add(country, _LM + "unodcRegion", f"{_SYN}region/{_REGIONS[c % len(_REGIONS)]}")
    orgs = [f"{_SYN}organisation/syn-{i:05d}" for i in range(organisations)]
    for i, org in enumerate(orgs):
        unit = 0 < i - hubs + 1 <= units
        add(org, _RDF + "type", _ORG + ("OrganizationalUnit" if unit else "FormalOrganization"))
        add(org, _SKOS + "prefLabel", ox.Literal(f"Organisation {i}", language="en"))
        add(org, _SKOS + "altLabel", ox.Literal(f"ORG{i}", language="en"))
        add(org, _LM + "organisationKind", f"{_SYN}organisation-kind/{_ORG_KINDS[i % len(_ORG_KINDS)]}")
        if unit:
            add(org, _ORG + "unitOf", orgs[0])
    # Preferential attachment: an organisation is drawn from a pool it joins again each time it takes part.
    pool = list(range(organisations)) + [i for i in range(min(hubs, organisations)) for _ in range(50)]
    for j in range(activities):
        _synthetic_activity(add, rng, j, orgs, pool, countries)
    return quads


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_LM = "https://w3id.org/lemap/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SCHEMA = "https://schema.org/"
_ROLE_PROPERTIES = (_SCHEMA + "organizer", _LM + "partner", _LM + "partner", _SCHEMA + "funder", _LM + "supporter",
                    _SCHEMA + "attendee", _LM + "host")


def _quad_adder(quads: list[ox.Quad]) -> Callable[[str, str, Any], None]:
    def add(s: str, p: str, o: Any) -> None:
        quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o) if isinstance(o, str) else o))
    return add


def _synthetic_activity(add, rng: random.Random, j: int, orgs: list[str], pool: list[int], countries: int) -> None:
    act = f"{_SYN}activity/syn-{j:06d}"
    add(act, _RDF + "type", _LM + "Activity")
    add(act, _SKOS + "prefLabel", ox.Literal(f"Activity {j}", language="en"))
    add(act, _LM + "activityKind", f"{_SYN}activity-kind/{rng.choice(_KINDS)}")
    add(act, _LM + "status", f"{_SYN}status/{'done' if rng.random() < 0.9 or j < len(orgs) else 'planned'}")
    add(act, _SCHEMA + "startDate", ox.Literal(str(rng.randint(2013, 2021)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    add(act, _LM + "country", f"{_SYN}country/S{rng.randrange(countries):03d}")
    # The first activities take in every organisation once, so each one is in the network.
    members: set[int] = {j} if j < len(orgs) else set()
    for _ in range(rng.randint(2, 5)):
        members.add(rng.choice(pool))
    for i in sorted(members):
        add(act, rng.choice(_ROLE_PROPERTIES), orgs[i])
        pool.append(i)


# ---------------------------------------------------------------- the `lemap network` command


def add_network_command(subparsers) -> argparse.ArgumentParser:
    """Add ``lemap network`` to the ``lemap`` command's subparsers (``cli.build_parser`` calls this).

    :param subparsers: what ``parser.add_subparsers()`` returned.
    :return: the new subcommand's parser.

    >>> sub = argparse.ArgumentParser(prog="lemap").add_subparsers(dest="command")
    >>> add_network_command(sub).parse_args(["--format", "gexf", "--region", "eeca", "--rollup"]).rollup
    True
    """
    help = "write the partnership network (organisations linked by shared activities) for Gephi and other tools"
    p = subparsers.add_parser(
        "network", help=help, description=help + ", with degree, weighted degree, betweenness, PageRank and community on every node.",
        epilog=(
            "examples:\n"
            "  lemap network --format gexf -o network.gexf\n"
            "  lemap network --format graphml --region eeca --from 2015 --to 2019 -o eeca.graphml\n"
            "  lemap network --role partner --role funder --rollup > network.json\n"
            "  lemap network --graph countries --kind training --format gexf -o trainings.gexf\n"
            "  lemap network --ego orgn:leahn --depth 2\n"
            "The format follows -o's extension when --format is not given (json otherwise)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", choices=tuple(NETWORK_FORMATS), help="json (node-link), gexf or graphml (default: from -o, else json)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--from", dest="year_from", metavar="YEAR", help="activities that started in YEAR or later")
    p.add_argument("--to", dest="year_to", metavar="YEAR", help="activities that started in YEAR or earlier")
    p.add_argument("--region", action="append", metavar="REGION", help="a UNODC region (eeca, mena, lac …); repeatable")
    p.add_argument("--kind", action="append", metavar="KIND", help="an activity kind (training, workshop …); repeatable")
    p.add_argument("--role", action="append", choices=ROLES, help="only organisations in this role; repeatable")
    p.add_argument("--status", action="append", choices=STATUSES + ("all",), help="activity statuses that count (default: done, in-progress)")
    p.add_argument("--rollup", action="store_true", help="draw offices and units as the organisation they are part of")
    p.add_argument("--graph", choices=PROJECTIONS, default="organisations", help="which graph (default: organisations)")
    p.add_argument("--ego", metavar="IRI", help="only the organisations near this one (an IRI or orgn:slug)")
    p.add_argument("--depth", default="1", metavar="N", help="steps from --ego (default: 1)")
    p.add_argument("--backend", choices=BACKENDS, default="auto", help="how costly metrics are computed (default: auto)")
    p.add_argument("--store", metavar="PATH", help="the on-disk store folder (default: $LEMAP_STORE or .lemap/store)")
    p.add_argument("--root", metavar="DIR", help="the project folder whose sources build an in-memory store when there is no on-disk one")
    p.set_defaults(func=cmd_network)
    return p


def cmd_network(args) -> int:
    """Build the network the options ask for and write it as JSON, GEXF or GraphML."""
    from pathlib import Path

    from . import cli  # imported here: cli imports this module to register the command

    fmt = args.format or _format_from_output(args.output) or "json"
    store = cli.open_for_reading(args)
    data = data_from_store(store)
    given = {"from": [args.year_from or ""], "to": [args.year_to or ""], "region": args.region or [],
             "kind": args.kind or [], "role": args.role or [], "status": args.status or [],
             "rollup": ["1" if args.rollup else ""], "graph": [args.graph], "ego": [args.ego or ""], "depth": [args.depth]}
    try:
        filters = parse_filters(given, data)
        network = build_network(data, filters, backend=args.backend)
    except ValueError as e:
        raise cli.CLIError(f"--{e}") from None
    except KeyError as e:
        raise cli.CLIError(str(e.args[0])) from None
    body = serialize_network(network, fmt, data)
    if args.output in (None, "-"):
        cli._write(body)
    else:
        try:
            Path(args.output).write_bytes(body)
        except OSError as e:
            raise cli.CLIError(f"cannot write {args.output}: {e}", 1) from None
    G = network.graph
    cli._note(f"network: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt}"
              f"{'' if args.output in (None, '-') else ' to ' + args.output}); betweenness {network.methods['betweenness']}")
    return 0


def _format_from_output(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    return suffix if suffix in NETWORK_FORMATS else None
