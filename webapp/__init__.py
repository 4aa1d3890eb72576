"""The lemap web app: SPARQL endpoint, workbench, entity pages and views over the graph.

``create_app(config=None, store=None)`` builds the app from the settings table
(:mod:`lemap_graph.settings`: defaults, then ``LEMAP_*`` environment variables, then ``config``).
``store`` is an already loaded pyoxigraph store (tests pass a small fixture store); without it the
app opens the on-disk store at ``LEMAP_STORE`` and answers from an in-memory copy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Mapping

from flask import Flask, Response

from lemap_graph.settings import load_settings

#: Blueprint modules, each exposing ``bp`` (a flask.Blueprint); registered in this order.
BLUEPRINTS: tuple[str, ...] = (
    "webapp.sparql",
    "webapp.workbench",
    "webapp.adoption",
    "webapp.network",
    "webapp.linked_data",
    "webapp.dashboard",
    "webapp.snippets",
    "webapp.search",
    "webapp.reconcile",
    "webapp.partner",
)


#: Pages load scripts, styles and images from the app alone; data reaches them as JSON, never as code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)


def security_headers(response: Response) -> Response:
    """Every HTML page gets the content security policy; every response ``nosniff``."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(config: Mapping[str, Any] | None = None, store=None, engine=None) -> Flask:
    """Build the Flask app over ``engine``, or ``store``, or what the settings name (``LEMAP_SPARQL_ENDPOINT``,
    else the on-disk store ``LEMAP_STORE``)."""
    app = Flask(__name__)
    app.config.update(load_settings())
    app.config.update(config or {})
    from .state import init_state

    init_state(app, store, engine)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    app.after_request(security_headers)
    _serve_trusted_hosts_only(app)
    _behind_proxies(app)
    return app


def _behind_proxies(app: Flask) -> None:
    """Behind ``LEMAP_PROXY_HOPS`` reverse proxies, take the client's address (and scheme) from their headers.

    Without it every client behind a proxy would be the proxy's address, and share one per-client limit.
    """
    hops = int(app.config.get("LEMAP_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _serve_trusted_hosts_only(app: Flask) -> None:
    """Answer only trusted ``Host`` headers, and build absolute URLs from ``LEMAP_PUBLIC_URL`` when set."""
    from .hosts import HostPolicy, guard

    policy = HostPolicy.from_config(app.config)
    if policy.netloc:  # url_for(_external=True) outside a request, too
        app.config.update(SERVER_NAME=policy.netloc, PREFERRED_URL_SCHEME=policy.scheme,
                          APPLICATION_ROOT=policy.prefix or "/")
    app.wsgi_app = guard(app.wsgi_app, policy)
