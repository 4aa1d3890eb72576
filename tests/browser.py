"""Helpers for the web and browser tests: the web fixture graph, a live server, outside-request checks.

The fixtures built on them (``web_store``, ``web_client``, ``live_server``, ``live_server_factory``,
``browser_context``, ``page``) are in conftest.py; tests import the helpers from here::

    from browser import outside_requests, save_screenshot
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
#: Screenshots and other files a browser test keeps for people to look at (git-ignored).
ARTIFACTS = ROOT / "test-artifacts"
#: Debian's Chromium, driven by Playwright through executable_path (`make browser` installs it).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
#: Files `make assets` copies from node_modules that the workbench cannot do without.
VENDOR_FILES = ("yasgui/yasgui.min.js", "yasgui/yasgui.min.css")


@contextmanager
def app_over(store, **config):
    """``create_app`` over ``store`` with one query worker (and ``config``); its workers stop on exit."""
    import remote_apps
    from lemap_graph.engine import Limits
    from lemap_graph.settings import load_settings
    from webapp import create_app

    settings = {"TESTING": True, "LEMAP_WORKERS": 1, **config}
    engine = None
    if remote_apps.remote():  # the same test on an external SPARQL server (pytest --engine …)
        engine = remote_apps.engine_over(store, Limits.from_settings({**load_settings(), **settings}))
    app = create_app(settings, store=store, engine=engine)
    try:
        yield app
    finally:
        app.extensions["lemap"].close()
        if engine is not None:
            remote_apps.release(engine)


def web_sources():
    """The small graph the web tests serve: the ontology, the SKOS schemes and tests/fixtures/*.ttl."""
    from lemap_graph.store import Source

    paths = [ROOT / "ontology" / "lemap.ttl", *sorted((ROOT / "ontology" / "schemes").glob("*.ttl"))]
    fixtures = sorted((ROOT / "tests" / "fixtures").glob("*.ttl"))
    return [Source(p, p.relative_to(ROOT).as_posix()) for p in paths] + [
        Source(p, f"data/triples/{p.name}") for p in fixtures
    ]


@dataclass
class LiveServer:
    """An app served over HTTP on 127.0.0.1 and a random free port, in a daemon thread."""

    app: object
    url: str
    _server: object = field(repr=False, default=None)

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``: the only host a page of this app may ask anything of."""
        return urlsplit(self.url).netloc

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


def serve(app) -> LiveServer:
    """Serve ``app`` on 127.0.0.1 and a port the OS picks (never 5000), in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="live-server", daemon=True).start()
    return LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", _server=server)


def outside_requests(page, live: LiveServer) -> list[str]:
    """The URLs ``page`` asked for on any host but the live server's (data:, blob: and about: are local)."""
    local = ("data", "blob", "about")
    return [u for u in page.requested_urls if urlsplit(u).scheme not in local and urlsplit(u).netloc != live.host]


def save_screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Keep a screenshot as ``test-artifacts/<name>.png`` for people to look at; return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def vendor_missing() -> list[str]:
    """The front-end files the app serves that `make assets` has not installed yet."""
    vendor = ROOT / "webapp" / "static" / "vendor"
    return [name for name in VENDOR_FILES if not (vendor / name).is_file()]


@contextmanager
def recording_listener():
    """A TCP listener on a loopback port recording every connection it receives: ``.url`` and ``.hits``.

    The SPARQL safety and attack tests point queries at it; an engine that opened any outbound
    connection would show up in ``hits``.
    """
    import socket
    from types import SimpleNamespace

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    hits, stop = [], threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = sock.accept()
            except OSError:
                continue
            hits.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", hits=hits)
    finally:
        stop.set()
        thread.join()
        sock.close()
