"""Hostile uploads: each kind is refused with a 4xx that says what and where, nothing is stored, nothing is
fetched, and the server answers a trivial query right after."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from lemap_graph.partner.guard import UploadLimits, UploadRefused, find_kind
from lemap_graph.partner.worker import Upload, check_in_worker

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""
RDF = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'


class Listener:
    """A loopback TCP listener that records every connection made to it (nothing may ever connect)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[tuple] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.connections.append(peer)
            conn.close()


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.sock.close()


def hostile_files(url: str) -> list[tuple[str, str, bytes, int, str]]:
    """(name, media type, body, status, words of the message) for every kind of hostile upload."""
    deep_json = b"[" * 5000 + b"]" * 5000
    deep_object = b'{"http://example.org/p": ' * 5000 + b"1" + b"}" * 5000
    deep_xml = RDF + b'<rdf:Description rdf:about="http://example.org/a"><ex:p rdf:parseType="Resource">' * 3000 + b"</ex:p></rdf:Description>" * 3000 + b"</rdf:RDF>"
    return [
        ("billion-laughs.rdf", "application/rdf+xml", BILLION_LAUGHS, 400, "DOCTYPE and ENTITY"),
        ("external-entity.rdf", "application/rdf+xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "' + url.encode() + b'/e">]>' + RDF + b"</rdf:RDF>", 400, "DOCTYPE"),
        ("deep-array.jsonld", "application/ld+json", deep_json, 400, "nested more than"),
        ("deep-object.jsonld", "application/ld+json", deep_object, 400, "nested more than"),
        ("deep.rdf", "application/rdf+xml", deep_xml, 400, "nested more than"),
        ("remote-context.jsonld", "application/ld+json",
         json.dumps({"@context": url + "/context.jsonld", "@id": "http://example.org/a", "name": "x"}).encode(), 400, "is not fetched"),
        ("file-context.jsonld", "application/ld+json",
         json.dumps({"@context": "file:///etc/passwd", "@id": "http://example.org/a"}).encode(), 400, "is not fetched"),
        ("import-context.jsonld", "application/ld+json",
         json.dumps({"@context": {"@import": url + "/ctx", "name": "https://schema.org/name"}, "name": "x"}).encode(), 400, "@import"),
        ("file-iri.ttl", "text/turtle", b'<file:///etc/passwd> <https://schema.org/name> "x" .', 400, "file: IRIs"),
        ("javascript-iri.ttl", "text/turtle", b'<http://example.org/a> <https://schema.org/url> <javascript:alert(1)> .', 400, "javascript: IRIs"),
        ("data-iri.nt", "application/n-triples", b'<http://example.org/a> <https://schema.org/url> <data:text/html;base64,PHNjcmlwdD4=> .\n', 400, "data: IRIs"),
        ("file-base.ttl", "text/turtle", b'@base <file:///etc/> .\n<passwd> <https://schema.org/name> "x" .', 400, "file: IRIs"),
        ("xml-base.rdf", "application/rdf+xml", RDF.replace(b"<rdf:RDF ", b'<rdf:RDF xml:base="file:///etc/" ') +
         b'<rdf:Description rdf:about="passwd"><ex:p>x</ex:p></rdf:Description></rdf:RDF>', 400, "file: IRIs"),
        ("jsonld-base.jsonld", "application/ld+json",
         json.dumps({"@context": {"@base": "javascript:alert(1)//"}, "@id": "x", "https://schema.org/name": "y"}).encode(), 400, "javascript: IRIs"),
        ("not-utf8.ttl", "text/turtle", b'<http://example.org/a> <https://schema.org/name> "\xc3\x28" .', 400, "not UTF-8"),
        ("broken.trig", "application/trig", b"<http://example.org/g> {\n <http://example.org/a> <http://example.org/p> \n}", 400, "does not parse"),
        ("page.html", "text/html", b"<html><script>alert(1)</script></html>", 415, "cannot read text/html"),
        ("huge.nt", "application/n-triples", b"#" * 10_000_001, 413, "the limit is"),
    ]


CASES = [case[0] for case in hostile_files("http://127.0.0.1:1")]


@pytest.mark.parametrize("name", CASES)
def test_hostile_upload_is_refused_and_the_server_answers(partner_app, listener, name: str) -> None:
    _, media_type, body, status, words = next(c for c in hostile_files(listener.url) if c[0] == name)
    client = partner_app.test_client()
    token = partner_app.token("mallory")
    for response in (client.post("/validate", data=body, content_type=media_type),
                     client.put("/graphs/mallory/attempt", data=body, content_type=media_type,
                                headers={"Authorization": f"Bearer {token}"})):
        error = json.loads(response.data)
        assert response.status_code == status, error
        assert words in error["message"], error
        if status == 400 and "line" in words:
            assert error["line"] is not None
    assert "https://w3id.org/lemap/graph/partner/mallory/attempt" not in partner_app.extensions["lemap"].engine.graphs()
    assert client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}).json["boolean"] is True
    assert listener.connections == []


