"""The result cache: the public endpoint's answers kept in memory, keyed on the data's version and the exact request.

Dashboards, notebooks and polling scripts send the same query again and again; like the Wikidata
Query Service and QLever, lemap answers a repeat from memory instead of running it again. A key is
the engine's :attr:`~lemap_graph.engine.base.SparqlEngine.version` and everything that shapes the
answer (query text, ``Accept``, base IRI, protocol dataset), so an answer is never served over data
that changed: when the version moves, every kept answer is dropped at once. The cache holds at most
``max_bytes`` of answers (least recently used go first), and no single answer larger than an eighth
of that. Only successful answers are kept; errors, timeouts and refusals are not.

>>> from lemap_graph.engine.base import Answer
>>> cache = ResultCache(max_bytes=10_000)
>>> request = ("ASK {}", "application/sparql-results+json", "http://localhost/sparql", (), ())
>>> cache.put(1, request, Answer(b'{"boolean":true}', "application/sparql-results+json", "ask"))
True
>>> cache.get(1, request).body
b'{"boolean":true}'
>>> cache.get(2, request) is None  # the data changed: the answer is gone
True
>>> len(cache)
0
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

from .base import Answer

#: Bytes counted for a kept answer beyond its body and request (the key, the objects around them).
_OVERHEAD = 256


class ResultCache:
    """A bounded LRU of answers for one version of the data at a time.

    :param max_bytes: the most bytes of answers (bodies and request texts) kept; 0 keeps nothing.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, int(max_bytes))
        self.max_entry_bytes = self.max_bytes // 8
        self._answers: OrderedDict[Hashable, tuple[Answer, int]] = OrderedDict()
        self._version: Hashable = None
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def size(self) -> int:
        """Bytes counted for the answers kept now (never more than ``max_bytes``)."""
        return self._size

    def get(self, version: Hashable, request: tuple) -> Answer | None:
        """The answer kept for ``request`` over data ``version``, or None."""
        with self._lock:
            self._follow(version)
            kept = self._answers.get(request)
            if kept is None:
                return None
            self._answers.move_to_end(request)
            return kept[0]

    def put(self, version: Hashable, request: tuple, answer: Answer) -> bool:
        """Keep ``answer`` for ``request`` over data ``version``; whether it was kept (not too large)."""
        cost = len(answer.body) + sum(len(p) if isinstance(p, str) else sum(map(len, p)) for p in request if p) + _OVERHEAD
        if cost > self.max_entry_bytes:
            return False
        with self._lock:
            self._follow(version)
            old = self._answers.pop(request, None)
            if old is not None:
                self._size -= old[1]
            self._answers[request] = (answer, cost)
            self._size += cost
            while self._size > self.max_bytes:
                _, (_, freed) = self._answers.popitem(last=False)
                self._size -= freed
            return True

    def clear(self) -> None:
        """Drop every kept answer."""
        with self._lock:
            self._answers.clear()
            self._size = 0

    def _follow(self, version: Hashable) -> None:
        if version != self._version:  # new data: nothing kept can be served again, so free it now
            self._answers.clear()
            self._size = 0
            self._version = version
