"""The partner commands of ``lemap``: ``validate`` (with the graph as context), ``import``, ``graphs`` and ``token``.

They use the partner package (:mod:`lemap_graph.partner`) for the checks and the writes; this module
only reads the command line and reports.

``lemap import`` writes the on-disk store directly, in one transaction under the store's lock,
and announces the change in the store's journal: a running ``lemap serve`` takes it within a
fraction of a second. With ``--url`` it imports through a server instead (with the partner's token),
which validates and writes through the same path as any partner.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from .. import queries
from .. import store as st
from ..validation import ValidationReport
from ..partner.guard import UploadLimits, UploadRefused, check_upload, find_kind
from ..engine.durable import DurableStore
from ..partner.imports import GraphLocks, ImportFailed, NotConforming, StoreWriter, base_iri, graph_iri, import_upload, json_ld_contexts
from ..partner.tokens import TokenStore, check_name, tokens_path
from ..partner.worker import Upload, check_in_worker
from .options import add_store_options, command
from .output import CLIError, note, render_table, render_validation, write
from .stores import is_store, open_for_reading, store_path


def _limits() -> UploadLimits:
    from ..settings import load_settings

    return UploadLimits.from_settings(load_settings())


# --- lemap validate -------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """SHACL-validate files with the graph they refer to as context; results only for the files' own nodes."""
    if not args.paths:
        return _validate_curated(args)
    paths = _paths(args.paths)
    uploads, graphs = [], []
    for path in paths:
        kind = find_kind(args.media_type or path.suffix or "ttl") or find_kind("ttl")
        try:
            body = path.read_bytes()
            kind = check_upload(body, args.media_type or kind.media_type, _limits())
        except UploadRefused as e:
            raise CLIError(UploadRefused(e.status, e.message, e.line, e.column, str(path)).located()) from None
        except OSError as e:
            raise CLIError(f"cannot read {path}: {e}") from None
        uploads.append(Upload(str(path), body, kind))
        graphs.append(_source_graph(path))
    context = b"" if args.alone else _context(args)
    try:
        checked = check_in_worker(uploads, context=context, base_iri=base_iri(args.partner, args.dataset),
                                  dataset=graph_iri(args.partner, args.dataset), exclude=tuple(g for g in graphs if g),
                                  contexts=json_ld_contexts(), limits=_limits())
    except UploadRefused as e:
        raise CLIError(e.located()) from None
    report = checked.report
    if args.format == "json":
        write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        write(render_validation(ValidationReport(report.conforms, report.results), len(paths)))
        for warning in (*report.unmatched, *report.notes):
            note(f"warning: {warning.message}")
    return 0 if report.conforms else 1


