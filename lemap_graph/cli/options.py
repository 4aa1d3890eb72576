"""The parts of the ``lemap`` parser its commands share: a subcommand with examples, the store and endpoint options."""

from __future__ import annotations

import argparse
from typing import Callable


def command(sub, name: str, func: Callable, help: str, epilog: str) -> argparse.ArgumentParser:
    """Add subcommand ``name`` that runs ``func``, with ``help`` as its description and ``epilog``'s examples."""
    p = sub.add_parser(
        name, help=help, description=help, epilog="examples:\n" + epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=func)
    return p


def add_store_options(p: argparse.ArgumentParser, *, root: bool = True) -> None:
    """``--store`` (the on-disk store) and, with ``root``, ``--root`` (the project folder of the sources)."""
    p.add_argument("--store", metavar="PATH", help="the on-disk store folder (default: $LEMAP_STORE or .lemap/store)")
    if root:
        p.add_argument(
            "--root", metavar="DIR",
            help="the project folder whose ontology/*.ttl, ontology/schemes/*.ttl and data/triples/*.ttl are the sources (default: this checkout)",
        )


def add_endpoint_options(p: argparse.ArgumentParser) -> None:
    """``--endpoint``, ``--update-endpoint`` and ``--store-endpoint``: an external SPARQL server instead of the store."""
    p.add_argument("--endpoint", metavar="URL", help="an external SPARQL 1.1 server's query URL instead of the embedded store "
                                                      "(default: $LEMAP_SPARQL_ENDPOINT)")
    p.add_argument("--update-endpoint", metavar="URL", help="its SPARQL Update URL, for writes (default: $LEMAP_UPDATE_ENDPOINT)")
    p.add_argument("--store-endpoint", metavar="URL", help="its Graph Store Protocol URL, for dumps (default: $LEMAP_STORE_ENDPOINT)")
