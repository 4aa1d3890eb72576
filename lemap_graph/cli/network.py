"""``lemap network``: the partnership network as JSON, GEXF or GraphML, with its metrics, for Gephi and other tools."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import network as nw
from .output import CLIError, note, write
from .stores import open_for_reading


def add_network_command(subparsers) -> argparse.ArgumentParser:
    """Add ``lemap network`` to the ``lemap`` command's subparsers (:func:`lemap_graph.cli.build_parser` calls this).

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
            "  lemap network --sources report --format gexf -o report-only.gexf\n"
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
    p.add_argument("--sources", choices=nw.SOURCES, default="all",
                   help="all: the report's and partners' datasets (default); report: leave out what only partners record")
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
             "rollup": ["1" if args.rollup else ""], "graph": [args.graph], "sources": [args.sources], "ego": [args.ego or ""], "depth": [args.depth]}
    try:
        filters = nw.parse_filters(given, data)
        network = nw.build_network(data, filters, backend=args.backend)
    except ValueError as e:
        raise CLIError(f"--{e}") from None
    except KeyError as e:
        raise CLIError(str(e.args[0])) from None
    body = nw.serialize_network(network, fmt, data)
    if args.output in (None, "-"):
        write(body)
    else:
        try:
            Path(args.output).write_bytes(body)
        except OSError as e:
            raise CLIError(f"cannot write {args.output}: {e}", 1) from None
    G = network.graph
    note(f"network: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({fmt}"
         f"{'' if args.output in (None, '-') else ' to ' + args.output}); betweenness {network.methods['betweenness']}")
    return 0


def _format_from_output(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    return suffix if suffix in nw.NETWORK_FORMATS else None
