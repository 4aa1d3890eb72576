"""The partner commands: lemap token, lemap validate with the graph as context, lemap import (to the store, or
through a running server, and beside one) and lemap graphs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from browser import web_sources
from lemap_graph import cli
from lemap_graph.store import build_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"
LABELS = FIXTURES / "labels.nt"
GRAPH = "https://w3id.org/lemap/graph/partner/npu/cli"


def lemap(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def store(tmp_path: Path) -> list[str]:
    """An on-disk store of the web fixture graph; the options that name it (and its token file beside it)."""
    path = tmp_path / "store"
    disk = ox.Store(str(path))
    build_store(disk, web_sources())
    disk.flush()
    del disk
    return ["--store", str(path)]


def test_tokens_are_created_listed_and_revoked(capsys, store) -> None:
    code, out, err = lemap(capsys, "token", "create", "npu", *store)
    token = out.split()[-1]
    assert code == 0 and len(token) >= 40 and "never shown again" in err
    code, out, _ = lemap(capsys, "token", "list", *store)
    assert code == 0 and "npu" in out and token not in out
    assert lemap(capsys, "token", "revoke", "npu", *store)[0] == 0
    assert re.search(r"npu\s+\S+\s+\S+Z", lemap(capsys, "token", "list", *store)[1])  # a revoked date now
    assert lemap(capsys, "token", "revoke", "npu", *store)[0] == 1
    assert lemap(capsys, "token", "create", "Not A Name", *store)[0] == 2


def test_validate_uses_the_graph_as_context(capsys, store) -> None:
    code, out, err = lemap(capsys, "validate", "--format", "json", FIXTURES / "trainings.ttl", *store)
    report = json.loads(out)
    shapes = {r["source_shape"].rsplit("#", 1)[1] for r in report["results"]}
    assert "ActivityShape-country" not in shapes and "ActivityShape-organizer" not in shapes
    assert code == (0 if report["conforms"] else 1)
    code, out, _ = lemap(capsys, "validate", "--alone", "--format", "json", FIXTURES / "trainings.ttl")
    alone = {r["source_shape"].rsplit("#", 1)[1] for r in json.loads(out)["results"]}
    assert code == 1 and "ActivityShape-country" in alone  # without the graph, country:UKR is nothing


def test_validate_a_csv_reports_unmatched_names(capsys, store) -> None:
    code, out, err = lemap(capsys, "validate", FIXTURES / "activities-unmatched.csv", *store)
    assert code == 1
    assert f"{FIXTURES / 'activities-unmatched.csv'}: " in out and "row 2, column country" in out
    assert "warning: row 2, column country: no sure match for 'Ukrainian SSR'" in err


def test_validate_refusals_are_exit_2_with_file_line_column(capsys, tmp_path, store) -> None:
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"@context": "https://example.org/remote.jsonld",\n "@id": "x"}')
    code, _, err = lemap(capsys, "validate", bad, *store)
    assert code == 2 and re.search(rf"{re.escape(str(bad))}:1:\d+: the JSON-LD context", err), err


def test_import_writes_the_store_and_graphs_lists_it(capsys, store) -> None:
    code, out, err = lemap(capsys, "import", LABELS, "--partner", "npu", "--dataset", "cli", *store)
    assert code == 0 and GRAPH in out and "writing 2 triples" in err
    code, out, _ = lemap(capsys, "graphs", *store)
    assert code == 0 and re.search(r"\npartner/npu/cli\s+partner\s+2\s+npu", out), out
    rows = json.loads(lemap(capsys, "graphs", "--format", "json", *store)[1])
    assert {r["graph"]: r["origin"] for r in rows}[GRAPH] == "partner"


def test_import_refuses_non_conforming_data(capsys, tmp_path, store) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<activity/x> a <https://w3id.org/lemap/ontology#Activity> .\n")
    code, out, err = lemap(capsys, "import", bad, "--partner", "npu", "--dataset", "cli", *store)
    assert code == 1 and "nothing was imported" in err and "ActivityShape-prefLabel" in out
    assert GRAPH not in lemap(capsys, "graphs", *store)[1]


def test_import_beside_a_running_server_is_taken_by_it(capsys, store) -> None:
    """No lock trap: the server's engine holds no store open, and follows the write the command announces."""
    import time

    from lemap_graph.engine import Limits, LocalEngine

    ask = f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    engine = LocalEngine(limits=Limits(workers=1, app_workers=1), path=store[1])  # what `lemap serve` runs
    try:
        assert engine.query(ask).boolean is False
        code, _, err = lemap(capsys, "import", LABELS, "--partner", "npu", "--dataset", "cli", *store)
        assert code == 0, err
        deadline = time.monotonic() + 10
        while not engine.query(ask).boolean:
            assert time.monotonic() < deadline, "the running engine did not take the import"
            time.sleep(0.1)
    finally:
        engine.close()


def test_import_through_a_running_server(capsys, tmp_path, live_server_factory) -> None:
    from lemap_graph.partner.tokens import TokenStore

    served = ox.Store()
    build_store(served, web_sources())
    tokens = tmp_path / "tokens.sqlite"
    live = live_server_factory(served, {"LEMAP_TOKENS": str(tokens), "LEMAP_WORKERS": 1})
    token = TokenStore(tokens).create("npu")
    args = [LABELS, "--partner", "npu", "--dataset", "cli", "--url", live.url]
    code, out, _ = lemap(capsys, "import", *args, "--token", token)
    assert code == 0 and "through" in out
    assert GRAPH in live.app.extensions["lemap"].engine.graphs()
    code, _, err = lemap(capsys, "import", *args, "--token", "wrong")
    assert code == 2 and "HTTP 401" in err
    live.app.extensions["lemap"].close()


def test_network_command_marks_partner_activities_and_sources_report_leaves_them_out(capsys, store) -> None:
    code, _, err = lemap(capsys, "import", FIXTURES / "trainings.ttl", "--partner", "npu", "--dataset", "trainings", *store)
    assert code == 0, err
    trainings = "https://w3id.org/lemap/graph/partner/npu/trainings"
    code, out, err = lemap(capsys, "network", *store)
    every = json.loads(out)
    assert code == 0 and every["graph"]["partner_activities"] == 1 and every["graph"]["partner_graphs"] == [trainings]
    assert any(n["provenance"] != "report" for n in every["nodes"])
    code, out, _ = lemap(capsys, "network", "--sources", "report", *store)
    report = json.loads(out)
    assert code == 0 and report["graph"]["filters"] == {"sources": "report"} and report["graph"]["partner_activities"] == 0
    assert all(n["provenance"] == "report" for n in report["nodes"])
    code, _, err = lemap(capsys, "network", "--sources", "both", *store)
    assert code == 2 and "--sources" in err
