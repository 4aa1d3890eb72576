"""Evidence: every excerpt quotes the report verbatim in the section it names, and every fact points at one."""

from __future__ import annotations

import pytest

from lemap_graph.report import SECTIONS, locate
from lemap_graph.store import run_query

PREFIXES = """\
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX lm: <https://w3id.org/lemap/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
"""
SECTION = "https://w3id.org/lemap/id/section/"


@pytest.fixture(scope="module")
def excerpts(curated_store):
    query = PREFIXES + """
    SELECT ?excerpt ?text (GROUP_CONCAT(STR(?section); separator=" ") AS ?sections) WHERE {
      ?excerpt a lm:Excerpt ; prov:value ?text .
      OPTIONAL { ?excerpt dcterms:isPartOf ?section }
    } GROUP BY ?excerpt ?text"""
    return run_query(curated_store, query).records()


def test_there_are_excerpts(excerpts):
    assert len(excerpts) > 100


def test_every_excerpt_stands_verbatim_in_the_report(excerpts):
    missing = [f"{e['excerpt']}: {e['text'][:80]!r}" for e in excerpts if locate(e["text"]) is None]
    assert not missing, "not in the normalised report:\n" + "\n".join(missing)


def test_every_excerpt_names_the_section_it_stands_in(excerpts):
    wrong = []
    for e in excerpts:
        found = locate(e["text"])
        if found is not None and e["sections"] != SECTION + found.slug:
            wrong.append(f"{e['excerpt']}: names {e['sections'] or 'no section'}, stands in {SECTION + found.slug}")
    assert not wrong, "\n".join(wrong)


def test_sections_in_the_data_are_the_reports(curated_store):
    rows = run_query(curated_store, PREFIXES + "SELECT ?s WHERE { ?s a lm:ReportSection }").records()
    assert {r["s"] for r in rows} == {SECTION + s.slug for s in SECTIONS}


@pytest.mark.parametrize(
    "kind, pattern",
    [
        ("activity", "?subject a lm:Activity"),
        ("document", "?subject lm:documentKind [] FILTER NOT EXISTS { ?subject a schema:Report }"),
        ("adoption", "?subject a lm:ManualAdoption"),
    ],
)
def test_every_fact_has_an_excerpt(curated_store, kind, pattern):
    query = PREFIXES + f"""
    SELECT ?subject WHERE {{
      {pattern}
      FILTER NOT EXISTS {{ ?subject prov:wasDerivedFrom ?e . ?e a lm:Excerpt ; prov:value [] }}
    }}"""
    rows = run_query(curated_store, query).records()
    assert not rows, f"{kind} without evidence: " + ", ".join(r["subject"] for r in rows)


def test_evidence_points_only_at_described_excerpts(curated_store):
    query = PREFIXES + """
    SELECT ?subject ?excerpt WHERE {
      ?subject prov:wasDerivedFrom ?excerpt .
      FILTER(STRSTARTS(STR(?excerpt), "https://w3id.org/lemap/id/excerpt/"))
      FILTER NOT EXISTS { ?excerpt a lm:Excerpt }
    }"""
    rows = run_query(curated_store, query).records()
    assert not rows, "\n".join(f"{r['subject']} -> {r['excerpt']}" for r in rows)
