"""Pathological queries over HTTP: each is answered (4xx/503 with a JSON ``message``, or 200 with capped rows),
never a 500; nothing reaches the network; and a trivial query is answered promptly right after each.

The server is the production one (granian, ``webapp.server.serve``) on a loopback port, with a short
query time limit, a small row cap and a small worker memory cap, over 1,200 triples: a chain of
400 nodes (for paths), each with a 41-character string of ``a`` ending in ``!`` (for regexes).
Every query also names a loopback listener's URL, which must record no connection.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pyoxigraph as ox
import pytest
from browser import recording_listener

EX = "http://example.org/"
TIMEOUT = 2  # LEMAP_QUERY_TIMEOUT
MAX_ROWS = 1000  # LEMAP_MAX_ROWS
#: The issue asks for a trivial query to answer in under 2 s after each attack; this bound leaves room
#: for a busy shared machine (2 cores, several test runs), so that only a real stall fails.
TRIVIAL_BOUND = 6.0
NODES = 400

# Three triple patterns over 1,200 triples: 1.7e9 solutions.
CART = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i"


def _quads() -> list[ox.Quad]:
    node, lit, graph = ox.NamedNode, ox.Literal, ox.NamedNode(EX + "graph")
    out = []
    for i in range(NODES):
        s = node(f"{EX}n/{i}")
        out += [ox.Quad(s, node(EX + "next"), node(f"{EX}n/{(i + 1) % NODES}"), graph),
                ox.Quad(s, node(EX + "text"), lit("a" * 40 + "!"), graph),
                ox.Quad(s, node(EX + "label"), lit(f"node {i}", language="en"), graph)]
    return out


@pytest.fixture(scope="module")
def server(production_server_factory):
    """The time limit stops the attacks (the memory cap is the default, 2 GiB, out of reach in 2 s)."""
    return production_server_factory(_quads(), {"LEMAP_QUERY_TIMEOUT": TIMEOUT, "LEMAP_MAX_ROWS": MAX_ROWS,
                                                "LEMAP_WORKERS": 2})


@pytest.fixture(scope="module")
def memory_server(production_server_factory):
    """The memory cap stops the attacks: 256 MiB per worker, and a time limit they never reach first."""
    return production_server_factory(_quads(), {"LEMAP_QUERY_TIMEOUT": 60, "LEMAP_MAX_ROWS": MAX_ROWS,
                                                "LEMAP_WORKERS": 2, "LEMAP_WORKER_MEMORY_MB": 256})


@pytest.fixture(scope="module")
def listener():
    """A TCP listener on a loopback port recording every connection it receives."""
    with recording_listener() as listening:
        yield listening


def send(url: str, query: str, accept: str) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=query.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-query", "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()  # headers: case-insensitive
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# Each attack: (id, query with {url} for the listener, Accept). {url} sits where a careless engine
# might fetch it (a constant IRI the query names), never in SERVICE/FROM (refused before running).
SELECT_JSON = "application/sparql-results+json"
NT = "application/n-triples"
U = "VALUES ?u { <{url}> } "
ATTACKS = [
    # cartesian products
    ("cartesian-select", f"SELECT * WHERE {{ {U}{CART} }}", SELECT_JSON),
    ("cartesian-count", f"SELECT (COUNT(*) AS ?n) WHERE {{ {U}{CART} }}", SELECT_JSON),
    ("cartesian-construct", f"CONSTRUCT {{ ?a ?e ?i . ?u ?b ?c }} WHERE {{ {U}{CART} }}", NT),
    ("cartesian-order-by", f"SELECT * WHERE {{ {U}{CART} }} ORDER BY DESC(?c) ?f STR(?i)", SELECT_JSON),
    ("cartesian-distinct", f"SELECT DISTINCT ?a ?d ?g WHERE {{ {U}{CART} }}", SELECT_JSON),
    ("cartesian-ask-false", f"ASK {{ {U}{CART} . ?j ?k ?l FILTER(?l = <{{url}}>) }}", SELECT_JSON),
    ("cartesian-in-exists", f"SELECT * WHERE {{ {U}?s ?p ?o FILTER NOT EXISTS {{ {CART} FILTER(?i = ?u) }} }}", SELECT_JSON),
    ("twelve-way-join", "SELECT (COUNT(*) AS ?n) WHERE { " + U + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(12)) + " }", SELECT_JSON),
    # property paths
    ("path-p-or-not-p-star", f"SELECT (COUNT(*) AS ?n) WHERE {{ {U}?x (<{EX}next>|!<{EX}next>)* ?y }}", SELECT_JSON),
    ("path-any-star-both-open", f"SELECT * WHERE {{ {U}?x (<{EX}next>|^<{EX}next>)* ?y . ?y (!<>)* ?z }}", SELECT_JSON),
    ("path-nested-stars", f"SELECT (COUNT(*) AS ?n) WHERE {{ {U}?x ((<{EX}next>*)/(<{EX}next>*))* ?y }}", SELECT_JSON),
    ("path-negated-inverse-star", f"SELECT (COUNT(*) AS ?n) WHERE {{ {U}?x (!(^<{EX}label>))* ?y . ?y ?p ?z }}", SELECT_JSON),
    # regexes
    ("regex-nested-plus", f'SELECT * WHERE {{ {U}?s <{EX}text> ?t FILTER REGEX(?t, "^(a+)+$") }}', SELECT_JSON),
    ("regex-alternation-star", f'SELECT * WHERE {{ {U}?s <{EX}text> ?t FILTER REGEX(?t, "^(a|aa|a?)*$") }}', SELECT_JSON),
    ("regex-backreference-shape", f'SELECT * WHERE {{ {U}?s <{EX}text> ?t FILTER REGEX(?t, "^(a*)*b$", "i") }}', SELECT_JSON),
    ("regex-huge-repetition", f'SELECT * WHERE {{ {U}?s <{EX}text> ?t FILTER REGEX(?t, "(a{{1000}}){{1000}}") }}', SELECT_JSON),
    ("regex-in-cartesian", f'SELECT (COUNT(*) AS ?n) WHERE {{ {U}?a <{EX}text> ?t . ?b <{EX}text> ?v FILTER REGEX(CONCAT(?t, ?v), "^(a+)+b") }}', SELECT_JSON),
    ("replace-huge-repetition", f'SELECT (REPLACE(?t, "(a{{999}}){{999}}", "x") AS ?r) WHERE {{ {U}?s <{EX}text> ?t }}', SELECT_JSON),
    # string blow-ups
    ("group-concat-cartesian", f"SELECT (STRLEN(GROUP_CONCAT(?t)) AS ?n) WHERE {{ {U}?a <{EX}text> ?t . ?b ?c ?d . ?e ?f ?g }}", SELECT_JSON),
    ("group-concat-returned", f"SELECT (GROUP_CONCAT(CONCAT(?t, ?t, ?t)) AS ?g) WHERE {{ {U}?a <{EX}text> ?t . ?b ?c ?d }}", SELECT_JSON),
    ("concat-doubling", f"SELECT (STRLEN(?x30) AS ?n) WHERE {{ {U}?s <{EX}text> ?x0 "
                        + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30)) + " }", SELECT_JSON),
    ("replace-doubling", f"SELECT (STRLEN(?x30) AS ?n) WHERE {{ {U}?s <{EX}text> ?x0 "
                         + " ".join(f'BIND(REPLACE(?x{i}, "(.)", "$1$1") AS ?x{i + 1})' for i in range(30)) + " }", SELECT_JSON),
    ("encode-for-uri-growth", f"SELECT (STRLEN(?x12) AS ?n) WHERE {{ {U}?s <{EX}text> ?x0 "
                              + " ".join(f"BIND(ENCODE_FOR_URI(CONCAT(?x{i}, ' ', ?x{i})) AS ?x{i + 1})" for i in range(12)) + " }", SELECT_JSON),
    ("concat-doubling-constructed", "CONSTRUCT { ?u <http://example.org/big> ?x24 } WHERE { " + U + "BIND('ab' AS ?x0) "
                                    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(24)) + " }", NT),
    # huge LIMIT / OFFSET
    ("limit-huge", f"SELECT * WHERE {{ {U}?s ?p ?o }} LIMIT 18446744073709551615", SELECT_JSON),
    ("limit-beyond-u64", f"SELECT * WHERE {{ {U}?s ?p ?o }} LIMIT 99999999999999999999999999999", SELECT_JSON),
    ("offset-huge", f"SELECT * WHERE {{ {U}?s ?p ?o }} OFFSET 9223372036854775807 LIMIT 10", SELECT_JSON),
    ("offset-into-cartesian", f"SELECT * WHERE {{ {U}{CART} }} OFFSET 1000000000 LIMIT 1", SELECT_JSON),
    ("subquery-limit-huge", f"SELECT * WHERE {{ {U}{{ SELECT * WHERE {{ {CART} }} LIMIT 4000000000 }} }}", SELECT_JSON),
    # deep nesting (under and over LEMAP_MAX_NESTING, 64)
    ("nested-groups-60", "SELECT * WHERE { " + U + "{ " * 60 + CART + " }" * 60 + " }", SELECT_JSON),
    ("nested-subqueries-30", "SELECT * WHERE { " + U + "{ SELECT * WHERE " * 30 + "{ " + CART + " }" + " }" * 30 + " }", SELECT_JSON),
    ("nested-optionals-60", "SELECT * WHERE { " + U + "?s0 ?p0 ?o0 " + " ".join(f"OPTIONAL {{ ?s{i} ?p{i} ?o{i} " for i in range(1, 60)) + " }" * 59 + " }", SELECT_JSON),
    ("nested-parentheses-5000", "SELECT * WHERE { " + U + "FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }", SELECT_JSON),
    ("nested-unions-2000", "SELECT * WHERE { " + U + "{ ?s ?p ?o } UNION " * 2000 + "{ ?s ?p ?o } }", SELECT_JSON),
    ("deep-function-calls", "SELECT * WHERE { " + U + "BIND(" + "STR(" * 60 + "?u" + ")" * 60 + " AS ?x) }", SELECT_JSON),
]


def _rows(body: bytes, accept: str) -> int:
    if accept == NT:
        return sum(1 for line in body.splitlines() if line.strip())
    answer = json.loads(body)
    return len(answer["results"]["bindings"]) if "results" in answer else 1


def _assert_answered(status: int, headers: dict, body: bytes, accept: str) -> None:
    assert status == 200 or 400 <= status < 500 or status == 503, (status, body[:300])
    if status == 200:
        assert _rows(body, accept) <= MAX_ROWS
        return
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    assert json.loads(body)["message"]


#: Shapes that run a worker out of its memory cap: each answers 503 naming LEMAP_WORKER_MEMORY_MB
#: (QueryOutOfMemory), or its time limit first, never a 500.
MEMORY_HUNGRY = [pytest.param(*a, id=a[0])
                 for a in ATTACKS if a[0] in (
                     "cartesian-order-by", "cartesian-in-exists", "nested-optionals-60", "group-concat-returned",
                     "concat-doubling", "replace-doubling", "group-concat-cartesian", "cartesian-distinct")]


@pytest.mark.parametrize("name, query, accept", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_answered_and_the_service_stays_up(server, listener, name, query, accept) -> None:
    _attack(server, listener, name, query, accept)


@pytest.mark.parametrize("name, query, accept", MEMORY_HUNGRY)
def test_attack_past_the_memory_cap_is_answered(memory_server, listener, name, query, accept) -> None:
    _attack(memory_server, listener, name, query, accept)


def _attack(server, listener, name: str, query: str, accept: str) -> None:
    status, headers, body = send(server.url, query.replace("{url}", listener.url), accept)
    started = time.monotonic()
    trivial = send(server.url, "ASK { ?s ?p ?o }", SELECT_JSON)
    seconds = time.monotonic() - started
    kind = json.loads(body).get("kind", "") if status != 200 else f"{_rows(body, accept)} rows"
    print(f"attack {name}: {status} {kind}; trivial query after it: {seconds:.2f} s")  # the figures, with -rP
    assert trivial[0] == 200 and json.loads(trivial[2])["boolean"] is True
    assert seconds < TRIVIAL_BOUND, f"a trivial query took {seconds:.2f} s after {name}"
    time.sleep(0.2)  # a connection, had the engine opened one, would have arrived by now
    assert listener.hits == []
    assert server.proc.poll() is None
    _assert_answered(status, headers, body, accept)
