"""Networks out: node-link JSON, GEXF and GraphML for Gephi and other tools."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Iterable

import networkx as nx

from .data import Activity, NetworkData, local_name
from .metrics import Network


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
    """An activity as JSON: label, start year, status, kind and country names, and the partner datasets stating
    who took part in it (``partner_graphs``; ``partner_only``: no role in it is the report's)."""
    return {
        "label": a.label,
        "year": a.year,
        "status": a.status,
        "kinds": [data.label(k) for k in sorted(a.kinds)],
        "countries": [data.countries.get(c, local_name(c)) for c in sorted(a.countries)],
        "partner_graphs": sorted({g for _, _, graphs in a.partner_roles for g in graphs}),
        "partner_only": bool(a.roles) and set(a.roles) <= a.unreported,
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
