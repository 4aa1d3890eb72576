"""Web-tier throughput: one query sent over N keep-alive connections for a while, by ``wrk`` or the bench's own client.

``wrk`` (Debian's package) is a real load tool: one C thread keeps every connection busy, so the
server, not the client, is what runs out of CPU. Without it the bench's own Python client does the
same with one thread per connection, and the table says so (Python clients saturate far earlier).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlencode, urlsplit

from .client import RESULTS_JSON, SparqlClient
from .report import Throughput, percentile

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_binary() -> str | None:
    """The ``wrk`` command, or None when it is not installed (``apt-get install wrk``)."""
    return shutil.which("wrk")


def _ms(text: str) -> float:
    """A wrk duration (``409.00us``, ``1.02ms``, ``2.50s``, ``1.00m``) in milliseconds.

    >>> _ms("409.00us"), _ms("1.5ms"), _ms("2s")
    (0.409, 1.5, 2000.0)
    """
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return round(float(m.group(1)) * _UNITS[m.group(2)], 6)


def parse_wrk(text: str, connections: int) -> Throughput:
    """Figures from wrk's report (run with ``--latency``): requests, failures, seconds, p50 and p99.

    Failed answers are the non-2xx/3xx ones; socket errors (connect, read, write, timeout) are
    counted apart, as wrk does not count them as requests.

    >>> t = parse_wrk('''  158009 requests in 10.01s, 23.52MB read
    ...   Socket errors: connect 0, read 2, write 0, timeout 1
    ...   Non-2xx or 3xx responses: 7
    ...      50%  409.00us
    ...      99%    4.73ms''', 8)
    >>> t.requests, t.failed, t.socket_errors, t.seconds, t.p50_ms, t.p99_ms
    (158009, 7, 3, 10.01, 0.409, 4.73)
    """
    done = re.search(r"(\d+) requests in ([\d.]+(?:us|ms|s|m)),", text)
    if not done:
        raise ValueError(f"wrk's report has no request count:\n{text[-500:]}")
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    quantiles = {q: _ms(v) for q, v in re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", text, re.M)}
    return Throughput("wrk", connections, int(done.group(1)), int(non2xx.group(1)) if non2xx else 0,
                      _ms(done.group(2)) / 1000, quantiles.get("50"), quantiles.get("99"), socket_errors)


def get_url(endpoint: str, query: str) -> str:
    """The endpoint URL with the query as its ``query`` parameter (the SPARQL protocol's GET).

    >>> get_url("http://127.0.0.1:1/sparql", "ASK {}")
    'http://127.0.0.1:1/sparql?query=ASK+%7B%7D'
    """
    return f"{endpoint}?{urlencode({'query': query})}"


def distinct_script(endpoint: str, query: str) -> str:
    """A wrk Lua script that sends ``query`` with a different last line each time (``# 1``, ``# 2`` …).

    Every request is then a query text the server has not seen, so no result cache (lemap's, or a
    proxy's) can answer it: the figure is the engine and web tier at work. The request is two fixed
    strings around a counter, so wrk spends next to nothing making it.

    >>> print(distinct_script("http://127.0.0.1:1/sparql", "ASK {}").splitlines()[0])
    local head = "GET /sparql?query=ASK+%7B%7D%0A%23+"
    """
    parts = urlsplit(get_url(endpoint, query + "\n# "))
    head = f"GET {parts.path}?{parts.query}"
    tail = f" HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: {RESULTS_JSON}\r\n\r\n"
    return (f"local head = {json.dumps(head)}\nlocal tail = {json.dumps(tail)}\nlocal n = 0\n"
            "request = function()\n  n = n + 1\n  return head .. n .. tail\nend\n")


def run_wrk(endpoint: str, query: str, *, connections: int, seconds: float, timeout_s: float = 30.0,
            distinct: bool = False) -> Throughput:
    """``wrk`` with one thread keeping ``connections`` connections busy on GET ``query`` for ``seconds``.

    :param distinct: a different query text each request (:func:`distinct_script`) instead of the same one.
    """
    argv = [wrk_binary() or "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            f"--timeout={max(1, round(timeout_s))}s", "-H", f"Accept: {RESULTS_JSON}", get_url(endpoint, query)]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if distinct:
            script.write(distinct_script(endpoint, query))
            script.flush()
            argv[1:1] = ["-s", script.name]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed with status {done.returncode}: {done.stderr.strip()[:300]}")
    return parse_wrk(done.stdout, connections)


def run_clients(endpoint: str, query: str, *, connections: int, seconds: float, timeout_s: float = 30.0,
                distinct: bool = False) -> Throughput:
    """The bench's own client: ``connections`` threads POSTing ``query`` over their own connection for ``seconds``."""
    lock = threading.Lock()
    latencies: list[float] = []
    failed = [0]
    counter = itertools.count(1)
    deadline = time.monotonic() + seconds

    def client() -> None:
        """One connection: send the query until the time is up."""
        c = SparqlClient(endpoint, timeout=timeout_s)
        try:
            while time.monotonic() < deadline:
                reply = c.query(f"{query}\n# {next(counter)}" if distinct else query)
                with lock:
                    latencies.append(reply.ms)
                    failed[0] += 0 if reply.ok else 1
        finally:
            c.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + timeout_s + 30)
    elapsed = time.perf_counter() - start
    with lock:
        done = list(latencies)
    return Throughput("bench client", connections, len(done), failed[0], elapsed,
                      percentile(done, 50), percentile(done, 99))


def measure(endpoint: str, query: str, *, connections: int, seconds: float, distinct: bool = False) -> Throughput:
    """:func:`run_wrk` when wrk is installed, else :func:`run_clients`."""
    runner = run_wrk if wrk_binary() else run_clients
    return runner(endpoint, query, connections=connections, seconds=seconds, distinct=distinct)
