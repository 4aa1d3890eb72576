"""The benchmark's figures as Markdown: per dataset a query table, a table of figures per server, and issue 14's targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .report import BASELINE, CACHED, HEAVY_MS, TRANSFER, DatasetFigures, median, number, ratio

#: Column headings of the servers.
LABELS = {"lemap": "lemap", "oxigraph": "oxigraph (disk)", "oxigraph-memory": "oxigraph (memory)",
          "rdflib-endpoint": "rdflib-endpoint"}


def mib(value: int | None) -> str:
    """Bytes as a MiB figure for a table, ``–`` when missing.

    >>> mib(3 * 2**20), mib(None)
    ('3 MiB', '–')
    """
    return "–" if not value else f"{value / 2**20:,.0f} MiB"


def markdown(d: DatasetFigures) -> str:
    """One dataset's figures as Markdown: queries, figures per server, targets, skipped peers, breakdown."""
    lines = [f"### {d.name} — {d.triples:,} triples", ""]
    if d.skipped:
        lines += [f"- {LABELS.get(name, name)}: {why}" for name, why in d.skipped.items()] + [""]
    lines += [*query_table(d), "", *figure_table(d), "", *target_table(d), *breakdown_table(d)]
    return "\n".join(lines) + "\n"


def query_table(d: DatasetFigures) -> list[str]:
    """One row per query: each server's median ms, lemap's ratio to each oxigraph, rows and the flag."""
    peers = [s for s in d.servers if s != "lemap"]
    oxis = [p for p in peers if p.startswith("oxigraph")]
    head = ["query", "shape", *(f"{LABELS[s]} ms" for s in d.servers), *(f"lemap / {LABELS[p]}" for p in oxis), "rows", "flag"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(d.servers) + len(oxis) + 1) + "---|"]
    for q in d.queries:
        cells = [q.name, q.group, *(number(q.timings[s].median_ms) if s in q.timings else "–" for s in d.servers),
                 *(number(q.ratio_to(p), 2) for p in oxis), number(q.lemap.rows), q.flag.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


@dataclass(frozen=True)
class Row:
    """One figure of the per-server table: its label, each server's value as text, and a note."""

    label: str
    value: Callable[[str], str]
    note: str = ""


def figure_table(d: DatasetFigures) -> list[str]:
    """One row per figure, one column per server."""
    mem = lambda which, kind: lambda s: mib(getattr(d, which).get(s, {}).get(kind))  # noqa: E731
    tput = lambda c: lambda s: number(d.rate(s, c))  # noqa: E731
    rows = [
        Row("load into a store (s)", lambda s: number(d.load_s.get(s), 2),
            "oxigraph in memory: the POST to /store; rdflib-endpoint parses at start"),
        Row("start until the first correct answer (s)", lambda s: number(d.ready_s.get(s), 2),
            "a count checked against the data; in-memory servers load first"),
        Row("start until answering from memory (s)", lambda s: number(d.memory_s, 2) if s == "lemap" else "",
            "lemap's pool answers from disk until its copy is loaded"),
        Row("start until idle (s)", lambda s: number(d.warm_s.get(s), 2)),
        Row("memory when warm, PSS of the process tree", mem("warm_memory", "pss"), "shared pages counted once"),
        Row("memory when warm, RSS of the process tree", mem("warm_memory", "rss"), "shared pages counted per process"),
        Row("peak PSS while starting", mem("start_peak_memory", "pss"),
            "from the start until idle: the load, and lemap's copy built beside its disk-mode workers"),
        Row("peak PSS over the run", mem("peak_memory", "pss")),
        Row("peak RSS over the run", mem("peak_memory", "rss")),
        Row("processes", lambda s: number(d.processes.get(s))),
        Row("query worker replaced and answering (s)", lambda s: _replacement(d) if s == "lemap" else "",
            "SIGKILL of a public worker: median (each run)"),
        Row("of which until the pool listed the replacement (s)",
            lambda s: number(median(d.replacement_listed_s), 3) if s == "lemap" else ""),
        Row("10-row lookup, 1 connection (req/s)", tput(1)),
        Row("10-row lookup, 8 connections (req/s)", tput(8)),
        Row("8 connections over 1", lambda s: number(d.scaling(s), 2)),
        Row("the same lookup repeated, 1 / 8 connections (req/s)",
            lambda s: f"{number(d.rate(CACHED, 1))} / {number(d.rate(CACHED, 8))}" if s == "lemap" and CACHED in d.throughput else "",
            "answered by lemap's result cache"),
        Row("p99 latency at 8 connections (ms)", lambda s: number(_p99(d, s, 8))),
        Row("failed answers / socket errors at 8 connections", lambda s: _failures(d, s, 8),
            "oxigraph runs without --timeout-s here"),
    ]
    if d.concurrency:
        clients = next(iter(d.concurrency.values())).clients
        rows.append(Row(f"query mix, {clients} clients (req/s)",
                        lambda s: number(d.concurrency[s].throughput) if s in d.concurrency else "",
                        "light queries of the mix, the bench's own client"))
    lines = ["| figure | " + " | ".join(LABELS[s] for s in d.servers) + " | note |",
             "|---|" + "---:|" * len(d.servers) + "---|"]
    lines += [f"| {r.label} | " + " | ".join(r.value(s) for s in d.servers) + f" | {r.note} |" for r in rows]
    tools = {t.tool for by_conn in d.throughput.values() for t in by_conn.values()}
    if tools:
        lines += ["", f"Throughput measured with {', '.join(sorted(tools))} (GET, SPARQL JSON, keep-alive), every request "
                      "a query text not sent before (a counter in a last-line comment), so no cache answers it; "
                      "failed answers (429, 503, socket errors) are not counted."]
    return lines


def _replacement(d: DatasetFigures) -> str:
    if not d.replacement_s:
        return "–"
    return f"{number(d.replacement, 3)} ({', '.join(number(s, 3) for s in d.replacement_s)})"


def _failures(d: DatasetFigures, server: str, connections: int) -> str:
    t = d.throughput.get(server, {}).get(connections)
    return f"{t.failed:,} / {t.socket_errors:,}" if t else "–"


def _p99(d: DatasetFigures, server: str, connections: int) -> float | None:
    t = d.throughput.get(server, {}).get(connections)
    return t.p99_ms if t else None


def target_table(d: DatasetFigures) -> list[str]:
    """Issue 14's targets for the embedded store (set at 1M triples) beside this dataset's figures."""
    mem_pss = d.warm_memory.get("lemap", {}).get("pss")
    targets = [
        ("first correct answer after start (s)", d.ready_s.get("lemap"), "< 3", lambda v: v < 3),
        ("worker killed, replaced and answering (s)", d.replacement, "< 0.2", lambda v: v < 0.2),
        ("warm memory of the process tree, PSS (MiB)", mem_pss and mem_pss / 2**20, "< 800", lambda v: v < 800),
        (f"heavier queries ({d.heavy_count()} taking oxigraph on disk ≥ {HEAVY_MS:g} ms), geometric mean of lemap / oxigraph",
         d.time_ratio(BASELINE, heavy_only=True), "≤ 0.6", lambda v: v <= 0.6),
        ("lemap 8 connections / 1 connection", d.scaling(), "≥ 1.8", lambda v: v >= 1.8),
        ("lemap / oxigraph in memory at 8 connections", ratio(d.rate("lemap", 8), d.rate("oxigraph-memory", 8)),
         "≥ 0.10", lambda v: v >= 0.10),
        ("the same, one query repeated (lemap's result cache answers)", ratio(d.rate(CACHED, 8), d.rate("oxigraph-memory", 8)),
         "≥ 0.10", lambda v: v >= 0.10),
        (f"{TRANSFER}, lemap / oxigraph in memory", d.transfer_ratio(), "≤ 2", lambda v: v <= 2),
    ]
    lines = ["Issue 14's targets (set for 1M triples):", "", "| target | measured | goal | met |", "|---|---:|---|---|"]
    for label, value, goal, met in targets:
        lines.append(f"| {label} | {number(value, 2)} | {goal} | {'–' if value is None else ('yes' if met(value) else 'no')} |")
    others = [p for p in d.servers if p != "lemap"]
    summary = "; ".join(f"{LABELS[p]}: {number(d.time_ratio(p), 2)} over all queries, "
                        f"{number(d.time_ratio(p, heavy_only=True), 2)} over its heavier ones" for p in others)
    flagged = sum(1 for q in d.queries if q.flag)
    lines += ["", f"Geometric mean of lemap's time over each peer's — {summary or 'no peers'}; flagged queries: {flagged}."]
    return lines


#: A query this much slower on lemap gets a row in the breakdown table.
SLOW_RATIO = 2.0


def breakdown_table(d: DatasetFigures) -> list[str]:
    """Markdown lines splitting lemap's time on its slow queries (ratio at least :data:`SLOW_RATIO`) into steps."""
    slow = [q for q in d.queries if q.name in d.breakdown and (q.ratio or 0) >= SLOW_RATIO]
    if not slow:
        return []
    lines = ["", f"Where lemap's time goes on the queries at least {SLOW_RATIO:g}x slower than oxigraph on disk "
                 "(in-process medians, ms; 'rest' is lemap's HTTP time less guard, engine and its JSON writer: "
                 "the web process and the pipe to the query worker):",
             "", "| query | lemap HTTP | guard | engine + rows | Python JSON | rest | oxigraph HTTP | pyoxigraph Rust JSON |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for q in slow:
        b = d.breakdown[q.name]
        get = (lambda k: b[k]) if isinstance(b, dict) else (lambda k: getattr(b, k))
        # in-process steps can outlast the request when the machine is busy: no negative rest
        rest = max(0.0, q.lemap.median_ms - get("guard_ms") - get("engine_ms") - get("python_json_ms"))
        lines.append(f"| {q.name} | {number(q.lemap.median_ms)} | {number(get('guard_ms'))} | {number(get('engine_ms'))} | "
                     f"{number(get('python_json_ms'))} | {number(rest)} | {number(q.timings[BASELINE].median_ms)} | "
                     f"{number(get('rust_json_ms'))} |")
    return lines


def summary(results: list[DatasetFigures]) -> str:
    """The run's headline figures over every dataset: one row per server and dataset, then lemap's ratios."""
    lines = ["| dataset | server | first correct answer (s) | warm PSS | warm RSS | 10-row lookup, 1 conn (req/s) "
             "| 8 conn (req/s) |", "|---|---|---:|---:|---:|---:|---:|"]
    for d in results:
        for s in d.servers:
            m = d.warm_memory.get(s, {})
            lines.append(f"| {d.name} | {LABELS[s]} | {number(d.ready_s.get(s), 2)} | {mib(m.get('pss'))} | "
                         f"{mib(m.get('rss'))} | {number(d.rate(s, 1))} | {number(d.rate(s, 8))} |")
        lines += [f"| {d.name} | {LABELS.get(s, s)} | not run | | | | |" for s in d.skipped]
    lines += ["", "| dataset | lemap worker replaced (s) | heavier queries, lemap / oxigraph (disk) | "
                  "5,000 rows, lemap / oxigraph (memory) | lemap 8 conn / 1 conn | lemap / oxigraph (memory), 8 conn "
                  "| the same, one query repeated (result cache) |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for d in results:
        lines.append(f"| {d.name} | {number(d.replacement, 3)} | {number(d.time_ratio(BASELINE, heavy_only=True), 2)} | "
                     f"{number(d.transfer_ratio(), 2)} | {number(d.scaling(), 2)} | "
                     f"{number(ratio(d.rate('lemap', 8), d.rate('oxigraph-memory', 8)), 2)} | "
                     f"{number(ratio(d.rate(CACHED, 8), d.rate('oxigraph-memory', 8)), 2)} |")
    return "\n".join(lines) + "\n"
