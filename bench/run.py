"""Run the benchmark: load each dataset into both servers, time the query mix, load them with parallel
clients, watch their memory, and report ratios as Markdown (stdout) and JSON (bench/results/)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pyoxigraph as ox

from lemap_graph.settings import load_settings

from . import datasets as ds
from . import diagnose, mix, report, servers
from .client import Reply, SparqlClient
from .report import DatasetFigures, LoadFigures, QueryFigures, Timing

RESULTS = Path(__file__).resolve().parent / "results"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- timing the mix ----------------------------------------------------------------------------


def _timing(replies: list[Reply], warm: Reply) -> Timing:
    ok = [r for r in replies if r.ok]
    failed = next((r for r in [warm, *replies] if not r.ok), None)
    error = "" if failed is None else (f"HTTP {failed.status}: {failed.error}" if failed.status else failed.error)
    rows = warm.rows if warm.ok else next((r.rows for r in ok), None)
    return Timing(report.median([r.ms for r in ok]), rows, len(ok), warm.truncated, error if not ok else "")


def time_query(query: mix.BenchQuery, clients: dict[str, SparqlClient], *, repeat: int, budget_s: float) -> QueryFigures:
    """Run ``query`` once on each server to warm up, then up to ``repeat`` times each, alternating which goes first.

    Stops repeating once ``budget_s`` seconds are spent (after at least one timed run), and does not
    repeat on a server whose warm-up failed (a timeout would only cost the same again).
    """
    warm = {name: c.query(query.text) for name, c in clients.items()}
    runs: dict[str, list[Reply]] = {name: [] for name in clients}
    names = list(clients)
    start = time.monotonic()
    for i in range(repeat):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            if warm[name].ok:
                runs[name].append(clients[name].query(query.text))
        if time.monotonic() - start > budget_s:
            break
    return QueryFigures(query.name, query.group, _timing(runs["lemap"], warm["lemap"]),
                        _timing(runs["oxigraph"], warm["oxigraph"]))


# --- the concurrency phase -----------------------------------------------------------------------


def load_test(url: str, texts: list[str], *, clients: int, duration_s: float, max_requests: int,
              timeout: float) -> LoadFigures:
    """``clients`` threads send ``texts`` in turn to ``url`` until ``max_requests`` are sent or ``duration_s`` is over."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    sent = [0]
    deadline = time.monotonic() + duration_s

    def next_text() -> str | None:
        """The next query to send, or None once the request count or the time is used up."""
        with lock:
            if sent[0] >= max_requests or time.monotonic() >= deadline:
                return None
            sent[0] += 1
            return texts[sent[0] % len(texts)]

    def worker() -> None:
        """One client: send queries over its own connection until there are no more."""
        client = SparqlClient(url, timeout=timeout)
        try:
            while (text := next_text()) is not None:
                reply = client.query(text)
                with lock:
                    latencies.append(reply.ms)
                    errors[0] += 0 if reply.ok else 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, name=f"bench-client-{i}", daemon=True) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration_s + timeout + 30)
    seconds = time.perf_counter() - start
    with lock:
        done = list(latencies)
    return LoadFigures(clients, len(done), errors[0], seconds, report.percentile(done, 50), report.percentile(done, 95))


# --- one dataset -----------------------------------------------------------------------------------


