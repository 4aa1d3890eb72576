"""The query engine: the guard that reads query text before any parser, and the worker pool behind it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time

import pyoxigraph as ox
import pytest

from lemap_graph.engine import (
    EngineBusy,
    EngineResult,
    Limits,
    LocalEngine,
    QueryError,
    QueryRejected,
    QueryTimeout,
    WorkerCrashed,
    check_query,
    decode_escapes,
    negotiate,
    service_description,
    tokenize,
)
from lemap_graph.settings import SETTINGS

EX = "http://example.org/"
GRAPH = EX + "graph"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _store(n: int = 200) -> ox.Store:
    store = ox.Store()
    node = ox.NamedNode
    store.extend(ox.Quad(node(f"{EX}s/{i}"), node(EX + "p"), ox.Literal(str(i)), node(GRAPH)) for i in range(n))
    return store


@pytest.fixture(scope="module")
def engine():
    """Two workers in each lane over 200 triples, a 2 s limit and a 50-row cap."""
    engine = LocalEngine(_store(), Limits(timeout=2, max_rows=50, workers=2, app_workers=2))
    engine.start()
    yield engine
    engine.close()


def _wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int, seconds: float = 5) -> bool:
    """Whether process ``pid`` ends within ``seconds`` (the pool reaps its workers as they end)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


# --- the guard: tokens, not substrings --------------------------------------------------------------


def test_tokens_keep_strings_iris_and_comments_whole() -> None:
    text = "SELECT ?s { ?s <http://x/SERVICE> 'it''s' , \"\"\"a\nSERVICE\"\"\" } # SERVICE"
    kinds = [(t.kind, t.text) for t in tokenize(text) if t.kind != "ws"]
    assert ("iri", "<http://x/SERVICE>") in kinds
    assert ("string", '"""a\nSERVICE"""') in kinds
    assert ("comment", "# SERVICE") in kinds
    assert not any(kind == "name" and value.upper() == "SERVICE" for kind, value in kinds)


def test_less_than_is_not_mistaken_for_an_iri() -> None:
    tokens = [t.text for t in tokenize("FILTER(?a < ?b && ?c<?d)") if t.kind != "ws"]
    assert "<" in tokens and "?b" in tokens and "?d" in tokens


@pytest.mark.parametrize("text", [
    '"' + '\\"' * 20_000,          # one unterminated string of escapes
    "'''" + "\\'" * 20_000,        # one unterminated long string
    "<a" * 20_000,                 # IRIs that never close
    "'\"" * 20_000,                # alternating quotes
    "a" + "." * 40_000 + ":",      # a prefixed name made of dots
])
def test_pathological_text_is_tokenized_in_one_pass(text) -> None:
    """Every such input would take minutes if the tokenizer backtracked quadratically."""
    assert sum(1 for _ in tokenize(text)) > 0


SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service <http://x/> { ?s ?p ?o } }",
    "SELECT * { Service SILENT <http://x/> {} }",
    r"SELECT * { \u0053ERVICE <http://x/> {} }",
    r"SELECT * { \u0073\u0065\u0072\u0076\u0069\u0063\u0065 <http://x/> {} }",
    r"SELECT * { \U00000053ERVICE <http://x/> {} }",
    "SELECT * {SERVICE<http://x/>{}}",
    "SELECT * { ?s ?p ?o FILTER(1<2&&EXISTS{SERVICE<http://x/>{}}&&3>2) }",
    "SELECT * { ?s ?p 'x' . # comment\nSERVICE ?s {} }",
    # escapes are decoded before parsing (SPARQL 1.1 §19.2), so the quote ends the string here
    r"SELECT * { ?s ?p 'it\u0027s' SERVICE <http://x/> {} }",
]


