"""A server's process tree and its memory: resident (RSS) and proportional (PSS) set sizes, and CPU time.

RSS counts every page a process maps once per process, so a pool that forks its query workers
copy-on-write would be counted once per worker; PSS divides each shared page among the processes
sharing it, so the PSS of a whole tree is what the tree really holds. Both come from ``/proc``
(``status`` and ``smaps_rollup``); psutil, when installed, finds the tree.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

try:
    import psutil
except ImportError:  # the bench extra installs it; /proc does the same on Linux
    psutil = None


@dataclass(frozen=True)
class Memory:
    """Resident and proportional set sizes in bytes."""

    rss: int = 0
    pss: int = 0

    def __add__(self, other: "Memory") -> "Memory":
        return Memory(self.rss + other.rss, self.pss + other.pss)


def kib_field(text: str, name: str) -> int | None:
    """The value in bytes of a ``Name:   123 kB`` line of a ``/proc`` file, or None when it has none.

    >>> kib_field("Rss:   2048 kB\\nPss:   1024 kB\\n", "Pss")
    1048576
    >>> kib_field("Rss: 1 kB", "Pss") is None
    True
    """
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return int(value.split()[0]) * 1024
    return None


def process_memory(pid: int, *, pss: bool = True) -> Memory:
    """RSS (``/proc/PID/status``) and PSS (``/proc/PID/smaps_rollup``) of one process; zeros when it is gone.

    :param pss: False to skip PSS (0): the kernel walks the page tables for it, which costs
        milliseconds per GiB mapped, while RSS is a counter.
    """
    try:
        rss = kib_field(Path(f"/proc/{pid}/status").read_text(), "VmRSS") or 0
    except OSError:
        return Memory()
    if not pss:
        return Memory(rss, 0)
    try:
        pss = kib_field(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
    except OSError:  # a kernel without smaps_rollup, or the process just ended
        pss = None
    if pss is None and psutil is not None:
        try:
            pss = psutil.Process(pid).memory_full_info().pss
        except (psutil.Error, AttributeError):
            pss = None
    return Memory(rss, pss or 0)


def tree_memory(pid: int, *, pss: bool = True) -> Memory:
    """RSS and PSS of ``pid`` and its descendants, summed (the PSS sum counts shared pages once)."""
    total = Memory()
    for p in tree_pids(pid):
        total += process_memory(p, pss=pss)
    return total


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants (empty when it is gone)."""
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            return [pid] + [c.pid for c in root.children(recursive=True)]
        except psutil.Error:
            return []
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            ppid = parent_of(int(entry.name))
            if ppid is not None:
                children.setdefault(ppid, []).append(int(entry.name))
    if not Path(f"/proc/{pid}").exists():
        return []
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def parent_of(pid: int) -> int | None:
    """The parent's pid of ``pid`` (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses


def command_of(pid: int) -> list[str]:
    """The command line of ``pid`` as its arguments (empty when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def tree_detail(pid: int) -> list[dict]:
    """Each process of ``pid``'s tree: pid, parent, depth below ``pid`` (0: the server itself), RSS, PSS, command."""
    pids = tree_pids(pid)
    parents = {p: parent_of(p) for p in pids}

    def depth(p: int) -> int:
        """How many parent steps ``p`` is below ``pid``."""
        d = 0
        while p != pid and p in parents and d < 10:
            p, d = parents[p], d + 1
        return d

    out = []
    for p in pids:
        m = process_memory(p)
        out.append({"pid": p, "ppid": parents[p], "depth": depth(p), "rss": m.rss, "pss": m.pss,
                    "command": " ".join(command_of(p))[:200]})
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) the live processes of ``pid``'s tree have used."""
    total = 0.0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


class Watched(Protocol):
    """What the sampler needs of a server: a name and a root pid."""

    name: str

    @property
    def pid(self) -> int: ...


class MemorySampler:
    """Samples each watched server's tree RSS every ``interval`` seconds in a thread, and PSS every ``pss_every``-th
    time (reading PSS costs the kernel a page-table walk: at 10M triples, often enough would load the CPU being
    measured); keeps peaks and last values."""

    def __init__(self, interval: float = 0.5, pss_every: int = 10):
        self.interval, self.pss_every = interval, max(1, pss_every)
        self.servers: list[Watched] = []
        self.peak: dict[str, Memory] = {}
        self.last: dict[str, Memory] = {}
        self.samples = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def watch(self, server: Watched) -> Watched:
        """Sample ``server`` from now on (call it right after starting the server)."""
        with self._lock:
            self.servers.append(server)
            self.peak.setdefault(server.name, Memory())
        return server

    def sample(self) -> dict[str, Memory]:
        """Take one sample now; each server's tree memory."""
        with self._lock:
            watched = list(self.servers)
        with_pss = self.samples % self.pss_every == 0
        now = {s.name: tree_memory(s.pid, pss=with_pss) for s in watched}
        with self._lock:
            for name, m in now.items():
                peak = self.peak.get(name, Memory())
                self.peak[name] = Memory(max(peak.rss, m.rss), max(peak.pss, m.pss))
                self.last[name] = m if with_pss else Memory(m.rss, self.last.get(name, Memory()).pss)
            self.samples += 1
        return now

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()
