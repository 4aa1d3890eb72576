"""The `lemap` command: every subcommand and every error path, on stores built in tmp_path from the
small fixture sources in tests/fixtures/ (exit 0 ok, 1 violations or a failed run, 2 unusable input)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from lemap_graph import cli, queries

FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures").glob("*.ttl"))
GRAPH = "https://w3id.org/lemap/graph/data/triples/"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project folder whose data/triples/ holds copies of the fixture sources."""
    folder = tmp_path / "project"
    (folder / "data" / "triples").mkdir(parents=True)
    for path in FIXTURES:
        shutil.copy(path, folder / "data" / "triples" / path.name)
    return folder


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def built(root: Path, store_path: Path, capsys) -> list[str]:
    """Build the on-disk store from the fixture sources; the options to query it."""
    assert cli.main(["build", "--root", str(root), "--store", str(store_path)]) == 0
    capsys.readouterr()
    return ["--root", str(root), "--store", str(store_path)]


def lemap(capsys, *args: str) -> tuple[int, str, str]:
    """Run `lemap ARGS` in-process: exit status, stdout, stderr (never a traceback)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def quads_in(path: Path) -> list[ox.Quad]:
    store = ox.Store.read_only(str(path))
    return list(store.quads_for_pattern(None, None, None, None))


# --- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[]] + [[c] for c in cli.commands()], ids=lambda c: " ".join(c) or "lemap")
def test_help_has_examples(capsys, command: list[str]) -> None:
    code, out, _ = lemap(capsys, *command, "--help")
    assert code == 0
    assert "examples:\n  lemap" in out


def test_a_real_process_exits_with_the_status_and_no_traceback(tmp_path: Path) -> None:
    def lemap_process(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "lemap_graph.cli", *args], capture_output=True, text=True, cwd=tmp_path)

    assert lemap_process("--help").returncode == 0
    done = lemap_process("query", "no-such-query")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("lemap query: error: no named query 'no-such-query'") and "Traceback" not in done.stderr


def test_no_command_or_an_unknown_one_is_a_usage_error(capsys) -> None:
    assert lemap(capsys)[0] == 2
    code, _, err = lemap(capsys, "frobnicate")
    assert code == 2 and "invalid choice: 'frobnicate'" in err


# --- build ----------------------------------------------------------------------------------------


def test_build_is_idempotent_and_drops_a_deleted_source(capsys, root: Path, store_path: Path) -> None:
    opts = ["--root", root, "--store", store_path]
    code, out, _ = lemap(capsys, "build", *opts)
    assert code == 0 and f"{len(FIXTURES)} graphs loaded, 0 unchanged, 0 removed" in out
    first = set(quads_in(store_path))

    code, out, _ = lemap(capsys, "build", *opts)
    assert code == 0 and f"0 graphs loaded, {len(FIXTURES)} unchanged, 0 removed" in out
    assert set(quads_in(store_path)) == first

    (root / "data" / "triples" / "regions.ttl").unlink()
    code, out, _ = lemap(capsys, "build", *opts)
    assert code == 0 and f"0 graphs loaded, {len(FIXTURES) - 1} unchanged, 1 removed" in out
    graphs = {q.graph_name.value for q in quads_in(store_path)}
    assert GRAPH + "regions" not in graphs and GRAPH + "countries" in graphs


def test_build_reloads_a_changed_source(capsys, root: Path, store_path: Path, built) -> None:
    source = root / "data" / "triples" / "countries.ttl"
    source.write_text(source.read_text().replace('"Kenia"@en', '"Kenia"@en , "Kenja"@en'))
    code, out, _ = lemap(capsys, "build", *built)
    assert code == 0 and "1 graphs loaded" in out
    assert ox.Literal("Kenja", language="en") in {q.object for q in quads_in(store_path)}


def test_build_reports_a_bad_source_with_line_and_column_and_changes_nothing(capsys, root, store_path, built) -> None:
    before = set(quads_in(store_path))
    (root / "data" / "triples" / "broken.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b x:c\nx:d x:e x:f .\n")
    code, _, err = lemap(capsys, "build", *built)
    assert code == 2
    assert re.search(r"lemap build: error: data/triples/broken\.ttl:3:\d+: ", err), err
    assert set(quads_in(store_path)) == before


def test_build_refuses_a_folder_without_sources(capsys, tmp_path: Path, store_path: Path) -> None:
    code, _, err = lemap(capsys, "build", "--root", tmp_path, "--store", store_path)
    assert code == 2 and "no source files under" in err


def test_build_says_clearly_when_another_program_holds_the_store(capsys, root: Path, store_path: Path, built) -> None:
    holder = ox.Store(str(store_path))  # holds the RocksDB lock, as a program outside lemap's locking would
    code, _, err = lemap(capsys, "build", *built)
    del holder
    assert code == 1 and "the store cannot be opened" in err and str(store_path) in err


# --- validate -------------------------------------------------------------------------------------

BAD_ACTIVITY = """\
@prefix lm: <https://w3id.org/lemap/ontology#> .
@prefix act: <https://w3id.org/lemap/id/activity/> .
@prefix schema: <https://schema.org/> .
act:zzz-bad a lm:Activity ;
    schema:startDate "sometime" .
