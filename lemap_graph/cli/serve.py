"""``lemap serve``: the web app and SPARQL endpoint, on the on-disk store or an external SPARQL server."""

from __future__ import annotations

import argparse
import importlib
import os

from ..engine.durable import StoreUnavailable
from .options import add_endpoint_options, add_store_options, command
from .output import CLIError
from .stores import endpoint_settings, store_path


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web app (SPARQL endpoint and pages) with ``webapp.server.serve``."""
    try:
        # by name: the library never imports the web app, which is loaded only when asked to serve
        server = importlib.import_module("webapp.server")
    except ImportError as e:
        raise CLIError(f"the web app cannot be loaded: {e}", 1) from None
    remote = endpoint_settings(args)
    if remote:  # the app reads the settings from the environment, in every web process
        os.environ.update({k: str(v) for k, v in remote.items() if k.endswith("ENDPOINT") and v})
    try:
        server.serve(args.host, args.port, store_path(args))
    except StoreUnavailable as e:
        raise CLIError(f"cannot serve: {e}", 1) from None
    except OSError as e:
        raise CLIError(f"cannot serve on {args.host}:{args.port}: {e}", 1) from None
    return 0


def add_serve_command(sub) -> argparse.ArgumentParser:
    """Add ``lemap serve`` to the ``lemap`` command's subparsers."""
    p = command(sub, "serve", cmd_serve, "serve the web app and SPARQL endpoint",
                "  lemap serve                         # http://127.0.0.1:5000\n"
                "  lemap serve --host 0.0.0.0 --port 8080 --store /srv/lemap/store\n"
                "  lemap serve --endpoint http://localhost:8890/sparql --update-endpoint http://localhost:8890/sparql")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    add_store_options(p, root=False)
    add_endpoint_options(p)
    return p
