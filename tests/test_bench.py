"""The benchmark's own logic: synthetic data, query binding, the mix and the report (no timing here)."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import datasets, lemap_pool, memory, mix, report, servers, synthetic, tables, throughput  # noqa: E402
from bench.client import count_rows  # noqa: E402
from bench.client import Reply  # noqa: E402
from bench.measure import peers_for, time_query  # noqa: E402
from bench.run import parse_args  # noqa: E402
from lemap_graph.namespaces import PREFIXES as P  # noqa: E402
from lemap_graph.queries import load_queries  # noqa: E402
from lemap_graph.report import SECTIONS  # noqa: E402
from lemap_graph.store import GRAPH_BASE, run_query  # noqa: E402

SIZE = 20_000


@pytest.fixture(scope="module")
def quads() -> list[ox.Quad]:
    """A small synthetic dataset over the curated countries."""
    return synthetic.synthetic_quads(SIZE, countries=datasets.countries_of(datasets.reference_quads()))


@pytest.fixture(scope="module")
def synthetic_store(quads) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


def subjects_of_type(store: ox.Store, cls: str) -> list[ox.NamedNode]:
    return [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(P["rdf"] + "type"), ox.NamedNode(cls), None)]


def objects(store: ox.Store, s, p: str) -> list:
    return [q.object for q in store.quads_for_pattern(s, ox.NamedNode(p), None, None)]


# --- synthetic data ------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_quads_in_the_same_order(quads) -> None:
    again = synthetic.synthetic_quads(SIZE, countries=datasets.countries_of(datasets.reference_quads()))
    assert again == quads
    assert synthetic.synthetic_quads(SIZE, seed=7) != synthetic.synthetic_quads(SIZE, seed=8)


def test_the_size_is_close_to_the_target(quads) -> None:
    assert 0.9 * SIZE < len(quads) < 1.1 * SIZE


def test_data_sit_in_named_graphs_per_region(quads) -> None:
    graphs = {q.graph_name.value for q in quads}
    assert graphs >= {GRAPH_BASE + "synthetic/organisations", GRAPH_BASE + "synthetic/mena"}
    assert all(g.startswith(GRAPH_BASE + "synthetic/") for g in graphs)


def test_every_activity_has_the_shape_of_a_curated_one(synthetic_store) -> None:
    activities = subjects_of_type(synthetic_store, P["lm"] + "Activity")
    assert len(activities) == synthetic.shape_for(SIZE).activities
    for a in activities:
        for prop in ("skos:prefLabel", "lm:activityKind", "lm:status", "schema:startDate", "lm:country"):
            prefix, local = prop.split(":")
            assert len(objects(synthetic_store, a, P[prefix] + local)) >= 1, (a, prop)
        assert objects(synthetic_store, a, P["schema"] + "startDate")[0].datatype.value == P["xsd"] + "gYear"
        assert len(objects(synthetic_store, a, P["schema"] + "organizer")) >= 1
        assert objects(synthetic_store, a, P["prov"] + "wasDerivedFrom")


def test_every_activity_takes_in_at_least_one_organisation_and_at_most_five(synthetic_store) -> None:
    roles = set(synthetic.ROLES)
    per_activity = Counter(q.subject for q in synthetic_store.quads_for_pattern(None, None, None, None)
                           if q.predicate.value in roles)
    assert per_activity and all(1 <= n <= 5 for n in per_activity.values())
    assert max(per_activity.values()) > 2


def test_a_few_hubs_take_part_in_many_activities(synthetic_store) -> None:
    counts = Counter(q.object for q in synthetic_store.quads_for_pattern(None, None, None, None)
                     if q.predicate.value in set(synthetic.ROLES))
    top, median_count = counts.most_common(1)[0][1], sorted(counts.values())[len(counts) // 2]
    assert top > 10 * median_count


def test_excerpts_quote_a_report_section(synthetic_store) -> None:
    slugs = {P["section"] + s.slug for s in SECTIONS}
    excerpts = subjects_of_type(synthetic_store, P["lm"] + "Excerpt")
    assert excerpts
    for ex in excerpts:
        assert objects(synthetic_store, ex, P["prov"] + "value")[0].value
        assert objects(synthetic_store, ex, P["dcterms"] + "isPartOf")[0].value in slugs


def test_every_concept_used_is_defined_in_the_schemes(quads) -> None:
    defined = {q.subject.value for q in datasets.reference_quads()}
    concept_namespaces = tuple(P[k] for k in ("akind", "okind", "dkind", "status", "kp", "topic", "qual", "stage", "country"))
    used = {q.object.value for q in quads if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(concept_namespaces)}
    assert used and used <= defined, sorted(used - defined)[:5]


def test_iris_follow_the_modelling_guide(quads) -> None:
    slug = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
    for q in quads:
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(P["lmid"]):
                kind, _, name = term.value.removeprefix(P["lmid"]).partition("/")
                assert kind and (slug.fullmatch(name) or kind == "country"), term.value


# --- probes and the query mix ------------------------------------------------------------------------


def test_probes_name_entities_the_data_has(curated_store) -> None:
    probes = datasets.choose_probes(curated_store.quads_for_pattern(None, None, None, None))
    for iri in (probes.organisation, probes.activity, probes.country):
        assert any(True for _ in curated_store.quads_for_pattern(ox.NamedNode(iri), None, None, None)), iri
    assert probes.country == P["country"] + probes.country_code


def test_every_named_query_is_in_the_mix_with_all_its_required_parameters(curated_store) -> None:
    probes = datasets.choose_probes(curated_store.quads_for_pattern(None, None, None, None))
    values = mix.parameter_values(probes)
    named = load_queries()
    for q in named:
        for p in q.params:
            assert not p.required or (q.name, p.name) in values or ("*", p.name) in values, (q.name, p.name)
    in_mix = [b.name for b in mix.build_mix(probes)]
    assert [n for n in in_mix if n.startswith("named-")] == ["named-" + q.name for q in named]
    assert len(set(in_mix)) == len(in_mix)
    assert set(mix.CONCURRENT) <= set(in_mix)


def _normalised(rows) -> Counter:
    """Rows with each value's words sorted: GROUP_CONCAT's order is not defined."""
    return Counter(tuple(None if t is None else tuple(sorted(re.split(r"[ |;,]+", t.value))) for t in row) for row in rows)


@pytest.mark.parametrize("query", [q for q in load_queries() if q.params], ids=lambda q: q.name)
def test_values_binding_gives_the_rows_substitutions_give(query, curated_store) -> None:
    probes = datasets.choose_probes(curated_store.quads_for_pattern(None, None, None, None))
    values = mix.parameter_values(probes)
    subs = {p.name: values.get((query.name, p.name), values.get(("*", p.name))) for p in query.params}
    expected = run_query(curated_store, query.text, substitutions=subs).rows
    bound = mix.bind_values(query.text, subs)
    assert "?_" in bound and bound != query.text
    assert _normalised(run_query(curated_store, bound).rows) == _normalised(expected)


def test_values_binding_leaves_values_blocks_templates_and_subquery_braces_alone() -> None:
    term = {"_x": ox.Literal("a")}
    text = "CONSTRUCT { ?s ?p ?_x } WHERE { VALUES ?p { <http://ex/p> } { SELECT ?s ?_x WHERE { ?s ?q ?_x } } }"
    bound = mix.bind_values(text, term)
    assert bound.count('VALUES ?_x { "a" }') == 2
    assert bound.startswith("CONSTRUCT { ?s ?p ?_x }")
    assert "{ SELECT" in bound and 'VALUES ?p { <http://ex/p> }' in bound
    ox.Store().query(bound)  # still valid SPARQL


def test_custom_queries_run_on_the_synthetic_data(synthetic_store, quads) -> None:
    probes = datasets.choose_probes(quads)
    for q in mix.custom_queries(probes):
        result = synthetic_store.query(q.text, use_default_graph_as_union=True)
        rows = bool(result) if isinstance(result, ox.QueryBoolean) else len(list(result))
        assert rows, q.name  # every lookup finds something


# --- the report -------------------------------------------------------------------------------------


def timing(ms, rows, **kw) -> report.Timing:
    return report.Timing(ms, rows, 3, **kw)


def figures(lemap: report.Timing, oxigraph: report.Timing, **others: report.Timing) -> dict:
    return {"lemap": lemap, "oxigraph": oxigraph, **{k.replace("_", "-"): v for k, v in others.items()}}


def test_ratios_are_lemap_over_each_peer() -> None:
    q = report.QueryFigures("q", "lookup", figures(timing(30.0, 5), timing(10.0, 5), oxigraph_memory=timing(60.0, 5)))
    assert q.ratio == 3.0 and q.ratio_to("oxigraph-memory") == 0.5 and q.ratio_to("rdflib-endpoint") is None
    assert q.flag == ""
    assert report.ratio(None, 1.0) is None and report.ratio(1.0, 0) is None
    assert report.geometric_mean([2.0, 8.0, None]) == pytest.approx(4.0)


def test_medians_and_percentiles() -> None:
    assert report.median([5, 1, 3]) == 3 and report.median([1, 2, 3, 4]) == 2.5 and report.median([]) is None
    assert report.percentile(list(range(1, 101)), 50) == pytest.approx(50.5)
    assert report.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_flags_say_what_makes_a_comparison_unfair() -> None:
    assert report.QueryFigures("q", "g", figures(timing(1, 4), timing(1, 5))).flag == "ROWS DIFFER: oxigraph 5"
    assert report.QueryFigures("q", "g", figures(timing(1, 10, truncated=True), timing(1, 12))).flag == "lemap row cap"
    failed = report.QueryFigures("q", "g", figures(timing(None, None, error="HTTP 503: timed out"), timing(1, 3)))
    assert failed.flag == "lemap error: HTTP 503: timed out" and failed.ratio is None


def toy_figures() -> report.DatasetFigures:
    """A dataset's figures as a run of all four servers would leave them."""
    mib = 2**20
    d = report.DatasetFigures("toy", 1000, servers=list(report.SERVERS))
    d.warm_memory = {"lemap": {"rss": 900 * mib, "pss": 300 * mib}, "oxigraph": {"rss": 100 * mib, "pss": 100 * mib}}
    d.start_peak_memory = {"lemap": {"rss": 700 * mib, "pss": 650 * mib}}
    d.ready_s = {"lemap": 2.5, "oxigraph": 0.1}
    d.replacement_s, d.replacement_listed_s = [0.05, 0.3, 0.1], [0.01, 0.02, 0.03]
    d.queries = [report.QueryFigures("fast", "lookup", figures(timing(2.0, 1), timing(1.0, 1), oxigraph_memory=timing(1.0, 1),
                                                             rdflib_endpoint=timing(9.0, 1))),
                 report.QueryFigures("heavy", "join", figures(timing(20.0, 4), timing(50.0, 4), oxigraph_memory=timing(40.0, 4),
                                                              rdflib_endpoint=timing(900.0, 4))),
                 report.QueryFigures(report.TRANSFER, "transfer", figures(timing(30.0, 5000), timing(20.0, 5000),
                                                                          oxigraph_memory=timing(10.0, 5000),
                                                                          rdflib_endpoint=timing(None, None, error="no answer")))]
    d.throughput = {"lemap": {1: report.Throughput("wrk", 1, 5000, 0, 10.0), 8: report.Throughput("wrk", 8, 9000, 0, 10.0)},
                    "oxigraph-memory": {8: report.Throughput("wrk", 8, 100_000, 0, 10.0)}}
    return d


