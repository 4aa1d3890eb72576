"""Admission over HTTP: every limit answers in words with its status, and pages never wait behind the endpoint."""

from __future__ import annotations

import threading
import time

import pytest
from browser import app_over

#: A query that runs until its time limit on any data with a few hundred triples.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
#: A query that doubles a string 27 times: 1.3 GB for one row, far past a small memory cap.
BLOW_UP = ("SELECT ?x WHERE { BIND(\"aaaaaaaaaa\" AS ?a0) "
           + " ".join(f"BIND(CONCAT(?a{i},?a{i}) AS ?a{i + 1})" for i in range(27)) + " BIND(STRLEN(?a27) AS ?x) }")


def _in_background(client, query: str, results: list) -> threading.Thread:
    t = threading.Thread(target=lambda: results.append(client.post("/sparql", data={"query": query})))
    t.start()
    time.sleep(0.5)  # the query is in a worker by now
    return t


def test_a_client_with_a_query_running_gets_429_and_pages_still_answer(web_store) -> None:
    with app_over(web_store, LEMAP_QUERY_TIMEOUT=3, LEMAP_CLIENT_QUERIES=1, LEMAP_WORKERS=2) as app:
        client, results = app.test_client(), []
        running = _in_background(client, CARTESIAN, results)
        second = client.post("/sparql", data={"query": "ASK {}"})
        assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1
        assert "at most 1 at once" in second.get_json()["message"]
        assert client.get("/q/countries.json").status_code == 200  # the app's own lane is free
        other = client.post("/sparql", data={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert other.status_code == 200  # another client is not held back
        running.join()
        assert results[0].status_code == 503 and "timed out" in results[0].get_json()["message"]


@pytest.mark.embedded_only  # the embedded pool's queue of workers
def test_every_endpoint_worker_busy_is_503_with_retry_after(web_store) -> None:
    settings = dict(LEMAP_QUERY_TIMEOUT=3, LEMAP_CLIENT_QUERIES=0, LEMAP_WORKERS=1, LEMAP_QUEUE_SECONDS=0.5)
    with app_over(web_store, **settings) as app:
        client, results = app.test_client(), []
        running = _in_background(client, CARTESIAN, results)
        busy = client.post("/sparql", data={"query": "ASK {}"})
        assert busy.status_code == 503 and busy.headers["Retry-After"]
        assert "busy" in busy.get_json()["message"]
        assert client.get("/q/countries.json").status_code == 200
        running.join()


@pytest.mark.embedded_only  # a query worker's memory cap
def test_a_query_past_the_memory_cap_is_503_naming_the_limit(web_store) -> None:
    with app_over(web_store, LEMAP_WORKER_MEMORY_MB=100, LEMAP_QUERY_TIMEOUT=30) as app:
        client = app.test_client()
        r = client.post("/sparql", data={"query": BLOW_UP})
        assert r.status_code == 503
        body = r.get_json()
        assert "LEMAP_WORKER_MEMORY_MB=100" in body["message"] and body["kind"] == "QueryOutOfMemory"
        assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200  # replaced at once


def test_a_client_past_its_budget_of_query_time_gets_429(web_store) -> None:
    settings = dict(LEMAP_QUERY_TIMEOUT=1, LEMAP_CLIENT_BUDGET_SECONDS=1.5, LEMAP_CLIENT_WINDOW_SECONDS=600)
    with app_over(web_store, **settings) as app:
        client = app.test_client()
        statuses = [client.post("/sparql", data={"query": CARTESIAN}).status_code for _ in range(3)]
        assert statuses[:2] == [503, 503] and statuses[2] == 429
        refused = client.post("/sparql", data={"query": "ASK {}"})
        assert refused.status_code == 429 and "budget" in refused.get_json()["message"]
        assert int(refused.headers["Retry-After"]) > 60
        assert client.get("/q/countries.json").status_code == 200  # pages are not the endpoint


@pytest.mark.parametrize("status", [429, 503])
def test_limit_errors_are_json_with_a_message(web_store, status) -> None:
    """The shape every limit error has, which the workbench shows in words."""
    from lemap_graph.engine import QueryError
    from webapp.sparql import error_response

    with app_over(web_store) as app, app.test_request_context():
        response = error_response(QueryError(status, "why, in words", retry_after=7))
        assert response.status_code == status and response.headers["Retry-After"] == "7"
        assert response.get_json()["message"] == "why, in words"
