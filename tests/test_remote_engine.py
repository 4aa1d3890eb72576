"""The remote engine on two real servers (``oxigraph serve``, Virtuoso 7): the engine interface answers as the
embedded engine does — same formats, row cap, timeout, guard, writes, dumps, errors — and every named
query gives the same rows on all three over the curated data."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from lemap_graph import queries
from lemap_graph.engine import Limits, LocalEngine, QueryError, QueryRejected, QueryTimeout
from lemap_graph.engine.remote import RemoteEngine, load_sources
from lemap_graph.store import GRAPH_BASE, META_GRAPH

LM = "https://w3id.org/lemap/ontology#"
COUNTRIES = """PREFIX lm: <https://w3id.org/lemap/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?country ?label ?code WHERE { ?country a lm:Country ; skos:prefLabel ?label ; lm:isoAlpha3 ?code }
ORDER BY ?code ?label"""
CONSTRUCT = """PREFIX lm: <https://w3id.org/lemap/ontology#>
CONSTRUCT { ?c lm:isoAlpha3 ?code } WHERE { ?c a lm:Country ; lm:isoAlpha3 ?code }"""
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def local(curated_store):
    """The embedded engine over the same curated data, the reference the servers are compared with."""
    engine = LocalEngine(curated_store, Limits(workers=1))
    yield engine
    engine.close()


@pytest.fixture
def remote(sparql_server):
    """A RemoteEngine on the server; a generous time limit, as the machine running the tests may be busy."""
    engine = sparql_server.engine(Limits(timeout=30.0))
    yield engine
    engine.close()


# --- reading: every format, row cap, ASK --------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values", None])
def test_select_answers_are_the_embedded_engines_byte_for_byte(remote, local, accept):
    mine, theirs = remote.run(COUNTRIES, accept=accept), local.run(COUNTRIES, accept=accept)
    assert (mine.media_type, mine.kind, mine.truncated) == (theirs.media_type, theirs.kind, False)
    assert mine.body == theirs.body
    assert len(json.loads(remote.run(COUNTRIES, accept=None).body)["results"]["bindings"]) > 30


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"])
def test_construct_answers_hold_the_embedded_engines_triples(remote, local, accept):
    mine, theirs = remote.run(CONSTRUCT, accept=accept), local.run(CONSTRUCT, accept=accept)
    assert (mine.media_type, mine.kind) == (theirs.media_type, "graph")
    fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}[accept]
    assert set(ox.parse(mine.body, format=fmt)) == set(ox.parse(theirs.body, format=fmt))
    assert len(set(ox.parse(mine.body, format=fmt))) > 30


def test_query_rows_and_ask(remote, local):
    assert remote.query(COUNTRIES).records() == local.query(COUNTRIES).records()
    assert remote.query("ASK { ?s a <https://w3id.org/lemap/ontology#Country> }").boolean is True
    assert remote.query("ASK { ?s a <http://example.org/Nothing> }").boolean is False
    assert remote.run("ASK {}", accept="text/csv").body == local.run("ASK {}", accept="text/csv").body


def test_the_row_cap_cuts_and_says_so_as_the_embedded_engine_does(sparql_server, curated_store):
    limits = Limits(max_rows=7, workers=1)
    remote, local = sparql_server.engine(limits), LocalEngine(curated_store, limits)
    try:
        rows = remote.query("SELECT ?s WHERE { ?s ?p ?o }")
        assert (len(rows.rows), rows.truncated) == (7, True)
        doc = json.loads(remote.run(COUNTRIES, accept="application/sparql-results+json").body)
        assert doc["lemap"] == {"truncated": True, "limit": 7} and len(doc["results"]["bindings"]) == 7
        assert remote.run(COUNTRIES, accept="text/csv").body == local.run(COUNTRIES, accept="text/csv").body
        graph = remote.run(CONSTRUCT, accept="application/n-triples")
        assert (graph.truncated, graph.limit, len(graph.body.splitlines())) == (True, 7, 7)
        assert remote.query("ASK {}").boolean is True  # the connection left mid-answer was not reused
        everything = remote.query("SELECT ?s WHERE { ?s ?p ?o }", max_rows=0)
        assert not everything.truncated and len(everything.rows) > 6000, "max_rows=0 lifts the cap"
    finally:
        local.close()


def test_substituted_values_are_values_never_query_text(remote, local):
    q = queries.get_query("entity-by-name")
    hostile = '"} } ; DROP ALL ; SELECT * { ?s ?p "'
    for name in ("Kiev", hostile):
        values = {"_name": ox.Literal(name)}
        assert remote.query(q.text, substitutions=values).records() == local.query(q.text, substitutions=values).records()
    assert remote.query("ASK { ?s a <https://w3id.org/lemap/ontology#Country> }").boolean is True
    with pytest.raises(QueryError, match=r"does not contains variable \?_x in its SELECT projection"):
        remote.query("SELECT ?s WHERE { ?s ?p ?_x }", substitutions={"_x": ox.Literal("a")})


@pytest.mark.parametrize("piece", [1, 2, 9, 10, 11, 4096])
def test_virtuosos_blank_node_ids_are_rewritten_wherever_the_reads_split_them(piece):
    import io

    from lemap_graph.engine.remote import _BlankNodeIds

    class Trickle(io.BytesIO):
        def read(self, n=-1):
            return super().read(piece if n is None or n < 0 else min(n, piece))

    doc = b'{"s": {"type": "bnode", "value": "nodeID://b10"}, "o": {"type": "literal", "value": "a \\"nodeID://x"}} ' * 40
    out, stream = b"", _BlankNodeIds(Trickle(doc))
    while chunk := stream.read(7):
        assert len(chunk) <= 7
        out += chunk
    assert out == doc.replace(b'"nodeID://b10"', b'"b10"') and out.count(b'nodeID://x') == 40


# --- the time limit -----------------------------------------------------------------------------------


def test_a_query_past_the_time_limit_is_a_503_and_the_server_keeps_answering(sparql_server):
    engine = sparql_server.engine(Limits(timeout=1.0))
    with pytest.raises(QueryTimeout) as e:
        engine.query(HEAVY)
    assert e.value.status == 503 and "timed out after 1 s" in e.value.message
    assert engine.query("ASK { ?s a <https://w3id.org/lemap/ontology#Country> }").boolean is True
    assert sparql_server.alive()


# --- the guard: refused queries never reach the server ----------------------------------------------


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records every request and answers with ``reply`` (status, type, body)."""

    daemon_threads = True

    def __init__(self, reply=(200, "application/sparql-results+json", b'{"head":{"vars":["g"]},"results":{"bindings":[]}}'),
                 headers: dict[str, str] | None = None):
        self.reply, self.headers, self.seen, self.ports = reply, headers or {}, [], []
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(body.decode())
        self.server.ports.append(self.client_address[1])
        status, media, answer = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", media)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST

    def log_message(self, *args):
        pass

    def version_string(self):
        return self.server.headers.get("Server-Name", "Recorder/1")


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }", "http://example.org/elsewhere"),
    ("DROP ALL", "update"),
    ("SELECT * WHERE " + "{" * 100 + "}" * 100, "nest"),
    ("SELECT * WHERE { ?s ?p '" + "x" * 200_000 + "' }", "bytes"),
])
def test_refused_queries_never_reach_the_server(recorder, query, message):
    engine = RemoteEngine(recorder.url)
    with pytest.raises(QueryRejected, match=re.compile(re.escape(message), re.I)):
        engine.query(query)
    with pytest.raises(QueryRejected):
        engine.run(query, accept=None)
    assert not any("elsewhere" in seen or "ERVICE" in seen or "DROP" in seen or "{{{" in seen for seen in recorder.seen)
    ours = ("query=SELECT+DISTINCT+%3Fg", "query=SELECT+%3Fv")  # the graph list and the revision stamp
    assert all(seen.startswith(ours) for seen in recorder.seen), "only the engine's own look-ups were sent"


