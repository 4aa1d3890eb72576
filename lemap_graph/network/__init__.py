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
networks per store version. ``lemap network`` writes them as node-link JSON, GEXF or GraphML.

Modules: :mod:`.data` (rows from the queries), :mod:`.filters`, :mod:`.graphs` (networkx graphs),
:mod:`.metrics`, :mod:`.formats` (exports) and :mod:`.cache`.

>>> import pyoxigraph as ox
>>> from bench.synthetic_network import synthetic_quads
>>> store = ox.Store(); store.extend(synthetic_quads(organisations=6, activities=20, seed=1))
>>> net = build_network(data_from_store(store), Filters(year_from=2015))
>>> net.graph.number_of_nodes(), net.graph.graph["projection"]
(6, 'organisations')
>>> sorted(net.graph.nodes[n]["community"] for n in net.graph)[0]
0
"""

from .data import Activity, BACKENDS, DEFAULT_STATUSES, EXACT_BETWEENNESS_WORK, IGRAPH_SPEEDUP, LMID, METRICS, NetworkData, Organisation, PROJECTIONS, QUERIES, ROLES, Runner, SEED, SOURCES, STATUSES, data_from_store, load_evidence, load_network_data, local_name
from .filters import FILTER_ARGS, Filters, parse_filters
from .graphs import build_graph, ego_network, partner_marks, root_of, select, source_of
from .metrics import IGRAPH_LOUVAIN_EDGES, Network, betweenness, build_network, communities, compute_metrics, cut_ego, igraph_available, pagerank
from .formats import NETWORK_FORMATS, NetworkFormat, activity_json, flat_graph, node_link, serialize_network, to_gexf, to_graphml
from .cache import BODIES_KEPT, NetworkCache

__all__ = [
    "Activity",
    "BACKENDS",
    "DEFAULT_STATUSES",
    "EXACT_BETWEENNESS_WORK",
    "IGRAPH_SPEEDUP",
    "LMID",
    "METRICS",
    "NetworkData",
    "Organisation",
    "PROJECTIONS",
    "QUERIES",
    "ROLES",
    "Runner",
    "SEED",
    "SOURCES",
    "STATUSES",
    "data_from_store",
    "load_evidence",
    "load_network_data",
    "local_name",
    "FILTER_ARGS",
    "Filters",
    "parse_filters",
    "build_graph",
    "ego_network",
    "partner_marks",
    "root_of",
    "select",
    "source_of",
    "IGRAPH_LOUVAIN_EDGES",
    "Network",
    "betweenness",
    "build_network",
    "communities",
    "compute_metrics",
    "cut_ego",
    "igraph_available",
    "pagerank",
    "NETWORK_FORMATS",
    "NetworkFormat",
    "activity_json",
    "flat_graph",
    "node_link",
    "serialize_network",
    "to_gexf",
    "to_graphml",
    "BODIES_KEPT",
    "NetworkCache",
]
