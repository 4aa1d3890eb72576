"""Hostile source files: ``lemap build`` answers each with exit 2 and ``file:line:column: message``, never a traceback.

Each test writes a project folder with one bad data file and runs the real ``lemap`` command on it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ERROR = re.compile(r"^lemap build: error: data/triples/bad\.ttl:(\d+):(\d+): (.+)$", re.M)


def _lemap() -> list[str]:
    found = Path(sys.executable).parent / "lemap"
    return [str(found)] if found.exists() else [shutil.which("lemap") or "lemap"]


def _build(tmp_path: Path, content: bytes) -> tuple[subprocess.CompletedProcess, tuple[int, int, str]]:
    """``lemap build`` over a project whose only file is ``data/triples/bad.ttl``; the run and its error's position."""
    (tmp_path / "data" / "triples").mkdir(parents=True)
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data" / "triples" / "bad.ttl").write_bytes(content)
    done = subprocess.run(_lemap() + ["build", "--root", str(tmp_path), "--store", str(tmp_path / "store")],
                          capture_output=True, text=True, errors="replace", timeout=300, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    found = ERROR.search(done.stderr)
    assert found, done.stderr
    return done, (int(found.group(1)), int(found.group(2)), found.group(3))


HEAD = b"@prefix ex: <http://example.org/> .\nex:s ex:p "


def test_a_50_mb_literal_is_refused_where_it_starts(tmp_path) -> None:
    _, (line, column, message) = _build(tmp_path, HEAD + b'"' + b"a" * 50_000_000 + b'" .\n')
    assert (line, column) == (2, 11)
    assert "literal of 47.7 MiB" in message and "16 MiB" in message


def test_a_50_mb_iri_is_refused(tmp_path) -> None:
    _, (line, column, message) = _build(tmp_path, HEAD + b"<http://example.org/" + b"a" * 50_000_000 + b"> .\n")
    assert (line, column) == (2, 11) and "IRI of 47.7 MiB" in message


def test_a_50_mb_long_string_over_many_lines_is_refused(tmp_path) -> None:
    body = HEAD + b'"""' + b"line\n" * 10_000_000 + b'""" .\n'
    _, (line, column, message) = _build(tmp_path, body)
    assert (line, column) == (2, 11) and "literal" in message


@pytest.mark.parametrize("nested", [
    b"(" * 100_000 + b")" * 100_000,
    b"[ ex:p " * 100_000 + b"ex:o" + b" ]" * 100_000,
    b"( [ ex:p " * 50_000 + b"ex:o" + b" ] )" * 50_000,
], ids=["collections", "blank-nodes", "both"])
def test_100_000_levels_of_nesting_are_refused(tmp_path, nested) -> None:
    _, (line, column, message) = _build(tmp_path, HEAD + nested + b" .\n")
    assert line == 2 and column > 256 and "nest deeper than 256 levels" in message


def test_brackets_inside_strings_iris_and_comments_do_not_count(tmp_path) -> None:
    (tmp_path / "data" / "triples").mkdir(parents=True)
    (tmp_path / "ontology").mkdir()
    body = HEAD + b'"' + b"(" * 1000 + b'" ; ex:q <http://example.org/' + b"%28" * 300 + b"> . # " + b"[" * 1000 + b"\n"
    (tmp_path / "data" / "triples" / "ok.ttl").write_bytes(body)
    done = subprocess.run(_lemap() + ["build", "--root", str(tmp_path), "--store", str(tmp_path / "store")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 graphs loaded" in done.stdout + done.stderr


@pytest.mark.parametrize("content, where", [
    (HEAD + b'"caf\xe9" .\n', (2, 11)),                      # Latin-1, not UTF-8
    (HEAD + b'"ok" .\nex:t ex:p "\xff\xfe\xc3" .\n', (3, 11)),  # stray bytes on a later line
], ids=["latin-1", "stray-bytes"])
def test_invalid_utf8_is_refused_with_its_position(tmp_path, content, where) -> None:
    _, (line, column, message) = _build(tmp_path, content)
    assert line == where[0] and column >= where[1] and "UTF-8" in message


def test_a_utf16_file_is_refused(tmp_path) -> None:
    _, (_, _, message) = _build(tmp_path, (HEAD + b'"x" .\n').decode().encode("utf-16"))
    assert "UTF-8" in message or "error" in message.lower()


def test_a_binary_file_is_refused(tmp_path) -> None:
    _, (line, column, message) = _build(tmp_path, bytes(range(256)) * 64)
    assert line >= 1 and column >= 1 and message


def test_a_query_nested_deep_enough_to_crash_the_parser_is_refused_where_it_starts(tmp_path) -> None:
    """`lemap query` reads the text with the endpoint's guard first: exit 2 with file:line:column, no crash."""
    query = tmp_path / "deep.rq"
    query.write_text("ASK\n" + "{" * 20_000 + "}" * 20_000)
    done = subprocess.run(_lemap() + ["query", str(query), "--store", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{query}:2:65: the query nests brackets deeper than 64 levels" in done.stderr
