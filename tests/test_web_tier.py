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
    """The request goes with the connection; a client that gives up closes it, and no worker runs it after."""
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