# --- a server that fails ------------------------------------------------------------------------------


def test_an_unreachable_server_is_a_502_saying_where():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: nothing answers there
        engine = RemoteEngine(f"http://127.0.0.1:{port}/sparql")
        with pytest.raises(QueryError) as e:
            engine.query("ASK {}")
    assert e.value.status == 502 and f"127.0.0.1:{port} cannot be reached" in e.value.message


def test_a_server_that_accepts_no_connection_in_time_is_a_504():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        queued = []
        for _ in range(8):  # fill the accept queue: the next connection attempt is never answered
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(listener.getsockname())
            queued.append(c)
        engine = RemoteEngine(f"http://127.0.0.1:{listener.getsockname()[1]}/sparql", connect_timeout=0.5)
        try:
            with pytest.raises(QueryError) as e:
                engine.query("ASK {}")
        finally:
            for c in queued:
                c.close()
    assert e.value.status in (504, 503), e.value.message
    assert "did not accept a connection" in e.value.message or "timed out" in e.value.message


@pytest.mark.parametrize(("reply", "message"), [
    ((500, "text/plain", b"Internal error: out of coffee"), "answered 500: Internal error: out of coffee"),
    ((200, "application/sparql-results+json", b"<html>not results</html>"), "does not parse"),
    ((200, "application/n-triples", b"<a> <b> garbage"), "does not parse"),
    ((404, "text/html", b"<h1>Not Found</h1>"), "answered 404"),
])
def test_a_server_answering_errors_or_garbage_is_a_502(reply, message):
    server = Recorder(reply)
    try:
        engine = RemoteEngine(server.url)
        with pytest.raises(QueryError) as e:
            engine.query(CONSTRUCT if b"garbage" in reply[2] else COUNTRIES)
        assert e.value.status == 502 and message in e.value.message
    finally:
        server.shutdown()
        server.server_close()