def test_dataset_summaries_follow_issue_14s_figures() -> None:
    d = toy_figures()
    assert d.time_ratio() == pytest.approx((2.0 * 0.4 * 1.5) ** (1 / 3))
    assert d.time_ratio(heavy_only=True) == pytest.approx((0.4 * 1.5) ** 0.5) and d.heavy_count() == 2
    assert d.transfer_ratio() == 3.0 and d.replacement == 0.1
    assert d.scaling() == pytest.approx(1.8) and d.rate("oxigraph-memory", 8) == 10_000
    assert d.memory_ratio() == 3.0 and d.memory_ratio(kind="rss") == 9.0


def test_markdown_has_a_column_per_server_and_the_targets() -> None:
    text = tables.markdown(toy_figures())
    assert "| query | shape | lemap ms | oxigraph (disk) ms | oxigraph (memory) ms | rdflib-endpoint ms |" in text
    assert "| heavy | join | 20.0 | 50.0 | 40.0 | 900.0 | 0.40 | 0.50 | 4 |  |" in text
    assert "| memory when warm, PSS of the process tree | 300 MiB | 100 MiB | – | – |" in text
    assert "| peak PSS while starting | 650 MiB | – | – | – |" in text
    assert "| query worker replaced and answering (s) | 0.100 (0.050, 0.300, 0.100) |" in text
    assert "| of which until the pool listed the replacement (s) | 0.020 |" in text
    assert "| 10-row lookup, 8 connections (req/s) | 900.0 | – | 10,000.0 | – |" in text
    assert "| lemap 8 connections / 1 connection | 1.80 | ≥ 1.8 | yes |" in text
    assert "| lemap / oxigraph in memory at 8 connections | 0.09 | ≥ 0.10 | no |" in text
    assert "| transfer-5000-rows, lemap / oxigraph in memory | 3.00 | ≤ 2 | no |" in text
    assert "Throughput measured with wrk" in text and "rdflib-endpoint error: no answer" in text


