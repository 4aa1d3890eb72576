"""The upload guard, the name matcher, the CSV template's cells and the token file, without a server."""

from __future__ import annotations

import json
import sqlite3

import pytest

from lemap_graph.partner import csvtemplate
from lemap_graph.partner.guard import UploadLimits, UploadRefused, check_upload, find_kind
from lemap_graph.partner.names import NameIndex
from lemap_graph.partner.tokens import TokenStore

LIMITS = UploadLimits(max_bytes=10_000, max_nesting=64)


def refusal(body: bytes, content_type: str, limits: UploadLimits = LIMITS) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_upload(body, content_type, limits)
    return caught.value


def test_every_format_is_known_by_media_type_and_extension() -> None:
    for media_type, ext in [("text/turtle", "ttl"), ("application/n-triples", "nt"), ("application/trig", "trig"),
                            ("application/n-quads", "nq"), ("application/ld+json", "jsonld"),
                            ("application/rdf+xml", "rdf"), ("text/csv", "csv")]:
        assert find_kind(media_type + "; charset=utf-8") == find_kind(ext)


def test_too_big_is_413_before_anything_else() -> None:
    e = refusal(b"x" * 10_001, "text/html")
    assert e.status == 413 and "10001 bytes" in e.message


def test_unknown_media_type_is_415_naming_what_is_accepted() -> None:
    e = refusal(b"<p>hi</p>", "text/html")
    assert e.status == 415 and "text/turtle" in e.message and "text/csv" in e.message


def test_not_utf8_is_located() -> None:
    e = refusal(b'<http://a> <http://b> "ok" .\n<http://a> <http://b> "\xff" .', "application/n-triples")
    assert (e.status, e.line, e.column) == (400, 2, 24)


@pytest.mark.parametrize("prologue", [b'<!DOCTYPE lol [<!ENTITY lol "lol">]>', b'<!ENTITY x SYSTEM "file:///etc/passwd">',
                                      b"<!doctype rdf:RDF>"])
def test_dtds_and_entities_are_refused_in_rdfxml(prologue: bytes) -> None:
    body = b'<?xml version="1.0"?>\n' + prologue + b'\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    e = refusal(body, "application/rdf+xml")
    assert e.status == 400 and "DOCTYPE" in e.message and e.line == 2


def test_json_nesting_is_counted_outside_strings() -> None:
    fine = b'{"@id": "http://a", "http://p": "' + b"[" * 500 + b'"}'
    assert check_upload(fine, "application/ld+json", LIMITS).name == "jsonld"
    e = refusal(b"[" * 65 + b"]" * 65, "application/ld+json")
    assert (e.status, e.line, e.column) == (400, 1, 65) and "nested more than 64" in e.message


def test_xml_nesting_is_counted_by_elements() -> None:
    body = b"<rdf:RDF>\n" + b"<a:b>" * 70 + b"</a:b>" * 70 + b"\n</rdf:RDF>"
    e = refusal(body, "application/rdf+xml")
    assert e.status == 400 and e.line == 2 and "XML elements" in e.message
    flat = b"<rdf:RDF>" + b"<a:b/><!-- <x><x><x> -->" * 100 + b"</rdf:RDF>"
    assert check_upload(flat, "application/rdf+xml", LIMITS).name == "rdf"


@pytest.fixture(scope="module")
def names(curated_store) -> NameIndex:
    return NameIndex.from_store(curated_store)


@pytest.mark.parametrize("name, kind, expected", [
    ("Kiev", "place", "place/kyiv"),
    ("KYIV", "place", "place/kyiv"),
    ("ukraine", "country", "country/UKR"),
    ("UKR", "country", "country/UKR"),
    ("Ukrane", "country", "country/UKR"),                            # a dropped letter
    ("Police National of Ukraine", "organisation", "organisation/ukr-national-police"),  # word order
    ("national police of ukraine", "organisation", "organisation/ukr-national-police"),
    ("training", "activity-kinds", "activity-kind/training"),
    ("in progress", "statuses", "status/in-progress"),
])
def test_names_resolve_tolerantly(names: NameIndex, name: str, kind: str, expected: str) -> None:
    best = names.resolve(name, kind)[0]
    assert best.match and best.iri.endswith(expected), best


def test_ambiguous_or_far_names_are_not_matched(names: NameIndex) -> None:
    assert not names.resolve("Police", "organisation")[0].match  # many police forces
    assert not names.resolve("Alliance for Public Health", "organisation")[0].match
    assert names.resolve("UKR", "organisation") == [] or not names.resolve("UKR", "organisation")[0].match


def test_csvw_metadata_describes_the_template_columns() -> None:
    meta = csvtemplate.csvw_metadata()
    header = csvtemplate.template_csv().decode().splitlines()[0].split(",")
    assert [c["titles"] for c in meta["tableSchema"]["columns"]] == header
    assert meta["@context"] == "http://www.w3.org/ns/csvw" and meta["url"] == "activities.csv"
    wanted = {"title", "kind", "start", "end", "country", "city", "organisers", "participants", "document used", "source"}
    assert wanted <= set(header)
    assert json.loads(json.dumps(meta)) == meta


@pytest.mark.parametrize("cell, count, qualifier, who", [
    ("40", "40", "exact", None), ("about 40 police officers", "40", "about", "police officers"),
    ("more than 1,200", "1200", "more-than", None), ("25+", "25", "more-than", None), ("up to 30", "30", "up-to", None),
])
def test_participants_cells(names: NameIndex, cell: str, count: str, qualifier: str, who: str | None) -> None:
    text = f"title,kind,participants\nA training,training,\"{cell}\"\n"
    out = csvtemplate.convert(text, names, "https://w3id.org/lemap/id/partner/p/d/", "https://w3id.org/lemap/graph/partner/p/d")
    values = {t.predicate.value.rsplit("#", 1)[-1]: t.object.value for t in out.triples}
    assert not out.errors
    assert values["participantCount"] == count and values["participantCountQualifier"].endswith("/" + qualifier)
    assert values.get("participantDescription") == who


def test_csv_without_required_columns_is_refused(names: NameIndex) -> None:
    with pytest.raises(UploadRefused) as caught:
        csvtemplate.convert("name,when\nx,2019\n", names, "https://w3id.org/lemap/id/partner/p/d/", "g")
    assert caught.value.status == 400 and "title" in caught.value.message and caught.value.line == 1


def test_tokens_are_stored_hashed_and_revocable(tmp_path) -> None:
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    first, second = tokens.create("npu"), tokens.create("unaids")
    assert len(first) >= 40 and first != second
    raw = (tmp_path / "tokens.sqlite").read_bytes()
    assert first.encode() not in raw and second.encode() not in raw
    with sqlite3.connect(tmp_path / "tokens.sqlite") as conn:
        assert all(len(d) == 64 for (d,) in conn.execute("SELECT digest FROM token"))
    assert (tokens.partner_for(first), tokens.partner_for(second), tokens.partner_for(first + "x")) == ("npu", "unaids", None)
    assert tokens.revoke("npu") == 1 and tokens.partner_for(first) is None and tokens.partner_for(second) == "unaids"
    assert [(t.partner, t.revoked is not None) for t in tokens.list()] == [("npu", True), ("unaids", False)]
    with pytest.raises(ValueError):
        tokens.create("../etc")
