"""One search index per version of the engine's data: built on first use, rebuilt when the data changes.

``engine.version`` changes whenever the engine takes new data (a rebuild, a partner import); the
first request after that builds a new index from the engine's named queries while the others
wait, and the old index is freed once no request reads it. Building reads the data once; answering never reads it.

>>> import pyoxigraph as ox
>>> from lemap_graph.engine import LocalEngine, Limits
>>> engine = LocalEngine(ox.Store(), Limits(workers=1))
>>> service = SearchService("https://w3id.org/lemap/id/")
>>> len(service.index(engine))
0
>>> engine.write_graph("https://w3id.org/lemap/graph/partner/p/d",
...     b'<https://w3id.org/lemap/id/place/kharkiv> <http://www.w3.org/2004/02/skos/core#prefLabel> "Kharkiv" .\\n')
1
>>> [c.entity.label for c in rank(service.index(engine), "Kharkov")]
['Kharkiv']
>>> engine.close()
"""

from __future__ import annotations

import logging
import threading
import time

from .index import SearchIndex
from .matcher import rank  # noqa: F401  (re-exported for the doctest and callers)
from .source import read_corpus

log = logging.getLogger(__name__)


class SearchService:
    """Hands out the search index of the engine's current data version."""

    def __init__(self, base: str):
        """:param base: the entity namespace, ``LEMAP_BASE_IRI`` + ``id/``."""
        self.base = base
        self._lock = threading.Lock()
        self._version: object = None
        self._index: SearchIndex | None = None

    def index(self, engine) -> SearchIndex:
        """The index of ``engine``'s data as it is now (built, or rebuilt, when its version moved on)."""
        version = engine.version
        with self._lock:
            if self._index is None or self._version != version:
                started = time.perf_counter()
                fresh = SearchIndex.build(read_corpus(engine.query, self.base), self.base)
                # The old index is not closed: a request may still be reading it; it is freed with its last reader.
                self._index, self._version = fresh, version
                log.info("search index for data version %s: %d entities in %.2f s", version, len(fresh), time.perf_counter() - started)
            return self._index
