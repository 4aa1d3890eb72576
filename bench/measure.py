"""Every figure of one dataset: load it into each server, start them one after another, time the start-ups,
read warm memory (PSS and RSS), kill and time lemap's worker replacement, time the query mix, load the
web tiers, and stop every server whatever happens.

rdflib-endpoint cannot stop a query it has started (no time limit), so it answers the mix last, after
the others are timed, and is stopped at its first query past the HTTP timeout rather than left to burn
a core under the other servers' figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

from lemap_graph.settings import load_settings

from . import datasets as ds
from . import diagnose, lemap_pool, mix, report, servers, throughput
from .client import Reply, SparqlClient
from .memory import MemorySampler, tree_detail, tree_memory
from .report import DatasetFigures, LoadFigures, QueryFigures, Timing

#: The web-tier phase's connection counts (issue 14: 1 and 8).
CONNECTIONS = (1, 8)
#: The servers the web-tier phase loads.
THROUGHPUT_SERVERS = ("lemap", "oxigraph-memory", "oxigraph")


def say(text: str) -> None:
    """A progress line on stderr (stdout carries the Markdown)."""
    print(text, file=sys.stderr, flush=True)


# --- timing the mix ----------------------------------------------------------------------------


def _timing(replies: list[Reply], warm: Reply) -> Timing:
    ok = [r for r in replies if r.ok]
    failed = next((r for r in [warm, *replies] if not r.ok), None)
    error = "" if failed is None else (f"HTTP {failed.status}: {failed.error}" if failed.status else failed.error)
    rows = warm.rows if warm.ok else next((r.rows for r in ok), None)
    return Timing(report.median([r.ms for r in ok]), rows, len(ok), warm.truncated, error if not ok else "")


def time_query(query: mix.BenchQuery, clients: dict, *, repeat: int, budget_s: float) -> QueryFigures:
    """Run ``query`` once on each server to warm up, then up to ``repeat`` times each, alternating which goes first.

    Stops repeating once ``budget_s`` seconds are spent (after at least one timed run), and does not
    repeat on a server whose warm-up failed (a timeout would only cost the same again).
    """
    warm = {name: c.query(query.text) for name, c in clients.items()}
    runs: dict[str, list[Reply]] = {name: [] for name in clients}
    names = list(clients)
    start = time.monotonic()
    for i in range(repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            if warm[name].ok:
                runs[name].append(clients[name].query(query.text))
        if time.monotonic() - start > budget_s:
            break
    return QueryFigures(query.name, query.group, {n: _timing(runs[n], warm[n]) for n in names})


def load_test(url: str, texts: list[str], *, clients: int, duration_s: float, max_requests: int,
              timeout: float) -> LoadFigures:
    """``clients`` threads send ``texts`` in turn to ``url`` until ``max_requests`` are sent or ``duration_s`` is over."""
    import threading

    lock = threading.Lock()
    latencies: list[float] = []
    errors, sent = [0], [0]
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


# --- starting the servers ------------------------------------------------------------------------


def peers_for(dataset: ds.Dataset, args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The servers to run on ``dataset`` (lemap first) and why the others are left out.

    >>> args = argparse.Namespace(peers=["oxigraph", "rdflib-endpoint"], rdflib_max_triples=1000)
    >>> d = ds.Dataset("big", Path("x.nq"), 5000, ds.Probes("o", "a", "c", "C", "n"))
    >>> peers_for(d, args)
    (['lemap', 'oxigraph'], {'rdflib-endpoint': 'not run on 5,000 triples: it parses them into Python objects (limit 1,000, --rdflib-max-triples)'})
    """
    run, skipped = ["lemap"], {}
    for peer in args.peers:
        if peer == "rdflib-endpoint" and dataset.triples > args.rdflib_max_triples:
            skipped[peer] = (f"not run on {dataset.triples:,} triples: it parses them into Python objects "
                             f"(limit {args.rdflib_max_triples:,}, --rdflib-max-triples)")
        elif peer == "rdflib-endpoint" and servers.rdflib_endpoint_binary() is None:
            skipped[peer] = "not installed (pip install -e '.[bench]')"
        else:
            run.append(peer)
    return run, skipped