@pytest.mark.parametrize("text", SERVICE_QUERIES)
def test_service_is_refused_in_any_spelling(text) -> None:
    with pytest.raises(QueryRejected) as caught:
        check_query(text)
    assert caught.value.status == 400 and "SERVICE" in caught.value.message
    assert caught.value.line is not None and caught.value.column is not None


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p 'SERVICE <http://x/> {}' }",
    "SELECT * { ?s ?p \"\"\"\nSERVICE <http://x/> {}\n\"\"\" }",
    "SELECT ?SERVICE { ?SERVICE <http://x/SERVICE> $SERVICE } # SERVICE <http://x/> {}",
    "PREFIX service: <http://x/> SELECT * { ?s service:SERVICE _:SERVICE }",
    "SELECT * { ?s ?p 'x'@service }",
])
def test_the_word_service_outside_a_keyword_is_fine(text) -> None:
    assert check_query(text).form == "SELECT"


def test_the_position_of_a_refusal_is_in_the_text_as_sent() -> None:
    with pytest.raises(QueryRejected) as caught:
        check_query("SELECT *\nWHERE { BIND('\\u00e9' AS ?x) \\u0053ERVICE <http://x/> {} }")
    assert (caught.value.line, caught.value.column) == (2, 30)


def test_escapes_decode_and_map_back() -> None:
    decoded, offsets = decode_escapes(r"A\u0042C\U00000044E")
    assert decoded == "ABCDE" and offsets
    with pytest.raises(QueryRejected):
        decode_escapes(r"\uD800")


def test_size_is_checked_in_bytes_before_anything_else() -> None:
    with pytest.raises(QueryRejected) as caught:
        check_query("ASK { ?s ?p 'é' }" + " " * 90, Limits(max_query_bytes=100))
    assert caught.value.status == 413


def test_nesting_is_counted_outside_strings_and_iris() -> None:
    limits = Limits(max_nesting=3)
    check_query("ASK { ?s ?p '{{{{((((' . ?s ?p <x:((((> } # {{{{", limits)
    with pytest.raises(QueryRejected) as caught:
        check_query("ASK {\n { ( [ ] ) } }", limits)
    assert caught.value.status == 400 and (caught.value.line, caught.value.column) == (2, 6)
    with pytest.raises(QueryRejected):
        check_query(r"ASK \u007B\u007B\u007B\u007B \u007D\u007D\u007D\u007D", limits)


