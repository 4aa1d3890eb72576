"""Setup traps: `make serve` on a taken port says so in a sentence, pip's installs in the Makefile are
quiet, and the README says how to pick a port, what the store-lock error means (the real message,
produced here), and lists each folder once."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_taken_port_is_said_in_a_sentence() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        taken = subprocess.run(["make", "--no-print-directory", "port-free", f"PORT={port}"], cwd=ROOT,
                               capture_output=True, text=True, timeout=60)
    assert taken.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in taken.stderr
    assert f"make serve PORT={port + 1}" in taken.stderr
    free = subprocess.run(["make", "--no-print-directory", "port-free", f"PORT={port}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert free.returncode == 0, free.stderr
    assert re.search(r"^serve: port-free build$", MAKEFILE, re.M), "the port is checked before the build"


def test_the_installs_run_without_setuptools_warnings() -> None:
    assert re.search(r"^\$\(STAMP\) \$\(BENCH_STAMP\): export PYTHONWARNINGS = ignore::UserWarning$", MAKEFILE, re.M)
    assert all("--quiet" in line for line in MAKEFILE.splitlines() if "pip install" in line)


def test_the_readme_says_how_to_pick_a_port_and_lists_each_folder_once() -> None:
    assert "make serve PORT=" in README
    layout = README.split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    folders = re.findall(r"^\| `([^`]+)` \|", layout, re.M)
    assert folders.count("bench/") == 1 and len(folders) == len(set(folders))


def test_the_store_lock_error_is_documented_as_it_reads(tmp_path) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "LEMAP_STORE": str(store)}
    lemap = [sys.executable, "-m", "lemap_graph.cli"]
    subprocess.run(lemap + ["build"], cwd=ROOT, env=env, capture_output=True, check=True, timeout=300)
    holder = subprocess.Popen([sys.executable, "-c", f"import pyoxigraph, time; s = pyoxigraph.Store({str(store)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        second = subprocess.run(lemap + ["build"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode != 0
    message = second.stderr.strip().splitlines()[-1]
    assert "/LOCK: Resource temporarily unavailable" in message and str(store) in message
    readme = " ".join(README.split())
    assert "/LOCK: Resource temporarily unavailable`, another process holds the on-disk store" in readme
