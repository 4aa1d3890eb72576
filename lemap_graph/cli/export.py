"""``lemap export``: the whole dataset as RDF, to standard output or a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import formats
from .options import add_store_options, command
from .output import CLIError, note, terms_of, used_prefixes, write
from .stores import open_for_reading

EXPORT_FORMATS = ("trig", "nq", "ttl", "nt", "jsonld")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole dataset: N-Quads and TriG keep the named graphs, the others merge them."""
    fmt = args.format or _format_from_name(args.output) or "trig"
    store = open_for_reading(args)
    quads = list(store.quads_for_pattern(None, None, None, None))
    data = formats.serialize_quads(quads, fmt, prefixes=used_prefixes(terms_of(quads)))
    if args.output in (None, "-"):
        write(data)
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as e:
        raise CLIError(f"cannot write {args.output}: {e}", 1) from None
    note(f"wrote {len(quads)} quads to {args.output} ({fmt})")
    return 0


def _format_from_name(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    found = formats.find(Path(output).suffix)
    return found.name if found and found.name in EXPORT_FORMATS else None


def add_export_command(sub) -> argparse.ArgumentParser:
    """Add ``lemap export`` to the ``lemap`` command's subparsers."""
    p = command(sub, "export", cmd_export, "write the whole dataset as RDF",
                "  lemap export > lemap.trig\n"
                "  lemap export --format nq -o lemap.nq\n"
                "  lemap export -o lemap.ttl             # the format follows the extension\n"
                "N-Quads and TriG keep the named graphs; Turtle, N-Triples and JSON-LD merge them.")
    p.add_argument("--format", choices=EXPORT_FORMATS, help="RDF format (default: from -o's extension, else trig)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    add_store_options(p)
    return p
