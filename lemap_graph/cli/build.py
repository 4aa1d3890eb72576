"""``lemap build``: the sources into the on-disk store, or into an external SPARQL server."""

from __future__ import annotations

import argparse

from .. import store as st
from ..engine.durable import ALL, DurableStore, StoreUnavailable
from .options import add_endpoint_options, add_store_options, command
from .output import CLIError
from .stores import build_into, endpoint_settings, sources, store_path


def cmd_build(args: argparse.Namespace) -> int:
    """(Re)build the on-disk store from the sources: reload changed files, drop the graphs of gone ones.

    The store is opened only for the build, under its lock; a running server takes the change
    from the store's journal, so building beside `lemap serve` is safe. With ``--endpoint`` the
    sources go into an external SPARQL server instead, through its update endpoint.
    """
    if endpoint_settings(args):
        return _build_remote(args)
    path = store_path(args)
    found = sources(args)
    durable = DurableStore(path)
    changed: list[str] = []
    try:
        with durable.writing(changed) as store:
            report = build_into(store, found, progress=st.terminal_progress)
            if report.loaded or report.removed:
                changed.append(ALL)
    except StoreUnavailable as e:
        raise CLIError(str(e), 1) from None
    print(
        f"store {path}: {report.loaded} graphs loaded, {report.unchanged} unchanged, "
        f"{report.removed} removed; {report.quads} quads in all"
    )
    return 0


def _build_remote(args: argparse.Namespace) -> int:
    from ..engine.errors import QueryError
    from ..engine.loader import load_sources
    from ..engine.remote import RemoteEngine

    settings = endpoint_settings(args)
    if not settings.get("LEMAP_UPDATE_ENDPOINT"):
        raise CLIError("--endpoint needs --update-endpoint (or LEMAP_UPDATE_ENDPOINT) to write the sources", 2)
    engine = RemoteEngine.from_settings(settings)
    try:
        report = load_sources(engine, sources(args), progress=st.terminal_progress)
    except st.SourceError as e:
        raise CLIError(str(e)) from None
    except QueryError as e:
        raise CLIError(f"{settings['LEMAP_SPARQL_ENDPOINT']}: {e.message}", 1) from None
    print(f"server {settings['LEMAP_SPARQL_ENDPOINT']}: {report.loaded} graphs loaded, {report.unchanged} unchanged, "
          f"{report.removed} removed")
    return 0


def add_build_command(sub) -> argparse.ArgumentParser:
    """Add ``lemap build`` to the ``lemap`` command's subparsers."""
    p = command(sub, "build", cmd_build, "(re)build the on-disk store from the sources",
                "  lemap build                      # .lemap/store, or $LEMAP_STORE\n"
                "  lemap build --store /tmp/store   # another folder\n"
                "  lemap build --endpoint http://localhost:8890/sparql --update-endpoint http://localhost:8890/sparql\n"
                "Only changed files are reloaded; graphs of deleted files are dropped.")
    add_store_options(p)
    add_endpoint_options(p)
    return p
