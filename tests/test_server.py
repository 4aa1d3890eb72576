"""The production server (granian over one engine pool): slow clients, writes beside it, timeouts."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from lemap_graph.engine.durable import DurableStore

EX = "http://example.org/"


def _quads(n: int = 20) -> list[ox.Quad]:
    g = ox.NamedNode(EX + "graph/one")
    return [ox.Quad(ox.NamedNode(f"{EX}s/{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), g) for i in range(n)]


def _ask_count(server) -> int:
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    request = urllib.request.Request(f"{server.url}?query={query}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return int(json.load(r)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def server(production_server_factory):
    return production_server_factory(_quads(), {"LEMAP_QUERY_TIMEOUT": 2, "LEMAP_WEB_PROCESSES": 2})


def test_slow_header_connections_do_not_hold_the_server(server) -> None:
    """200 clients that send half a request line and stall; a normal request is still answered."""
    host, port = server.base.removeprefix("http://").split(":")
    stalled = []
    try:
        for _ in range(200):
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            stalled.append(s)
        assert _ask_count(server) == 20  # urlopen's own 10 s timeout is the bound; it answers at once
    finally:
        for s in stalled:
            s.close()


def test_slow_body_connections_do_not_hold_the_server(server) -> None:
    """100 clients that send their headers and three bytes of a 100-byte body, then stall; others are still answered.

    Each holds one of a web process's threads while its body is awaited (``LEMAP_WEB_THREADS``,
    256 each by default), so 100 leave both processes with threads to spare.
    """
    host, port = server.base.removeprefix("http://").split(":")
    stalled = []
    try:
        for _ in range(100):
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: 100\r\n\r\nASK")
            stalled.append(s)
        assert _ask_count(server) == 20
    finally:
        for s in stalled:
            s.close()


def test_a_connection_that_stalls_its_headers_is_closed(server) -> None:
    """Half a request line and then nothing: the server closes the connection (after HEADER_SECONDS), not a thread held forever."""
    from webapp.server import HEADER_SECONDS

    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HEADER_SECONDS * 6) as s:
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        try:
            reply = s.recv(1024)
        except ConnectionResetError:
            reply = b""
    assert not reply.startswith(b"HTTP/1.1 200")  # closed (b"") or refused with a 408, never served


def test_a_write_beside_the_running_server_is_seen_without_a_restart(server, tmp_path) -> None:
    """`lemap build` / `lemap import` write the store while the server runs: no lock trap, new data served."""
    store_path = server.store_path
    extra = ox.NamedNode(EX + "graph/two")
    with DurableStore(store_path).writing([extra.value]) as store:
        store.add(ox.Quad(ox.NamedNode(EX + "new"), ox.NamedNode(EX + "p"), ox.Literal("x"), extra))
    deadline = time.monotonic() + 10
    while _ask_count(server) != 21:
        assert time.monotonic() < deadline, "the server did not take the new graph"
        time.sleep(0.1)


def test_a_runaway_query_is_stopped_and_the_server_keeps_answering(server) -> None:
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?q ?r ?t . ?u ?v ?w }")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{server.url}?query={query}", timeout=30)
    assert caught.value.code == 503
    assert "timed out" in json.load(caught.value)["message"]
    assert _ask_count(server) in (20, 21)


def test_a_damaged_store_stops_the_server_with_a_message(tmp_path) -> None:
    """Never a silent empty graph: a store whose files are damaged is named, with why, and the exit is non-zero."""
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.extend(_quads(3))
    store.flush()
    del store
    for f in path.iterdir():
        if f.name.startswith("MANIFEST"):
            f.write_bytes(b"\x00garbage" * 10)
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "lemap_graph.cli", "serve", "--port", "0", "--store", str(path)],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert str(path) in done.stderr and "damaged" in done.stderr


def test_ctrl_c_to_the_process_group_stops_every_process(production_server_factory) -> None:
    """SIGINT to the whole group (a terminal's Ctrl-C) as soon as the server answers: it stops and leaves no process.

    The pool ignores the key and is stopped by its owner; web processes stop on it (one that misses
    it is killed after the grace period, the query limit plus 5 s).
    """
    import os
    import signal

    served = production_server_factory(_quads(3), {"LEMAP_QUERY_TIMEOUT": 5})
    os.killpg(served.proc.pid, signal.SIGINT)
    # 0, or 1 when a web process stopped on the key before granian told it to (it logs an
    # unexpected exit): either way the server stopped
    assert served.proc.wait(timeout=60) in (0, 1), served.log()
    time.sleep(1)  # the pool's workers are reaped by the pool as it stops
    with pytest.raises(ProcessLookupError):
        os.killpg(served.proc.pid, 0)  # nothing of the group is left
    assert "Traceback" not in served.log()
