"""The endpoint's per-request path: the guard's remembered verdicts and the budget's bookkeeping keep every rule."""

from __future__ import annotations

import time

import pytest

from lemap_graph.engine import Limits, QueryRejected, TooManyQueries, check_query
from lemap_graph.engine import guard
from lemap_graph.engine.admission import Admission

LOOKUP = "PREFIX ex: <http://example.org/>\nSELECT ?a WHERE { ?a ex:p ex:o } LIMIT 10"


def test_a_remembered_verdict_is_the_same_plan_and_is_not_recomputed() -> None:
    text = LOOKUP + " # remembered"
    first = check_query(text, Limits(), frozenset())
    hits = guard._vet_remembered.cache_info().hits
    again = check_query(text, Limits(), frozenset())
    assert again == first and again.limit == 10 and again.form == "SELECT"
    assert guard._vet_remembered.cache_info().hits == hits + 1


def test_from_is_checked_against_the_graphs_of_each_call_even_for_a_remembered_text() -> None:
    text = "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"
    assert check_query(text, Limits(), frozenset({"http://example.org/g"})).from_graphs == ("http://example.org/g",)
    with pytest.raises(QueryRejected, match="no such graph"):
        check_query(text, Limits(), frozenset())  # the graph was dropped since


def test_a_rejected_text_is_rejected_every_time() -> None:
    text = "ASK { SERVICE <http://example.org/> {} }"
    for _ in range(2):
        with pytest.raises(QueryRejected, match="SERVICE"):
            check_query(text)


def test_limits_are_part_of_what_is_remembered() -> None:
    text = "ASK { { { ?s ?p ?o } } }"
    assert check_query(text, Limits(max_nesting=8)).form == "ASK"
    with pytest.raises(QueryRejected, match="deeper than 2"):
        check_query(text, Limits(max_nesting=2))
    with pytest.raises(QueryRejected, match="the limit is 10 bytes"):
        check_query(text, Limits(max_query_bytes=10))


def test_long_texts_are_vetted_without_being_remembered() -> None:
    text = LOOKUP + " #" + "x" * guard.REMEMBERED_CHARS
    size = guard._vet_remembered.cache_info().currsize
    assert check_query(text).form == "SELECT"
    assert guard._vet_remembered.cache_info().currsize == size


def test_the_verdict_cache_is_bounded() -> None:
    for i in range(guard.REMEMBERED_VERDICTS + 20):
        check_query(f"ASK {{ ?s ?p {i} }}")
    assert guard._vet_remembered.cache_info().currsize == guard.REMEMBERED_VERDICTS


def test_the_budget_charges_what_the_meter_records_not_the_wait(tmp_path) -> None:
    """A query that waited for a worker is charged the time a worker ran it, not the time it held its slot."""
    admission = Admission(tmp_path, Limits(client_queries=1, client_budget=0.05, client_window=600))
    for _ in range(5):
        with admission.slot("192.0.2.1") as meter:
            time.sleep(0.03)  # waiting for a free worker
            meter.ran(0.001)
    with admission.slot("192.0.2.1"):
        time.sleep(0.06)  # nothing recorded: the whole block is charged
    with pytest.raises(TooManyQueries, match="budget"):
        with admission.slot("192.0.2.1"):
            pass