def test_skipped_peers_are_named_with_the_reason() -> None:
    d = report.DatasetFigures("big", 10, servers=["lemap", "oxigraph"], skipped={"rdflib-endpoint": "not run on 10M"})
    assert "- rdflib-endpoint: not run on 10M" in tables.markdown(d)


def test_json_holds_every_figure(tmp_path) -> None:
    path = report.write_json(tmp_path / "r.json", {"date": "today", "path": tmp_path}, [toy_figures()])
    import json

    doc = json.loads(path.read_text())["datasets"][0]
    assert doc["queries"][0]["ratios"]["oxigraph"] == 2.0
    assert doc["throughput"]["lemap"]["8"]["rate"] == 900.0
    assert doc["lemap_scaling_8_over_1"] == pytest.approx(1.8) and doc["transfer_ratio_vs_oxigraph_memory"] == 3.0
    assert doc["warm_memory"]["lemap"]["pss"] == 300 * 2**20 and doc["start_peak_memory"]["lemap"]["pss"] == 650 * 2**20


class FakeClient:
    """Answers every query with a fixed reply and records the order of calls in a shared log."""

    def __init__(self, name: str, log: list[str], reply: Reply):
        self.name, self.log, self.reply = name, log, reply

    def query(self, text: str) -> Reply:
        self.log.append(self.name)
        return self.reply


