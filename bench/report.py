"""The benchmark's figures and how they are reported: medians, percentiles, ratios, Markdown and JSON.

Every ratio is lemap's figure over oxigraph's. For times and memory, above 1 means lemap is
slower or bigger; for throughput, above 1 means lemap answers more requests per second.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

SERVERS = ("lemap", "oxigraph")


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


@dataclass(frozen=True)
class QueryFigures:
    """Both servers' figures for one query of the mix."""

    name: str
    group: str
    lemap: Timing
    oxigraph: Timing

    @property
    def ratio(self) -> float | None:
        """lemap's median time over oxigraph's."""
        return ratio(self.lemap.median_ms, self.oxigraph.median_ms)

    @property
    def flag(self) -> str:
        """What is wrong with this comparison, empty when nothing: an error, lemap's row cap, or row counts that differ.

        >>> t = lambda rows, **k: Timing(1.0, rows, 1, **k)
        >>> QueryFigures("q", "g", t(3), t(3)).flag, QueryFigures("q", "g", t(3), t(4)).flag
        ('', 'ROWS DIFFER')
        >>> QueryFigures("q", "g", t(10, truncated=True), t(12)).flag
        'lemap row cap'
        """
        for server, timing in (("lemap", self.lemap), ("oxigraph", self.oxigraph)):
            if timing.error:
                return f"{server} error: {timing.error}"
        if self.lemap.truncated:
            return "lemap row cap"
        if self.lemap.rows != self.oxigraph.rows:
            return "ROWS DIFFER"
        return ""

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the ratio and the flag."""
        return {"name": self.name, "group": self.group, "lemap": asdict(self.lemap), "oxigraph": asdict(self.oxigraph),
                "ratio": self.ratio, "flag": self.flag}


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


@dataclass
class DatasetFigures:
    """Everything measured on one dataset."""

    name: str
    triples: int
    notes: tuple[str, ...] = ()
    load_s: dict[str, float] = field(default_factory=dict)
    ready_s: dict[str, float] = field(default_factory=dict)
    #: seconds from start until the server's processes went idle (warm-up done).
    warm_s: dict[str, float] = field(default_factory=dict)
    idle_rss: dict[str, int] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)
    #: server → its processes when ready: depth below the server process (0: itself) and RSS.
    process_rss: dict[str, list[dict[str, int]]] = field(default_factory=dict)
    queries: list[QueryFigures] = field(default_factory=list)
    concurrency: dict[str, LoadFigures] = field(default_factory=dict)
    #: query name → where lemap's time goes, measured in process (:mod:`bench.diagnose`).
    breakdown: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput_ratio(self) -> float | None:
        """lemap's throughput over oxigraph's under the same parallel load (above 1: lemap serves more)."""
        if set(self.concurrency) != set(SERVERS):
            return None
        return ratio(self.concurrency["lemap"].throughput, self.concurrency["oxigraph"].throughput)

    @property
    def memory_ratio(self) -> float | None:
        """lemap's peak RSS over oxigraph's (above 1: lemap uses more memory)."""
        return ratio(self.peak_rss.get("lemap"), self.peak_rss.get("oxigraph"))

    @property
    def time_ratio(self) -> float | None:
        """Geometric mean of the per-query time ratios."""
        return geometric_mean(q.ratio for q in self.queries)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, with the summary ratios."""
        return {
            "name": self.name, "triples": self.triples, "notes": list(self.notes), "load_s": self.load_s,
            "ready_s": self.ready_s, "warm_s": self.warm_s, "idle_rss": self.idle_rss, "peak_rss": self.peak_rss, "processes": self.processes,
            "process_rss": self.process_rss,
            "queries": [q.to_dict() for q in self.queries],
            "concurrency": {k: v.to_dict() for k, v in self.concurrency.items()},
            "breakdown": {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in self.breakdown.items()},
            "time_ratio_geomean": self.time_ratio, "throughput_ratio": self.throughput_ratio,
            "memory_ratio": self.memory_ratio,
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


def _mib(value: int | None) -> str:
    return "–" if not value else f"{value / 2**20:,.0f} MiB"


def markdown(d: DatasetFigures) -> str:
    """One dataset's figures as Markdown: a query table, the concurrency figures and the summary ratios."""
    lines = [f"### {d.name} — {d.triples:,} triples", ""]
    lines += ["| query | shape | lemap ms | oxigraph ms | ratio | lemap rows | oxigraph rows | flag |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for q in d.queries:
        lines.append(f"| {q.name} | {q.group} | {number(q.lemap.median_ms)} | {number(q.oxigraph.median_ms)} | "
                     f"{number(q.ratio, 2)} | {number(q.lemap.rows)} | {number(q.oxigraph.rows)} | {q.flag.replace('|', '/')} |")
    lines += ["", "| figure | lemap | oxigraph | ratio |", "|---|---:|---:|---:|"]
    for server_figure, key in (("load into a store (s)", d.load_s), ("start until the first answer (s)", d.ready_s),
                               ("start until idle, warm-up done (s)", d.warm_s)):
        lines.append(f"| {server_figure} | {number(key.get('lemap'), 2)} | {number(key.get('oxigraph'), 2)} | "
                     f"{number(ratio(key.get('lemap'), key.get('oxigraph')), 2)} |")
    lines.append(f"| memory when warm, before the queries (RSS of the process tree) | {_mib(d.idle_rss.get('lemap'))} | "
                 f"{_mib(d.idle_rss.get('oxigraph'))} | {number(ratio(d.idle_rss.get('lemap'), d.idle_rss.get('oxigraph')), 2)} |")
    lines.append(f"| peak memory over start-up, queries and load (RSS of the process tree) | {_mib(d.peak_rss.get('lemap'))} | "
                 f"{_mib(d.peak_rss.get('oxigraph'))} | {number(d.memory_ratio, 2)} |")
    lines.append(f"| processes | {d.processes.get('lemap', '–')} | {d.processes.get('oxigraph', '–')} | |")
    if d.process_rss.get("lemap"):
        names = {0: "arbiter", 1: "web worker"}
        parts = [f"{names.get(p['depth'], 'query worker')} {_mib(p['rss'])}"
                 for p in sorted(d.process_rss["lemap"], key=lambda p: (p["depth"], p["pid"]))]
        lines.append(f"| lemap's processes when warm | {', '.join(parts)} | | |")
    if d.concurrency:
        lem, oxi = d.concurrency.get("lemap"), d.concurrency.get("oxigraph")
        get = lambda f, attr: getattr(f, attr) if f else None  # noqa: E731
        clients = (lem or oxi).clients
        lines.append(f"| throughput, {clients} clients (req/s) | {number(get(lem, 'throughput'))} | "
                     f"{number(get(oxi, 'throughput'))} | {number(d.throughput_ratio, 2)} |")
        for label, attr in (("p50 latency under load (ms)", "p50_ms"), ("p95 latency under load (ms)", "p95_ms")):
            lines.append(f"| {label} | {number(get(lem, attr))} | {number(get(oxi, attr))} | "
                         f"{number(ratio(get(lem, attr), get(oxi, attr)), 2)} |")
        lines.append(f"| requests / errors under load | {get(lem, 'requests')} / {get(lem, 'errors')} | "
                     f"{get(oxi, 'requests')} / {get(oxi, 'errors')} | |")
    flagged = [q for q in d.queries if q.flag]
    lines += ["", f"Geometric mean of the time ratios: {number(d.time_ratio, 2)}; throughput ratio: "
                  f"{number(d.throughput_ratio, 2)}; memory ratio: {number(d.memory_ratio, 2)}; "
                  f"flagged queries: {len(flagged)}."]
    lines += breakdown_table(d)
    return "\n".join(lines) + "\n"


#: A query this much slower on lemap gets a row in the breakdown table.
SLOW_RATIO = 2.0


def breakdown_table(d: DatasetFigures) -> list[str]:
    """Markdown lines splitting lemap's time on its slow queries (ratio at least :data:`SLOW_RATIO`) into steps."""
    slow = [q for q in d.queries if q.name in d.breakdown and (q.ratio or 0) >= SLOW_RATIO]
    if not slow:
        return []
    lines = ["", f"Where lemap's time goes on the queries at least {SLOW_RATIO:g}x slower (in-process medians, ms; "
                 "'rest' is lemap's HTTP time less guard, engine and its JSON writer: Flask, gunicorn, the worker pipe):",
             "", "| query | lemap HTTP | guard | engine + rows | Python JSON | rest | oxigraph HTTP | pyoxigraph Rust JSON |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for q in slow:
        b = d.breakdown[q.name]
        get = (lambda k: b[k]) if isinstance(b, dict) else (lambda k: getattr(b, k))
        # in-process steps can outlast the request when the machine is busy: no negative rest
        rest = max(0.0, q.lemap.median_ms - get("guard_ms") - get("engine_ms") - get("python_json_ms"))
        lines.append(f"| {q.name} | {number(q.lemap.median_ms)} | {number(get('guard_ms'))} | {number(get('engine_ms'))} | "
                     f"{number(get('python_json_ms'))} | {number(rest)} | {number(q.oxigraph.median_ms)} | "
                     f"{number(get('rust_json_ms'))} |")
    return lines


def write_json(path: Path, meta: dict[str, Any], datasets: list[DatasetFigures]) -> Path:
    """Write the run's metadata and every dataset's figures to ``path`` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {**meta, "datasets": [d.to_dict() for d in datasets]}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
