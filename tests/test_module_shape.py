"""The code keeps its shape: no module over the size limit, no import cycle, every module imports alone,
the library never imports the web app or Flask, and every package is one the install ships.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("lemap_graph", "webapp", "bench", "scripts")  # the folders of Python code the size limit covers
PACKAGES = ("lemap_graph", "webapp", "bench")  # the importable ones, whose imports are followed
LIMIT = 550  # lines: the house aims at about 500; a module past this becomes a package of modules

def python_files(folders=CHECKED) -> list[Path]:
    """Every Python file under the folders, found on disk (nothing typed by hand)."""
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def lines(path: Path) -> int:
    """The number of lines of a file, as ``wc -l`` counts them on a file that ends with a newline."""
    return len(path.read_text(encoding="utf-8").splitlines())


def module_name(path: Path) -> str:
    """``lemap_graph/cli/__init__.py`` → ``lemap_graph.cli``; ``webapp/state.py`` → ``webapp.state``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, at the top or inside a function (a lazy import is still a dependency)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            origin = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:  # `from . import x` imports the module x; `from .x import y` the module x
                found.add(f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                while target and target not in known:
                    target = target.rpartition(".")[0]
                found.add(target)
    return (found & known) - {name}


def import_graph() -> dict[str, set[str]]:
    """Each project module with the project modules it imports."""
    files = {module_name(p): p for p in python_files(PACKAGES)}
    known = set(files)
    return {name: imported_modules(path, known) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None (depth-first search)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_is_over_the_limit() -> None:
    offenders = {p.relative_to(ROOT).as_posix(): lines(p) for p in python_files() if lines(p) > LIMIT}
    assert not offenders, (f"modules over {LIMIT} lines (make each a package whose module names say what they hold): "
                           + ", ".join(f"{name} ({n} lines)" for name, n in sorted(offenders.items())))


def test_the_cycle_finder_finds_a_cycle() -> None:
    # the check below is only worth something if it can fail: a lazy import back is a cycle too
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_library_imports_neither_the_web_app_nor_flask() -> None:
    # lemap_graph runs without the web app (the command line, the benchmark); `lemap serve` loads it by name
    offenders = []
    for path in python_files(("lemap_graph",)):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("webapp", "flask", "werkzeug")]
    assert not offenders, "; ".join(offenders)


# Imports each module with no project module loaded before it, so a module that works only when
# another one happens to be imported first (a hidden cycle or a missing import) fails here.
_IMPORT_EACH = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("lemap_graph", "webapp")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def test_every_module_imports_alone() -> None:
    names = [module_name(p) for p in python_files(("lemap_graph", "webapp")) if p.name != "__main__.py"]
    assert "lemap_graph.cli.program" in names and "lemap_graph.dataset.dumps" in names
    done = subprocess.run([sys.executable, "-c", _IMPORT_EACH, json.dumps(names)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failed, "\n".join(f"{name}:\n{trace}" for name, trace in failed.items())


def test_every_package_is_installed() -> None:
    # pyproject.toml lists the packages by hand: a new package missing there works from a checkout, not installed
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {module_name(p) for p in python_files(("lemap_graph", "webapp")) if p.name == "__init__.py"}
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
    assert listed - found == set(), f"listed in pyproject.toml but not a package: {sorted(listed - found)}"


@pytest.mark.parametrize("module", ["lemap_graph.cli", "lemap_graph.dataset"])
def test_split_modules_keep_their_public_names(module: str) -> None:
    # the names other code imports from the modules that became packages stay where they were
    expected = {
        "lemap_graph.cli": {"CLIError", "add_network_command", "build_parser", "cell", "cmd_build", "cmd_export",
                            "cmd_network", "cmd_query", "cmd_serve", "cmd_stats", "cmd_validate", "commands", "execute",
                            "main", "open_for_reading", "parse_params", "render_query_list", "render_result",
                            "render_table", "render_validation", "resolve_query", "used_prefixes", "EXPORT_FORMATS",
                            "RESULT_FORMATS", "PROG", "TABLE_WIDTH"},
        "lemap_graph.dataset": {"CONTEXTS", "CONTEXT_V1", "CURRENT_CONTEXT", "DESCRIPTION", "DUMP_FORMATS", "Dump",
                                "DumpCache", "KEYWORDS", "LICENSE", "LICENSE_NAME", "REPORT_IRI", "SOURCE_TITLE", "Site",
                                "Statistics", "TITLE", "VOCABULARIES", "context_document", "dcat_triples", "make_dump",
                                "statistics", "store_version", "to_jsonld", "void_triples"},
    }[module]
    package = __import__(module, fromlist=["__all__"])
    assert expected <= set(package.__all__) and all(hasattr(package, name) for name in package.__all__)