def test_the_budget_file_is_rewritten_in_place_and_read_back(tmp_path) -> None:
    admission = Admission(tmp_path / "clients", Limits(client_queries=2, client_budget=100, client_window=600))
    for seconds in (12.5, 0.25):
        with admission.slot("192.0.2.9") as meter:
            meter.ran(seconds)
    (budget,) = (tmp_path / "clients").glob("*.budget")
    start, spent = budget.read_text().split()
    assert float(spent) == 12.75 and abs(float(start) - time.time()) < 600


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_query_given_up_in_the_queue_is_never_run() -> None:
    """A client that gives up in the queue closes its connection; the worker that takes it later runs nothing."""
    import threading

    import pyoxigraph as ox

    from lemap_graph.engine import EngineBusy, LocalEngine, QueryTimeout

    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(str(i)),
                         ox.NamedNode("http://example.org/g")) for i in range(200))
    engine = LocalEngine(store, Limits(timeout=2, workers=1, app_workers=1, queue_seconds=0.5, client_queries=0))
    try:
        engine.start()
        errors: list = []
        busy = threading.Thread(target=lambda: errors.append(pytest.raises(QueryTimeout, engine.run, CARTESIAN, accept=None)))
        busy.start()
        time.sleep(0.3)  # the only endpoint worker is running the first query
        with pytest.raises(EngineBusy, match="busy"):
            engine.run(CARTESIAN, accept=None)  # waits in the queue, then gives up
        busy.join()
        answers = []
        for _ in range(3):  # the replacement worker is forked within milliseconds
            try:
                answers.append(engine.run("ASK { ?s ?p ?o }", accept="application/sparql-results+json").body)
                break
            except EngineBusy:
                time.sleep(0.2)
        assert answers and b"true" in answers[0]  # the given-up query was not run: the worker is free
    finally:
        engine.close()


# ---------------------------------------------------------------- the result cache


def _cache(max_bytes: int):
    from lemap_graph.engine.cache import ResultCache

    return ResultCache(max_bytes)


def _answer(body: bytes):
    from lemap_graph.engine import Answer

    return Answer(body, "application/sparql-results+json", "select")


def test_the_cache_never_holds_more_than_its_bytes_and_drops_the_least_recently_used_first() -> None:
    cache = _cache(8 * 1000)
    requests = [(f"SELECT {i}", None, "http://x/sparql", (), ()) for i in range(40)]
    for request in requests[:3]:
        assert cache.put(1, request, _answer(b"x" * 500))
    cache.get(1, requests[0])  # used again: the second is now the least recently used
    for request in requests[3:]:
        cache.put(1, request, _answer(b"x" * 500))
        assert cache.size <= cache.max_bytes
    assert cache.get(1, requests[0]) is None and cache.get(1, requests[-1]) is not None
    assert 0 < len(cache) <= cache.max_bytes // 500


def test_an_answer_larger_than_an_eighth_of_the_cache_is_not_kept() -> None:
    cache = _cache(8 * 1000)
    request = ("SELECT *", None, "http://x/sparql", (), ())
    assert not cache.put(1, request, _answer(b"x" * 1000))
    assert cache.get(1, request) is None and cache.size == 0


def test_a_new_version_drops_every_kept_answer() -> None:
    cache = _cache(100_000)
    for i in range(5):
        cache.put(7, (f"ASK {{ {i} }}", None, "", (), ()), _answer(b"{}"))
    assert len(cache) == 5
    assert cache.get(8, ("ASK { 0 }", None, "", (), ())) is None
    assert len(cache) == 0 and cache.size == 0


def test_a_disabled_cache_keeps_nothing() -> None:
    cache = _cache(0)
    assert not cache.put(1, ("ASK {}", None, "", (), ()), _answer(b"{}"))


EX = "http://example.org/"
G = "https://w3id.org/lemap/graph/test/"  # lemap's graphs: the ones an external server's engine reads too
JSON = "application/sparql-results+json"
NAMES = "SELECT ?name WHERE { ?s <http://example.org/name> ?name } ORDER BY ?name"


def _small_store():
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "name"), ox.Literal("first"), ox.NamedNode(G + "g1")))
    return store


@pytest.fixture()
def app():
    from browser import app_over

    with app_over(_small_store(), LEMAP_CLIENT_QUERIES=1) as app:
        yield app


