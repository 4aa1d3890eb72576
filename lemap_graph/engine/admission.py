"""Admission control across processes: how many public queries one client may run at once, and for how long in all.

Several web processes share one pool, so the counts cannot live in one process's memory. Each
client has ``limit`` slot files in the run folder; a query holds an exclusive ``flock`` on one of
them while it runs, and the kernel releases it when the query ends or its process dies — no count
can leak. A client with every slot taken gets 429 with ``Retry-After``.

Like the Wikidata Query Service, each client also has a budget of query time per window
(``LEMAP_CLIENT_BUDGET_SECONDS`` per ``LEMAP_CLIENT_WINDOW_SECONDS``): the seconds its queries
ran in a worker (not the time they waited for a free one) are added up in a small file per
client, and once they pass the budget its next queries get 429 until the window is over. A client that sends heavy queries loses its turn; everyone else
keeps theirs.

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
>>> tight = Admission(tempfile.mkdtemp(), Limits(client_queries=1, client_budget=0.01, client_window=60))
>>> with tight.slot("192.0.2.3"):
...     time.sleep(0.02)
>>> with tight.slot("192.0.2.3"):
...     pass
Traceback (most recent call last):
...
lemap_graph.engine.errors.TooManyQueries: 429: this client used 0.0 s of query time in the last 60 s; the budget is 0.01 s: try again in 60 s
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import TooManyQueries
from .limits import Limits

#: bytes of a budget file: "window-start spent", padded with spaces so a write never shortens it
_RECORD = 64


class Admission:
    """Per-client slots for public queries, held as file locks in ``folder``."""

    def __init__(self, folder: str | os.PathLike, limits: Limits):
        self.folder = Path(folder)
        self.limits = limits
        self._prefix = os.path.join(str(folder), "")  # string joins: pathlib's cost more than the open
        # slots this process's own threads hold: skipped without a system call
        self._held: set[str] = set()
        self._held_lock = threading.Lock()

    @contextmanager
    def slot(self, client: str | None) -> Iterator["Meter"]:
        """Hold one of ``client``'s slots for the block; None (the app itself) is never limited.

        The block is charged what its :class:`Meter` records (the time a worker ran the query), or
        the whole block when it records nothing.
        """
        meter = Meter()
        if client is None or self.limits.client_queries <= 0:
            yield meter
            return
        key = hashlib.sha256(client.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        for i in range(self.limits.client_queries):
            name = f"{key}.{i}"
            fd = self._take(name)
            if fd is None:
                continue
            budget = self._open(f"{key}.budget") if self.limits.client_budget > 0 else None
            started = time.monotonic()
            try:
                self._check_budget(budget)
                yield meter
            finally:
                self._give_back(name, fd)
                if budget is not None:
                    self._spend(budget, time.monotonic() - started if meter.seconds is None else meter.seconds)
            return
        n = self.limits.client_queries
        raise TooManyQueries(429, f"this client already has {n} {'query' if n == 1 else 'queries'} running; "
                                  f"wait for it to finish (at most {n} at once)", retry_after=max(1, round(self.limits.timeout / 2)))

    def _take(self, name: str) -> int | None:
        """The locked descriptor of slot file ``name``, or None when a thread or process holds it."""
        with self._held_lock:
            if name in self._held:
                return None
            self._held.add(name)
        fd = None
        try:
            fd = self._open(name)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:  # another process holds it
            self._give_back(name, fd)
            return None
        except BaseException:
            self._give_back(name, fd)
            raise

    def _give_back(self, name: str, fd: int | None) -> None:
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock
        with self._held_lock:
            self._held.discard(name)

    def _open(self, name: str) -> int:
        try:
            return os.open(self._prefix + name, os.O_CREAT | os.O_RDWR, 0o600)
        except FileNotFoundError:  # the first query of this folder
            self.folder.mkdir(parents=True, exist_ok=True)
            return os.open(self._prefix + name, os.O_CREAT | os.O_RDWR, 0o600)

    def _check_budget(self, fd: int | None) -> None:
        if fd is None:
            return
        window_start, spent = _read_record(fd)
        left = window_start + self.limits.client_window - time.time()
        if left > 0 and spent >= self.limits.client_budget:
            raise TooManyQueries(429, f"this client used {spent:.1f} s of query time in the last {self.limits.client_window:g} s; "
                                      f"the budget is {self.limits.client_budget:g} s: try again in {left:.0f} s",
                                 retry_after=max(1, round(left)))

    def _spend(self, fd: int, seconds: float) -> None:
        """Add ``seconds`` to the budget file ``fd`` and close it."""
        # read-modify-write in place under the file's own lock, across processes; never truncated,
        # because ext4 flushes a file truncated and rewritten when it is closed (~3 ms a query)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            window_start, spent = _read_record(fd)
            now = time.time()
            if now - window_start >= self.limits.client_window:
                window_start, spent = now, 0.0
            os.pwrite(fd, f"{window_start!r} {spent + seconds!r}".ljust(_RECORD).encode("ascii"), 0)
        finally:
            os.close(fd)


def _read_record(fd: int) -> tuple[float, float]:
    return _parse_budget(os.pread(fd, _RECORD, 0).decode("ascii", "replace"))


class Meter:
    """What a query holding a slot is charged: the seconds a worker ran it, once the engine knows them.

    Waiting for a free worker is not charged: a client whose queries queue behind others' loses no budget.
    """

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        self.seconds: float | None = None

    def ran(self, seconds: float) -> None:
        """Charge ``seconds`` of a worker's time (added up when a query was tried on several workers)."""
        self.seconds = (self.seconds or 0.0) + seconds


def _parse_budget(text: str) -> tuple[float, float]:
    try:
        start, spent = text.split()
        return float(start), float(spent)
    except ValueError:
        return 0.0, 0.0