def test_each_query_warms_up_then_alternates_which_server_goes_first() -> None:
    log: list[str] = []
    clients = {"lemap": FakeClient("lemap", log, Reply(200, 4.0, 7)), "oxigraph": FakeClient("oxigraph", log, Reply(200, 2.0, 7))}
    fig = time_query(mix.BenchQuery("q", "lookup", "ASK {}"), clients, repeat=3, budget_s=60)
    assert log == ["lemap", "oxigraph", "lemap", "oxigraph", "oxigraph", "lemap", "lemap", "oxigraph"]
    assert (fig.lemap.runs, fig.timings["oxigraph"].runs, fig.ratio, fig.flag) == (3, 3, 2.0, "")


def test_a_server_that_fails_its_warm_up_is_not_asked_again() -> None:
    log: list[str] = []
    clients = {"lemap": FakeClient("lemap", log, Reply(503, 10_000.0, None, error="timed out")),
               "oxigraph": FakeClient("oxigraph", log, Reply(200, 2.0, 1))}
    fig = time_query(mix.BenchQuery("q", "join", "ASK {}"), clients, repeat=5, budget_s=60)
    assert log.count("lemap") == 1 and log.count("oxigraph") == 6
    assert fig.lemap.median_ms is None and fig.flag == "lemap error: HTTP 503: timed out"


