"""The on-disk store shared by the server and the command line: who may open it, when, and how changes are announced.

RocksDB lets one process open a store for writing, and its read-only mode is undefined while a
writer is at work. So nobody keeps the store open: a writer (``lemap build``, ``lemap import``, a
partner's upload) takes ``<store>.lock`` exclusively, opens the store, writes in one transaction,
flushes and closes it; a reader takes the lock shared and opens the store read-only. After a write
the writer appends one line to ``<store>.journal`` naming the graphs it changed (or ``"*"`` for
all); a running server's engine watches the journal and takes the new data, so the command line
and the server never trap each other on the store's lock.

>>> import tempfile, pyoxigraph as ox
>>> d = DurableStore(tempfile.mkdtemp() + "/store")
>>> with d.writing(["http://ex/g"]) as store:
...     store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("1"), ox.NamedNode("http://ex/g")))
>>> with d.reading() as store:
...     len(store)
1
>>> [c.graphs for c in d.changes_since(0)[0]]
[('http://ex/g',)]
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

#: A journal entry naming this instead of graphs means "everything may have changed".
ALL = "*"
#: Lock descriptors held until the process ends (see :meth:`DurableStore.open_for_process`).
_HELD: list[int] = []


class StoreUnavailable(Exception):
    """The on-disk store cannot be opened: ``str(e)`` says which folder, why, and what to do."""


@dataclass(frozen=True)
class Change:
    """One journal line: the graphs a write changed (``("*",)`` for all)."""

    graphs: tuple[str, ...]

    @property
    def everything(self) -> bool:
        """Whether the change may touch every graph (a build), so readers reload all."""
        return ALL in self.graphs


class DurableStore:
    """The RocksDB store at ``path``, opened only for the span of one read or one write, under a file lock."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.journal_path = self.path.with_name(self.path.name + ".journal")

    def exists(self) -> bool:
        """Whether a store was ever written here."""
        return (self.path / "CURRENT").is_file()

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as lock:
            fcntl.flock(lock, mode)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def reading(self) -> Iterator[ox.Store]:
        """The store opened read-only, with writers held off until the block ends."""
        with self._locked(fcntl.LOCK_SH):
            store = self._open(read_only=True)
            try:
                yield store
            finally:
                del store
                gc.collect()  # the RocksDB handle closes when the last reference goes

    def open_for_process(self) -> ox.Store:
        """The store opened read-only for the rest of this process (a command-line run), writers held off till it ends.

        The shared lock is kept on a descriptor that closes when the process exits.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        _HELD.append(fd)
        return self._open(read_only=True)

    @contextmanager
    def writing(self, graphs: Iterable[str] = (ALL,)) -> Iterator[ox.Store]:
        """The store opened for writing, alone; on success the change is flushed and announced in the journal.

        :param graphs: the graphs the block changes, for readers that take only what changed; a list
            may be filled inside the block, and nothing is announced when it stays empty.
        """
        while _HELD:  # this process's own read lock would block its write forever
            os.close(_HELD.pop())
        with self._locked(fcntl.LOCK_EX):
            store = self._open(read_only=False)
            try:
                yield store
                store.flush()
            finally:
                del store
                gc.collect()
            if graphs:
                self._announce(tuple(graphs))

    def _open(self, *, read_only: bool) -> ox.Store:
        if read_only and not self.exists():
            raise StoreUnavailable(f"{self.path}: no store here yet; run `lemap build` first")
        try:
            if read_only:
                return ox.Store.read_only(str(self.path))
            self.path.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(self.path))
        except (OSError, RuntimeError) as e:  # RocksDB reports a damaged store as RuntimeError
            why = _first_line(e)
            hint = ("the store is damaged: move the folder aside and run `lemap build`, then re-import partner graphs"
                    if "Corruption" in why else "if another program is writing to it, wait for it to finish")
            raise StoreUnavailable(f"{self.path}: the store cannot be opened ({why}); {hint}") from None

    def _announce(self, graphs: tuple[str, ...]) -> None:
        line = json.dumps({"graphs": list(graphs)}) + "\n"
        with open(self.journal_path, "a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())

    def journal_size(self) -> int:
        """The journal's length in bytes: a reader's bookmark (0 when there is none yet)."""
        try:
            return self.journal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def changes_since(self, offset: int) -> tuple[list[Change], int]:
        """The changes announced after byte ``offset`` of the journal, and the new bookmark."""
        try:
            with open(self.journal_path, "rb") as journal:
                journal.seek(offset)
                data = journal.read()
        except FileNotFoundError:
            return [], 0
        complete = data[: data.rfind(b"\n") + 1]  # a line being written is read next time
        changes = []
        for line in complete.splitlines():
            try:
                changes.append(Change(tuple(json.loads(line)["graphs"])))
            except (ValueError, KeyError, TypeError):
                changes.append(Change((ALL,)))  # an unreadable line: assume the worst, reload all
        return changes, offset + len(complete)


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
