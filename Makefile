# lemap — `make serve` runs the app on the embedded store, `make test` runs every test.
# Each target installs what it needs, so both work on a fresh machine.

PYTHON  ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: setup assets browser build serve test bench clean

setup: $(STAMP) assets

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

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

serve: build
	$(BIN)/lemap serve --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/python -m pytest

# The benchmark's own dependencies (the oxigraph CLI, psutil): the `bench` extra, installed once per pyproject.toml.
BENCH_STAMP = $(VENV)/.bench-installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
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

clean:
	rm -rf .lemap node_modules webapp/static/vendor