def test_rows_are_counted_from_sparql_json() -> None:
    assert count_rows(b'{"head":{"vars":["s"]},"results":{"bindings":[{},{},{}]}}') == 3
    assert count_rows(b'{"head":{},"boolean":false}') == 1


@pytest.mark.parametrize("module", ["bench.synthetic", "bench.datasets", "bench.mix", "bench.report", "bench.client",
                                    "bench.memory", "bench.throughput", "bench.lemap_pool", "bench.tables", "bench.measure"])
def test_docstring_examples_run(module) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed


def test_command_line_sizes() -> None:
    assert parse_args([]).names == ["curated", "100k"]
    assert parse_args(["--size", "large"]).names == ["curated", "100k", "1M"]
    assert parse_args(["--size", "xl"]).names == ["curated", "100k", "1M", "10M"]
    assert parse_args(["--datasets", "1M"]).names == ["1M"]
    with pytest.raises(SystemExit):
        parse_args(["--datasets", "10G"])


# --- the new machinery: streaming data, memory, peers, wrk, lemap's pool -------------------------------------


def test_synthetic_data_stream_to_the_file_with_the_probes_a_list_gives(tmp_path) -> None:
    path = tmp_path / "small.nq"
    tally = datasets.write_synthetic(path, 3_000, seed=5)
    ref = datasets.reference_quads()
    whole = ref + synthetic.synthetic_quads(3_000, seed=5, countries=datasets.countries_of(ref))
    written = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    assert len(written) == tally.quads == len(whole)
    assert written[len(ref):] == whole[len(ref):]  # the reference graphs' blank nodes get new ids on parsing
    assert tally.probes() == datasets.choose_probes(whole) and tally.probes().roles > 0
    assert tally.graphs == {q.graph_name.value for q in whole if isinstance(q.graph_name, ox.NamedNode)}


def test_the_check_query_has_the_row_count_the_probes_say(synthetic_store, quads) -> None:
    probes = datasets.choose_probes(quads)
    text, count = mix.check_query(probes)
    answer = list(synthetic_store.query(text, use_default_graph_as_union=True))
    assert len(answer) == 1 and int(answer[0]["n"].value) == count == probes.roles > 10
    text, rows = mix.lookup_query(probes)
    assert len(list(synthetic_store.query(text, use_default_graph_as_union=True))) == rows == 10


_SHARER = """
import os, sys, time
data = bytearray(os.urandom(64 * 2**20))  # 64 MiB of private pages, then shared with a forked child
if os.fork() == 0:
    time.sleep(60); os._exit(0)
print("ready", flush=True)
time.sleep(60)
"""


def test_pss_counts_pages_shared_after_a_fork_once_where_rss_counts_them_twice() -> None:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", _SHARER], stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        pids = memory.tree_pids(proc.pid)
        total = memory.tree_memory(proc.pid)
        mib = 2**20
        assert len(pids) == 2 and all(memory.process_memory(p).rss > 60 * mib for p in pids)
        assert total.rss > 128 * mib and 64 * mib < total.pss < total.rss - 48 * mib
        detail = memory.tree_detail(proc.pid)
        assert sorted(p["depth"] for p in detail) == [0, 1] and all(p["pss"] > 0 and "-c" in p["command"] for p in detail)
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()


def test_the_memory_sampler_keeps_peaks_per_server() -> None:
    class Me:
        name, pid = "me", os.getpid()

    with memory.MemorySampler(interval=0.05, pss_every=1) as sampler:  # a busy machine may sample before the watch
        sampler.watch(Me())
        sampler.sample()
    assert sampler.peak["me"].rss >= sampler.last["me"].rss > 0 and sampler.peak["me"].pss > 0


