"""The ``lemap`` command: build the store, validate the data, run named queries, export, count, serve.

Every command prints what it made on standard output and its notes and errors on standard error.
Exit status: 0 when all went well; 1 when the data does not conform (``validate``) or something
failed while running; 2 for unusable input (a file that does not parse, a missing file, an unknown
named query, a bad ``--param``, a query with a syntax error). Errors never print a traceback.

>>> main(["query", "--list"]) == 0  # doctest: +ELLIPSIS
a...
countries ...
True
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Callable, Sequence

import pyoxigraph as ox

from .engine.durable import ALL, DurableStore, StoreUnavailable

from . import formats, queries, store as st
from . import network as nw

PROG = "lemap"
TABLE_WIDTH = 80  # widest table cell before it is cut with "…"


class CLIError(Exception):
    """An error to report on stderr as ``lemap <command>: error: <message>`` with exit ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


# --- helpers shared by the commands ------------------------------------------------------------


def _note(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr)


def _write(data: bytes | str) -> None:
    if isinstance(data, str):
        data = data.encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (doctest, some IDEs)
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.store) if args.store else st.store_path_from_env()


def _sources(args: argparse.Namespace) -> list[st.Source]:
    root = Path(args.root).resolve() if args.root else st.PROJECT_ROOT
    sources = st.default_sources(root)
    if not sources:
        raise CLIError(f"no source files under {root} (looked for ontology/*.ttl, ontology/schemes/*.ttl, data/triples/*.ttl)")
    return sources


