"""Admission control across processes: how many public queries one client may have running at once.

Several web processes share one pool, so the count cannot live in one process's memory. Each
client has ``limit`` slot files in the run folder; a query holds an exclusive ``flock`` on one of
them while it runs, and the kernel releases it when the query ends or its process dies — no count
can leak. A client with every slot taken gets 429 with ``Retry-After``.

>>> import tempfile
>>> admission = Admission(tempfile.mkdtemp(), Limits(client_queries=1))
>>> with admission.slot("192.0.2.1"):
...     with admission.slot("192.0.2.1"):
...         pass
Traceback (most recent call last):
...
lemap_graph.engine.errors.TooManyQueries: 429: this client already has 1 query running; wait for it to finish (at most 1 at once)
>>> with admission.slot("192.0.2.1"):
...     with admission.slot("192.0.2.2"):
...         "another client is not held back"
'another client is not held back'
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import TooManyQueries
from .limits import Limits


class Admission:
    """Per-client slots for public queries, held as file locks in ``folder``."""

    def __init__(self, folder: str | os.PathLike, limits: Limits):
        self.folder = Path(folder)
        self.limits = limits

    @contextmanager
    def slot(self, client: str | None) -> Iterator[None]:
        """Hold one of ``client``'s slots for the block; None (the app itself) is never limited."""
        if client is None or self.limits.client_queries <= 0:
            yield
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(client.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        for i in range(self.limits.client_queries):
            fd = os.open(self.folder / f"{key}.{i}", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the lock
            return
        n = self.limits.client_queries
        raise TooManyQueries(429, f"this client already has {n} {'query' if n == 1 else 'queries'} running; "
                                  f"wait for it to finish (at most {n} at once)", retry_after=max(1, round(self.limits.timeout / 2)))
