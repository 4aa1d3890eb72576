"""Networks computed once per data version and filters, with their serialized bodies."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

from .data import NetworkData
from .filters import Filters
from .metrics import Network, build_network, cut_ego
from .formats import serialize_network


#: How many serialized networks :class:`NetworkCache` keeps (a 100k-triple network's JSON is megabytes).
BODIES_KEPT = 8


class NetworkCache:
    """Networks computed once per store version and filters (least recently used dropped past ``maxsize``).

    :param load: returns the :class:`NetworkData` of the current store (called once per version).
    :param backend: passed to :func:`build_network`.
    :param maxsize: how many networks to keep.

    >>> import pyoxigraph as ox
    >>> from bench.synthetic_network import synthetic_quads
    >>> from lemap_graph.network.data import data_from_store
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