def _validate_curated(args: argparse.Namespace) -> int:
    """The whole curated data, which is the graph itself: validated in one piece with the vocabulary."""
    from .. import validation

    paths = validation.curated_files()
    try:
        report = validation.validate_files(paths)
    except validation.RDFParseError as e:
        raise CLIError(str(e)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CLIError(f"cannot read the data: {e}") from None
    if args.format == "json":
        write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        write(render_validation(report, len(paths)))
    return 0 if report.conforms else 1


def _paths(given: list[str]) -> list[Path]:
    paths: list[Path] = []
    for name in given:
        p = Path(name)
        if p.is_dir():
            paths += sorted(q for q in p.iterdir() if q.is_file() and find_kind(q.suffix))
        elif p.is_file():
            paths.append(p)
        else:
            raise CLIError(f"{name}: no such file")
    if not paths:
        raise CLIError(f"no data files in {', '.join(given)}")
    return paths


def _source_graph(path: Path) -> str | None:
    """The named graph a project source file is loaded into (left out of the context: the file stands in for it)."""
    try:
        rel = path.resolve().relative_to(st.PROJECT_ROOT).as_posix()
    except ValueError:
        return None
    return st.GRAPH_BASE + rel.removesuffix(".ttl") if rel.endswith(".ttl") else None


def _context(args: argparse.Namespace) -> bytes:
    """The graph as N-Quads: the on-disk store when there is one, else the project's sources."""
    store = open_for_reading(args)
    return store.dump(format=ox.RdfFormat.N_QUADS) or b""


# --- lemap import ---------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    """Validate a file and write it into a partner's named graph: in the on-disk store, or through a running server."""
    try:
        graph = graph_iri(args.partner, args.dataset)
    except ValueError as e:
        raise CLIError(str(e)) from None
    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as e:
        raise CLIError(f"cannot read {path}: {e}") from None
    media_type = args.media_type or (find_kind(path.suffix).media_type if find_kind(path.suffix) else None)
    if args.url:
        return _import_over_http(args, body, media_type, graph)
    durable = _open_for_writing(store_path(args))
    try:
        note(f"checking {path} against the shapes and the graph …")
        result = import_upload(_Announcing(StoreWriter(durable)), GraphLocks(), body, media_type, args.partner,
                               args.dataset, replace=not args.add, limits=_limits())
    except UploadRefused as e:
        raise CLIError(UploadRefused(e.status, e.message, e.line, e.column, str(path)).located()) from None
    except ImportFailed as e:
        raise CLIError(e.message, 1) from None
    except NotConforming as e:
        write(render_validation(ValidationReport(False, e.report.results), 1))
        raise CLIError(f"{path} does not conform to lemap's shapes: nothing was imported", 1) from None
    print(f"imported {path} into {graph}: {result.provenance.triples} triples, sha256 {result.provenance.sha256}")
    return 0


class _Announcing:
    """A writer that says on standard error when the one transaction starts (nothing is written before it)."""

    def __init__(self, writer: StoreWriter):
        self._writer = writer

    def __getattr__(self, name: str):
        return getattr(self._writer, name)

    def write_graph(self, graph: str, ntriples: bytes, **kwargs) -> int:
        lines = ntriples.count(b"\n")
        note(f"writing {lines} triples into {graph} (one transaction) …")
        sys.stderr.flush()
        return self._writer.write_graph(graph, ntriples, **kwargs)


def _open_for_writing(path: Path) -> DurableStore:
    if not is_store(path):
        raise CLIError(f"no store at {path}: run `lemap build` first", 1)
    return DurableStore(path)


def _import_over_http(args: argparse.Namespace, body: bytes, media_type: str | None, graph: str) -> int:
    if not args.token:
        raise CLIError("--url needs --token: the partner's token (`lemap token create PARTNER` makes one)")
    url = f"{args.url.rstrip('/')}/graphs/{args.partner}/{args.dataset}"
    request = urllib.request.Request(url, data=body, method="POST" if args.add else "PUT",
                                     headers={"Authorization": f"Bearer {args.token}", "Content-Type": media_type or ""})
    try:
        with urllib.request.urlopen(request, timeout=_limits().timeout + 60) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as e:
        answer = _json_or_text(e.read())
        if e.code == 422:
            report = answer.get("report") or {}
            write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            raise CLIError(f"{args.file} does not conform to lemap's shapes: nothing was imported", 1) from None
        raise CLIError(f"the server refused the import (HTTP {e.code}): {answer.get('message', answer)}",
                           2 if e.code < 500 else 1) from None
    except (urllib.error.URLError, OSError) as e:
        raise CLIError(f"cannot reach {url}: {e}", 1) from None
    print(f"imported {args.file} into {graph} through {args.url}: {answer['triples']} triples, sha256 {answer['sha256']}")
    return 0


def _json_or_text(data: bytes) -> dict:
    try:
        return json.loads(data)
    except ValueError:
        return {"message": data.decode("utf-8", "replace")[:300]}


# --- lemap graphs ---------------------------------------------------------------------------------


def cmd_graphs(args: argparse.Namespace) -> int:
    """List every named graph with its provenance (the named query graph-provenance)."""
    store = open_for_reading(args)
    rows = st.run_query(store, queries.get_query("graph-provenance").text).records()
    if args.format == "json":
        write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    table = [[r["graph"].removeprefix(st.GRAPH_BASE), r["origin"], r["triples"], r["file"] or r["partnerLabel"] or "",
              r["modified"] or r["created"] or "", (r["sha256"] or "")[:12]] for r in rows]
    write(f"Named graphs ({st.GRAPH_BASE}…)\n\n")
    write(render_table(["graph", "origin", "triples", "source or partner", "changed", "sha256"], table))
    return 0


# --- lemap token ----------------------------------------------------------------------------------


def _tokens(args: argparse.Namespace) -> TokenStore:
    import os

    return TokenStore(tokens_path(args.tokens or os.environ.get("LEMAP_TOKENS"), store_path(args)))


def cmd_token(args: argparse.Namespace) -> int:
    """Create, list or revoke the partners' import tokens."""
    tokens = _tokens(args)
    if args.action == "create":
        try:
            secret = tokens.create(check_name(args.partner or ""))
        except ValueError as e:
            raise CLIError(str(e)) from None
        note(f"keep this token for {args.partner} now: it is stored hashed in {tokens.path} and never shown again")
        print(f"token for {args.partner}: {secret}")
        return 0
    if args.action == "list":
        rows = [[str(t.id), t.partner, t.created, t.revoked or ""] for t in tokens.list()]
        write(render_table(["id", "partner", "created", "revoked"], rows))
        return 0
    if not args.partner:
        raise CLIError("name the partner (or a token's id from `lemap token list`) to revoke")
    revoked = tokens.revoke(args.partner)
    if not revoked:
        raise CLIError(f"no live token of {args.partner!r} to revoke", 1)
    print(f"revoked {revoked} token{'s' if revoked != 1 else ''} of {args.partner}")
    return 0


# --- the parsers ----------------------------------------------------------------------------------


def add_validate_command(sub) -> None:
    """Register ``lemap validate``."""
    p = command(sub, "validate", cmd_validate, "SHACL-validate data against the project's shapes, with the graph as context",
                "  lemap validate                          # data/triples/*.ttl\n"
                "  lemap validate data/triples/mena.ttl\n"
                "  lemap validate partner.ttl activities.csv --format json\n"
                "Files are checked together with the graph they point into (the store, or the sources), and only\n"
                "their own nodes are reported. Exit 0 when they conform, 1 on violations, 2 when a file is\n"
                "missing, refused or does not parse (file:line:column: message).")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check (default: data/triples/*.ttl)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    p.add_argument("--media-type", metavar="TYPE", help="the files' media type (default: from each file's extension)")
    p.add_argument("--alone", action="store_true", help="check the files by themselves (with the vocabulary), without the graph as context")
    p.add_argument("--partner", default="preview", help="check as this partner's dataset (relative IRIs resolve under it)")
    p.add_argument("--dataset", default="upload", help="check as this dataset of the partner")
    add_store_options(p)


def add_partner_commands(sub) -> None:
    """Register ``lemap import``, ``lemap graphs`` and ``lemap token``."""
    p = command(sub, "import", cmd_import, "validate a partner's file and import it into the partner's named graph",
                "  lemap import trainings.ttl --partner npu --dataset trainings\n"
                "  lemap import activities.csv --partner npu --dataset trainings --add\n"
                "  lemap import trainings.ttl --partner npu --dataset trainings --url http://127.0.0.1:5000 --token TOKEN\n"
                "Without --url it writes the on-disk store, and a running `lemap serve` takes the change at once;\n"
                "--url imports through a server with the partner's token. Exit 1 when the file does not conform.")
    p.add_argument("file", metavar="FILE", help="Turtle, N-Triples, TriG, N-Quads, JSON-LD, RDF/XML or the CSV template")
    p.add_argument("--partner", required=True, help="the partner's name (lower-case letters, digits, hyphens)")
    p.add_argument("--dataset", required=True, help="the dataset's name (lower-case letters, digits, hyphens)")
    p.add_argument("--add", action="store_true", help="add to the dataset instead of replacing it")
    p.add_argument("--media-type", metavar="TYPE", help="the file's media type (default: from its extension)")
    p.add_argument("--url", help="import through the server at this URL instead of writing the store")
    p.add_argument("--token", help="the partner's token, for --url")
    add_store_options(p, root=False)

    p = command(sub, "graphs", cmd_graphs, "list every named graph with its provenance",
                "  lemap graphs\n  lemap graphs --format json")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    add_store_options(p)

    p = command(sub, "token", cmd_token, "create, list or revoke the partners' import tokens",
                "  lemap token create npu        # prints the token once, as the last word\n"
                "  lemap token list\n  lemap token revoke npu")
    p.add_argument("action", choices=("create", "list", "revoke"))
    p.add_argument("partner", nargs="?", help="the partner (for revoke: or a token's id)")
    p.add_argument("--tokens", metavar="FILE", help="the token file (default: $LEMAP_TOKENS, or tokens.sqlite beside the store)")
    add_store_options(p, root=False)