def test_queries_name_lemaps_graphs_as_their_dataset_unless_the_server_unites_them(recorder):
    recorder.reply = (200, "application/sparql-results+json",
                      b'{"head":{"vars":["g"]},"results":{"bindings":[{"g":{"type":"uri","value":"%sdata/x"}}]}}' % GRAPH_BASE.encode())
    RemoteEngine(recorder.url).query("SELECT ?g WHERE { ?s ?p ?o }")
    sent = recorder.seen[-1]
    assert "default-graph-uri=https%3A%2F%2Fw3id.org%2Flemap%2Fgraph%2Fdata%2Fx" in sent and "named-graph-uri=" in sent
    RemoteEngine(recorder.url, union_default_graph=True).query("SELECT ?g WHERE { ?s ?p ?o }")
    assert "graph-uri" not in recorder.seen[-1]
    from lemap_graph.settings import load_settings

    settings = load_settings({"LEMAP_SPARQL_ENDPOINT": recorder.url, "LEMAP_SPARQL_UNION": "yes", "LEMAP_QUERY_TIMEOUT": "3"})
    engine = RemoteEngine.from_settings(settings)
    assert (engine.union_default_graph, engine.limits.timeout, engine.update_endpoint) == (True, 3.0, None)


def test_a_server_gone_away_leaves_the_last_graphs_and_version_and_queries_say_so():
    one = b'{"head":{"vars":["g"]},"results":{"bindings":[{"g":{"type":"uri","value":"%sdata/x"}}]}}' % GRAPH_BASE.encode()
    server = Recorder((200, "application/sparql-results+json", one))
    engine = RemoteEngine(server.url, refresh_seconds=0)
    assert engine.graphs() == {GRAPH_BASE + "data/x"}
    version = engine.version
    server.shutdown()
    server.server_close()
    engine.close()  # the kept-alive connection's handler would still answer: reconnect, to nobody
    assert engine.version == version and engine.graphs() == {GRAPH_BASE + "data/x"}
    with pytest.raises(QueryError) as e:
        engine.query("ASK {}")
    assert e.value.status == 502 and "cannot be reached" in e.value.message


def test_virtuoso_gets_the_time_limit_as_its_timeout_and_its_anytime_answer_is_a_timeout():
    server = Recorder(headers={"Server-Name": "Virtuoso/07.20.3229 (Linux)"})
    try:
        engine = RemoteEngine(server.url, limits=Limits(timeout=2.5))
        engine.query("SELECT * WHERE { ?s ?p ?o }")
        assert engine.server.startswith("Virtuoso") and "timeout=2500" in server.seen[-1]
        server.headers["X-SQL-State"] = "S1TAT"  # "Returning incomplete results, query interrupted by result timeout"
        with pytest.raises(QueryTimeout):
            engine.query("SELECT * WHERE { ?s ?p ?o }")
    finally:
        server.shutdown()
        server.server_close()
    other = Recorder()
    try:
        RemoteEngine(other.url).query("SELECT * WHERE { ?s ?p ?o }")
        assert not any("timeout=" in seen for seen in other.seen), "only Virtuoso has a timeout parameter"
    finally:
        other.shutdown()
        other.server_close()


