"""Networks as networkx graphs: the selected activities become organisation–organisation, –country or –activity graphs."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any, Iterable

import networkx as nx

from .data import Activity, LMID, NetworkData, Organisation, ROLES, local_name
from .filters import Filters


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
            if filters.sources == "report" and (org, role) in activity.unreported:
                continue  # a statement only partners' datasets make
            if not filters.roles or role in filters.roles:
                members[root_of(data, org) if filters.rollup else org].add(role)
        if members:
            out.append((activity, {o: tuple(r for r in ROLES if r in rs) for o, rs in sorted(members.items())}))
    return out


def partner_marks(data: NetworkData, activity: Activity, filters: Filters) -> dict[str, tuple[frozenset[str], bool]]:
    """Members of ``activity`` (after roll-up) with partners' statements: their partner graphs, and whether
    only partners' datasets say they took part (every role the filters keep is a partner's statement alone).

    >>> a = Activity("a", "A", roles=(("o1", "organiser"), ("o2", "partner")),
    ...              partner_roles=(("o2", "partner", ("g",)),), unreported=frozenset({("o2", "partner")}))
    >>> partner_marks(NetworkData({"a": a}, {}), a, Filters())
    {'o2': (frozenset({'g'}), True)}
    """
    graphs: dict[str, set[str]] = defaultdict(set)
    reported: set[str] = set()
    for org, role in activity.roles:
        if (filters.roles and role not in filters.roles) or (filters.sources == "report" and (org, role) in activity.unreported):
            continue
        member = root_of(data, org) if filters.rollup else org
        graphs[member].update(activity.partner_graphs(org, role))
        if (org, role) not in activity.unreported:
            reported.add(member)
    return {m: (frozenset(gs), m not in reported) for m, gs in graphs.items() if gs}


def _mark(attrs: dict[str, Any], activity: str, graphs: frozenset[str], dependent: bool) -> None:
    # what rests on partners' statements: the graphs, the activities, and those that rest on nothing else
    attrs["partner_graphs"] = sorted(set(attrs.get("partner_graphs", ())) | graphs)
    attrs.setdefault("partner_activities", []).append(activity)
    if dependent:
        attrs.setdefault("partner_only_activities", []).append(activity)


def source_of(attrs: dict[str, Any]) -> str:
    """``report``, ``partner`` (every activity behind a node or link rests on partners' statements alone) or ``report+partner``."""
    if not attrs.get("partner_graphs"):
        return "report"
    return "partner" if len(attrs.get("partner_only_activities", ())) >= len(attrs.get("activities", ())) else "report+partner"


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
    marks: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for activity, members in select(data, filters):
        partners = partner_marks(data, activity, filters)
        for org, roles in members.items():
            _add_member(G, data, org, activity, roles)
            if org in partners:
                _mark(G.nodes[org], activity.iri, *partners[org])
        if filters.projection == "organisations":
            for a, b in combinations(members, 2):
                links[a, b].append(activity.iri)
                if a in partners or b in partners:
                    found = [partners[x] for x in (a, b) if x in partners]
                    _mark(marks[a, b], activity.iri, frozenset().union(*(g for g, _ in found)), any(d for _, d in found))
        elif filters.projection == "countries":
            for country in sorted(activity.countries):
                if country not in G:
                    name = data.countries.get(country, local_name(country))
                    G.add_node(country, type="country", label=name, short=name, kind="country", activities=[])
                G.nodes[country]["activities"].append(activity.iri)
                for org in members:
                    links[org, country].append(activity.iri)
                    if org in partners:
                        _mark(marks[org, country], activity.iri, *partners[org])
        else:
            G.add_node(activity.iri, type="activity", label=activity.label, short=activity.label, kind="activity",
                       activities=[activity.iri], year=activity.year)
            for org, roles in members.items():
                G.add_edge(org, activity.iri, weight=1, activities=[activity.iri], roles=list(roles))
                if org in partners:
                    _mark(G.edges[org, activity.iri], activity.iri, *partners[org])
    G.add_edges_from((a, b, {"weight": len(acts), "activities": acts, **marks.get((a, b), {})}) for (a, b), acts in links.items())
    _sources(G)
    return G


def _sources(G: nx.Graph) -> None:
    """Every node and link says where it comes from; the graph counts the activities resting on partners' statements."""
    for _, attrs in list(G.nodes(data=True)) + [(None, a) for _, _, a in G.edges(data=True)]:
        attrs["provenance"] = source_of(attrs)  # not "source": node-link JSON names an edge's end so
    activities = {a for _, attrs in G.nodes(data=True) for a in attrs.get("activities", ())}
    partnered = {a for _, attrs in G.nodes(data=True) for a in attrs.get("partner_activities", ())}
    G.graph["activities"] = len(activities)
    G.graph["partner_activities"] = len(partnered)
    G.graph["partner_graphs"] = sorted({g for _, attrs in G.nodes(data=True) for g in attrs.get("partner_graphs", ())})


def ego_network(G: nx.Graph, node: str, depth: int = 1) -> nx.Graph:
    """The part of ``G`` within ``depth`` steps of ``node`` (node and edge attributes kept).

    :raises KeyError: when ``node`` is not in the graph.

    >>> sorted(ego_network(nx.path_graph(5), 0, 2))
    [0, 1, 2]
    """
    if node not in G:
        raise KeyError(f"{node} is not in the graph (it took part in no activity the filters keep)")
    return G.subgraph(nx.single_source_shortest_path_length(G, node, cutoff=depth)).copy()