@pytest.mark.parametrize("text, keyword", [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT"),
    ("PREFIX x: <http://x/>\nwith x:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("CLEAR ALL", "CLEAR"),
    ("LOAD <http://x/data.ttl>", "LOAD"),
    (r"\u0044ROP ALL", "DROP"),
])
def test_update_is_refused(text, keyword) -> None:
    with pytest.raises(QueryRejected) as caught:
        check_query(text)
    assert keyword in caught.value.message and "read-only" in caught.value.message


def test_from_must_name_a_graph_in_the_store() -> None:
    graphs = frozenset({GRAPH})
    assert check_query(f"SELECT * FROM <{GRAPH}> {{ ?s ?p ?o }}", graphs=graphs).from_graphs == (GRAPH,)
    assert check_query(f"PREFIX ex: <{EX}>\nSELECT * FROM NAMED ex:graph {{ }}", graphs=graphs).from_named == (GRAPH,)
    assert check_query(f"BASE <{EX}>\nSELECT * FROM <graph> {{ }}", graphs=graphs).from_graphs == (GRAPH,)
    for text in ("SELECT * FROM <http://elsewhere.example/data> { }", "SELECT * FROM NAMED <http://x/> { }",
                 "SELECT * FROM ?g { }", "SELECT * FROM unknown:g { }"):
        with pytest.raises(QueryRejected):
            check_query(text, graphs=graphs)


@pytest.mark.parametrize("accept, kind, expected", [
    (None, "results", "json"), ("", "graph", "ttl"), ("*/*", "graph", "ttl"),
    ("application/json", "results", "json"), ("text/*", "results", "xml"),  # text/xml is SPARQL XML
    ("text/csv;q=0.4, text/tab-separated-values;q=0.5", "results", "tsv"),
    ("text/plain", "graph", "nt"), ("application/sparql-results+xml, application/rdf+xml", "graph", "rdf"),
    ("text/turtle;q=0, */*", "graph", "nt"), ("image/png", "results", None),
])
def test_content_negotiation(accept, kind, expected) -> None:
    found = negotiate(accept, kind)
    assert (found.name if found else None) == expected


def test_limits_come_from_the_settings_table() -> None:
    defaults = Limits.from_settings({name: s.default for name, s in SETTINGS.items()})
    assert defaults == Limits(timeout=10.0, max_rows=10_000, max_query_bytes=100_000, max_nesting=64, workers=4, app_workers=2, queue_seconds=2.0, client_queries=2, client_budget=60.0, client_window=60.0)


# --- the pool ---------------------------------------------------------------------------------------------


def test_query_binds_substitutions(engine) -> None:
    result = engine.query(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}", substitutions={"s": ox.NamedNode(f"{EX}s/7")})
    assert result.records() == [{"s": f"{EX}s/7", "o": "7"}]
    assert isinstance(result, EngineResult) and not result.truncated


def test_a_substitution_outside_the_projection_is_a_400(engine) -> None:
    with pytest.raises(QueryError) as caught:
        engine.query("SELECT ?o WHERE { ?s ?p ?o }", substitutions={"s": ox.NamedNode(EX + "x")})
    assert caught.value.status == 400


def test_rows_are_capped_and_flagged(engine) -> None:
    result = engine.query("SELECT ?s WHERE { ?s ?p ?o }")
    assert len(result.rows) == 50 and result.truncated
    answer = engine.run("SELECT ?s WHERE { ?s ?p ?o }", accept=None)
    assert answer.truncated and answer.limit == 50
    assert json.loads(answer.body)["lemap"] == {"truncated": True, "limit": 50}
    graph = engine.run("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert graph.truncated and len(graph.body.splitlines()) == 50 and graph.kind == "graph"


def test_a_syntax_error_says_where(engine) -> None:
    with pytest.raises(QueryError) as caught:
        engine.query("SELECT ?s\nWHERE { ?s ?p ?o")
    assert caught.value.status == 400 and caught.value.line == 2 and caught.value.column == 17


def test_a_runaway_query_is_killed_and_its_worker_replaced(engine) -> None:
    assert _wait_for(lambda: len(engine.worker_pids()) == 4)
    before = set(engine.worker_pids())
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        engine.query(CARTESIAN)
    assert time.monotonic() - started < 2 + 2
    assert caught.value.status == 503 and "timed out after 2 s" in caught.value.message
    assert _wait_for(lambda: len(before - set(engine.worker_pids())) == 1)
    killed = before - set(engine.worker_pids())
    assert len(killed) == 1 and _gone(killed.pop())  # the process, and so its CPU use, is gone
    assert _wait_for(lambda: len(engine.worker_pids()) == 4)  # its replacement is a fork of the pool
    assert engine.query("ASK { ?s ?p ?o }").boolean is True


def test_other_queries_are_answered_while_one_runs_away(engine) -> None:
    errors = []
    runaway = threading.Thread(target=lambda: errors.append(pytest.raises(QueryTimeout, engine.query, CARTESIAN)))
    runaway.start()
    time.sleep(0.3)
    assert engine.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value == "200"
    runaway.join()
    assert errors


def test_a_crashing_worker_is_an_error_and_is_replaced() -> None:
    """200,000 nested groups segfault pyoxigraph; with the nesting guard off the worker dies, not the caller."""
    engine = LocalEngine(_store(10), Limits(workers=1, max_nesting=10**7, max_query_bytes=10**7))
    try:
        with pytest.raises(WorkerCrashed) as caught:
            engine.query("ASK " + "{" * 200_000 + "}" * 200_000)
        assert caught.value.status == 500 and "SIGSEGV" in caught.value.message
        assert engine.query("ASK { ?s ?p ?o }").boolean is True
    finally:
        engine.close()


def test_the_pool_starts_on_demand_with_every_lane_full() -> None:
    engine = LocalEngine(_store(3), Limits(workers=3, app_workers=1))
    try:
        assert engine.worker_pids() == []  # an app that never queries starts no process
        engine.query("ASK {}")
        # workers are forks of the pool's one copy of the data: cheap, so every lane is filled at once
        assert _wait_for(lambda: len(engine.worker_pids()) == 4)
    finally:
        engine.close()


def test_reload_answers_from_the_new_data() -> None:
    store = _store(3)
    engine = LocalEngine(store, Limits(workers=1))
    try:
        assert len(engine.query("SELECT * WHERE { ?s ?p ?o }").rows) == 3
        old = engine.worker_pids()
        store.add(ox.Quad(ox.NamedNode(EX + "new"), ox.NamedNode(EX + "p"), ox.Literal("x"), ox.NamedNode(EX + "other")))
        engine.reload(store)
        assert len(engine.query("SELECT * WHERE { ?s ?p ?o }").rows) == 4
        assert EX + "other" in engine.graphs()
        assert all(_gone(pid) for pid in old)
    finally:
        engine.close()


def test_a_closed_engine_refuses_and_leaves_no_process() -> None:
    engine = LocalEngine(_store(3), Limits(workers=2))
    engine.query("ASK {}")
    pids = engine.worker_pids()
    engine.close()
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(EngineBusy):
        engine.query("ASK {}")


def test_workers_have_no_network_even_past_the_guard(engine) -> None:
    """Second line of defence: a SERVICE call that got past the guard still reaches nobody."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(1.0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        assert engine.isolated
        with pytest.raises(QueryError):  # sent straight to a worker, skipping check_query
            engine._call("public", {"op": "query", "text": f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
                          "dataset": {"mode": "union"}})
        with pytest.raises(socket.timeout):
            listener.accept()


def test_the_service_description_lists_the_named_graphs() -> None:
    triples = service_description("http://example.org/sparql", frozenset({GRAPH}))
    names = [t.object.value for t in triples if t.predicate.value.endswith("#name")]
    assert names == [GRAPH]


def test_a_query_limited_within_the_cap_answers_the_same_json_written_in_rust(engine) -> None:
    """Its own LIMIT under the row cap lets pyoxigraph write the JSON; the answer is the same as the rows' path."""
    text = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s LIMIT 20"
    fast = json.loads(engine.run(text, accept=None).body)
    slow = json.loads(engine.run(f"SELECT ?s ?o {{ {{ {text} }} }}", accept=None).body)  # no top-level LIMIT
    assert fast == slow and len(fast["results"]["bindings"]) == 20
    capped = json.loads(engine.run(text.replace("LIMIT 20", "LIMIT 80"), accept=None).body)
    assert capped["lemap"] == {"truncated": True, "limit": 50}  # a LIMIT above the cap still gets cut


def test_a_worker_killed_in_the_middle_of_a_query_fails_only_that_query() -> None:
    """kill -9 of a query worker from outside: its query is an error, the others go on, a fork replaces it."""
    import json as _json
    import signal

    engine = LocalEngine(_store(), Limits(timeout=20, workers=1, app_workers=1))
    try:
        engine.start()
        state = _json.loads((engine.run_dir / "state.json").read_text())
        victim = state["workers"]["public"][0]
        errors = []
        doomed = threading.Thread(target=lambda: errors.append(pytest.raises(WorkerCrashed, engine.run, CARTESIAN, accept=None)))
        doomed.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        doomed.join()
        assert errors and errors[0].value.status == 500 and "replaced" in errors[0].value.message
        assert engine.query("ASK { ?s ?p ?o }").boolean is True  # the app's lane never noticed
        assert engine.run("ASK { ?s ?p ?o }", accept=None).body  # the public lane has its replacement
        assert victim not in engine.worker_pids() and len(engine.worker_pids()) == 2
    finally:
        engine.close()


def test_a_pool_whose_parent_dies_while_it_loads_ends(tmp_path) -> None:
    """The parent is killed before the pool has even started Python (and the pool's stdin closes with it): the pool
    loads what it got, sees that the process that started it is gone, and exits."""
    import signal
    import subprocess
    import sys

    (tmp_path / "run").mkdir()
    config = {"run_dir": str(tmp_path / "run"), "store_path": None, "stdin": True, "memory_mb": 0,
              "lanes": {"app": {"workers": 1}, "public": {"workers": 1}}}
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import json, os, subprocess, sys, time\n"
         "config = json.dumps(dict(json.loads(sys.argv[1]), parent=os.getpid()))\n"
         "pool = subprocess.Popen([sys.executable, '-m', 'lemap_graph.engine.pool', config], stdin=subprocess.PIPE)\n"
         "print(pool.pid, flush=True)\n"
         "time.sleep(600)\n", json.dumps(config)],
        stdout=subprocess.PIPE, text=True)
    pool = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)  # the pool's stdin closes with it: it loads nothing and goes on
    parent.wait()
    deadline = time.monotonic() + 60
    while _alive(pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _alive(pool)
    assert (tmp_path / "run" / "ready").is_file(), "the pool did not get as far as loading its data"
    if alive:
        os.kill(pool, signal.SIGKILL)
    assert not alive, "the pool outlived the process that started it"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_pool_copies_the_store_on_disk_into_memory_through_a_file_it_removes(tmp_path) -> None:
    """The copy holds every quad of the store on disk; the N-Quads dump it went through is gone afterwards."""
    from lemap_graph.engine.durable import DurableStore
    from lemap_graph.engine.pool import Pool

    g = ox.NamedNode("http://example.org/graph/one")
    quads = [ox.Quad(ox.NamedNode(f"http://example.org/s/{i}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(f"é {i}"), g) for i in range(500)]
    with DurableStore(tmp_path / "store").writing([g.value]) as disk:
        disk.extend(quads)
    (tmp_path / "run").mkdir()
    pool = Pool({"run_dir": str(tmp_path / "run"), "store_path": str(tmp_path / "store"), "lanes": {}})
    try:
        pool._full_copy()
    finally:
        pool.control.close()
    assert set(pool.store) == set(quads) and pool.graphs == {g.value}
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["control.sock"]


def test_the_pool_retires_a_worker_whose_own_pages_passed_the_limit(tmp_path) -> None:
    """A worker that copied many pages (reads of the in-memory store write to them) is retired; a lean one stays."""
    import signal

    from lemap_graph.engine.pool import Pool, _private_mb

    def child(megabytes: int) -> int:
        pid = os.fork()
        if pid == 0:
            sum(range(5_000_000 if megabytes else 0))  # some CPU: the pool looks only at workers that ran
            ballast = bytearray(megabytes * 2**20)  # zero-filled: every page written, private to this process
            time.sleep(30)
            del ballast
            os._exit(0)
        return pid

    pool = Pool({"run_dir": str(tmp_path), "lanes": {"public": {"workers": 2}}, "recycle_mb": 16})
    fat, lean = child(64), child(0)
    try:
        pool.lanes["public"].workers.update({fat: pool.generation, lean: pool.generation})
        deadline = time.monotonic() + 20
        while _private_mb(fat) < 64 and time.monotonic() < deadline:  # until it has written its ballast
            time.sleep(0.05)
        pool.recycle()
        assert pool.retired == {fat}
        assert os.waitpid(fat, 0)[1] == signal.SIGUSR1  # a real worker leaves when idle; this one just ends
    finally:
        for pid in (fat, lean):
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        pool.control.close()
        pool.lanes["public"].listener.close()


def test_recycling_is_a_setting_and_zero_turns_it_off(tmp_path) -> None:
    """LEMAP_WORKER_RECYCLE_MB reaches the limits; with 0 the pool never retires a worker, however much it copied."""
    from lemap_graph.engine.pool import RECYCLE_MB, Pool, _private_mb

    assert Limits.from_settings({"LEMAP_WORKER_RECYCLE_MB": 64}).worker_recycle_mb == 64
    assert Limits.from_settings({}).worker_recycle_mb == SETTINGS["LEMAP_WORKER_RECYCLE_MB"].default == RECYCLE_MB
    megabytes = RECYCLE_MB + 64  # past the default: only the 0 keeps this worker
    pid = os.fork()
    if pid == 0:
        sum(range(5_000_000))  # some CPU: the pool looks only at workers that ran
        ballast = bytearray(megabytes * 2**20)
        time.sleep(30)
        del ballast
        os._exit(0)
    pool = Pool({"run_dir": str(tmp_path), "lanes": {"public": {"workers": 1}}, "recycle_mb": 0})
    try:
        pool.lanes["public"].workers[pid] = pool.generation
        deadline = time.monotonic() + 20
        while _private_mb(pid) < megabytes and time.monotonic() < deadline:
            time.sleep(0.05)
        pool.recycle()
        assert pool.retired == set()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
