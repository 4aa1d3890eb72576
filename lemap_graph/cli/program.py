"""The ``lemap`` program: its argument parser, one subcommand per action, and :func:`main`, which runs one."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .build import add_build_command
from .export import add_export_command
from .network import add_network_command
from .output import PROG, CLIError
from .partner import add_partner_commands, add_validate_command
from .query import add_query_command
from .serve import add_serve_command
from .stats import add_stats_command


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
    for add in (add_build_command, add_validate_command, add_query_command, add_export_command, add_stats_command,
                add_serve_command, add_network_command, add_partner_commands):
        add(sub)
    return parser


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