def test_peers_are_chosen_on_the_command_line_and_rdflib_endpoint_is_left_out_of_big_data() -> None:
    args = parse_args(["--peers", "oxigraph,rdflib-endpoint", "--rdflib-max-triples", "5000"])
    assert args.peers == ["oxigraph", "rdflib-endpoint"]
    assert parse_args([]).peers == ["oxigraph", "oxigraph-memory", "rdflib-endpoint"]
    probes = datasets.Probes("o", "a", "c", "C", "n")
    small, big = (datasets.Dataset(n, Path("x.nq"), size, probes) for n, size in (("s", 4000), ("b", 6000)))
    run, skipped = peers_for(big, args)
    assert run == ["lemap", "oxigraph"] and "6,000 triples" in skipped["rdflib-endpoint"]
    if servers.rdflib_endpoint_binary():
        assert peers_for(small, args) == (["lemap", "oxigraph", "rdflib-endpoint"], {})
    with pytest.raises(SystemExit):
        parse_args(["--peers", "virtuoso"])


WRK_REPORT = """Running 2s test @ http://127.0.0.1:5000/sparql?query=ASK
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms    1.02ms  21.38ms   90.12%
    Req/Sec     3.52k   210.13     3.90k    70.00%
  Latency Distribution
     50%    2.10ms
     75%    2.52ms
     90%    3.01ms
     99%    1.20s
  7004 requests in 2.00s, 3.21MB read
  Socket errors: connect 0, read 3, write 0, timeout 0
  Non-2xx or 3xx responses: 4
Requests/sec:   3501.12
Transfer/sec:      1.60MB
"""


def test_the_wrk_report_is_read_into_good_answers_per_second() -> None:
    t = throughput.parse_wrk(WRK_REPORT, 8)
    assert (t.tool, t.connections, t.requests, t.failed, t.socket_errors, t.seconds) == ("wrk", 8, 7004, 4, 3, 2.0)
    assert t.p50_ms == 2.1 and t.p99_ms == 1200.0 and t.rate == 3500.0
    with pytest.raises(ValueError):
        throughput.parse_wrk("unable to connect to 127.0.0.1:9 Connection refused", 1)


def test_the_lemap_pool_is_found_from_its_command_line() -> None:
    argv = ["/usr/bin/python3", "-m", "lemap_graph.engine.pool", '{"run_dir": "/tmp/r", "lanes": {}}']
    assert lemap_pool.pool_config(argv)["run_dir"] == "/tmp/r"
    assert lemap_pool.pool_config(["python", "-m", "lemap_graph.engine.pool"]) is None
    detail = [{"pid": 1, "ppid": 0, "depth": 0}, {"pid": 2, "ppid": 1, "depth": 1}, {"pid": 3, "ppid": 1, "depth": 1},
              {"pid": 4, "ppid": 3, "depth": 2}, {"pid": 5, "ppid": 3, "depth": 2}]

    class Pool(lemap_pool.Pool):
        def state(self) -> dict:
            return {"workers": {"public": [4]}}

    roles = [p["role"] for p in lemap_pool.roles(detail, Pool(3, Path("/nowhere")))]
    assert roles == ["server", "web", "pool", "public worker", "retiring worker"]


