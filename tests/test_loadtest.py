"""The load test, reduced: light clients alone and beside two abusive ones, against the production server.

Runs ``python -m bench.loadtest`` (locust patches the standard library with gevent, so it runs in a
process of its own) over a store built from the project's sources, with a 3 s query limit so the
abusive clients get answers within the short phases. Only facts that do not depend on the
machine's speed are asserted: no light request gets a 5xx or loses its connection, and every
abusive request is answered 200, 429 or 503. ``make loadtest`` prints the figures at full size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.load


@pytest.fixture(scope="module")
def phases(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("loadtest")
    lemap = Path(sys.executable).parent / "lemap"
    built = subprocess.run([str(lemap), "build", "--store", str(folder / "store")], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    done = subprocess.run([sys.executable, "-m", "bench.loadtest", "--light", "20", "--abusive", "2",
                           "--seconds", "12", "--store", str(folder / "store"), "--set", "LEMAP_QUERY_TIMEOUT=3",
                           "--json", str(folder / "figures.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout)  # the figures, with -rP
    return json.loads((folder / "figures.json").read_text())


def test_both_phases_ran_and_light_clients_were_answered(phases) -> None:
    assert [p["name"] for p in phases] == ["alone", "under abuse"]
    for phase in phases:
        assert phase["light_requests"] > 0 and phase["light_statuses"].get("200", 0) > 0


@pytest.mark.parametrize("phase", [0, 1], ids=["alone", "under-abuse"])
def test_no_light_request_gets_a_5xx_or_loses_its_connection(phases, phase) -> None:
    statuses = phases[phase]["light_statuses"]
    assert [s for s in statuses if s == "connection error" or s.startswith("5")] == [], statuses
    assert set(statuses) <= {"200"}, statuses  # pages, entities, named queries and small SPARQL all exist


def test_every_abusive_request_is_answered_200_429_or_503(phases) -> None:
    statuses = phases[1]["abusive_statuses"]
    assert sum(statuses.values()) >= 2, statuses  # the 3 s limit answers each client at least once in 12 s
    assert set(statuses) <= {"200", "429", "503"}, statuses