def test_each_thread_reuses_one_connection(recorder):
    engine = RemoteEngine(recorder.url, union_default_graph=True)
    for _ in range(3):
        engine.query("SELECT ?g WHERE { ?s ?p ?g }")
    other = threading.Thread(target=engine.query, args=("SELECT ?g WHERE { ?s ?p ?g }",))
    other.start()
    other.join()
    assert len(recorder.ports) == 4 and len(set(recorder.ports[:3])) == 1 and recorder.ports[3] != recorder.ports[0]


def test_the_protocol_dataset_and_from_are_the_embedded_engines(remote, local):
    countries = GRAPH_BASE + "data/triples/countries"
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for kwargs in ({"default_graphs": [countries]}, {"default_graphs": [], "named_graphs": [countries]}):
        assert remote.run(text, accept="text/csv", **kwargs).body == local.run(text, accept="text/csv", **kwargs).body
    with_from = f"SELECT (COUNT(*) AS ?n) FROM <{countries}> WHERE {{ ?s ?p ?o }}"
    assert remote.run(with_from, accept="text/csv").body == local.run(with_from, accept="text/csv").body
    assert remote.query(with_from).records() == [{"n": "282"}]


def test_without_an_update_endpoint_writes_are_refused_and_nothing_is_sent(recorder):
    engine = RemoteEngine(recorder.url)
    with pytest.raises(QueryError) as e:
        engine.write_graph(GRAPH_BASE + "test/x", b'<http://ex/a> <http://ex/p> "x" .\n')
    assert e.value.status == 405 and "LEMAP_UPDATE_ENDPOINT" in e.value.message
    assert not any("update=" in seen for seen in recorder.seen)


# --- writes and dumps ------------------------------------------------------------------------------


NT = b'''<http://ex/a> <http://ex/p> "x" .
<http://ex/a> <http://ex/q> _:b .
_:b <http://ex/r> "inside"@en .
'''


def test_write_query_dump_drop_round_trip(sparql_server):
    engine, other = sparql_server.engine(refresh_seconds=0), sparql_server.engine(refresh_seconds=0)
    graph = GRAPH_BASE + f"test/round-trip-{sparql_server.name}"
    meta = (ox.Quad(ox.NamedNode(graph), ox.NamedNode(LM + "sourceFile"), ox.Literal("upload.ttl"), META_GRAPH),)
    before, seen_by_other = engine.version, other.version
    assert engine.write_graph(graph, NT, meta=meta) == 3
    assert graph in engine.graphs() and engine.version != before
    assert other.version != seen_by_other, "another replica sees the write through the revision stamp"
    rows = engine.query("SELECT ?o WHERE { <http://ex/a> <http://ex/q> ?b . ?b <http://ex/r> ?o }").records()
    assert rows == [{"o": "inside"}], "the blank node stays one node"
    dumped = list(ox.parse(engine.dump(ox.RdfFormat.N_TRIPLES, graph=graph), format=ox.RdfFormat.N_TRIPLES))
    assert len(dumped) == 3 and {t.object for t in dumped if not isinstance(t.object, ox.BlankNode)} == {
        ox.Literal("x"), ox.Literal("inside", language="en")}
    assert engine.write_graph(graph, b'<http://ex/a> <http://ex/p> "y" .\n', replace=False, meta=meta) == 4
    assert engine.write_graph(graph, b'<http://ex/a> <http://ex/p> "z" .\n', meta=meta) == 1
    recorded = f"SELECT ?f WHERE {{ GRAPH <{META_GRAPH.value}> {{ <{graph}> <{LM}sourceFile> ?f }} }}"
    assert engine.query(recorded).records() == [{"f": "upload.ttl"}], "meta statements are replaced, not added"
    assert engine.drop_graph(graph) is True
    assert graph not in engine.graphs() and engine.query(recorded).rows == ()
    assert engine.drop_graph(graph) is False


def test_a_bad_upload_changes_nothing(sparql_server):
    from lemap_graph.store import SourceError

    engine = sparql_server.engine(refresh_seconds=0)
    before = engine.dump()
    with pytest.raises(SourceError):
        engine.write_graph(GRAPH_BASE + "test/bad", b"<http://ex/a> <http://ex/p> .\n")
    assert engine.dump() == before


