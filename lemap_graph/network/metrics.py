"""Node metrics (degree, weighted degree, betweenness, PageRank, Louvain community), with igraph where installed."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import networkx as nx

from .data import BACKENDS, EXACT_BETWEENNESS_WORK, IGRAPH_SPEEDUP, NetworkData, SEED
from .filters import Filters
from .graphs import build_graph, ego_network


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
