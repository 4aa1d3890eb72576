"""``lemap stats``: triples per named graph and instances per class."""

from __future__ import annotations

import argparse
import json

from .. import queries, store as st
from .options import add_store_options, command
from .output import render_table, write
from .stores import open_for_reading


def cmd_stats(args: argparse.Namespace) -> int:
    """Triples per named graph and instances per class, as tables (or JSON)."""
    stats = st.store_stats(open_for_reading(args))
    if args.format == "json":
        data = {"total": stats.total, "graphs": dict(stats.graphs), "classes": dict(stats.classes)}
        write(json.dumps(data, indent=2) + "\n")
        return 0
    graphs = [[g.removeprefix(st.GRAPH_BASE), str(n)] for g, n in stats.graphs]
    classes = [[queries.compact(c), str(n)] for c, n in stats.classes]
    out = f"Triples per named graph ({st.GRAPH_BASE}…)\n\n"
    out += render_table(["graph", "triples"], graphs, footer=False)
    out += "\nInstances per class\n\n" + render_table(["class", "instances"], classes, footer=False)
    out += f"\n{stats.total} quads in all\n"
    write(out)
    return 0


def add_stats_command(sub) -> argparse.ArgumentParser:
    """Add ``lemap stats`` to the ``lemap`` command's subparsers."""
    p = command(sub, "stats", cmd_stats, "count triples per named graph and instances per class",
                "  lemap stats\n  lemap stats --format json")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    add_store_options(p)
    return p
