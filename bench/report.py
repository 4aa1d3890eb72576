"""The benchmark's figures: medians, percentiles, ratios, each dataset's figures, and JSON (:mod:`bench.tables` writes Markdown).

Every ratio is lemap's figure over a peer's. For times and memory, above 1 means lemap is
slower or bigger; for throughput, above 1 means lemap answers more requests per second.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values.

    >>> median([3, 1, 2]), median([1, 2, 3, 4]), median([])
    (2, 2.5, None)
    """
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) with linear interpolation between ranks, or None for no values.

    >>> percentile([10, 20, 30, 40, 50], 95), percentile([5], 50)
    (48.0, 5)
    """
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] if lo == hi else s[lo] + (s[hi] - s[lo]) * (k - lo)


def ratio(lemap: float | None, oxigraph: float | None) -> float | None:
    """lemap's figure over oxigraph's; None when either is missing or oxigraph's is zero.

    >>> ratio(30, 10), ratio(None, 10), ratio(5, 0)
    (3.0, None, None)
    """
    if lemap is None or oxigraph is None or oxigraph == 0:
        return None
    return lemap / oxigraph


def geometric_mean(values: Iterable[float | None]) -> float | None:
    """Geometric mean of the positive values (None ignored); None when there are none.

    >>> round(geometric_mean([2, 8, None]), 6)
    4.0
    """
    logs = [math.log(v) for v in values if v is not None and v > 0]
    return math.exp(sum(logs) / len(logs)) if logs else None


@dataclass(frozen=True)
class Timing:
    """One server's runs of one query: median milliseconds, rows, the row-cap flag and the first error."""

    median_ms: float | None
    rows: int | None
    runs: int
    truncated: bool = False
    error: str = ""


#: The servers a run can compare, lemap first; the others are the peers a user would pick instead.
SERVERS = ("lemap", "oxigraph", "oxigraph-memory", "rdflib-endpoint")
#: The key of lemap's web-tier figures on one query text repeated, which its result cache answers.
CACHED = "lemap-cached"
#: The peer each query's ``ratio`` is taken against (``oxigraph serve`` on disk, as in every earlier run).
BASELINE = "oxigraph"
#: A query is one of the heavier ones when the peer takes at least this long (ms).
HEAVY_MS = 20.0
#: The query whose answer is the "5,000-row SPARQL JSON answer".
TRANSFER = "transfer-5000-rows"


@dataclass(frozen=True)
class QueryFigures:
    """Every server's figures for one query of the mix (server name → its runs)."""

    name: str
    group: str
    timings: dict[str, Timing]

    @property
    def lemap(self) -> Timing:
        """lemap's runs."""
        return self.timings["lemap"]

    def ratio_to(self, peer: str) -> float | None:
        """lemap's median time over ``peer``'s (None when either has none)."""
        other = self.timings.get(peer)
        return ratio(self.lemap.median_ms, other.median_ms if other else None)

    @property
    def ratio(self) -> float | None:
        """lemap's median time over :data:`BASELINE`'s."""
        return self.ratio_to(BASELINE)

    @property
    def flag(self) -> str:
        """What is wrong with this comparison, empty when nothing: an error, lemap's row cap, or row counts that differ.

        >>> t = lambda rows, **k: Timing(1.0, rows, 1, **k)
        >>> QueryFigures("q", "g", {"lemap": t(3), "oxigraph": t(3)}).flag
        ''
        >>> QueryFigures("q", "g", {"lemap": t(3), "oxigraph": t(3), "rdflib-endpoint": t(4)}).flag
        'ROWS DIFFER: rdflib-endpoint 4'
        >>> QueryFigures("q", "g", {"lemap": t(10, truncated=True), "oxigraph": t(12)}).flag
        'lemap row cap'
        """
        for server, timing in self.timings.items():
            if timing.error:
                return f"{server} error: {timing.error}"
        if self.lemap.truncated:
            return "lemap row cap"
        differ = [f"{s} {number(t.rows)}" for s, t in self.timings.items() if s != "lemap" and t.rows != self.lemap.rows]
        return "ROWS DIFFER: " + ", ".join(differ) if differ else ""

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the ratios and the flag."""
        return {"name": self.name, "group": self.group, "timings": {k: asdict(v) for k, v in self.timings.items()},
                "ratios": {p: self.ratio_to(p) for p in self.timings if p != "lemap"}, "flag": self.flag}


@dataclass(frozen=True)
class LoadFigures:
    """One server under ``clients`` parallel clients: requests, errors, seconds, throughput and latency."""

    clients: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float | None
    p95_ms: float | None

    @property
    def throughput(self) -> float | None:
        """Successful requests per second."""
        return (self.requests - self.errors) / self.seconds if self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the throughput."""
        return {**asdict(self), "throughput": self.throughput}


