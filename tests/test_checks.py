"""Data-quality checks (``lemap_graph/sparql/checks/*-violation.rq``): silent on the curated data, loud on bad data.

Each check has a small hand-made bad fixture ``tests/fixtures/checks/<check>.ttl`` whose ``# expect: <IRI>``
lines name exactly the subjects the check must report, so no check can pass by never matching anything,
and the good resources in the fixture show it does not over-report.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from lemap_graph.queries import load_checks, load_file
from lemap_graph.store import parse_turtle, run_query

ROOT = Path(__file__).resolve().parent
CHECK_DIR = ROOT.parent / "lemap_graph" / "sparql" / "checks"
FIXTURE_DIR = ROOT / "fixtures" / "checks"
CHECKS = sorted(p.name.removesuffix("-violation.rq") for p in CHECK_DIR.glob("*-violation.rq"))
FIXTURES = sorted(p.stem for p in FIXTURE_DIR.glob("*.ttl"))


def check_text(name: str) -> str:
    """The SPARQL text of the check ``name``."""
    return (CHECK_DIR / f"{name}-violation.rq").read_text(encoding="utf-8")


def expected_subjects(fixture: Path) -> set[str]:
    """The IRIs a fixture's ``# expect:`` lines name."""
    lines = fixture.read_text(encoding="utf-8").splitlines()
    return {line.split(":", 1)[1].strip() for line in lines if line.startswith("# expect:")}


def test_every_check_has_a_bad_fixture_and_back():
    assert CHECKS, "no checks found"
    assert CHECKS == FIXTURES


def test_checks_are_loaded_as_named_checks():
    assert sorted(q.name.removesuffix("-violation") for q in load_checks(CHECK_DIR)) == CHECKS


@pytest.mark.parametrize("name", CHECKS)
def test_check_has_metadata(name):
    query = load_file(CHECK_DIR / f"{name}-violation.rq")
    assert query.summary and query.description and "check" in query.tags
    assert query.source.startswith("competency question ")
    assert not query.params, "checks take no parameters"


@pytest.mark.parametrize("name", CHECKS)
def test_check_finds_nothing_on_the_curated_data(curated_store, name):
    rows = run_query(curated_store, check_text(name)).records()
    assert rows == [], "\n".join(f"{r.get('subject')}: {r.get('message')}" for r in rows[:20])


@pytest.mark.parametrize("name", CHECKS)
def test_check_reports_exactly_the_bad_subjects_of_its_fixture(name):
    fixture = FIXTURE_DIR / f"{name}.ttl"
    expected = expected_subjects(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    store = ox.Store()
    store.extend(parse_turtle(fixture.read_bytes(), fixture.name, ox.NamedNode("https://w3id.org/lemap/graph/test")))
    rows = run_query(store, check_text(name)).records()
    assert all(r.get("message") for r in rows), "every row says what is wrong"
    assert {r["subject"] for r in rows} == expected