def _build(store: ox.Store, sources: list[st.Source], progress=None) -> st.BuildReport:
    try:
        return st.build_store(store, sources, progress=progress)
    except st.SourceError as e:
        raise CLIError(str(e)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CLIError(f"cannot read the sources: {e}") from None


def _is_store(path: Path) -> bool:
    return DurableStore(path).exists()


def open_for_reading(args: argparse.Namespace) -> ox.Store:
    """The on-disk store opened read-only if there is one, else an in-memory store built from the sources."""
    path = _store_path(args)
    if _is_store(path):
        try:
            store = DurableStore(path).open_for_process()  # a build beside waits until this command ends
        except (StoreUnavailable, OSError, RuntimeError) as e:  # RocksDB reports corruption as RuntimeError
            raise CLIError(f"cannot open the store at {path}: {e}", 1) from None
        _note(f"using the store at {path}")
        _warn_if_stale(store, args)
        return store
    store = ox.Store()
    sources = _sources(args)
    _build(store, sources)
    _note(f"no store at {path}: built an in-memory store from {len(sources)} source files (`lemap build` keeps one)")
    return store


def _warn_if_stale(store: ox.Store, args: argparse.Namespace) -> None:
    recorded = st.recorded_sources(store)
    if not recorded:
        return
    try:
        sources = _sources(args)
    except CLIError:
        return
    changed = [s.relpath for s in sources if recorded.get(s.graph, ("", ""))[1] != _sha256(s.path)]
    gone = set(recorded) - {s.graph for s in sources}
    if changed or gone:
        names = ", ".join(changed[:3]) + (", …" if len(changed) > 3 else "")
        what = [f"{len(changed)} source files new or changed ({names})"] if changed else []
        what += [f"{len(gone)} graphs whose file is gone"] if gone else []
        _note(f"the store is out of date: {'; '.join(what)}; run `lemap build`")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def used_prefixes(terms) -> dict[str, str]:
    """The prefixes of :data:`queries.PREFIXES` that shorten at least one of these IRIs (graph names excepted).

    >>> used_prefixes([ox.NamedNode("https://w3id.org/lemap/id/country/AFG")])
    {'country': 'https://w3id.org/lemap/id/country/'}
    """
    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    out = {}
    for prefix, ns in queries.PREFIXES.items():
        if prefix != "lmg" and any(i.startswith(ns) and re.fullmatch(r"[\w.\-]+", i[len(ns):]) for i in iris):
            out[prefix] = ns
    return out


def _terms(statements):
    for s in statements:
        yield from (s.subject, s.predicate, s.object)


def cell(term) -> str:
    """One RDF term as a table cell: IRIs as CURIEs where a prefix fits, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return queries.compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split())
    return str(term)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, footer: bool = True) -> str:
    """Rows of text as an aligned plain-text table, cells cut at :data:`TABLE_WIDTH` characters.

    >>> print(render_table(["a", "bb"], [["x", "1"], ["yyy", "22"]]), end="")
    a    bb
    ---  --
    x    1
    yyy  22
    (2 rows)
    """
    cut = [[c if len(c) <= TABLE_WIDTH else c[: TABLE_WIDTH - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cut]
    if footer:
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# --- lemap build --------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    """(Re)build the on-disk store from the sources: reload changed files, drop the graphs of gone ones.

    The store is opened only for the build, under its lock; a running server takes the change
    from the store's journal, so building beside `lemap serve` is safe. With ``--endpoint`` the
    sources go into an external SPARQL server instead, through its update endpoint.
    """
    if _endpoint_settings(args):
        return _build_remote(args)
    path = _store_path(args)
    sources = _sources(args)
    durable = DurableStore(path)
    changed: list[str] = []
    try:
        with durable.writing(changed) as store:
            report = _build(store, sources, progress=st.terminal_progress)
            if report.loaded or report.removed:
                changed.append(ALL)
    except StoreUnavailable as e:
        raise CLIError(str(e), 1) from None
    print(
        f"store {path}: {report.loaded} graphs loaded, {report.unchanged} unchanged, "
        f"{report.removed} removed; {report.quads} quads in all"
    )
    return 0


def _endpoint_settings(args: argparse.Namespace) -> dict | None:
    """The settings for an external SPARQL server given by ``--endpoint`` options or ``LEMAP_SPARQL_ENDPOINT``."""
    from .settings import load_settings

    settings = load_settings()
    for option, name in (("endpoint", "LEMAP_SPARQL_ENDPOINT"), ("update_endpoint", "LEMAP_UPDATE_ENDPOINT"),
                         ("store_endpoint", "LEMAP_STORE_ENDPOINT")):
        if getattr(args, option, None):
            settings[name] = getattr(args, option)
    return settings if settings.get("LEMAP_SPARQL_ENDPOINT") else None


def _build_remote(args: argparse.Namespace) -> int:
    from .engine.errors import QueryError
    from .engine.loader import load_sources
    from .engine.remote import RemoteEngine

    settings = _endpoint_settings(args)
    if not settings.get("LEMAP_UPDATE_ENDPOINT"):
        raise CLIError("--endpoint needs --update-endpoint (or LEMAP_UPDATE_ENDPOINT) to write the sources", 2)
    engine = RemoteEngine.from_settings(settings)
    try:
        report = load_sources(engine, _sources(args), progress=st.terminal_progress)
    except st.SourceError as e:
        raise CLIError(str(e)) from None
    except QueryError as e:
        raise CLIError(f"{settings['LEMAP_SPARQL_ENDPOINT']}: {e.message}", 1) from None
    print(f"server {settings['LEMAP_SPARQL_ENDPOINT']}: {report.loaded} graphs loaded, {report.unchanged} unchanged, "
          f"{report.removed} removed")
    return 0


def _endpoint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", metavar="URL", help="an external SPARQL 1.1 server's query URL instead of the embedded store "
                                                      "(default: $LEMAP_SPARQL_ENDPOINT)")
    p.add_argument("--update-endpoint", metavar="URL", help="its SPARQL Update URL, for writes (default: $LEMAP_UPDATE_ENDPOINT)")
    p.add_argument("--store-endpoint", metavar="URL", help="its Graph Store Protocol URL, for dumps (default: $LEMAP_STORE_ENDPOINT)")


# --- lemap validate -----------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """SHACL-validate data with the graph it refers to as context (see :mod:`lemap_graph.partner.commands`)."""
    from .partner.commands import cmd_validate as validate

    return validate(args)


def render_validation(report, files: int) -> str:
    """A validation report as text: one block per focus node (file, node), one line per result."""
    groups: dict[tuple[str, str], list] = {}
    for r in report.results:
        groups.setdefault((r.file or "(no file)", r.focus_node), []).append(r)
    lines = []
    for (file, node), results in sorted(groups.items()):
        lines.append(f"{file}: {_show(node)}")
        for r in sorted(results, key=lambda r: (r.path or "", r.value or "", r.message, r.source_shape)):
            where = _show(r.path) if r.path else "(node)"
            value = f" = {_show(r.value)}" if r.value is not None else ""
            lines.append(f"    {where}{value}: {r.message} [{r.severity}, {_show(r.source_shape)}]")
    violations = sum(1 for r in report.results if r.severity == "Violation")
    others = len(report.results) - violations
    if report.conforms:
        summary = f"conforms: {files} file{'s' if files != 1 else ''} checked, no violations"
    else:
        summary = f"does not conform: {violations} violation{'s' if violations != 1 else ''} on {len(groups)} node{'s' if len(groups) != 1 else ''}"
    if others:
        summary += f" (+{others} at Warning or Info severity)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _show(text: str | None) -> str:
    """An IRI as a CURIE (or ``<iri>``); literals in N3 form, blank nodes and paths as they are."""
    if not text:
        return ""
    return queries.compact(text) if re.match(r"(https?|urn):\S+$", text) else text


# --- lemap query --------------------------------------------------------------------------------


RESULT_FORMATS = ("table", "csv", "tsv", "json")


def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query, a .rq file or a query on standard input, with bound parameters."""
    if args.list:
        _write(render_query_list(queries.load_queries()))
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
    _write(render_result(result, args.format))
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
    from .engine.guard import check_query
    from .engine.errors import QueryRejected
    from .engine.limits import Limits
    from .settings import load_settings

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
        prefixes = used_prefixes(_terms(result.triples))
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


# --- lemap export -------------------------------------------------------------------------------


EXPORT_FORMATS = ("trig", "nq", "ttl", "nt", "jsonld")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole dataset: N-Quads and TriG keep the named graphs, the others merge them."""
    fmt = args.format or _format_from_name(args.output) or "trig"
    store = open_for_reading(args)
    quads = list(store.quads_for_pattern(None, None, None, None))
    data = formats.serialize_quads(quads, fmt, prefixes=used_prefixes(_terms(quads)))
    if args.output in (None, "-"):
        _write(data)
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as e:
        raise CLIError(f"cannot write {args.output}: {e}", 1) from None
    _note(f"wrote {len(quads)} quads to {args.output} ({fmt})")
    return 0


def _format_from_name(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    found = formats.find(Path(output).suffix)
    return found.name if found and found.name in EXPORT_FORMATS else None


# --- lemap stats --------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    """Triples per named graph and instances per class, as tables (or JSON)."""
    stats = st.store_stats(open_for_reading(args))
    if args.format == "json":
        data = {"total": stats.total, "graphs": dict(stats.graphs), "classes": dict(stats.classes)}
        _write(json.dumps(data, indent=2) + "\n")
        return 0
    graphs = [[g.removeprefix(st.GRAPH_BASE), str(n)] for g, n in stats.graphs]
    classes = [[queries.compact(c), str(n)] for c, n in stats.classes]
    out = f"Triples per named graph ({st.GRAPH_BASE}…)\n\n"
    out += render_table(["graph", "triples"], graphs, footer=False)
    out += "\nInstances per class\n\n" + render_table(["class", "instances"], classes, footer=False)
    out += f"\n{stats.total} quads in all\n"
    _write(out)
    return 0


# --- lemap serve --------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web app (SPARQL endpoint and pages) with ``webapp.server.serve``."""
    try:
        server = importlib.import_module("webapp.server")
    except ImportError as e:
        raise CLIError(f"the web app cannot be loaded: {e}", 1) from None
    remote = _endpoint_settings(args)
    if remote:  # the app reads the settings from the environment, in every web process
        os.environ.update({k: str(v) for k, v in remote.items() if k.endswith("ENDPOINT") and v})
    try:
        server.serve(args.host, args.port, _store_path(args))
    except StoreUnavailable as e:
        raise CLIError(f"cannot serve: {e}", 1) from None
    except OSError as e:
        raise CLIError(f"cannot serve on {args.host}:{args.port}: {e}", 1) from None
    return 0


# --- lemap network ------------------------------------------------------------------------------


def add_network_command(subparsers) -> argparse.ArgumentParser:
    """Add ``lemap network`` to the ``lemap`` command's subparsers (``cli.build_parser`` calls this).

    :param subparsers: what ``parser.add_subparsers()`` returned.
    :return: the new subcommand's parser.

    >>> sub = argparse.ArgumentParser(prog="lemap").add_subparsers(dest="command")
    >>> add_network_command(sub).parse_args(["--format", "gexf", "--region", "eeca", "--rollup"]).rollup
    True
    """
    help = "write the partnership network (organisations linked by shared activities) for Gephi and other tools"
    p = subparsers.add_parser(
        "network", help=help, description=help + ", with degree, weighted degree, betweenness, PageRank and community on every node.",
        epilog=(
            "examples:\n"
            "  lemap network --format gexf -o network.gexf\n"
            "  lemap network --format graphml --region eeca --from 2015 --to 2019 -o eeca.graphml\n"
            "  lemap network --role partner --role funder --rollup > network.json\n"
            "  lemap network --graph countries --kind training --format gexf -o trainings.gexf\n"
            "  lemap network --ego orgn:leahn --depth 2\n"
            "The format follows -o's extension when --format is not given (json otherwise)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", choices=tuple(nw.NETWORK_FORMATS), help="json (node-link), gexf or graphml (default: from -o, else json)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--from", dest="year_from", metavar="YEAR", help="activities that started in YEAR or later")
    p.add_argument("--to", dest="year_to", metavar="YEAR", help="activities that started in YEAR or earlier")
    p.add_argument("--region", action="append", metavar="REGION", help="a UNODC region (eeca, mena, lac …); repeatable")
    p.add_argument("--kind", action="append", metavar="KIND", help="an activity kind (training, workshop …); repeatable")
    p.add_argument("--role", action="append", choices=nw.ROLES, help="only organisations in this role; repeatable")
    p.add_argument("--status", action="append", choices=nw.STATUSES + ("all",), help="activity statuses that count (default: done, in-progress)")
    p.add_argument("--rollup", action="store_true", help="draw offices and units as the organisation they are part of")
    p.add_argument("--graph", choices=nw.PROJECTIONS, default="organisations", help="which graph (default: organisations)")
    p.add_argument("--ego", metavar="IRI", help="only the organisations near this one (an IRI or orgn:slug)")
    p.add_argument("--depth", default="1", metavar="N", help="steps from --ego (default: 1)")
    p.add_argument("--backend", choices=nw.BACKENDS, default="auto", help="how costly metrics are computed (default: auto)")
    p.add_argument("--store", metavar="PATH", help="the on-disk store folder (default: $LEMAP_STORE or .lemap/store)")
    p.add_argument("--root", metavar="DIR", help="the project folder whose sources build an in-memory store when there is no on-disk one")
    p.set_defaults(func=cmd_network)
    return p


def cmd_network(args) -> int:
    """Build the network the options ask for and write it as JSON, GEXF or GraphML."""
    fmt = args.format or _format_from_output(args.output) or "json"
    store = open_for_reading(args)
    data = nw.data_from_store(store)
    given = {"from": [args.year_from or ""], "to": [args.year_to or ""], "region": args.region or [],
             "kind": args.kind or [], "role": args.role or [], "status": args.status or [],
             "rollup": ["1" if args.rollup else ""], "graph": [args.graph], "ego": [args.ego or ""], "depth": [args.depth]}
    try:
        filters = nw.parse_filters(given, data)
        network = nw.build_network(data, filters, backend=args.backend)
    except ValueError as e:
        raise CLIError(f"--{e}") from None
    except KeyError as e:
        raise CLIError(str(e.args[0])) from None
    body = nw.serialize_network(network, fmt, data)
    if args.output in (None, "-"):
        _write(body)
    else:
        try:
            Path(args.output).write_bytes(body)
        except OSError as e:
            raise CLIError(f"cannot write {args.output}: {e}", 1) from None
    G = network.graph
    _note(f"network: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt}"
              f"{'' if args.output in (None, '-') else ' to ' + args.output}); betweenness {network.methods['betweenness']}")
    return 0


def _format_from_output(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    return suffix if suffix in nw.NETWORK_FORMATS else None


# --- the parser ---------------------------------------------------------------------------------


def _store_options(p: argparse.ArgumentParser, *, root: bool = True) -> None:
    p.add_argument("--store", metavar="PATH", help="the on-disk store folder (default: $LEMAP_STORE or .lemap/store)")
    if root:
        p.add_argument(
            "--root", metavar="DIR",
            help="the project folder whose ontology/*.ttl, ontology/schemes/*.ttl and data/triples/*.ttl are the sources (default: this checkout)",
        )


def _command(sub, name: str, func: Callable, help: str, epilog: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name, help=help, description=help, epilog="examples:\n" + epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=func)
    return p


def commands() -> list[str]:
    """The names of the ``lemap`` subcommands, in the order ``lemap --help`` lists them.

    >>> commands()
    ['build', 'validate', 'query', 'export', 'stats', 'serve', 'network', 'import', 'graphs', 'token']
    """
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def build_parser() -> argparse.ArgumentParser:
    """The ``lemap`` argument parser with one subcommand per action."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="lemap: an open RDF knowledge graph of law enforcement partnerships in HIV prevention among people who use drugs.",
        epilog=(
            "examples:\n  lemap build\n  lemap validate\n  lemap query --list\n"
            "  lemap query entity-by-name --param name=Kiev\n  lemap export -o lemap.trig\n  lemap stats\n  lemap serve\n\n"
            "exit status: 0 ok; 1 the data does not conform or a run failed; 2 unusable input."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_data_commands(sub)
    _add_output_commands(sub)
    return parser


def _add_data_commands(sub) -> None:
    p = _command(sub, "build", cmd_build, "(re)build the on-disk store from the sources",
                 "  lemap build                      # .lemap/store, or $LEMAP_STORE\n"
                 "  lemap build --store /tmp/store   # another folder\n"
                 "  lemap build --endpoint http://localhost:8890/sparql --update-endpoint http://localhost:8890/sparql\n"
                 "Only changed files are reloaded; graphs of deleted files are dropped.")
    _store_options(p)
    _endpoint_options(p)

    from .partner.commands import add_validate_command  # the partner commands live with the partner package

    add_validate_command(sub, _command, _store_options)

    p = _command(sub, "query", cmd_query, "run a named query, a .rq file or a query on standard input",
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
    _store_options(p)


def _add_output_commands(sub) -> None:
    p = _command(sub, "export", cmd_export, "write the whole dataset as RDF",
                 "  lemap export > lemap.trig\n"
                 "  lemap export --format nq -o lemap.nq\n"
                 "  lemap export -o lemap.ttl             # the format follows the extension\n"
                 "N-Quads and TriG keep the named graphs; Turtle, N-Triples and JSON-LD merge them.")
    p.add_argument("--format", choices=EXPORT_FORMATS, help="RDF format (default: from -o's extension, else trig)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _store_options(p)

    p = _command(sub, "stats", cmd_stats, "count triples per named graph and instances per class",
                 "  lemap stats\n  lemap stats --format json")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    _store_options(p)

    p = _command(sub, "serve", cmd_serve, "serve the web app and SPARQL endpoint",
                 "  lemap serve                         # http://127.0.0.1:5000\n"
                 "  lemap serve --host 0.0.0.0 --port 8080 --store /srv/lemap/store\n"
                 "  lemap serve --endpoint http://localhost:8890/sparql --update-endpoint http://localhost:8890/sparql")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    _store_options(p, root=False)
    _endpoint_options(p)


    add_network_command(sub)
    from .partner.commands import add_partner_commands

    add_partner_commands(sub, _command, _store_options)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lemap`` command with ``argv`` (``sys.argv[1:]`` by default) and return its exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, or a usage error argparse has already reported
        return int(e.code or 0)
    try:
        return args.func(args)
    except CLIError as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return e.code
    except (MemoryError, RecursionError) as e:  # input too big or too deep for a library: still no traceback
        print(f"{PROG} {args.command}: error: the input is too large or nests too deeply ({type(e).__name__}: {e})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `lemap export | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
