"""The README cannot go stale: its CLI commands, named queries and settings are the code's."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from lemap_graph import cli, queries
from lemap_graph.settings import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"


def section(title: str) -> str:
    """The text of the level-2 section ``## title``, up to the next level-2 heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_quick_start_is_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", section("Quick start"), re.S)
    assert [line for block in blocks for line in block.splitlines() if line.strip()] == ["make serve", "make test"]


def test_every_cli_command_is_documented_with_an_example() -> None:
    text = section("Command line")
    documented = re.findall(r"^### `lemap (\w+)`$", text, re.M)
    assert documented == cli.commands()
    for name in documented:
        body = re.search(rf"^### `lemap {name}`\n(.*?)(?=^### |\Z)", text, re.M | re.S).group(1)
        assert re.search(rf"```sh\nlemap {name}\b", body), f"no example of `lemap {name}`"


def test_named_queries_list_matches_the_files() -> None:
    listed = re.findall(r"^- `([\w-]+)` — (.+)$", section("Named queries"), re.M)
    wanted = [(q.name, q.summary) for q in queries.load_queries()]
    fix = "\n".join(f"- `{name}` — {summary}" for name, summary in wanted)
    assert listed == wanted, f"README.md's '## Named queries' list should read, in this order:\n{fix}"


def test_settings_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `(LEMAP_\w+)` \| `([^`]*)` \| (.+?) \|$", section("Settings"), re.M)
    wanted = [(s.name, str(s.default), s.help) for s in SETTINGS.values()]
    fix = "\n".join(f"| `{name}` | `{default}` | {help} |" for name, default, help in wanted)
    assert rows == wanted, f"README.md's settings table should read, in this order:\n{fix}"


@pytest.mark.parametrize("title", ["Web app", "SPARQL endpoint", "Vocabulary", "Repository layout",
                                   "How the store is laid out, and why", "Data, licence and source"])
def test_section_exists(title: str) -> None:
    assert section(title).strip()


def test_layout_names_every_top_level_folder() -> None:
    root = README.parent
    ignored = [line.strip().rstrip("/") for line in (root / ".gitignore").read_text().splitlines() if line.strip()]
    folders = {p.name for p in root.iterdir() if p.is_dir() and p.name != ".git"}
    tracked = {name for name in folders if not any(fnmatch.fnmatch(name, pattern) for pattern in ignored)}
    listed = set(re.findall(r"^\| `([^`/]+)/` \|", section("Repository layout"), re.M))
    assert listed == tracked
