"""A small SPARQL protocol client over one keep-alive loopback connection: POST the query, time the answer."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

QUERY_TYPE = "application/sparql-query"
RESULTS_JSON = "application/sparql-results+json"
TRUNCATED_HEADER = "X-Lemap-Truncated"


@dataclass(frozen=True)
class Reply:
    """One answer: HTTP status, milliseconds to the last byte, rows (None unless a 200), lemap's row-cap flag."""

    status: int
    ms: float
    rows: int | None
    truncated: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the server answered 200 with SPARQL JSON results."""
        return self.status == 200 and self.rows is not None


def count_rows(body: bytes) -> int:
    """Rows in a SPARQL JSON results document: its bindings, or 1 for an ASK answer.

    >>> count_rows(b'{"head": {"vars": ["s"]}, "results": {"bindings": [{}, {}]}}'), count_rows(b'{"boolean": true}')
    (2, 1)
    """
    doc = json.loads(body)
    if "boolean" in doc:
        return 1
    return len(doc["results"]["bindings"])


class SparqlClient:
    """Sends queries to one endpoint over a persistent HTTP/1.1 connection, reconnecting when it drops.

    :param url: the endpoint, e.g. ``http://127.0.0.1:7878/query``.
    :param timeout: seconds to wait for an answer before giving up on it.
    """

    def __init__(self, url: str, timeout: float = 60.0):
        parts = urlsplit(url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the benchmark only talks to loopback servers, not {parts.hostname}")
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def query(self, text: str) -> Reply:
        """POST ``text`` as ``application/sparql-query`` asking for SPARQL JSON; time it and count the rows."""
        body = text.encode("utf-8")
        # no-cache: lemap runs the query again rather than answer from its result cache
        headers = {"Content-Type": QUERY_TYPE, "Accept": RESULTS_JSON, "Cache-Control": "no-cache"}
        for attempt in (0, 1):  # a keep-alive connection the server closed is retried once on a new one
            start = time.perf_counter()
            try:
                conn = self._connection()
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as e:
                self.close()
                if attempt == 0 and not isinstance(e, TimeoutError):
                    continue
                return Reply(0, (time.perf_counter() - start) * 1000, None, error=f"{type(e).__name__}: {e}")
            ms = (time.perf_counter() - start) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return _reply(response, data, ms)
        raise AssertionError("unreachable")


def _reply(response: http.client.HTTPResponse, data: bytes, ms: float) -> Reply:
    truncated = response.getheader(TRUNCATED_HEADER) is not None
    if response.status != 200:
        return Reply(response.status, ms, None, truncated, _error_text(data))
    try:
        return Reply(200, ms, count_rows(data), truncated)
    except (ValueError, KeyError) as e:
        # oxigraph sends 200 and its headers first, so a query that hits its timeout while the
        # results stream ends in cut-off JSON rather than an error status
        return Reply(200, ms, None, truncated, f"results cut off or unreadable after {ms / 1000:.1f} s ({e})")


def _error_text(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    try:
        text = json.loads(text).get("message", text)
    except (ValueError, AttributeError):
        pass
    return " ".join(text.split())[:200]
