"""lemap_graph.validation: results name file, node, path and message; parse errors say where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from lemap_graph.validation import (
    RDFParseError,
    ValidationReport,
    ValidationResult,
    curated_files,
    validate_files,
    validate_graph,
)

HERE = Path(__file__).resolve().parent
COMMON = HERE / "shapes" / "common.ttl"
ACT = "https://w3id.org/lemap/id/activity/"
LMS = "https://w3id.org/lemap/shapes#"
LM = "https://w3id.org/lemap/ontology#"

PREFIXES = """@prefix lm:     <https://w3id.org/lemap/ontology#> .
@prefix act:    <https://w3id.org/lemap/id/activity/> .
@prefix akind:  <https://w3id.org/lemap/id/activity-kind/> .
@prefix ex:     <https://w3id.org/lemap/id/excerpt/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix status: <https://w3id.org/lemap/id/status/> .
@prefix qual:   <https://w3id.org/lemap/id/qualifier/> .
"""

BROKEN_ACTIVITY = PREFIXES + """
act:broken a lm:Activity ;
    skos:prefLabel "A training"@en ;
    lm:activityKind akind:training ;
    lm:status status:done ;
    lm:participantCount -5 ;
    lm:participantCountQualifier qual:exact ;
    prov:wasDerivedFrom ex:e .
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_violation_names_file_node_path_and_message(tmp_path: Path):
    broken = write(tmp_path, "broken.ttl", BROKEN_ACTIVITY)
    report = validate_files([COMMON, broken])
    assert not report.conforms
    (result,) = report.results
    assert result.file == str(broken)
    assert result.focus_node == ACT + "broken"
    assert result.path == LM + "participantCount"
    assert result.source_shape == LMS + "ActivityShape-participantCount"
    assert result.value == '"-5"^^xsd:integer'
    assert "non-negative" in result.message
    assert result.severity == "Violation"


def test_nodes_are_attributed_to_the_file_that_types_them(tmp_path: Path):
    first = write(tmp_path, "a.ttl", PREFIXES + "act:one a lm:Activity .\n")
    second = write(tmp_path, "b.ttl", PREFIXES + 'act:one skos:prefLabel "One"@en .\nact:two a lm:Activity .\n')
    files = {r.focus_node: r.file for r in validate_files([first, second]).results}
    assert files == {ACT + "one": str(first), ACT + "two": str(second)}


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        # a statement missing its final dot: the next subject is where the parser stops
        ("@prefix x: <http://x/> .\nx:a x:b x:c\nx:d x:e x:f .\n", 3, 1, "expected '.'"),
        # the slash the modelling guide warns about, mid-line
        ("@prefix lmid: <https://w3id.org/lemap/id/> .\n\nlmid:r a lmid:report/unodc .\n", 3, 21, "expected '.'"),
        ("@prefix x: <http://x/> .\n\n\n    x:a x:b foo:c .\n", 4, 13, 'Prefix "foo:" not bound'),
        ('@prefix x: <http://x/> .\nx:a x:b "open ;\n    x:c x:d .\n', 2, 16, "newline found in string literal"),
    ],
)
def test_parse_error_has_line_and_column(tmp_path: Path, text: str, line: int, column: int, words: str):
    bad = write(tmp_path, "bad.ttl", text)
    with pytest.raises(RDFParseError) as caught:
        validate_files([COMMON, bad])
    error = caught.value
    assert (error.file, error.line, error.column) == (str(bad), line, column)
    assert words in error.message
    assert str(error) == f"{bad}:{line}:{column}: {error.message}"


def test_report_order_is_stable(tmp_path: Path):
    text = PREFIXES + "".join(f"act:n{i} a lm:Activity .\n" for i in (3, 1, 2))
    graph = Graph().parse(data=text, format="turtle")
    reports = [validate_graph(graph) for _ in range(3)]
    assert reports[0] == reports[1] == reports[2]
    keys = [r.sort_key() for r in reports[0].results]
    assert keys == sorted(keys)
    assert [r.focus_node for r in reports[0].results][:1] == [ACT + "n1"]


def test_by_focus_node_groups_results():
    graph = Graph().parse(data=PREFIXES + "act:a a lm:Activity .\nact:b a lm:Activity .\n", format="turtle")
    grouped = validate_graph(graph).by_focus_node()
    assert set(grouped) == {ACT + "a", ACT + "b"}
    assert all(r.focus_node == node for node, results in grouped.items() for r in results)


def test_to_json_round_trips(tmp_path: Path):
    report = validate_files([COMMON, write(tmp_path, "broken.ttl", BROKEN_ACTIVITY)])
    text = json.dumps(report.to_json())
    assert ValidationReport.from_json(json.loads(text)) == report
    assert json.loads(text)["results"][0]["focus_node"] == ACT + "broken"


def test_results_are_frozen():
    result = ValidationResult("n", "s", None, None, "m", "Violation", None)
    with pytest.raises(AttributeError):
        result.message = "changed"  # type: ignore[misc]


def test_curated_files_are_the_sorted_data_files():
    files = curated_files()
    assert files == sorted(files) and all(p.suffix == ".ttl" and p.parent.name == "triples" for p in files)
    assert curated_files(HERE.parent) == files


def test_curated_validation_runs_the_data_quality_checks(tmp_path: Path):
    """``lemap validate`` on the curated data reports the checks too; each check's rows become results."""
    files = curated_files()
    assert validate_files(files).conforms
    bad = write(tmp_path, "zz-bad.ttl", PREFIXES + """
act:zz-unstructured a lm:Activity ;
    skos:prefLabel "A training"@en ;
    <https://schema.org/description> "Held in 2019 for 40 police officers."@en .
""")
    report = validate_files([*files, bad], checks=True)
    checks = {r.source_shape for r in report.results if r.focus_node == ACT + "zz-unstructured" and r.source_shape.endswith(".rq")}
    assert "lemap_graph/sparql/checks/unstructured-figure-violation.rq" in checks
    assert "lemap_graph/sparql/checks/activity-without-evidence-violation.rq" in checks
    assert not report.conforms
    assert all(r.file == str(bad) for r in report.results if r.focus_node == ACT + "zz-unstructured")


def test_checks_run_by_default_only_on_the_whole_curated_data(tmp_path: Path):
    broken = write(tmp_path, "broken.ttl", BROKEN_ACTIVITY)
    assert not any(r.source_shape.endswith(".rq") for r in validate_files([COMMON, broken]).results)
