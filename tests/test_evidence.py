"""Evidence: every excerpt quotes the report verbatim, as a whole sentence, in the section it names, and every fact points at one.

Verbatim means the report's text after whitespace normalisation, allowing only the removal of
footnote markers and page furniture (``lemap_graph.report.FURNITURE``), each recognised by its
exact context. Whole means an excerpt begins and ends where a sentence, list item, footnote,
title or summary panel does, never inside one.
"""

from __future__ import annotations

import re

import pytest

from lemap_graph.report import FOOTNOTES, FURNITURE, SECTIONS, clean_text, locate, normalise, report_text
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


#: Headings and titles printed on a line of their own: a sentence may start right after one, and an
#: excerpt may quote a whole title (the report's, or the Practical Guide's as the Introduction prints it).
TITLES = (
    *(s.heading for s in SECTIONS),
    "UNODC Mapping exercise 2013 – 2021: The Role of Law Enforcement in HIV prevention among people who use drugs (PWUD)",
    "A practical guide for Civil Society HIV service providers among people who use drugs: IMPROVING COOPERATION AND INTERACTION WITH LAW ENFORCEMENT OFFICIALS",
    "UNODC Mapping exercise 2013 – 2021",
    "List of resources:",
)
#: The summary infographic has no sentences: its units are its three panels.
PANELS = ("Our approach", "Our Partners", "Our Work")
#: Where the report ends a sentence or list item without punctuation.
UNPUNCTUATED_ENDS = ("security has been compromised", "development and proving ToT", "Kherson, Mykolaiv, Sumy)")
_ENDS = ".!?:;"
_STARTS = re.compile(r"^([A-Z0-9\"“(]|[a-z]\. |[•●] )")
_NEXT_UNIT = re.compile(r"^([A-Z\"“•●]|[a-z]\. |$)")


def is_whole(text: str) -> bool:
    """Whether ``text`` begins and ends at unit boundaries of the report without its furniture.

    >>> is_whole("The country has adopted the Training Manual.")
    True
    >>> is_whole("the United Nations Office on Drugs and Crime (UNODC)")
    False
    >>> is_whole("Law Enforcement < 5000")
    False
    """
    text = normalise(text)
    if text in TITLES or text in FOOTNOTES:
        return True
    report = clean_text()
    at = report.find(text)
    if at < 0 or not _STARTS.match(text):
        return False
    before, after = report[:at].rstrip(), report[at + len(text):].lstrip()
    starts = (not before or before[-1] in _ENDS or before.endswith(TITLES + UNPUNCTUATED_ENDS)
              or re.match(r"[a-z]\. |[•●] ", text) is not None or text.startswith(PANELS))
    ends = (not after or after.startswith(TITLES + PANELS) or text.endswith(UNPUNCTUATED_ENDS)
            or (text[-1] in _ENDS + ")" and _NEXT_UNIT.match(after) is not None))
    return starts and ends


def removed_part(found: str, clean: str) -> str:
    """What furniture removes from ``found`` to give ``clean``: a footnote marker, a page number or whole footnotes.

    >>> removed_part("their partners.1 Although", "their partners. Although")
    'marker'
    >>> removed_part("by 2030. 21 In", "by 2030. In")
    'page number'
    >>> removed_part("the 2030 target", "the target")
    'something else'
    """
    head = len(next((p for p in (clean[:i] for i in range(len(clean), -1, -1)) if found.startswith(p)), ""))
    tail = next(i for i in range(len(clean) - head, -1, -1) if found.endswith(clean[len(clean) - i:]))
    middle = found[head:len(found) - tail].strip()
    if re.fullmatch(r"[1-9]", middle):
        return "marker"  # glued to a word ("CSOs3") or standing alone ("PWID 2 and")
    if re.fullmatch(r"[0-9]{2}", middle):
        return "page number"
    if middle and " ".join(f for f in FOOTNOTES if f in middle) == middle:
        return "footnotes"
    return "something else"


def test_furniture_is_recognised_exactly():
    """Each piece of furniture stands once in the report, and removing it changes nothing else."""
    text = report_text()
    for piece in FURNITURE:
        assert text.count(piece.found) == 1, piece.found
        assert removed_part(piece.found, piece.clean) in ("marker", "page number", "footnotes"), piece


def test_no_excerpt_carries_page_furniture(excerpts):
    debris = [e["excerpt"] for e in excerpts if e["text"] not in FOOTNOTES and any(
        piece.found in e["text"] or (f in e["text"] and e["text"] != f) for piece in FURNITURE for f in FOOTNOTES)]
    assert not debris, "excerpts quoting footnote or page-foot text inside a sentence: " + ", ".join(debris)


def test_every_excerpt_is_a_whole_unit(excerpts):
    fragments = [f"{e['excerpt']}: {e['text'][:80]!r}" for e in excerpts if not is_whole(e["text"])]
    assert not fragments, "fragments (quote whole sentences, list items, titles or summary panels):\n" + "\n".join(fragments)


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
