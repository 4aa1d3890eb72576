"""The W3C SPARQL 1.1 Protocol query tests, read from the manifest and sent to the live endpoint.

The manifest is read at run time from ``../shared/conformance/sparql11-protocol`` beside the repo
(as CI lays it out), else from the verbatim copy in ``tests/conformance/sparql11-protocol``. Each
test's HTTP request is sent exactly as written (``/sparql/`` mapped to ``/sparql``) to the app
served by granian, with data1.nt–data3.nt loaded as the named graphs the manifest names.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection

ROOT = Path(__file__).resolve().parent.parent
SUITE = "conformance/sparql11-protocol"
SHARED = ROOT.parent / "shared" / SUITE
COPY = ROOT / "tests" / SUITE
FOLDER = SHARED if (SHARED / "manifest.ttl").is_file() else COPY

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
RDF_TYPES = {
    "text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")


@dataclass(frozen=True)
class ProtocolCase:
    """One request of a manifest test and what its response must be."""

    name: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # acceptable status classes: 2, 3, 4
    result_format: str | None
    boolean: bool | None


def _manifest() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(FOLDER / "manifest.ttl", format="turtle", publicID=(FOLDER / "manifest.ttl").as_uri())
    return graph


def _is_query_test(name: str) -> bool:
    return "update" not in name


def _cases(graph: rdflib.Graph) -> list[ProtocolCase]:
    manifest = next(graph.subjects(MF.entries, None))
    cases = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        name = str(test).rsplit("#", 1)[1]
        if not _is_query_test(name):
            continue
        action = graph.value(test, MF.action)
        requests = list(Collection(graph, graph.value(action, HT.requests)))
        assert len(requests) == 1, f"{name}: query tests send one request"
        cases.append(_case(graph, name, requests[0]))
    return cases


def _case(graph: rdflib.Graph, name: str, req) -> ProtocolCase:
    headers_node = graph.value(req, HT.headers)
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in (Collection(graph, headers_node) if headers_node else [])
    )
    body_node = graph.value(req, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    resp = graph.value(req, HT.resp)
    statuses = frozenset(int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(resp, MF.expectedStatus))
    boolean = graph.value(resp, MF.expectedBoolean)
    fmt = graph.value(resp, MF.expectedFormat)
    return ProtocolCase(
        name=name,
        method=str(graph.value(req, HT.methodName)),
        path=_map_path(str(graph.value(req, HT.absolutePath))),
        headers=headers,
        body=body,
        statuses=statuses,
        result_format=str(fmt) if fmt is not None else None,
        boolean=None if boolean is None else bool(boolean.toPython()),
    )


def _map_path(path: str) -> str:
    """The manifest's ``/sparql/`` prefix mapped to this app's endpoint path."""
    assert path.startswith("/sparql/"), path
    rest = path.removeprefix("/sparql/")
    return "/sparql" + (rest if rest.startswith("?") or not rest else "/" + rest)


def _graph_data(graph: rdflib.Graph) -> dict[str, Path]:
    """Graph name → data file, for every ut:graphData in the manifest."""
    out = {}
    for node in graph.objects(None, UT.graphData):
        out[str(graph.value(node, rdflib.RDFS.label))] = FOLDER / Path(urlsplit(str(graph.value(node, UT.graph))).path).name
    return out


MANIFEST = _manifest()
CASES = _cases(MANIFEST)


def test_the_manifest_holds_the_twenty_query_tests() -> None:
    """SOURCE.md counts 20 query tests (13 positive, 7 negative); all of them run below."""
    assert len(CASES) == 20
    assert sum(1 for c in CASES if c.statuses == {4}) == 7
    assert (FOLDER / "SOURCE.md").is_file()


def test_the_copy_in_the_repo_matches_what_it_copies() -> None:
    """tests/conformance keeps a verbatim copy so the suite runs without ../shared; it must not drift."""
    for name in ("manifest.ttl", "data1.nt", "data2.nt", "data3.nt", "SOURCE.md"):
        assert (COPY / name).is_file()
        if FOLDER == SHARED:
            assert (COPY / name).read_bytes() == (SHARED / name).read_bytes(), name


@pytest.fixture(scope="module")
def w3c_server(production_server_factory):
    """The app served by granian over data1.nt–data3.nt, each in the named graph the manifest names."""
    quads = []
    for name, path in sorted(_graph_data(MANIFEST).items()):
        quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                  for t in ox.parse(path.read_bytes(), format=ox.RdfFormat.N_TRIPLES)]
    assert len(quads) == 3
    return production_server_factory(quads)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol_query_test(w3c_server, case: ProtocolCase) -> None:
    """The response has the expected status class and, for positive tests, the expected kind of body."""
    host = urlsplit(w3c_server.base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        conn.request(case.method, case.path, body=case.body, headers=dict(case.headers))
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status // 100 in case.statuses, f"{case.name}: {response.status} {body[:300]!r}"
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
    if case.result_format == "boolean":
        answer = _boolean(media_type, body)
        assert isinstance(answer, bool) and (case.boolean is None or answer is case.boolean)
    elif case.result_format == "tabular":
        assert _variables(media_type, body) == ["value"]
    elif case.result_format == "RDF":
        assert media_type in RDF_TYPES
        rdflib.Graph().parse(data=body, format=RDF_TYPES[media_type])


def _boolean(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    assert media_type == "application/sparql-results+xml", media_type
    node = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return {"true": True, "false": False}[node.text]


def _variables(media_type: str, body: bytes) -> list[str]:
    assert media_type in RESULT_TYPES, media_type
    if media_type == "application/sparql-results+json":
        return json.loads(body)["head"]["vars"]
    if media_type == "application/sparql-results+xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [v.get("name") for v in ET.fromstring(body).iter(ns + "variable")]
    if media_type == "text/csv":
        return next(csv.reader(io.StringIO(body.decode())))
    return [v.lstrip("?") for v in body.decode().splitlines()[0].split("\t")]
