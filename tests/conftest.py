"""Shared pytest fixtures: add new fixtures below, never rewrite the others."""

from __future__ import annotations

import pytest


def pytest_addoption(parser):
    parser.addoption("--engine", choices=("embedded", "oxigraph", "virtuoso"), default="embedded",
                     help="the engine the web tests' apps answer from: the embedded store (default) or an external "
                          "SPARQL server started for the session (make test-servers runs both)")


def pytest_configure(config):
    import remote_apps

    remote_apps.ENGINE["kind"] = config.getoption("--engine")
    config.addinivalue_line("markers", "embedded_only: checks the embedded engine's own contract (a store changed in place, "
                                       "worker processes); deselected on external servers with -m 'not embedded_only'")


def pytest_collection_modifyitems(config, items):
    """On an external server, the tests of the embedded engine's own contract are deselected."""
    if config.getoption("--engine") == "embedded":
        return
    kept = [item for item in items if item.get_closest_marker("embedded_only") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    """On an external server: before the test runs, the server holds the data of the app it uses."""
    import remote_apps

    if remote_apps.remote():
        remote_apps.sync(list(item.funcargs.values()))


@pytest.fixture(scope="session")
def curated_store():
    """An in-memory store built once per session from the real sources (ontology, schemes, data/triples)."""
    from lemap_graph.store import load_project

    return load_project(None)


@pytest.fixture(scope="module")
def curated_app(curated_store):
    """The app over the curated data, with one query worker (one per test module)."""
    from browser import app_over

    with app_over(curated_store) as app:
        yield app


@pytest.fixture
def curated_client(curated_app):
    """A test client of :func:`curated_app`."""
    return curated_app.test_client()


# --- web app, live server and a real browser (helpers in tests/browser.py) -----------------------

from browser import CHROMIUM, CHROMIUM_ARGS, serve, web_sources  # noqa: E402


@pytest.fixture(scope="session")
def web_store():
    """An in-memory store of the small web fixture graph (browser.web_sources), built once; read-only."""
    import pyoxigraph as ox

    from lemap_graph.store import build_store

    store = ox.Store()
    build_store(store, web_sources())
    return store


@pytest.fixture
def web_app(web_store):
    """The Flask app over :func:`web_store`, in testing mode (on the engine ``--engine`` names)."""
    from browser import app_over

    with app_over(web_store, LEMAP_WORKERS=4) as app:
        yield app


@pytest.fixture
def web_client(web_app):
    """A test client of :func:`web_app`."""
    return web_app.test_client()


@pytest.fixture
def live_server_factory():
    """Call with (store, config=None) to serve create_app over that store on a random port; stopped after the test."""
    from contextlib import ExitStack

    from browser import app_over

    servers = []
    with ExitStack() as apps:
        def start(store, config=None):
            live = serve(apps.enter_context(app_over(store, **{"LEMAP_WORKERS": 4, **(config or {})})))
            servers.append(live)
            return live

        yield start
        for live in servers:
            live.stop()


@pytest.fixture
def live_server(live_server_factory, web_store):
    """The app over :func:`web_store`, served over HTTP in a thread: ``live_server.url``, ``.host``."""
    return live_server_factory(web_store)


@pytest.fixture
def browser_context(tmp_path):
    """A headless Debian Chromium (Playwright, fresh user-data-dir) at 1280x800; closed after the test."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: browser tests need Debian's chromium (make browser)"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=list(CHROMIUM_ARGS),
            headless=True,
            viewport={"width": 1280, "height": 800},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context):
    """A Playwright page that records what it asks for and what goes wrong.

    ``page.requested_urls``: every request URL (the page, its frames, its workers);
    ``page.console_errors``: console errors and uncaught exceptions. ``browser.outside_requests(page,
    live_server)`` lists the requests that left the app's host.
    """
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    page.requested_urls = []
    page.console_errors = []
    browser_context.on("request", lambda request: page.requested_urls.append(request.url))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


# --- the SPARQL endpoint behind the production server (granian, webapp.server.serve) ------------


@pytest.fixture(scope="module")
def production_server_factory(tmp_path_factory):
    """Call with (quads, settings=None) to serve lemap with granian in a subprocess on a random loopback port.

    ``quads`` go into a fresh on-disk store that ``webapp.server.serve`` opens; ``settings`` are
    ``LEMAP_*`` values passed through the environment. Returns an object with ``.url`` (of /sparql),
    ``.base`` and ``.log()``; every server is stopped when the module's tests are done.
    """
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path
    from types import SimpleNamespace

    import pyoxigraph as ox

    root = Path(__file__).resolve().parent.parent
    procs = []

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def start(quads, settings=None):
        folder = tmp_path_factory.mktemp("served-store")
        store = ox.Store(str(folder / "store"))
        store.extend(quads)
        store.flush()
        del store  # release the RocksDB lock before the server opens the folder
        port, log = free_port(), folder / "server.log"
        env = {**os.environ, **{k: str(v) for k, v in (settings or {}).items()}}
        code = f"from webapp.server import serve; serve('127.0.0.1', {port}, {str(folder / 'store')!r})"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        procs.append(proc)
        server = SimpleNamespace(base=f"http://127.0.0.1:{port}", url=f"http://127.0.0.1:{port}/sparql",
                                 proc=proc, log=lambda: log.read_text(errors="replace"), store_path=folder / "store")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the server exited:\n{server.log()}"
            try:
                with urllib.request.urlopen(server.url + "?query=ASK%7B%7D", timeout=5) as r:
                    if r.status == 200:
                        return server
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not answer within 60 s:\n{server.log()}")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what this fixture started
            proc.wait()


# --- external SPARQL servers (tests/servers.py): oxigraph serve and Virtuoso, each started once -------


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def sparql_server(request, tmp_path_factory):
    """A SPARQL server (``oxigraph serve``, Virtuoso) loaded with the curated data through RemoteEngine.

    Started once per session in a temporary folder on free loopback ports, stopped at the end. A
    server that cannot be started fails the tests that need it, with the reason (never a skip).
    """
    from servers import STARTERS, ServerError

    from lemap_graph.engine.remote import load_sources

    try:
        server = STARTERS[request.param](tmp_path_factory.mktemp(request.param))
    except ServerError as e:
        pytest.fail(f"{request.param}: {e}", pytrace=False)
    try:
        load_sources(server.engine())
        yield server
    finally:
        server.stop()


# --- partner uploads (tests/test_partner*.py, tests/test_upload*.py) ------------------------------


@pytest.fixture(scope="module")
def partner_app(tmp_path_factory):
    """The app over a fresh, writable in-memory copy of the web fixture graph, its tokens in a temporary file.

    ``partner_app.token(partner)`` makes a token; imports change this module's copy only.
    """
    import pyoxigraph as ox

    from browser import app_over
    from lemap_graph.partner.tokens import TokenStore
    from lemap_graph.store import build_store

    store = ox.Store()
    build_store(store, web_sources())
    tokens = tmp_path_factory.mktemp("partner") / "tokens.sqlite"
    with app_over(store, LEMAP_TOKENS=str(tokens)) as app:
        app.token = TokenStore(tokens).create
        yield app
