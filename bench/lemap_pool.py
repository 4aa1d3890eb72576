"""lemap's engine pool seen from outside: where its run folder is, what its ``state.json`` says, and timing it.

``lemap serve`` starts one pool process (``python -m lemap_graph.engine.pool CONFIG``, the JSON
config naming its run folder) that loads the data once and forks the query workers, and publishes
``state.json`` there (generation, ``memory`` once its in-memory copy is loaded, worker pids per
lane). The benchmark reads it to time the switch to memory and the replacement of a killed worker.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from .memory import command_of, tree_pids

POOL_MODULE = "lemap_graph.engine.pool"


@dataclass(frozen=True)
class Pool:
    """The pool process of a running ``lemap serve`` and its run folder."""

    pid: int
    run_dir: Path

    def state(self) -> dict:
        """The pool's ``state.json`` (empty before the pool wrote it)."""
        try:
            return json.loads((self.run_dir / "state.json").read_text())
        except (OSError, ValueError):  # not written yet, or replaced while read
            return {}

    def workers(self, lane: str) -> list[int]:
        """The pids of ``lane``'s live workers, as the pool lists them."""
        return list(self.state().get("workers", {}).get(lane, []))


def pool_config(argv: list[str]) -> dict | None:
    """The config of a pool process from its command line, or None when it is not lemap's pool.

    >>> pool_config(["python", "-m", "lemap_graph.engine.pool", '{"run_dir": "/tmp/x"}'])
    {'run_dir': '/tmp/x'}
    >>> pool_config(["granian", "worker"]) is None
    True
    """
    if POOL_MODULE not in argv:
        return None
    try:
        return json.loads(argv[argv.index(POOL_MODULE) + 1])
    except (IndexError, ValueError):
        return None


def find_pool(root: int) -> Pool | None:
    """The pool process below ``root`` (the ``lemap serve`` process), or None when it has not started yet."""
    for pid in tree_pids(root):
        config = pool_config(command_of(pid))
        if config and config.get("run_dir"):
            return Pool(pid, Path(config["run_dir"]))
    return None


def roles(detail: list[dict], pool: Pool | None) -> list[dict]:
    """``detail`` (from :func:`bench.memory.tree_detail`) with each process's role in lemap: server, web, pool or a lane's worker."""
    lanes = {pid: lane for lane, pids in (pool.state().get("workers", {}) if pool else {}).items() for pid in pids}
    out = []
    for p in detail:
        if p["depth"] == 0:
            role = "server"
        elif pool is not None and p["pid"] == pool.pid:
            role = "pool"
        elif pool is not None and p["ppid"] == pool.pid:
            role = f"{lanes.get(p['pid'], 'retiring')} worker"
        else:
            role = "web"
        out.append({**p, "role": role})
    return out


@dataclass(frozen=True)
class Replacement:
    """One killed worker: seconds until the pool listed a replacement, and until a query answered correctly."""

    listed_s: float
    answered_s: float


def time_replacement(pool: Pool, lane: str, answers, *, deadline_s: float = 30.0) -> Replacement:
    """SIGKILL one of ``lane``'s workers; time until the pool lists a replacement and then until ``answers()`` holds.

    :param answers: a check that a query through the lane gets its correct answer.
    :raises RuntimeError: when the lane has no worker or nothing is replaced within ``deadline_s``.
    """
    before = pool.workers(lane)
    if not before:
        raise RuntimeError(f"lemap's pool lists no {lane} worker")
    victim = before[0]
    start = time.perf_counter()
    os.kill(victim, signal.SIGKILL)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        now = pool.workers(lane)
        if victim not in now and len(now) >= len(before):
            break
        time.sleep(0.002)
    else:
        raise RuntimeError(f"lemap's pool did not replace worker {victim} within {deadline_s:g} s")
    listed = time.perf_counter() - start
    while not answers():
        if time.monotonic() > end:
            raise RuntimeError(f"no correct answer within {deadline_s:g} s after worker {victim} was killed")
        time.sleep(0.002)
    return Replacement(listed, time.perf_counter() - start)


def time_replacements(pool: Pool, lane: str, answers, *, times: int = 3) -> list[Replacement]:
    """:func:`time_replacement` ``times`` times, a second apart (the pool settles between kills)."""
    out = []
    for _ in range(times):
        out.append(time_replacement(pool, lane, answers))
        time.sleep(1.0)
    return out


def wait_for_memory(pool_of, started: float, deadline_s: float) -> float | None:
    """Seconds from ``started`` (a ``perf_counter``) until the pool says it answers from memory; None if it never does.

    :param pool_of: returns the :class:`Pool` once it exists (None before).
    """
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        pool = pool_of()
        if pool is not None and pool.state().get("memory"):
            return time.perf_counter() - started
        time.sleep(0.05)
    return None