def _start(name: str, dataset: ds.Dataset, stores: dict[str, Path], workdir: Path, args, timeout: float | None,
           figures: DatasetFigures) -> servers.Server:
    log = workdir / f"{name}-{dataset.name}.log"
    if name == "lemap":
        # one benchmark client sends every query: neither the per-client concurrency limit nor the
        # per-client budget of query time may turn its measured queries into 429s
        env = {"LEMAP_QUERY_TIMEOUT": str(timeout), "LEMAP_CLIENT_QUERIES": str(args.client_queries),
               "LEMAP_CLIENT_BUDGET_SECONDS": "0"}
        return servers.start_lemap(stores["lemap"], log, env=env)
    if name == "oxigraph":
        return servers.start_oxigraph(stores["oxigraph"], log, timeout_s=timeout)
    if name == "oxigraph-memory":
        server = servers.start_oxigraph(None, log, timeout_s=timeout, name=name)
        servers.wait_until(server, lambda: servers._up(server), args.start_timeout)
        # 10M triples take minutes to POST and index: the same deadline as lemap's in-memory copy
        figures.load_s[name] = servers.post_nquads(servers.store_url(server), dataset.nquads, 4 * args.start_timeout)
        return server
    return servers.start_rdflib_endpoint(dataset.nquads, log)


def start_all(names: list[str], dataset: ds.Dataset, stores: dict[str, Path], workdir: Path, args, timeout: float,
              sampler: MemorySampler, figures: DatasetFigures, running: list[servers.Server]) -> None:
    """Start each server alone, so no start-up is slowed by another's; time its first correct answer and its warm-up."""
    text, rows = mix.check_query(dataset.probes)
    check = servers.Check(text, rows)
    for name in names:
        say(f"[{dataset.name}] starting {name} …")
        server = None
        try:
            server = _start(name, dataset, stores, workdir, args, timeout, figures)
            running.append(sampler.watch(server))
            figures.ready_s[name] = servers.wait_ready(server, check, _start_timeout(name, args))
        except servers.ServerError as e:
            if name in ("lemap", "oxigraph"):
                raise
            if server is not None:  # a peer that cannot start is reported, not the end of the run
                server.stop()
                running.remove(server)
            figures.skipped[name] = f"did not start: {str(e).splitlines()[0]}"
            figures.load_s.pop(name, None)
            continue
        if name == "lemap":
            # the copy of 10M triples takes minutes: wait for it, or every later figure is of the disk mode
            figures.memory_s = lemap_pool.wait_for_memory(lambda: lemap_pool.find_pool(server.pid), server.started,
                                                          4 * args.start_timeout)
        figures.warm_s.update(servers.wait_settled([server], args.start_timeout))
        say(f"[{dataset.name}] {name}: first correct answer after {figures.ready_s[name]:.2f} s")
    figures.servers = [s.name for s in running]


def _start_timeout(name: str, args) -> float:
    """rdflib-endpoint parses the whole file before it answers: it gets its own, longer deadline."""
    return args.rdflib_start_timeout if name == "rdflib-endpoint" else args.start_timeout


# --- one dataset -----------------------------------------------------------------------------------


def measure(dataset: ds.Dataset, args: argparse.Namespace, workdir: Path) -> DatasetFigures:
    """Every figure for one dataset; every server is stopped before this returns, whatever happens."""
    settings = load_settings()
    timeout = float(settings["LEMAP_QUERY_TIMEOUT"])
    figures = DatasetFigures(dataset.name, dataset.triples, dataset.notes)
    names, figures.skipped = peers_for(dataset, args)
    stores = {"oxigraph": workdir / f"oxigraph-{dataset.name}", "lemap": workdir / f"lemap-{dataset.name}"}
    say(f"[{dataset.name}] loading {dataset.triples:,} quads into the on-disk stores …")
    if "oxigraph" in names:
        figures.load_s["oxigraph"] = servers.oxigraph_load(stores["oxigraph"], dataset.nquads,
                                                           workdir / f"oxigraph-{dataset.name}.log")
    start = time.perf_counter()
    ds.load_into_store(dataset.nquads, stores["lemap"])
    figures.load_s["lemap"] = time.perf_counter() - start
    running: list[servers.Server] = []
    try:
        with MemorySampler() as sampler:
            start_all(names, dataset, stores, workdir, args, timeout, sampler, figures, running)
            # each server was started alone: its peak so far is its load's (lemap: building the copy)
            figures.start_peak_memory = _peaks(sampler)
            by_name = {s.name: s for s in running}
            _warm_memory(figures, by_name)
            timed = _replacements(dataset, by_name["lemap"], args)
            figures.replacement_s = [r.answered_s for r in timed]
            figures.replacement_listed_s = [r.listed_s for r in timed]
            core = {n: s for n, s in by_name.items() if n != "rdflib-endpoint"}
            say(f"[{dataset.name}] timing {args.repeat} runs of each query on {', '.join(core)} …")
            figures.queries = _time_mix(dataset, core, args)
            if args.clients > 0:
                figures.concurrency = _concurrency(dataset, core, args)
            if args.web_seconds > 0:
                context = (dataset, stores, workdir, args, sampler, running)
                figures.throughput = _throughput(dataset, core, args, lambda name: _without_timeout(name, core, context))
            if "rdflib-endpoint" in by_name:
                _time_rdflib(dataset, by_name["rdflib-endpoint"], figures, args)
        figures.peak_memory = _peaks(sampler)
    finally:
        for server in running:
            server.stop()
    if args.diagnose:
        _diagnose(dataset, figures, args, int(settings["LEMAP_MAX_ROWS"]))
    if not args.keep:  # the next (bigger) dataset needs the disk more than this one's stores
        for folder in stores.values():
            shutil.rmtree(folder, ignore_errors=True)
        dataset.nquads.unlink(missing_ok=True)
    return figures


