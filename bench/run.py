"""Run the benchmark: load each dataset into lemap and its peers (oxigraph serve on disk and in memory,
rdflib-endpoint), time start-up, memory, worker replacement, the query mix and the web tier, and
report ratios as Markdown (stdout) and JSON (bench/results/)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox

from lemap_graph.settings import load_settings

from . import datasets as ds
from . import memory, servers, tables, throughput
from .measure import load_test, measure, prepare, time_query  # noqa: F401 - the bench's API
from .report import DatasetFigures, write_json

RESULTS = Path(__file__).resolve().parent / "results"


# --- the whole run ----------------------------------------------------------------------------


def meta(args: argparse.Namespace) -> dict[str, Any]:
    """What ran where: date, machine, versions and options."""
    settings = load_settings()
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "memory_gib": _memory_gib(), "python": platform.python_version()},
        "versions": {"pyoxigraph": ox.__version__, "oxigraph": servers.oxigraph_version(),
                     "rdflib-endpoint": _version("rdflib-endpoint"), "rdflib": _version("rdflib")},
        "load_tool": "wrk" if throughput.wrk_binary() else "the bench's own client (wrk is not installed)",
        "load_average": _load_average(),
        "lemap_settings": {k: settings[k] for k in ("LEMAP_WORKERS", "LEMAP_QUERY_TIMEOUT", "LEMAP_MAX_ROWS")},
        "options": {k: v for k, v in vars(args).items() if k != "func"},
        "memory_source": "/proc (status, smaps_rollup)" + (", psutil" if memory.psutil is not None else ""),
    }


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def report_peers() -> tuple[str, ...]:
    """The peers lemap can be compared with."""
    from .report import SERVERS

    return SERVERS[1:]


#: Datasets of each ``--size``.
SIZE_NAMES = {"default": ["curated", "100k"], "large": ["curated", "100k", "1M"], "xl": ["curated", "100k", "1M", "10M"]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench``."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", choices=tuple(SIZE_NAMES), default="default",
                   help="default: the curated data and 100k synthetic triples; large: also 1M; xl: also 10M")
    p.add_argument("--datasets", help=f"comma-separated datasets instead of --size (curated, {', '.join(ds.SIZES)})")
    p.add_argument("--seed", type=int, default=ds.synthetic.SEED, help="seed of the synthetic data")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each query on each server (default 5)")
    p.add_argument("--query-budget", type=float, default=20.0, help="seconds after which a query is not repeated")
    p.add_argument("--only", action="append", help="run only queries whose name contains this (repeatable)")
    p.add_argument("--clients", type=int, default=4, help="parallel clients in the concurrency phase (0: skip it)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of the concurrency phase per server")
    p.add_argument("--max-requests", type=int, default=4000, help="most requests of the concurrency phase per server")
    p.add_argument("--peers", default=",".join(report_peers()),
                   help=f"comma-separated peers to run beside lemap (default: {','.join(report_peers())})")
    p.add_argument("--rdflib-max-triples", type=int, default=1_100_000,
                   help="largest dataset rdflib-endpoint is run on (default 1,100,000: up to 1M)")
    p.add_argument("--rdflib-timeout", type=float, default=30.0,
                   help="seconds rdflib-endpoint gets for one query; it is stopped at the first it passes")
    p.add_argument("--rdflib-start-timeout", type=float, default=1200.0,
                   help="seconds rdflib-endpoint may take to parse the data and answer")
    p.add_argument("--web-seconds", type=float, default=10.0,
                   help="seconds of each web-tier run (1 and 8 connections per server; 0: skip them)")
    p.add_argument("--client-queries", type=int, default=8,
                   help="LEMAP_CLIENT_QUERIES of the lemap under test: the load tool's 8 connections come "
                        "from one address (default 8)")
    p.add_argument("--replacements", type=int, default=3, help="times a lemap query worker is killed and timed")
    p.add_argument("--http-timeout", type=float, default=60.0, help="seconds a client waits for one answer")
    p.add_argument("--start-timeout", type=float, default=300.0, help="seconds a server may take to start")
    p.add_argument("--max-minutes", type=float, default=30.0, help="time budget of each dataset's query timing")
    p.add_argument("--no-diagnose", dest="diagnose", action="store_false",
                   help="skip the in-process breakdown of lemap's time")
    p.add_argument("--network", action="store_true", help="also run bench.network (the partnership network, 10k)")
    p.add_argument("--out", type=Path, default=RESULTS, help="folder of the JSON results (default bench/results)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (stores, logs, N-Quads)")
    args = p.parse_args(argv)
    names = args.datasets.split(",") if args.datasets else SIZE_NAMES[args.size]
    args.peers = [peer for peer in args.peers.split(",") if peer]
    wrong = [peer for peer in args.peers if peer not in report_peers()]
    if wrong:
        p.error(f"unknown peer {wrong[0]!r} (known: {', '.join(report_peers())})")
    unknown = [n for n in names if n != "curated" and n not in ds.SIZES]
    if unknown:
        p.error(f"unknown dataset {unknown[0]!r} (known: curated, {', '.join(ds.SIZES)})")
    args.names = names
    return args


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # so the finally blocks stop the servers


def main(argv: list[str] | None = None, emit: Callable[[str], None] = print) -> int:
    """Run the benchmark the options ask for; print Markdown, write JSON; 0 on success, 1 on a failure."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        servers.oxigraph_binary()
    except servers.ServerError as e:
        print(f"python -m bench: error: {e}", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="lemap-bench-"))
    results: list[DatasetFigures] = []
    info = meta(args)
    status = 0
    try:
        emit(f"# lemap and its peers — {info['date']}\n\n{_machine_line(info)}\n")
        for dataset in prepare(args.names, workdir, args.seed):
            figures = measure(dataset, args, workdir)
            results.append(figures)
            emit(tables.markdown(figures))
        if len(results) > 0:
            emit(f"## Summary\n\n{tables.summary(results)}")
        if args.network:
            info["network"] = _network(workdir, emit)
    except servers.ServerError as e:
        print(f"python -m bench: error: {e}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt as e:
        print(f"python -m bench: stopped ({e or 'interrupted'})", file=sys.stderr)
        status = 1
    except Exception:  # noqa: BLE001 - the datasets measured so far are still written below
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        if args.keep:
            print(f"python -m bench: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if results:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = write_json(args.out / f"{stamp}.json", info, results)
        print(f"python -m bench: figures written to {path}", file=sys.stderr)
    return status


def _machine_line(info: dict[str, Any]) -> str:
    m, v = info["machine"], info["versions"]
    return (f"Machine: {m['processor']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}; Python {m['python']}; "
            f"pyoxigraph {v['pyoxigraph']}; {v['oxigraph']}; lemap with {info['lemap_settings']['LEMAP_WORKERS']} "
            f"query workers, row cap {info['lemap_settings']['LEMAP_MAX_ROWS']:,}, "
            f"timeout {info['lemap_settings']['LEMAP_QUERY_TIMEOUT']:g} s (oxigraph: the same timeout); "
            f"rdflib-endpoint {v.get('rdflib-endpoint') or '–'} (rdflib {v.get('rdflib') or '–'}); "
            f"web-tier load by {info['load_tool']}; load average at the start "
            f"{', '.join(map(str, info['load_average'] or [])) or '–'}.")


def _network(workdir: Path, emit: Callable[[str], None]) -> dict[str, Any] | None:
    """The partnership network's own benchmark (bench.network) at 10k triples, as one more section."""
    import json

    from . import network

    out = workdir / "network.json"
    emit("## Partnership network (bench.network, 10k)\n\n```")
    sys.stdout.flush()
    network.main(["--sizes", "10k", "--json", str(out)])
    emit("```")
    return json.loads(out.read_text()) if out.exists() else None