@dataclass(frozen=True)
class Throughput:
    """One server's web tier under a load tool on one query: ``connections`` kept busy for ``seconds``."""

    tool: str
    connections: int
    #: answers received.
    requests: int
    #: answers other than 2xx/3xx (429 and 503 included).
    failed: int
    seconds: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    #: connections that failed to connect, read, write or answer in time (not answers: not in ``requests``).
    socket_errors: int = 0

    @property
    def rate(self) -> float | None:
        """Good answers per second.

        >>> Throughput("wrk", 8, 1000, 100, 2.0).rate
        450.0
        """
        return (self.requests - self.failed) / self.seconds if self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the rate."""
        return {**asdict(self), "rate": self.rate}


@dataclass
class DatasetFigures:
    """Everything measured on one dataset; every dict is keyed by server name."""

    name: str
    triples: int
    notes: tuple[str, ...] = ()
    #: the servers that ran, lemap first, and why the others did not.
    servers: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    load_s: dict[str, float] = field(default_factory=dict)
    #: seconds from process start to the first correct answer (a checked row count).
    ready_s: dict[str, float] = field(default_factory=dict)
    #: seconds from lemap's start until its pool answers from its in-memory copy.
    memory_s: float | None = None
    #: seconds from start until the server's processes went idle (warm-up done).
    warm_s: dict[str, float] = field(default_factory=dict)
    #: memory of the whole process tree when warm, before the queries: {"rss": bytes, "pss": bytes}.
    warm_memory: dict[str, dict[str, int]] = field(default_factory=dict)
    #: peak memory of each tree from its start until it was idle (its load), and over the whole run.
    start_peak_memory: dict[str, dict[str, int]] = field(default_factory=dict)
    peak_memory: dict[str, dict[str, int]] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)
    #: server → its processes when warm (pid, role, RSS, PSS).
    process_detail: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: seconds from SIGKILL of a lemap query worker until a replacement is listed and a query answers.
    replacement_s: list[float] = field(default_factory=list)
    #: of those, the seconds until the pool listed the replacement (the rest is the first answer).
    replacement_listed_s: list[float] = field(default_factory=list)
    queries: list[QueryFigures] = field(default_factory=list)
    concurrency: dict[str, LoadFigures] = field(default_factory=dict)
    #: server → connections → web-tier throughput on the 10-row lookup.
    throughput: dict[str, dict[int, Throughput]] = field(default_factory=dict)
    #: query name → where lemap's time goes, measured in process (:mod:`bench.diagnose`).
    breakdown: dict[str, Any] = field(default_factory=dict)

    def time_ratio(self, peer: str = BASELINE, *, heavy_only: bool = False) -> float | None:
        """Geometric mean of lemap's time over ``peer``'s, on every query or on those ``peer`` takes :data:`HEAVY_MS` for."""
        return geometric_mean(q.ratio_to(peer) for q in self.queries
                              if not heavy_only or (q.timings.get(peer) and (q.timings[peer].median_ms or 0) >= HEAVY_MS))

    def heavy_count(self, peer: str = BASELINE) -> int:
        """How many queries ``peer`` takes at least :data:`HEAVY_MS` for."""
        return sum(1 for q in self.queries if q.timings.get(peer) and (q.timings[peer].median_ms or 0) >= HEAVY_MS)

    def transfer_ratio(self, peer: str = "oxigraph-memory") -> float | None:
        """lemap's time for the 5,000-row SPARQL JSON answer over ``peer``'s."""
        return next((q.ratio_to(peer) for q in self.queries if q.name == TRANSFER), None)

    def rate(self, server: str, connections: int) -> float | None:
        """``server``'s good answers per second at ``connections`` connections (None when not measured)."""
        t = self.throughput.get(server, {}).get(connections)
        return t.rate if t else None

    def scaling(self, server: str = "lemap", low: int = 1, high: int = 8) -> float | None:
        """``server``'s rate at ``high`` connections over its rate at ``low``."""
        return ratio(self.rate(server, high), self.rate(server, low))

    def memory_ratio(self, peer: str = BASELINE, kind: str = "pss") -> float | None:
        """lemap's warm memory over ``peer``'s (``pss`` or ``rss``)."""
        return ratio(self.warm_memory.get("lemap", {}).get(kind), self.warm_memory.get(peer, {}).get(kind))

    @property
    def replacement(self) -> float | None:
        """The median worker-replacement time in seconds."""
        return median(self.replacement_s)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the summary ratios."""
        peers = [s for s in self.servers if s != "lemap"]
        return {
            "name": self.name, "triples": self.triples, "notes": list(self.notes), "servers": self.servers,
            "skipped": self.skipped, "load_s": self.load_s, "ready_s": self.ready_s, "memory_s": self.memory_s,
            "warm_s": self.warm_s, "warm_memory": self.warm_memory,
            "start_peak_memory": self.start_peak_memory, "peak_memory": self.peak_memory,
            "processes": self.processes, "process_detail": self.process_detail, "replacement_s": self.replacement_s,
            "replacement_listed_s": self.replacement_listed_s,
            "queries": [q.to_dict() for q in self.queries],
            "concurrency": {k: v.to_dict() for k, v in self.concurrency.items()},
            "throughput": {k: {c: t.to_dict() for c, t in v.items()} for k, v in self.throughput.items()},
            "breakdown": {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in self.breakdown.items()},
            "ratios": {p: {"time_geomean": self.time_ratio(p), "heavy_geomean": self.time_ratio(p, heavy_only=True),
                           "memory_pss": self.memory_ratio(p), "memory_rss": self.memory_ratio(p, "rss")} for p in peers},
            "transfer_ratio_vs_oxigraph_memory": self.transfer_ratio(),
            "lemap_scaling_8_over_1": self.scaling(),
            "lemap_over_oxigraph_memory_at_8": ratio(self.rate("lemap", 8), self.rate("oxigraph-memory", 8)),
        }


def number(value: float | int | None, digits: int = 1) -> str:
    """A figure for a table: thousands separated, ``digits`` decimals for floats, ``–`` when missing.

    >>> number(1234.567), number(5000), number(None), number(2.0, 2)
    ('1,234.6', '5,000', '–', '2.00')
    """
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def write_json(path: Path, meta: dict[str, Any], datasets: list[DatasetFigures]) -> Path:
    """Write the run's metadata and every dataset's figures to ``path`` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {**meta, "datasets": [d.to_dict() for d in datasets]}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
