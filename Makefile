# lemap — `make serve` runs the app on the embedded store, `make test` runs every test.
# Each target installs what it needs, so both work on a fresh machine.

PYTHON  ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
LOCK     = requirements.lock
STAMP    = $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: setup assets browser build serve test test-main bench clean lock audit loadtest test-engines virtuoso

setup: $(STAMP) assets

# Exactly the versions and files requirements.lock pins (with their SHA-256), then lemap itself.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Regenerate the lock files from pyproject.toml after a dependency is added or changed (uv resolves
# for every platform and Python >= 3.11, with hashes; pins already in a lock are kept unless
# `make lock LOCK_FLAGS=--upgrade`). requirements.lock: the default, test and load extras (`make setup`);
# requirements-bench.lock: those and the bench extra (`make bench`).
UV_VERSION ?= 0.13.8
LOCK_FLAGS ?=
UV_COMPILE  = $(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet --custom-compile-command 'make lock' $(LOCK_FLAGS)

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(UV_COMPILE) --extra test --extra load -o $(LOCK)
	$(UV_COMPILE) --extra test --extra load --extra bench -o requirements-bench.lock

# pip-audit over the lock files and npm audit over package-lock.json, where a vulnerability database
# is reachable; where none is, it says so and exits 0.
audit:
	$(PYTHON) scripts/audit.py

# Front-end libraries from npm at the versions package-lock.json pins, copied into webapp/static/vendor.
assets: webapp/static/vendor/.installed

webapp/static/vendor/.installed: package.json package-lock.json scripts/vendor.py
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/vendor.py
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it through executable_path).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

build: setup
	$(BIN)/lemap build

serve: port-free build
	$(BIN)/lemap serve --host $(HOST) --port $(PORT)

# Before anything is built: a port another program holds gets a sentence, not a server's traceback.
.PHONY: port-free
port-free:
	@python3 -c "import socket, sys; s = socket.socket(); \
	  sys.exit(s.connect_ex(('$(HOST)', $(PORT))) == 0)" || { \
	  echo "make serve: port $(PORT) on $(HOST) is already in use (another lemap, or another program)." >&2; \
	  echo "Stop it, or serve on another port: make serve PORT=$$(( $(PORT) + 1 ))" >&2; exit 2; }

# The main suite and the web tests on the two external servers, side by side (about a third of the
# wall time of one after the other on two cores: the suites wait on servers and browsers as much as
# they compute).
test: setup browser virtuoso
	$(MAKE) --no-print-directory -j2 test-main test-engines

test-main: setup browser
	$(BIN)/python -m pytest

# The web tests again on each external SPARQL server (`pytest --engine oxigraph|virtuoso`, one server per
# run, started by the tests). Which files: every test file whose tests reach the app through the app
# fixtures or app_over (pages, APIs, imports, search, reconciliation, adoption, network, linked data,
# dumps, the workbench), found by the fixture names below; tests of the embedded engine's own contract
# are marked embedded_only and left out. The named queries run on both servers in the main suite
# (tests/test_remote_engine.py). pytest's exit 5 (no test ran) fails the target like any failure.
ENGINES       ?= oxigraph virtuoso
APP_FIXTURES   = app_over|curated_app|curated_client|web_app|web_client|live_server|live_server_factory|partner_app
ENGINE_TESTS  ?= $(shell grep -lwE '$(APP_FIXTURES)' tests/test_*.py)
ENGINE_ARGS   ?=

# The servers run side by side, each suite writing its own log (shown in full when it fails).
test-engines: setup browser virtuoso
	@mkdir -p test-artifacts; \
	for engine in $(ENGINES); do \
	  echo "make test-engines: the web tests on $$engine (test-artifacts/engine-$$engine.log)"; \
	  ( $(BIN)/python -m pytest $(ENGINE_TESTS) --engine $$engine -m 'not embedded_only' -q -p no:cacheprovider $(ENGINE_ARGS) \
	      > test-artifacts/engine-$$engine.log 2>&1; echo $$? > test-artifacts/engine-$$engine.status ) & \
	done; wait; status=0; \
	for engine in $(ENGINES); do \
	  code=$$(cat test-artifacts/engine-$$engine.status); \
	  if [ "$$code" = 0 ]; then echo "== $$engine: $$(tail -n 1 test-artifacts/engine-$$engine.log)"; \
	  else echo "== $$engine FAILED (exit $$code):"; cat test-artifacts/engine-$$engine.log; status=$$code; fi; \
	done; exit $$status

# Debian's Virtuoso Open Source 7, one of the two servers test-engines runs the web tests on.
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; \
	  else echo "the engine tests need Debian's virtuoso-opensource: sudo apt-get install virtuoso-opensource" >&2; exit 1; fi; }

# The benchmark's own dependencies (the oxigraph CLI, psutil): the `bench` extra, installed once per pyproject.toml.
BENCH_STAMP = $(VENV)/.bench-installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-bench.lock
	touch $@

# `make bench SIZE=large` adds 1M triples, `SIZE=xl` also 10M; BENCH_ARGS passes more options to `python -m bench`.
# wrk (Debian's package) loads the web tiers; without it the bench's own, slower client does.
SIZE ?= default
BENCH_ARGS ?=

bench: build $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing (sudo apt-get install wrk): the web tier is loaded by the bench's own client" >&2; fi; }
	$(BIN)/python -m bench --size $(SIZE) $(BENCH_ARGS)

# 50 light clients alone, then beside 2 sending cartesian queries, against `lemap serve` (loopback).
loadtest: build
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf .lemap node_modules webapp/static/vendor

# setuptools' build backend warns through Python's warnings (a UserWarning per data folder it is not
# told about, one per editable install: about 380 lines): silenced for the installs alone, so
# `pip install --quiet` is quiet.
$(STAMP) $(BENCH_STAMP): export PYTHONWARNINGS = ignore::UserWarning