def _peaks(sampler: MemorySampler) -> dict[str, dict[str, int]]:
    return {n: {"rss": m.rss, "pss": m.pss} for n, m in sampler.peak.items()}


def _warm_memory(figures: DatasetFigures, by_name: dict[str, servers.Server]) -> None:
    for name, server in by_name.items():
        m = tree_memory(server.pid)
        figures.warm_memory[name] = {"rss": m.rss, "pss": m.pss}
        figures.processes[name] = server.processes()
        detail = tree_detail(server.pid)
        figures.process_detail[name] = (lemap_pool.roles(detail, lemap_pool.find_pool(server.pid))
                                        if name == "lemap" else detail)


def _replacements(dataset: ds.Dataset, lemap: servers.Server, args) -> list[lemap_pool.Replacement]:
    pool = lemap_pool.find_pool(lemap.pid)
    if pool is None or args.replacements <= 0:
        return []
    text, rows = mix.check_query(dataset.probes)
    check = servers.Check(text, rows)
    try:
        out = lemap_pool.time_replacements(pool, "public", lambda: check.passes(lemap.url), times=args.replacements)
    except RuntimeError as e:
        say(f"[{dataset.name}] worker replacement: {e}")
        return []
    say(f"[{dataset.name}] lemap worker replaced (listed, answering): "
        f"{', '.join(f'{r.listed_s:.3f}/{r.answered_s:.3f}' for r in out)} s")
    servers.wait_settled([lemap], 30)
    return out


def _time_mix(dataset: ds.Dataset, by_name: dict[str, servers.Server], args) -> list[QueryFigures]:
    clients = {n: SparqlClient(s.url, timeout=args.http_timeout) for n, s in by_name.items()}
    queries = selected_queries(dataset, args)
    deadline = time.monotonic() + args.max_minutes * 60
    out = []
    try:
        for i, q in enumerate(queries, 1):
            if time.monotonic() > deadline:
                say(f"[{dataset.name}] time budget of {args.max_minutes:g} min spent: {len(queries) - i + 1} queries skipped")
                break
            fig = time_query(q, clients, repeat=args.repeat, budget_s=args.query_budget)
            out.append(fig)
            times = ", ".join(f"{n} {report.number(t.median_ms)}" for n, t in fig.timings.items())
            say(f"[{dataset.name}] {i}/{len(queries)} {q.name}: {times} ms {fig.flag}")
    finally:
        for c in clients.values():
            c.close()
    return out


def selected_queries(dataset: ds.Dataset, args) -> list[mix.BenchQuery]:
    """The mix, less the queries ``--only`` leaves out."""
    return [q for q in mix.build_mix(dataset.probes) if not args.only or any(o in q.name for o in args.only)]


def _without_timeout(name: str, core: dict[str, servers.Server], context) -> servers.Server:
    """``name`` restarted without ``--timeout-s`` for the web tier (see :func:`bench.servers.start_oxigraph`)."""
    dataset, stores, workdir, args, sampler, running = context
    old = core[name]
    old.stop()
    server = _start(name, dataset, stores, workdir, args, None, DatasetFigures(dataset.name, 0))
    running.append(sampler.watch(server))
    servers.wait_ready(server, servers.Check(*mix.check_query(dataset.probes)), args.start_timeout)
    core[name] = server
    return server


def _throughput(dataset: ds.Dataset, by_name: dict[str, servers.Server], args, restart) -> dict:
    """Each server's web tier at 1 and 8 connections on the 10-row lookup; ``restart(name)`` gives oxigraph without its timer.

    Every request is a query text not sent before (:func:`bench.throughput.distinct_script`), so no
    cache answers it; lemap is also loaded with one text repeated, which its result cache answers
    (:data:`bench.report.CACHED`).
    """
    text, rows = mix.lookup_query(dataset.probes)
    out: dict[str, dict] = {}
    for name in (n for n in THROUGHPUT_SERVERS if n in by_name):
        server = restart(name) if name.startswith("oxigraph") else by_name[name]
        if not _gives_rows(server.url, text, rows):
            say(f"[{dataset.name}] {name} does not answer the 10-row lookup with {rows} rows: no throughput figure")
            continue
        out[name] = _load(dataset, name, server, text, args, distinct=True)
        if name == "lemap":
            out[report.CACHED] = _load(dataset, report.CACHED, server, text, args, distinct=False)
    return out