def test_a_killed_lemap_worker_is_timed_until_its_replacement_answers(curated_store) -> None:
    from lemap_graph.engine import Limits, LocalEngine

    engine = LocalEngine(store=curated_store, limits=Limits())
    engine.start()
    try:
        state = json.loads((engine.run_dir / "state.json").read_text())
        pool = lemap_pool.Pool(state["pid"], engine.run_dir)
        before = pool.workers("public")

        def answers() -> bool:
            """A public query gets its rows."""
            return len(engine.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3").rows) == 3

        timed = lemap_pool.time_replacements(pool, "public", answers, times=2)
        after = pool.workers("public")
        assert len(timed) == 2 and all(0 < r.listed_s <= r.answered_s for r in timed)
        assert len(after) == len(before) and not set(before[:1]) & set(after)
    finally:
        engine.close()


@pytest.fixture
def oxigraph_in_memory(tmp_path):
    """``oxigraph serve`` in memory over 3,000 synthetic triples (the test extra installs the oxigraph command)."""
    try:
        servers.oxigraph_binary()
    except servers.ServerError as e:
        pytest.fail(str(e), pytrace=False)
    path = tmp_path / "small.nq"
    tally = datasets.write_synthetic(path, 3_000)
    server = servers.start_oxigraph(None, tmp_path / "oxigraph.log", timeout_s=None, name="oxigraph-memory")
    try:
        servers.wait_until(server, lambda: servers._up(server), 60)
        yield server, path, tally
    finally:
        server.stop()


def test_oxigraph_in_memory_is_loaded_through_its_store_endpoint(oxigraph_in_memory) -> None:
    server, path, tally = oxigraph_in_memory
    check = servers.Check(*mix.check_query(tally.probes()))
    assert server.name == "oxigraph-memory" and "--location" not in server.proc.args and "--timeout-s" not in server.proc.args
    assert not check.passes(server.url)  # a count of 0 until loaded: the check needs the data, not just an answer
    assert servers.count_of(server.url, check.text) == 0 and servers.count_of(server.url, "ASK {}") is None
    assert servers.post_nquads(servers.store_url(server), path) > 0
    assert check.passes(server.url) and servers.wait_ready(server, check, 30) > 0
    with pytest.raises(servers.ServerError, match="HTTP 400"):
        bad = path.with_name("bad.nq")
        bad.write_text("this is not N-Quads\n")
        servers.post_nquads(servers.store_url(server), bad)


def test_the_web_tier_is_loaded_by_wrk_or_the_bench_client(oxigraph_in_memory) -> None:
    server, path, tally = oxigraph_in_memory
    servers.post_nquads(servers.store_url(server), path)
    text, rows = mix.lookup_query(tally.probes())
    runners = [throughput.run_clients] + ([throughput.run_wrk] if throughput.wrk_binary() else [])
    for run in runners:
        t = run(server.url, text, connections=2, seconds=1)
        assert t.connections == 2 and t.requests > 0 and t.failed == t.socket_errors == 0 and t.rate > 0


def test_the_summary_has_a_row_per_server_and_the_ratios_per_dataset() -> None:
    d = toy_figures()
    d.skipped = {"rdflib-endpoint": "too big"}
    d.servers = ["lemap", "oxigraph", "oxigraph-memory"]
    text = tables.summary([d])
    assert "| toy | lemap | 2.50 | 300 MiB | 900 MiB | 500.0 | 900.0 |" in text
    assert "| toy | rdflib-endpoint | not run | | | | |" in text
    assert "| toy | 0.100 | 0.77 | 3.00 | 1.80 | 0.09 |" in text


def test_the_result_cache_figure_is_its_own_row_beside_the_uncached_one() -> None:
    d = toy_figures()
    d.throughput[report.CACHED] = {1: report.Throughput("wrk", 1, 20_000, 0, 10.0), 8: report.Throughput("wrk", 8, 30_000, 0, 10.0)}
    text = tables.markdown(d)
    assert "| the same lookup repeated, 1 / 8 connections (req/s) | 2,000.0 / 3,000.0 |" in text
    assert "| lemap / oxigraph in memory at 8 connections | 0.09 | ≥ 0.10 | no |" in text  # never the cached figure
    assert "| the same, one query repeated (lemap's result cache answers) | 0.30 | ≥ 0.10 | yes |" in text
    assert "a query text not sent before" in text
    assert tables.summary([d]).splitlines()[-1].endswith("| 0.09 | 0.30 |")


def test_the_distinct_load_never_sends_the_same_text_twice() -> None:
    from urllib.parse import parse_qs, urlsplit

    from bench.throughput import distinct_script

    script = distinct_script("http://127.0.0.1:9/sparql", "ASK {}")
    head = script.split('"')[1]
    texts = {parse_qs(urlsplit(head + str(n)).query)["query"][0] for n in range(1, 50)}
    assert len(texts) == 49 and all(t.startswith("ASK {}\n# ") for t in texts)
    assert "n = n + 1" in script and "Accept: application/sparql-results+json" in script
