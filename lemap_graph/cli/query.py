"""``lemap query``: a named query, a ``.rq`` file or a query on standard input, with bound parameters."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import pyoxigraph as ox

from .. import formats, queries, store as st
from .options import add_store_options, command
from .output import CLIError, cell, render_table, terms_of, used_prefixes, write
from .stores import open_for_reading


RESULT_FORMATS = ("table", "csv", "tsv", "json")


def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query, a .rq file or a query on standard input, with bound parameters."""
    if args.list:
        write(render_query_list(queries.load_queries()))
        return 0
    if not args.query:
        raise CLIError("give a named query, a .rq file or - (`lemap query --list` shows the named queries)")
    query, where = resolve_query(args.query)
    values = parse_params(args.param or [])
    store = open_for_reading(args)
    try:
        subs = queries.bind(query, values, store)
    except ValueError as e:
        raise CLIError(str(e)) from None
    result = execute(store, query.text, subs, where)
    write(render_result(result, args.format))
    return 0


def resolve_query(spec: str) -> tuple[queries.NamedQuery, str]:
    """``-`` (standard input), a ``.rq`` file (a name ending in .rq or holding a /) or a named query.

    :return: the query and the name its errors are located by (a file path or ``<stdin>``).
    """
    try:
        if spec == "-":
            return queries.parse_query(sys.stdin.read(), "<stdin>"), "<stdin>"
        if spec.endswith(".rq") or "/" in spec or os.sep in spec:
            path = Path(spec)
            if not path.is_file():
                raise CLIError(f"{spec}: no such file")
            return queries.load_file(path), spec
        query = queries.get_query(spec)
    except KeyError as e:
        raise CLIError(e.args[0]) from None
    except (ValueError, OSError) as e:  # a bad #+ line, an unreadable or non-UTF-8 file
        raise CLIError(str(e)) from None
    return query, _display(query.path)


def _display(path: Path | None) -> str:
    if path is None:
        return "<query>"
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def parse_params(items: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings as a dict.

    >>> parse_params(["name=Kiev", "code = AF"])
    {'name': 'Kiev', 'code': 'AF'}
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CLIError(f"bad --param {item!r}: write NAME=VALUE, e.g. --param name=Kiev")
        if name.strip() in out:
            raise CLIError(f"--param {name.strip()} is given twice")
        out[name.strip()] = value.strip()
    return out


_SYNTAX = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def execute(store: ox.Store, text: str, subs: dict, where: str) -> st.QueryResult:
    """Run a query; a syntax error becomes ``where:line:column: message`` (exit 2), a failure exit 1.

    The endpoint's guard reads the text first (size, nesting, SERVICE, updates): input deep enough
    to crash the parser gets ``where:line:column`` and exit 2, never a crash.
    """
    from ..engine.guard import check_query
    from ..engine.errors import QueryRejected
    from ..engine.limits import Limits
    from ..settings import load_settings

    try:
        check_query(text, Limits.from_settings(load_settings()))
    except QueryRejected as e:
        located = f"{where}:{e.line}:{e.column}" if e.line is not None else where
        raise CLIError(f"{located}: {e.message}") from None
    try:
        return st.run_query(store, text, substitutions=subs)
    except SyntaxError as e:
        m = _SYNTAX.match(str(e.msg or e))
        located = f"{where}:{m.group(1)}:{m.group(2)}: {m.group(3)}" if m else f"{where}: {e}"
        raise CLIError(f"syntax error: {located}") from None
    except (RuntimeError, OSError, ValueError) as e:
        if "projection" in str(e):  # pyoxigraph substitutes only projected variables
            raise CLIError(f"{where}: {e} (a parameter's variable must be in the SELECT clause)") from None
        raise CLIError(f"the query failed: {e}", 1) from None


def render_result(result: st.QueryResult, fmt: str) -> bytes | str:
    """A query result as a table, CSV, TSV or SPARQL JSON; a graph result as Turtle (table) or JSON-LD."""
    if result.kind == "graph":
        if fmt in ("csv", "tsv"):
            raise CLIError(f"a CONSTRUCT or DESCRIBE result cannot be written as {fmt}: use table (Turtle) or json (JSON-LD)")
        prefixes = used_prefixes(terms_of(result.triples))
        return formats.serialize_result(result, "jsonld" if fmt == "json" else "ttl", prefixes=prefixes)
    if fmt != "table":
        return formats.serialize_result(result, fmt)
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    return render_table(result.variables, [[cell(t) for t in row] for row in result.rows])


def render_query_list(named: list[queries.NamedQuery]) -> str:
    """Named queries, one line each (name and summary), with their parameters beneath."""
    width = max((len(q.name) for q in named), default=0)
    lines = []
    for q in named:
        lines.append(f"{q.name.ljust(width)}  {q.summary}")
        for p in q.params:
            need = "" if p.required else ", optional"
            lines.append(f"{'':{width}}    --param {p.option}=… ({p.type}{need}) {p.description}")
    return "\n".join(lines) + "\n"


def add_query_command(sub) -> argparse.ArgumentParser:
    """Add ``lemap query`` to the ``lemap`` command's subparsers."""
    p = command(sub, "query", cmd_query, "run a named query, a .rq file or a query on standard input",
                "  lemap query --list\n"
                "  lemap query countries --format csv\n"
                "  lemap query entity-by-name --param name=Kiev\n"
                "  lemap query country-by-iso-code --param code=AF --format json\n"
                "  lemap query my-query.rq\n"
                "  echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | lemap query -\n"
                "Values: <iri> or a CURIE (country:AFG) is an IRI, anything else a literal, unless the\n"
                "query declares the parameter's type (#+ param: _name type description).")
    p.add_argument("query", nargs="?", metavar="QUERY", help="a named query, a file ending in .rq, or - for standard input")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table", help="output format (default: table)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="bind the query variable ?_NAME (repeatable)")
    p.add_argument("--list", action="store_true", help="list the named queries with their summaries")
    add_store_options(p)
    return p