def _names(response) -> list[str]:
    return [b["name"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_answer(app) -> None:
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    again = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.headers["X-Lemap-Cache"] == "miss" and again.headers["X-Lemap-Cache"] == "hit"
    assert again.data == first.data and _names(again) == ["first"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert "X-Lemap-Cache" in again.headers["Access-Control-Expose-Headers"]


def test_an_import_invalidates_the_cached_answers(app) -> None:
    client = app.test_client()
    client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    engine = app.extensions["lemap"].engine
    engine.write_graph(G + "g2", b'<http://example.org/b> <http://example.org/name> "second" .\n')
    after = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    assert after.headers["X-Lemap-Cache"] == "miss" and _names(after) == ["first", "second"]
    engine.drop_graph(G + "g2")
    dropped = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    assert dropped.headers["X-Lemap-Cache"] == "miss" and _names(dropped) == ["first"]


def test_the_exact_request_is_the_key(app) -> None:
    client = app.test_client()
    client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    csv = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": "text/csv"})
    assert csv.headers["X-Lemap-Cache"] == "miss" and csv.headers["Content-Type"].startswith("text/csv")
    other_text = client.get("/sparql", query_string={"query": NAMES + " "}, headers={"Accept": JSON})
    assert other_text.headers["X-Lemap-Cache"] == "miss"
    named = client.get("/sparql", query_string={"query": NAMES, "default-graph-uri": G + "g1"}, headers={"Accept": JSON})
    assert named.headers["X-Lemap-Cache"] == "miss" and _names(named) == ["first"]


def test_no_cache_runs_the_query_again_and_no_store_keeps_nothing(app) -> None:
    client = app.test_client()
    ask = {"query": "ASK { ?s ?p ?o }"}
    client.get("/sparql", query_string=ask, headers={"Accept": JSON})
    fresh = client.get("/sparql", query_string=ask, headers={"Accept": JSON, "Cache-Control": "no-cache"})
    assert fresh.headers["X-Lemap-Cache"] == "miss" and fresh.get_json(force=True)["boolean"] is True
    pragma = client.get("/sparql", query_string=ask, headers={"Accept": JSON, "Pragma": "no-cache"})
    assert pragma.headers["X-Lemap-Cache"] == "miss"
    unkept = {"query": "ASK { ?s ?p 'x' }"}
    for _ in range(2):
        r = client.get("/sparql", query_string=unkept, headers={"Accept": JSON, "Cache-Control": "no-store"})
        assert r.headers["X-Lemap-Cache"] == "off"
    assert client.get("/sparql", query_string=unkept, headers={"Accept": JSON}).headers["X-Lemap-Cache"] == "miss"


def test_errors_are_never_cached(app) -> None:
    client = app.test_client()
    for _ in range(2):
        r = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"}, headers={"Accept": JSON})
        assert r.status_code == 400 and "X-Lemap-Cache" not in r.headers


def test_a_cache_hit_takes_no_slot_of_the_client() -> None:
    """The client's one slot is taken by a running query; a repeat of an earlier query still answers, from memory."""
    from browser import app_over

    with app_over(_small_store(), LEMAP_CLIENT_QUERIES=1, LEMAP_QUERY_TIMEOUT=2) as app:
        _hit_while_the_slot_is_taken(app)


def _hit_while_the_slot_is_taken(app) -> None:
    import threading

    client = app.test_client()
    client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    slow, results = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?q ?r ?t }", []
    app.extensions["lemap"].engine.write_graph(
        G + "g3", b"".join(b'<http://example.org/s%d> <http://example.org/p> "%d" .\n' % (i, i) for i in range(60)))
    client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})  # kept over the new data
    running = threading.Thread(target=lambda: results.append(client.post("/sparql", data={"query": slow})))
    running.start()
    time.sleep(0.5)
    refused = client.post("/sparql", data={"query": "ASK {}"})
    hit = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
    running.join()
    assert refused.status_code == 429
    assert hit.status_code == 200 and hit.headers["X-Lemap-Cache"] == "hit"


def test_the_cache_can_be_turned_off() -> None:
    from browser import app_over

    with app_over(_small_store(), LEMAP_RESULT_CACHE_MB=0) as app:
        client = app.test_client()
        for _ in range(2):
            r = client.get("/sparql", query_string={"query": NAMES}, headers={"Accept": JSON})
            assert r.status_code == 200 and r.headers["X-Lemap-Cache"] == "off"