def _wait_for_workers(server: servers.Server, expected: int, deadline_s: float) -> None:
    """Wait until lemap's process tree has ``expected`` processes (its query workers have started)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and server.processes() < expected:
        time.sleep(0.2)


def measure(dataset: ds.Dataset, args: argparse.Namespace, workdir: Path) -> DatasetFigures:
    """Every figure for one dataset; both servers are stopped before this returns, whatever happens."""
    settings = load_settings()
    timeout = float(settings["LEMAP_QUERY_TIMEOUT"])
    figures = DatasetFigures(dataset.name, dataset.triples, dataset.notes)
    oxi_dir, lemap_dir = workdir / f"oxigraph-{dataset.name}", workdir / f"lemap-{dataset.name}"
    oxi_log, lemap_log = workdir / f"oxigraph-{dataset.name}.log", workdir / f"lemap-{dataset.name}.log"
    _say(f"[{dataset.name}] loading {dataset.triples:,} quads into both stores …")
    figures.load_s["oxigraph"] = servers.oxigraph_load(oxi_dir, dataset.nquads, oxi_log)
    start = time.perf_counter()
    ds.load_into_store(dataset.nquads, lemap_dir)
    figures.load_s["lemap"] = time.perf_counter() - start
    running: list[servers.Server] = []
    try:
        with servers.MemorySampler() as sampler:
            # One after the other, so neither start-up is slowed by the other's.
            for start_server in (lambda: servers.start_oxigraph(oxi_dir, oxi_log, timeout_s=timeout),
                                 lambda: servers.start_lemap(lemap_dir, lemap_log, env={"LEMAP_QUERY_TIMEOUT": str(timeout)})):
                server = sampler.watch(start_server())
                running.append(server)
                figures.ready_s.update(servers.wait_ready([server], args.start_timeout))
                if server.name == "lemap":
                    _wait_for_workers(server, 2 + int(settings["LEMAP_WORKERS"]), args.start_timeout)
                figures.warm_s.update(servers.wait_settled([server], args.start_timeout))
            running.sort(key=lambda s: s.name != "lemap")  # lemap first in every table
            figures.idle_rss = sampler.sample()
            figures.processes = {s.name: s.processes() for s in running}
            figures.process_rss = {s.name: servers.tree_detail(s.proc.pid) for s in running}
            _say(f"[{dataset.name}] both servers ready; timing {args.repeat} runs of each query …")
            figures.queries = _time_mix(dataset, running, args)
            if args.clients > 0:
                figures.concurrency = _concurrency(dataset, running, args, timeout)
        figures.peak_rss = dict(sampler.peak)
    finally:
        for server in running:
            server.stop()
    if args.diagnose:
        _diagnose(dataset, figures, args, int(settings["LEMAP_MAX_ROWS"]))
    if not args.keep:  # the next (bigger) dataset needs the disk more than this one's stores
        for folder in (oxi_dir, lemap_dir):
            shutil.rmtree(folder, ignore_errors=True)
        dataset.nquads.unlink(missing_ok=True)
    return figures


def _time_mix(dataset: ds.Dataset, running: list[servers.Server], args: argparse.Namespace) -> list[QueryFigures]:
    clients = {s.name: SparqlClient(s.url, timeout=args.http_timeout) for s in running}
    queries = [q for q in mix.build_mix(dataset.probes) if not args.only or any(o in q.name for o in args.only)]
    deadline = time.monotonic() + args.max_minutes * 60
    out = []
    try:
        for i, q in enumerate(queries, 1):
            if time.monotonic() > deadline:
                _say(f"[{dataset.name}] time budget of {args.max_minutes:g} min spent: {len(queries) - i + 1} queries skipped")
                break
            fig = time_query(q, clients, repeat=args.repeat, budget_s=args.query_budget)
            out.append(fig)
            _say(f"[{dataset.name}] {i}/{len(queries)} {q.name}: lemap {report.number(fig.lemap.median_ms)} ms, "
                 f"oxigraph {report.number(fig.oxigraph.median_ms)} ms {fig.flag}")
    finally:
        for c in clients.values():
            c.close()
    return out


def _concurrency(dataset: ds.Dataset, running: list[servers.Server], args, timeout: float) -> dict[str, LoadFigures]:
    by_name = {q.name: q.text for q in mix.build_mix(dataset.probes)}
    texts = [by_name[n] for n in mix.CONCURRENT]
    out = {}
    for server in running:
        _say(f"[{dataset.name}] {args.clients} parallel clients on {server.name} for up to {args.duration:g} s …")
        out[server.name] = load_test(server.url, texts, clients=args.clients, duration_s=args.duration,
                                     max_requests=args.max_requests, timeout=args.http_timeout)
    return out


def _diagnose(dataset: ds.Dataset, figures: DatasetFigures, args, max_rows: int) -> None:
    _say(f"[{dataset.name}] in-process breakdown of lemap's time …")
    store = diagnose.memory_store(dataset.nquads)
    texts = {q.name: q.text for q in mix.build_mix(dataset.probes)}
    figures.breakdown = {}
    deadline = time.monotonic() + args.max_minutes * 60
    for q in figures.queries:
        if time.monotonic() > deadline or q.ratio is None or q.ratio < 1.0:
            continue  # only where lemap is not the faster one, and never a query that timed out
        try:
            figures.breakdown[q.name] = diagnose.breakdown(store, texts[q.name], repeat=min(3, args.repeat),
                                                           max_rows=max_rows)
        except Exception as e:  # noqa: BLE001 - a diagnostic failure must not lose the run's figures
            _say(f"[{dataset.name}] breakdown of {q.name} failed: {e}")
    del store


# --- the whole run ----------------------------------------------------------------------------


def meta(args: argparse.Namespace) -> dict[str, Any]:
    """What ran where: date, machine, versions and options."""
    settings = load_settings()
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "memory_gib": _memory_gib(), "python": platform.python_version()},
        "versions": {"pyoxigraph": ox.__version__, "oxigraph": servers.oxigraph_version()},
        "lemap_settings": {k: settings[k] for k in ("LEMAP_WORKERS", "LEMAP_QUERY_TIMEOUT", "LEMAP_MAX_ROWS")},
        "options": {k: v for k, v in vars(args).items() if k != "func"},
        "memory_source": "psutil" if servers.psutil is not None else "/proc",
    }


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def prepare(names: list[str], workdir: Path, seed: int) -> Iterator[ds.Dataset]:
    """The datasets named (``curated``, ``100k``, ``1M``) as N-Quads files in ``workdir``, each made when it is wanted."""
    for name in names:
        yield ds.curated(workdir, _say) if name == "curated" else ds.synthetic_dataset(name, workdir, seed, _say)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench``."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", choices=("default", "large"), default="default",
                   help="default: the curated data and 100k synthetic triples; large: also 1M")
    p.add_argument("--datasets", help=f"comma-separated datasets instead of --size (curated, {', '.join(ds.SIZES)})")
    p.add_argument("--seed", type=int, default=ds.synthetic.SEED, help="seed of the synthetic data")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each query on each server (default 5)")
    p.add_argument("--query-budget", type=float, default=20.0, help="seconds after which a query is not repeated")
    p.add_argument("--only", action="append", help="run only queries whose name contains this (repeatable)")
    p.add_argument("--clients", type=int, default=4, help="parallel clients in the concurrency phase (0: skip it)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of the concurrency phase per server")
    p.add_argument("--max-requests", type=int, default=4000, help="most requests of the concurrency phase per server")
    p.add_argument("--http-timeout", type=float, default=60.0, help="seconds a client waits for one answer")
    p.add_argument("--start-timeout", type=float, default=300.0, help="seconds a server may take to start")
    p.add_argument("--max-minutes", type=float, default=30.0, help="time budget of each dataset's query timing")
    p.add_argument("--no-diagnose", dest="diagnose", action="store_false",
                   help="skip the in-process breakdown of lemap's time")
    p.add_argument("--network", action="store_true", help="also run bench.network (the partnership network, 10k)")
    p.add_argument("--out", type=Path, default=RESULTS, help="folder of the JSON results (default bench/results)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (stores, logs, N-Quads)")
    args = p.parse_args(argv)
    names = args.datasets.split(",") if args.datasets else ["curated", "100k"] + (["1M"] if args.size == "large" else [])
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
        emit(f"# lemap vs oxigraph serve — {info['date']}\n\n{_machine_line(info)}\n")
        for dataset in prepare(args.names, workdir, args.seed):
            figures = measure(dataset, args, workdir)
            results.append(figures)
            emit(report.markdown(figures))
        if args.network:
            info["network"] = _network(workdir, emit)
    except servers.ServerError as e:
        print(f"python -m bench: error: {e}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt as e:
        print(f"python -m bench: stopped ({e or 'interrupted'})", file=sys.stderr)
        status = 1
    finally:
        if args.keep:
            print(f"python -m bench: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if results:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = report.write_json(args.out / f"{stamp}.json", info, results)
        print(f"python -m bench: figures written to {path}", file=sys.stderr)
    return status


def _machine_line(info: dict[str, Any]) -> str:
    m, v = info["machine"], info["versions"]
    return (f"Machine: {m['processor']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}; Python {m['python']}; "
            f"pyoxigraph {v['pyoxigraph']}; {v['oxigraph']}; lemap with {info['lemap_settings']['LEMAP_WORKERS']} "
            f"query workers, row cap {info['lemap_settings']['LEMAP_MAX_ROWS']:,}, "
            f"timeout {info['lemap_settings']['LEMAP_QUERY_TIMEOUT']:g} s (oxigraph: the same timeout).")


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
