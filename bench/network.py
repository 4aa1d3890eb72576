"""Cost of the partnership network as the graph grows, on synthetic organisation networks (not a test).

For each size (in triples) it builds a store from :func:`bench.synthetic_network.synthetic_quads`, then
times: the network's named queries, turning rows into graphs, each metric with each backend
(networkx's exact betweenness in a child process that is stopped after ``--nx-timeout`` seconds),
and the web API (``/api/network.json``) from a cold start, for a new filter, and from the cache.
``--browser`` also opens the view on a synthetic graph of ``--browser-orgs`` organisations in
headless Chromium and reports how long the layout took.

    python -m bench.network                       # 10k and 100k triples
    python -m bench.network --sizes 100k,1M --nx-timeout 600
    python -m bench.network --sizes 10k --browser --json bench-network.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lemap_graph import network as nw  # noqa: E402
from bench import synthetic_network  # noqa: E402
from lemap_graph.queries import get_query  # noqa: E402
from lemap_graph.store import run_query  # noqa: E402

#: Organisations and activities per size: about 9.4 triples per activity and 5 per organisation.
SIZES = {"10k": (150, 1_000), "100k": (1_000, 10_000), "1M": (10_000, 100_000)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``fn`` took, and what it returned."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _child_betweenness(G, conn) -> None:
    import networkx as nx

    start = time.perf_counter()
    nx.betweenness_centrality(G, normalized=True)
    conn.send(time.perf_counter() - start)


def networkx_exact_betweenness(G, timeout: float) -> float | None:
    """Seconds networkx's exact betweenness takes on ``G``, or None when it did not finish in ``timeout``."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_betweenness, args=(G, child), daemon=True)
    proc.start()
    if parent.poll(timeout):
        seconds = parent.recv()
        proc.join()
        return seconds
    proc.kill()
    proc.join()
    return None


def measure_size(name: str, orgs: int, activities: int, nx_timeout: float) -> dict[str, Any]:
    """Every figure for one synthetic size."""
    out: dict[str, Any] = {"size": name, "organisations": orgs, "activities": activities}
    t, quads = timed(lambda: synthetic_network.synthetic_quads(organisations=orgs, activities=activities, seed=0))
    store = ox.Store()
    store.extend(quads)
    out["triples"] = len(store)
    out["generate_s"] = t
    text = get_query("network-participation").text
    out["participation_query_s"], rows = timed(lambda: run_query(store, text))
    out["participation_rows"] = len(rows.rows)
    out["rows_to_data_s"], data = timed(lambda: nw.data_from_store(store))
    out["graph_s"], G = timed(lambda: nw.build_graph(data, nw.Filters()))
    out["nodes"], out["edges"] = G.number_of_nodes(), G.number_of_edges()
    out["betweenness_igraph_s"] = timed(lambda: nw.betweenness(G, backend="igraph"))[0]
    out["betweenness_networkx_sampled_s"], (_, how) = timed(lambda: nw.betweenness(G, backend="networkx"))
    out["betweenness_networkx_method"] = how
    out["betweenness_networkx_exact_s"] = networkx_exact_betweenness(G, nx_timeout)
    out["pagerank_python_s"] = timed(lambda: nw.pagerank(G, backend="networkx"))[0]
    out["pagerank_igraph_s"] = timed(lambda: nw.pagerank(G, backend="igraph"))[0]
    out["louvain_networkx_s"] = timed(lambda: nw.communities(G, backend="networkx"))[0]
    out["louvain_igraph_s"] = timed(lambda: nw.communities(G, backend="igraph"))[0]
    out["metrics_auto_s"], methods = timed(lambda: nw.compute_metrics(nw.build_graph(data, nw.Filters())))
    out["metrics_auto_methods"] = methods
    out["metrics_networkx_s"] = timed(lambda: nw.compute_metrics(nw.build_graph(data, nw.Filters()), backend="networkx"))[0]
    out.update(measure_api(store))
    return out


