"""Where the ``lemap`` commands find the data: the on-disk store, an in-memory store built from the sources,
or an external SPARQL server named by ``--endpoint``.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pyoxigraph as ox

from .. import store as st
from ..engine.durable import DurableStore, StoreUnavailable
from .output import CLIError, note


def store_path(args: argparse.Namespace) -> Path:
    """The on-disk store folder: ``--store``, else ``$LEMAP_STORE``, else ``.lemap/store``."""
    return Path(args.store) if args.store else st.store_path_from_env()


def sources(args: argparse.Namespace) -> list[st.Source]:
    """The source files under ``--root`` (default: this checkout); none at all is an error."""
    root = Path(args.root).resolve() if args.root else st.PROJECT_ROOT
    found = st.default_sources(root)
    if not found:
        raise CLIError(f"no source files under {root} (looked for ontology/*.ttl, ontology/schemes/*.ttl, data/triples/*.ttl)")
    return found


def build_into(store: ox.Store, files: list[st.Source], progress=None) -> st.BuildReport:
    """Load the sources into ``store`` (see :func:`lemap_graph.store.build_store`); what cannot be read is a CLIError."""
    try:
        return st.build_store(store, files, progress=progress)
    except st.SourceError as e:
        raise CLIError(str(e)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CLIError(f"cannot read the sources: {e}") from None


def is_store(path: Path) -> bool:
    """Whether an on-disk store has been built at ``path``."""
    return DurableStore(path).exists()


def open_for_reading(args: argparse.Namespace) -> ox.Store:
    """The on-disk store opened read-only if there is one, else an in-memory store built from the sources."""
    path = store_path(args)
    if is_store(path):
        try:
            store = DurableStore(path).open_for_process()  # a build beside waits until this command ends
        except (StoreUnavailable, OSError, RuntimeError) as e:  # RocksDB reports corruption as RuntimeError
            raise CLIError(f"cannot open the store at {path}: {e}", 1) from None
        note(f"using the store at {path}")
        _warn_if_stale(store, args)
        return store
    store = ox.Store()
    found = sources(args)
    build_into(store, found)
    note(f"no store at {path}: built an in-memory store from {len(found)} source files (`lemap build` keeps one)")
    return store


def _warn_if_stale(store: ox.Store, args: argparse.Namespace) -> None:
    recorded = st.recorded_sources(store)
    if not recorded:
        return
    try:
        found = sources(args)
    except CLIError:
        return
    changed = [s.relpath for s in found if recorded.get(s.graph, ("", ""))[1] != _sha256(s.path)]
    gone = set(recorded) - {s.graph for s in found}
    if changed or gone:
        names = ", ".join(changed[:3]) + (", …" if len(changed) > 3 else "")
        what = [f"{len(changed)} source files new or changed ({names})"] if changed else []
        what += [f"{len(gone)} graphs whose file is gone"] if gone else []
        note(f"the store is out of date: {'; '.join(what)}; run `lemap build`")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def endpoint_settings(args: argparse.Namespace) -> dict | None:
    """The settings for an external SPARQL server given by ``--endpoint`` options or ``LEMAP_SPARQL_ENDPOINT``."""
    from ..settings import load_settings

    settings = load_settings()
    for option, name in (("endpoint", "LEMAP_SPARQL_ENDPOINT"), ("update_endpoint", "LEMAP_UPDATE_ENDPOINT"),
                         ("store_endpoint", "LEMAP_STORE_ENDPOINT")):
        if getattr(args, option, None):
            settings[name] = getattr(args, option)
    return settings if settings.get("LEMAP_SPARQL_ENDPOINT") else None