"""


def test_validate_conforming_files(capsys) -> None:
    code, out, _ = lemap(capsys, "validate", "--alone", *FIXTURES)  # a graph of its own: the curated one would clash
    assert code == 0
    assert out == f"conforms: {len(FIXTURES)} files checked, no violations\n"


def test_validate_a_folder(capsys) -> None:
    code, out, _ = lemap(capsys, "validate", "--alone", FIXTURES[0].parent)
    assert code == 0 and out.startswith("conforms:")


def test_validate_reports_violations_grouped_by_focus_node(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_ACTIVITY)
    code, out, _ = lemap(capsys, "validate", bad)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{bad}: act:zzz-bad"
    results = lines[1:-1]
    assert results and all(line.startswith("    ") for line in results)
    assert any(line.startswith("    skos:prefLabel: ") and "[Violation, lms:ActivityShape-prefLabel]" in line for line in results)
    assert re.fullmatch(r"does not conform: \d+ violations on 1 node", lines[-1])
    assert lemap(capsys, "validate", bad)[1] == out  # a stable order


def test_validate_json(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_ACTIVITY)
    code, out, _ = lemap(capsys, "validate", "--format", "json", bad, FIXTURES[0])
    report = json.loads(out)
    assert code == 1 and report["conforms"] is False
    assert {r["focus_node"] for r in report["results"]} == {"https://w3id.org/lemap/id/activity/zzz-bad"}
    assert {r["file"] for r in report["results"]} == {str(bad)}
    assert set(report["results"][0]) == {"focus_node", "source_shape", "path", "value", "message", "severity", "file"}


def test_validate_text_layout() -> None:
    from lemap_graph.validation import ValidationReport, ValidationResult

    results = (
        ValidationResult("https://w3id.org/lemap/id/place/b", "https://w3id.org/lemap/shapes#S-p",
                         "https://schema.org/containedInPlace", None, "needs a country", "Violation", "b.ttl"),
        ValidationResult("https://w3id.org/lemap/id/activity/a", "https://w3id.org/lemap/shapes#A-d",
                         "https://schema.org/startDate", '"2018x"', "not a year", "Violation", "a.ttl"),
        ValidationResult("https://w3id.org/lemap/id/activity/a", "https://w3id.org/lemap/shapes#A-c",
                         "https://w3id.org/lemap/ontology#country", None, "check", "Warning", "a.ttl"),
    )
    assert cli.render_validation(ValidationReport(False, results), 2) == (
        "a.ttl: act:a\n"
        "    schema:startDate = \"2018x\": not a year [Violation, lms:A-d]\n"
        "    lm:country: check [Warning, lms:A-c]\n"
        "b.ttl: place:b\n"
        "    schema:containedInPlace: needs a country [Violation, lms:S-p]\n"
        "does not conform: 2 violations on 2 nodes (+1 at Warning or Info severity)\n"
    )


def test_validate_unparsable_file_gives_line_and_column(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b x:c\nx:d x:e x:f .\n")
    code, out, err = lemap(capsys, "validate", FIXTURES[0], bad)
    assert code == 2 and out == ""
    assert re.search(rf"lemap validate: error: {re.escape(str(bad))}:3:1: \S", err), err


def test_validate_missing_file(capsys, tmp_path: Path) -> None:
    code, _, err = lemap(capsys, "validate", tmp_path / "nope.ttl")
    assert code == 2 and f"{tmp_path / 'nope.ttl'}: no such file" in err


# --- query ----------------------------------------------------------------------------------------


def test_query_list(capsys) -> None:
    code, out, _ = lemap(capsys, "query", "--list")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == [q.name for q in queries.load_queries()]
    assert "--param name=… (string) a name to look up" in out


def test_query_table(capsys, built) -> None:
    code, out, err = lemap(capsys, "query", "countries", *built)
    assert code == 0 and "using the store at" in err
    lines = out.splitlines()
    assert lines[0].split() == ["country", "label", "alpha2", "alpha3", "numeric", "regions"]
    assert re.fullmatch(r"-+( +-+){5}", lines[1])
    assert lines[2].split()[:5] == ["country:AFG", "Afghanistan", "AF", "AFG", "004"]
    assert lines[-1] == "(4 rows)"


def test_query_csv(capsys, built) -> None:
    code, out, _ = lemap(capsys, "query", "countries", "--format", "csv", *built)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["alpha3"] for r in rows] == ["AFG", "KAZ", "KEN", "UKR"]
    assert rows[0]["country"] == "https://w3id.org/lemap/id/country/AFG"


def test_query_tsv(capsys, built) -> None:
    code, out, _ = lemap(capsys, "query", "countries", "--format", "tsv", *built)
    lines = out.splitlines()
    assert code == 0 and lines[0].split("\t")[:3] == ["?country", "?label", "?alpha2"]
    assert lines[1].split("\t")[:3] == ["<https://w3id.org/lemap/id/country/AFG>", '"Afghanistan"@en', '"AF"']
    assert len(lines) == 5


def test_query_json(capsys, built) -> None:
    code, out, _ = lemap(capsys, "query", "countries", "--format", "json", *built)
    data = json.loads(out)
    assert code == 0 and data["head"]["vars"][:2] == ["country", "label"]
    assert [b["alpha3"]["value"] for b in data["results"]["bindings"]] == ["AFG", "KAZ", "KEN", "UKR"]


def test_query_with_a_param(capsys, built) -> None:
    code, out, _ = lemap(capsys, "query", "entity-by-name", "--param", "name=Kiev", "--format", "csv", *built)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["entity"] for r in rows} == {"https://w3id.org/lemap/id/place/kyiv"}
    code, out, _ = lemap(capsys, "query", "country-by-iso-code", "--param", "_code=804", "--format", "json", *built)
    assert {b["country"]["value"] for b in json.loads(out)["results"]["bindings"]} == {"https://w3id.org/lemap/id/country/UKR"}


def test_query_without_a_store_builds_one_in_memory(capsys, root: Path, tmp_path: Path) -> None:
    code, out, err = lemap(capsys, "query", "countries", "--root", root, "--store", tmp_path / "none")
    assert code == 0 and "(4 rows)" in out
    assert "no store at" in err and "built an in-memory store from 3 source files" in err
    assert not (tmp_path / "none").exists()


def test_query_notes_an_out_of_date_store(capsys, root: Path, built) -> None:
    (root / "data" / "triples" / "regions.ttl").write_text("")
    code, _, err = lemap(capsys, "query", "countries", *built)
    assert code == 0 and "the store is out of date: 1 source files new or changed (data/triples/regions.ttl)" in err


def test_query_file_with_typed_param(capsys, built, tmp_path: Path) -> None:
    rq = tmp_path / "places.rq"
    rq.write_text(
        "#+ summary: Places in a country.\n#+ param: _country country a country\n"
        "PREFIX schema: <https://schema.org/>\n"
        "SELECT ?place ?_country WHERE { ?place schema:containedInPlace ?_country }\n"
    )
    for value in ("UA", "ukr", "Ukraine", "country:UKR", "<https://w3id.org/lemap/id/country/UKR>"):
        code, out, _ = lemap(capsys, "query", rq, "--param", f"country={value}", "--format", "csv", *built)
        assert code == 0 and out.splitlines()[1:] == ["https://w3id.org/lemap/id/place/kyiv,https://w3id.org/lemap/id/country/UKR"]
    code, _, err = lemap(capsys, "query", rq, "--param", "country=Narnia", *built)
    assert code == 2 and "parameter _country (country): no country has the ISO code or name 'Narnia'" in err


def test_query_from_stdin(capsys, built, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/lemap/ontology#Country> }"))
    code, out, _ = lemap(capsys, "query", "-", "--format", "csv", *built)
    assert code == 0 and out.splitlines() == ["n", "4"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own JSON-LD parser
def test_query_ask_and_construct(capsys, built, tmp_path: Path) -> None:
    ask, construct = tmp_path / "ask.rq", tmp_path / "construct.rq"
    ask.write_text("ASK { ?s ?p ?o }")
    construct.write_text("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nCONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l }")
    labels = sum(len(list(rdflib.Graph().parse(p).triples((None, rdflib.SKOS.prefLabel, None)))) for p in FIXTURES)
    assert lemap(capsys, "query", ask, *built)[:2] == (0, "true\n")
    code, out, _ = lemap(capsys, "query", construct, *built)
    assert code == 0 and len(rdflib.Graph().parse(data=out, format="turtle")) == labels
    code, out, _ = lemap(capsys, "query", construct, "--format", "json", *built)
    assert code == 0 and len(rdflib.Graph().parse(data=out, format="json-ld")) == labels
    code, _, err = lemap(capsys, "query", construct, "--format", "csv", *built)
    assert code == 2 and "cannot be written as csv" in err


def test_query_syntax_error_gives_line_and_column(capsys, built, tmp_path: Path) -> None:
    rq = tmp_path / "bad.rq"
    rq.write_text("SELECT ?s\nWHERE { ?s ?p ?o . FILTR(?s) }\n")
    code, out, err = lemap(capsys, "query", rq, *built)
    assert code == 2 and out == ""
    assert re.search(rf"lemap query: error: syntax error: {re.escape(str(rq))}:2:\d+: \S", err), err


def test_query_syntax_error_on_stdin(capsys, built, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}"))
    code, _, err = lemap(capsys, "query", "-", *built)
    assert code == 2 and re.search(r"syntax error: <stdin>:4:\d+: ", err), err


def test_unknown_named_query(capsys) -> None:
    code, out, err = lemap(capsys, "query", "entity-by-nam")
    assert code == 2 and out == ""
    assert "no named query 'entity-by-nam'; did you mean: entity-by-name" in err


def test_missing_query_file(capsys, tmp_path: Path) -> None:
    code, _, err = lemap(capsys, "query", tmp_path / "nope.rq")
    assert code == 2 and f"{tmp_path / 'nope.rq'}: no such file" in err


def test_query_needs_a_query(capsys) -> None:
    code, _, err = lemap(capsys, "query")
    assert code == 2 and "give a named query, a .rq file or -" in err


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["name"], "bad --param 'name': write NAME=VALUE"),
        (["=Kiev"], "bad --param '=Kiev'"),
        (["name=a", "name=b"], "--param name is given twice"),
        (["nmae=Kiev"], "unknown parameter 'nmae' for query entity-by-name (its parameters: _name)"),
        ([], "missing parameter _name (string: a name to look up, e.g. Kiev) for query entity-by-name"),
    ],
)
def test_bad_params(capsys, built, params: list[str], message: str) -> None:
    args = [a for p in params for a in ("--param", p)]
    code, out, err = lemap(capsys, "query", "entity-by-name", *args, *built)
    assert code == 2 and out == "" and message in err


def test_bad_typed_param(capsys, built, tmp_path: Path) -> None:
    rq = tmp_path / "year.rq"
    rq.write_text("#+ summary: s\n#+ param: _year gYear a year\nSELECT ?_year WHERE {}\n")
    code, _, err = lemap(capsys, "query", rq, "--param", "year=twenty", *built)
    assert code == 2 and "parameter _year (gYear): 'twenty' is not a year (YYYY)" in err


def test_param_not_projected(capsys, built, tmp_path: Path) -> None:
    rq = tmp_path / "free.rq"
    rq.write_text("SELECT ?s WHERE { ?s ?p ?_x }\n")
    code, _, err = lemap(capsys, "query", rq, "--param", "x=country:UKR", *built)
    assert code == 2 and "must be in the SELECT clause" in err


def test_query_on_an_unusable_store(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "store"
    bad.mkdir()
    (bad / "CURRENT").write_text("not rocksdb\n")
    code, _, err = lemap(capsys, "query", "countries", "--store", bad)
    assert code == 1 and f"cannot open the store at {bad}" in err


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own TriG/N-Quads parsers
def test_export_formats_parse_back(capsys, built, store_path: Path, tmp_path: Path) -> None:
    quads = quads_in(store_path)
    triples = {q.triple for q in quads}
    for fmt, rdflib_format, dataset in [
        ("trig", "trig", True), ("nq", "nquads", True), ("ttl", "turtle", False), ("nt", "nt", False), ("jsonld", "json-ld", False),
    ]:
        code, out, _ = lemap(capsys, "export", "--format", fmt, *built)
        assert code == 0, fmt
        if dataset:
            parsed = rdflib.Dataset()
            parsed.parse(data=out, format=rdflib_format)
            assert len(list(parsed.quads((None, None, None, None)))) == len(quads), fmt
            assert {str(c.identifier) for c in parsed.graphs() if len(c)} >= {GRAPH + "countries", GRAPH + "ukraine"}
        else:
            assert len(rdflib.Graph().parse(data=out, format=rdflib_format)) == len(triples), fmt


def test_export_to_a_file_takes_the_format_from_its_extension(capsys, built, tmp_path: Path) -> None:
    out_file = tmp_path / "dump.nq"
    code, out, err = lemap(capsys, "export", "-o", out_file, *built)
    assert code == 0 and out == "" and f"to {out_file} (nq)" in err
    assert out_file.read_text().splitlines()[0].endswith("> .")  # N-Quads: one statement per line with its graph


def test_export_default_is_trig(capsys, built) -> None:
    code, out, _ = lemap(capsys, "export", *built)
    assert code == 0 and f"<{GRAPH}countries> {{" in out


def test_export_to_an_unwritable_place(capsys, built, tmp_path: Path) -> None:
    code, _, err = lemap(capsys, "export", "-o", tmp_path / "no" / "such" / "dir.ttl", *built)
    assert code == 1 and "cannot write" in err


def test_export_unknown_format(capsys) -> None:
    code, _, err = lemap(capsys, "export", "--format", "xls")
    assert code == 2 and "invalid choice: 'xls'" in err


# --- stats ----------------------------------------------------------------------------------------


def test_stats(capsys, built) -> None:
    code, out, _ = lemap(capsys, "stats", *built)
    assert code == 0
    assert re.search(r"^data/triples/countries +28$", out, re.M)
    assert re.search(r"^lm:Country +4$", out, re.M)
    assert re.search(r"^\d+ quads in all$", out, re.M)


def test_stats_json(capsys, built, store_path: Path) -> None:
    code, out, _ = lemap(capsys, "stats", "--format", "json", *built)
    data = json.loads(out)
    assert code == 0 and data["total"] == len(quads_in(store_path))
    assert data["classes"]["https://w3id.org/lemap/ontology#Country"] == 4
    assert sum(data["graphs"].values()) == data["total"]


# --- serve ----------------------------------------------------------------------------------------


def test_serve_calls_the_web_app(capsys, monkeypatch, tmp_path: Path) -> None:
    calls = []
    monkeypatch.setitem(sys.modules, "webapp.server", types.SimpleNamespace(serve=lambda *a: calls.append(a)))
    code, _, _ = lemap(capsys, "serve", "--host", "127.0.0.2", "--port", "8123", "--store", tmp_path / "s")
    assert code == 0 and calls == [("127.0.0.2", 8123, tmp_path / "s")]


def test_serve_defaults_to_lemap_store(capsys, monkeypatch, tmp_path: Path) -> None:
    calls = []
    monkeypatch.setitem(sys.modules, "webapp.server", types.SimpleNamespace(serve=lambda *a: calls.append(a)))
    monkeypatch.setenv("LEMAP_STORE", str(tmp_path / "env-store"))
    assert lemap(capsys, "serve")[0] == 0
    assert calls == [("127.0.0.1", 5000, tmp_path / "env-store")]


def test_serve_without_the_web_app(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "webapp.server", None)  # makes the import fail
    code, _, err = lemap(capsys, "serve")
    assert code == 1 and "the web app cannot be loaded" in err


def test_serve_on_a_busy_port(capsys, monkeypatch) -> None:
    def busy(*args):
        raise OSError(98, "Address already in use")

    monkeypatch.setitem(sys.modules, "webapp.server", types.SimpleNamespace(serve=busy))
    code, _, err = lemap(capsys, "serve", "--port", "8124")
    assert code == 1 and "cannot serve on 127.0.0.1:8124" in err and "Address already in use" in err


def test_bad_port(capsys) -> None:
    code, _, err = lemap(capsys, "serve", "--port", "http")
    assert code == 2 and "invalid int value: 'http'" in err