def measure_api(store: ox.Store) -> dict[str, Any]:
    """Seconds /api/network.json takes: cold start, cached, a new filter, and that filter cached."""
    from webapp import create_app

    app = create_app({"TESTING": True, "LEMAP_WORKERS": 1}, store=store)
    try:
        client = app.test_client()
        out = {}
        out["api_cold_start_s"], r = timed(lambda: client.get("/api/network.json"))
        out["api_json_bytes"] = len(r.data)
        out["api_cached_s"] = timed(lambda: client.get("/api/network.json"))[0]
        out["api_new_filter_s"] = timed(lambda: client.get("/api/network.json?from=2016&to=2019"))[0]
        out["api_new_filter_cached_s"] = timed(lambda: client.get("/api/network.json?from=2016&to=2019"))[0]
        out["api_gexf_s"] = timed(lambda: client.get("/api/network.gexf"))[0]
        return out
    finally:
        app.extensions["lemap"].close()


def measure_browser(orgs: int, activities: int) -> dict[str, Any]:
    """Open /network on a synthetic graph of ``orgs`` organisations in headless Chromium; layout and ready times."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import CHROMIUM, CHROMIUM_ARGS, save_screenshot, serve
    from playwright.sync_api import sync_playwright

    from webapp import create_app

    store = ox.Store()
    store.extend(synthetic_network.synthetic_quads(organisations=orgs, activities=activities, seed=0, countries=60))
    app = create_app({"TESTING": True, "LEMAP_WORKERS": 1}, store=store)
    live = serve(app)
    try:
        live.app.test_client().get("/api/network.json")  # the network is computed before the page opens
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(live.url + "/network", timeout=120_000)
            page.wait_for_selector("#network-canvas[data-ready='true']", timeout=120_000)
            ready = time.perf_counter() - start
            drawn = page.evaluate("""() => ({nodes: lemapNetwork.cy.nodes().length, edges: lemapNetwork.cy.edges().length,
                                           layoutMs: lemapNetwork.layoutMs, fetchMs: lemapNetwork.fetchMs,
                                           buildMs: lemapNetwork.buildMs, links: lemapNetwork.data.edges.length})""")
            start = time.perf_counter()
            page.fill("#network-search-input", "Organisation 0")
            page.click("#network-search button[type=submit]")
            page.wait_for_function("() => lemapNetwork.focused !== undefined")
            search = time.perf_counter() - start
            path = save_screenshot(page, f"network-synthetic-{orgs}")
            browser.close()
        return {"browser_orgs": orgs, "browser_nodes": drawn["nodes"], "browser_links": drawn["links"],
                "browser_links_drawn": drawn["edges"], "browser_fetch_ms": drawn["fetchMs"],
                "browser_build_ms": drawn["buildMs"], "browser_layout_ms": drawn["layoutMs"],
                "browser_page_ready_s": ready, "browser_search_s": search,
                "browser_screenshot": str(path.relative_to(ROOT))}
    finally:
        live.stop()
        app.extensions["lemap"].close()


def report(rows: list[dict[str, Any]]) -> str:
    """The figures as a plain table, one column per size."""
    keys = [k for k in rows[0] if k not in ("size", "metrics_auto_methods")]
    lines = ["figure".ljust(34) + "".join(r["size"].rjust(16) for r in rows)]
    for k in keys:
        cells = []
        for r in rows:
            v = r.get(k)
            cells.append(("did not finish" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)).rjust(16))
        lines.append(k.ljust(34) + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements the options ask for and print them (and write JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m bench.network", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help=f"comma-separated sizes among {', '.join(SIZES)} (default: 10k,100k)")
    parser.add_argument("--nx-timeout", type=float, default=120.0, help="seconds networkx's exact betweenness may run (default: 120)")
    parser.add_argument("--browser", action="store_true", help="also measure the view's layout in headless Chromium")
    parser.add_argument("--browser-orgs", type=int, default=2000, help="organisations in the browser's synthetic graph (default: 2000)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r} (known: {', '.join(SIZES)})")
    print(f"igraph installed: {nw.igraph_available()}", flush=True)
    rows = []
    for name in sizes:
        print(f"measuring {name} …", file=sys.stderr, flush=True)
        rows.append(measure_size(name, *SIZES[name], args.nx_timeout))
    print(report(rows))
    result: dict[str, Any] = {"sizes": rows, "igraph": nw.igraph_available()}
    if args.browser:
        result["browser"] = measure_browser(args.browser_orgs, int(args.browser_orgs * 1.5))
        print("\n".join(f"{k}: {v}" for k, v in result["browser"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