def test_refusals_say_where(partner_app) -> None:
    client = partner_app.test_client()
    error = client.post("/validate", data=b'@prefix ex: <http://example.org/> .\nex:a ex:b ex:c\nex:d ex:e ex:f .\n',
                        content_type="text/turtle").json
    assert (error["status"], error["line"], error["column"]) == (400, 3, 1)
    error = client.post("/validate", data=b'{"@id": "http://example.org/a",\n "http://example.org/p": }', content_type="application/ld+json").json
    assert (error["status"], error["line"]) == (400, 2)


def test_nothing_is_fetched_for_prefixes_or_imports(partner_app, listener) -> None:
    body = (f"@prefix ext: <{listener.url}/vocab#> .\n"
            f"<https://example.org/a> <http://www.w3.org/2002/07/owl#imports> <{listener.url}/ontology> ;\n"
            f"    <http://www.w3.org/2000/01/rdf-schema#seeAlso> ext:thing .\n").encode()
    response = partner_app.test_client().post("/validate", data=body, content_type="text/turtle")
    assert response.status_code == 200 and response.json["conforms"] is True
    assert listener.connections == []


def test_shapes_in_an_upload_are_only_data(partner_app) -> None:
    """A shape in the upload would flag every country and run SPARQL; only lemap's own shapes are run."""
    body = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix lm: <https://w3id.org/lemap/ontology#> .
<https://example.org/shapes/EveryCountryShape> a sh:NodeShape ;
    sh:targetClass lm:Country ;
    sh:property [ sh:path <https://example.org/never> ; sh:minCount 1 ] ;
    sh:sparql [ sh:select "SELECT $this WHERE { ?s ?p ?o }" ; sh:message "ran" ] .
"""
    report = partner_app.test_client().post("/validate", data=body, content_type="text/turtle").json
    assert report["conforms"] is True and report["results"] == []
    assert not any("example.org/shapes" in json.dumps(r) for r in report["results"])


def test_relative_iris_resolve_against_the_servers_base(partner_app) -> None:
    body = b'<thing> <https://schema.org/name> "x" .\n_:b <https://schema.org/name> "y" .'
    client = partner_app.test_client()
    token = partner_app.token("npu")
    response = client.put("/graphs/npu/relative", data=body, content_type="text/turtle", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    stored = client.get("/graph/partner/npu/relative", headers={"Accept": "application/n-triples"}).data.decode()
    subjects = {line.split(" ")[0] for line in stored.splitlines() if line}
    assert "<https://w3id.org/lemap/id/partner/npu/relative/thing>" in subjects
    assert any(s.startswith("<https://w3id.org/lemap/.well-known/genid/partner/npu/relative/") for s in subjects)


@pytest.mark.parametrize("setting, value, words", [("LEMAP_UPLOAD_TIMEOUT", 0.2, "LEMAP_UPLOAD_TIMEOUT"),
                                                   ("LEMAP_UPLOAD_MEMORY_MB", 60, "LEMAP_UPLOAD_MEMORY_MB")])
def test_the_worker_is_stopped_past_its_limits(web_store, setting: str, value, words: str) -> None:
    """Whatever an upload costs the parser (rdflib's quadratic inputs included), the worker's limits bound it."""
    from browser import app_over

    with app_over(web_store, **{setting: value}) as app:
        client = app.test_client()
        response = client.post("/validate", data=b'<http://example.org/a> <http://example.org/p> "x" .', content_type="text/turtle")
        assert response.status_code == 413 and words in response.json["message"]
        assert client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}).status_code == 200


def test_a_parser_crash_kills_only_the_worker() -> None:
    """Past the guard (called directly), pyoxigraph aborts on the billion laughs: the worker dies, the caller goes on."""
    with pytest.raises(UploadRefused) as caught:
        check_in_worker([Upload("laughs.rdf", BILLION_LAUGHS, find_kind("rdf"))], context=b"",
                        base_iri="https://w3id.org/lemap/id/partner/p/d/", dataset="https://w3id.org/lemap/graph/partner/p/d",
                        limits=UploadLimits(memory_mb=512))
    refusal = caught.value
    assert (refusal.status, "LEMAP_UPLOAD_MEMORY_MB" in refusal.message) in ((413, True), (400, False)), refusal
    assert refusal.status == 413 or "the parser stopped" in refusal.message


def test_when_every_upload_worker_is_busy_the_answer_is_503(web_store) -> None:
    """Checks are bounded by LEMAP_UPLOAD_WORKERS: a flood of uploads waits, then is told to come back."""
    from browser import app_over

    with app_over(web_store, LEMAP_UPLOAD_WORKERS=1, LEMAP_UPLOAD_TIMEOUT=0.5) as app:
        slots = app.extensions["partner"].slots
        assert slots.acquire(timeout=5)  # another upload is being checked
        try:
            response = app.test_client().post("/validate", data=b"<http://example.org/a> <http://example.org/p> 1 .",
                                              content_type="text/turtle")
        finally:
            slots.release()
        assert response.status_code == 503 and response.headers["Retry-After"] and "LEMAP_UPLOAD_WORKERS" in response.json["message"]