def _load(dataset: ds.Dataset, name: str, server: servers.Server, text: str, args, *, distinct: bool) -> dict:
    out = {}
    for connections in CONNECTIONS:
        try:
            t = throughput.measure(server.url, text, connections=connections, seconds=args.web_seconds, distinct=distinct)
        except RuntimeError as e:  # a server that falls over under load is a finding, not the end of the run
            say(f"[{dataset.name}] {name}, {connections} connection(s): {e}")
            continue
        out[connections] = t
        say(f"[{dataset.name}] {name}, {connections} connection(s), {t.tool}: {report.number(t.rate)} req/s "
            f"({t.failed} failed answers, {t.socket_errors} socket errors)")
        servers.wait_settled([server], 30)
    return out


def _gives_rows(url: str, text: str, rows: int) -> bool:
    client = SparqlClient(url, timeout=30)
    try:
        reply = client.query(text)
    finally:
        client.close()
    return reply.ok and reply.rows == rows


def _concurrency(dataset: ds.Dataset, by_name: dict[str, servers.Server], args) -> dict[str, LoadFigures]:
    by_query = {q.name: q.text for q in mix.build_mix(dataset.probes)}
    texts = [by_query[n] for n in mix.CONCURRENT]
    out = {}
    for name, server in by_name.items():
        say(f"[{dataset.name}] {args.clients} parallel clients on {name} for up to {args.duration:g} s …")
        out[name] = load_test(server.url, texts, clients=args.clients, duration_s=args.duration,
                              max_requests=args.max_requests, timeout=args.http_timeout)
    return out


def _time_rdflib(dataset: ds.Dataset, server: servers.Server, figures: DatasetFigures, args) -> None:
    """Time the mix on rdflib-endpoint alone; the server is stopped at its first answer past the timeout."""
    client = SparqlClient(server.url, timeout=args.rdflib_timeout)
    by_name = {q.name: q for q in figures.queries}
    say(f"[{dataset.name}] timing the mix on rdflib-endpoint (at most {args.rdflib_timeout:g} s a query) …")
    stopped = ""
    try:
        for q in selected_queries(dataset, args):
            if q.name not in by_name:
                continue
            if stopped:
                timing = Timing(None, None, 0, error=stopped)
            else:
                timing = time_query(q, {"rdflib-endpoint": client}, repeat=max(1, args.repeat // 2),
                                    budget_s=args.query_budget).timings["rdflib-endpoint"]
                if timing.error and "TimeoutError" in timing.error:
                    stopped = f"not run: an earlier query passed {args.rdflib_timeout:g} s and the server was stopped"
                    timing = Timing(None, None, 0, error=f"no answer within {args.rdflib_timeout:g} s")
                    server.stop()
            by_name[q.name] = QueryFigures(q.name, q.group, {**by_name[q.name].timings, "rdflib-endpoint": timing})
    finally:
        client.close()
    figures.queries = [by_name[q.name] for q in figures.queries]


def _diagnose(dataset: ds.Dataset, figures: DatasetFigures, args, max_rows: int) -> None:
    say(f"[{dataset.name}] in-process breakdown of lemap's time …")
    store = diagnose.memory_store(dataset.nquads)
    texts = {q.name: q.text for q in mix.build_mix(dataset.probes)}
    deadline = time.monotonic() + args.max_minutes * 60
    for q in figures.queries:
        if time.monotonic() > deadline or q.ratio is None or q.ratio < 1.0:
            continue  # only where lemap is not the faster one, and never a query that timed out
        try:
            figures.breakdown[q.name] = diagnose.breakdown(store, texts[q.name], repeat=min(3, args.repeat),
                                                           max_rows=max_rows)
        except Exception as e:  # noqa: BLE001 - a diagnostic failure must not lose the run's figures
            say(f"[{dataset.name}] breakdown of {q.name} failed: {e}")
    del store


def prepare(names: list[str], workdir: Path, seed: int, progress: Callable[[str], None] = say):
    """The datasets named (``curated``, ``100k``, ``1M``, ``10M``) as N-Quads files in ``workdir``, each made when it is wanted."""
    for name in names:
        yield ds.curated(workdir, progress) if name == "curated" else ds.synthetic_dataset(name, workdir, seed, progress)
