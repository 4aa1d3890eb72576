"""The lemap web app: SPARQL endpoint, workbench, entity pages and views over the graph.

``create_app(config=None, store=None)`` builds the app from the settings table
(:mod:`lemap_graph.settings`: defaults, then ``LEMAP_*`` environment variables, then ``config``).
``store`` is an already loaded pyoxigraph store (tests pass a small fixture store); without it the
app opens the on-disk store at ``LEMAP_STORE`` and answers from an in-memory copy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Mapping

from flask import Flask

from lemap_graph.settings import load_settings

#: Blueprint modules, each exposing ``bp`` (a flask.Blueprint); registered in this order.
BLUEPRINTS: tuple[str, ...] = (
    "webapp.sparql",
    "webapp.workbench",
    "webapp.adoption",
    "webapp.network",
    "webapp.linked_data",
)


def create_app(config: Mapping[str, Any] | None = None, store=None) -> Flask:
    """Build the Flask app over ``store`` (or the on-disk store named by ``LEMAP_STORE``)."""
    app = Flask(__name__)
    app.config.update(load_settings())
    app.config.update(config or {})
    from .state import init_state

    init_state(app, store)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    return app