def test_the_dump_holds_the_embedded_engines_dataset(remote, local):
    mine = set(ox.parse(remote.dump(), format=ox.RdfFormat.N_QUADS))
    theirs = set(ox.parse(local.dump(), format=ox.RdfFormat.N_QUADS))
    ground = lambda quads: {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
    assert ground(mine) == ground(theirs)
    assert len(mine) == len(theirs)
    graph = GRAPH_BASE + "data/triples/countries"
    assert set(ox.parse(remote.dump(ox.RdfFormat.TURTLE, graph=graph), format=ox.RdfFormat.TURTLE)) == set(
        ox.parse(local.dump(ox.RdfFormat.TURTLE, graph=graph), format=ox.RdfFormat.TURTLE))


def test_loading_again_changes_nothing_and_the_graphs_are_the_embedded_ones(remote, local):
    report = load_sources(remote)
    assert (report.loaded, report.removed) == (0, 0) and report.unchanged == len(report.graphs)
    assert remote.graphs() == local.graphs()


# --- every named query: the same rows on the embedded engine and on both servers --------------------


#: Parameter values for the named queries, from their "e.g." help where it has one.
VALUES = {"_country": "AFG", "_code": "AFG", "_name": "Kiev", "_after": ""}


def _values(query: queries.NamedQuery) -> dict[str, str]:
    out = {}
    for p in query.params:
        example = re.search(r"e\.g\. (\S+)", p.description)
        assert p.name in VALUES or example, f"{query.name}: give {p.name} a value in VALUES (its help has no 'e.g.')"
        out[p.option] = VALUES[p.name] if p.name in VALUES else example.group(1).rstrip(",")
    return out


def _canonical(rows, text: str) -> Counter:
    """Rows as a multiset of tuples of terms, blank nodes all alike (their labels are the store's own).

    SPARQL leaves the order of GROUP_CONCAT's parts to the engine (and two stores holding the same
    data in another order differ, the embedded one included), so a literal is compared as the bag
    of its parts split at the query's separators; and a GROUP_CONCAT of nothing is unbound on
    Oxigraph but "" on Virtuoso, so in such queries the two count alike.
    """
    separators = sorted(set(re.findall(r'separator\s*=\s*"([^"]*)"', text, re.I)), key=len, reverse=True)
    split = re.compile("|".join(re.escape(s) for s in separators)) if separators else None

    def term(t):
        if isinstance(t, ox.BlankNode):
            return "_:b"
        if split is not None and (t is None or t == ox.Literal("")):
            return None  # GROUP_CONCAT of no value: unbound on Oxigraph, "" on Virtuoso (docs/deployment.md)
        if isinstance(t, ox.Literal) and split is not None:
            return (tuple(sorted(split.split(t.value))), t.datatype.value, t.language)
        return None if t is None else str(t)

    return Counter(tuple(term(t) for t in row) for row in rows)


NAMED = queries.load_queries() + queries.load_checks()


#: Named queries whose rows still differ on Virtuoso 7.2, and why (docs/deployment.md keeps the same list).
VIRTUOSO_DIFFERS = {
    "adoption-lineage": "Virtuoso evaluates the lineage's EXISTS over a *-path of inverse alternatives differently: more rows",
    "manual-lineage": "Virtuoso evaluates the lineage's +-path of inverse alternatives differently: other documents",
    "unodc-offices-countries": "Virtuoso's NOT EXISTS over skos:broader+ finds nothing under a default-graph-uri dataset",
    "unodc-partners": "Virtuoso's *-paths find nothing under a default-graph-uri dataset: one partner fewer",
    # named queries of the search and checks work (measured on them ahead of their merge)
    "search-entities": "Virtuoso returns some entity rows twice where Oxigraph returns them once",
    "unstructured-figure-violation": "Virtuoso's SPARQL compiler fails on it (SP031 internal error: side effect var)",
}


@pytest.mark.parametrize("query", NAMED, ids=[q.name for q in NAMED])
def test_every_named_query_gives_the_embedded_engines_rows(sparql_server, remote, local, curated_store, query, request):
    if sparql_server.name == "virtuoso" and query.name in VIRTUOSO_DIFFERS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=VIRTUOSO_DIFFERS[query.name]))
    values = queries.bind(query, _values(query), curated_store)
    mine, theirs = remote.query(query.text, substitutions=values), local.query(query.text, substitutions=values)
    assert mine.variables == theirs.variables
    assert _canonical(mine.rows, query.text) == _canonical(theirs.rows, query.text)
    assert query.name.endswith("-violation") or theirs.rows or query.name in EMPTY_ON_CURATED, "compare something"


#: Named queries that rightly find nothing on the curated data with their example values.
EMPTY_ON_CURATED: set[str] = set()
