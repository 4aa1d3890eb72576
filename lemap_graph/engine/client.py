"""The HTTP side of the remote engine: one keep-alive connection per thread and server, a deadline, clear errors.

Only the standard library's :mod:`http.client`. Every failure becomes a :class:`QueryError`: 502 when
the server cannot be reached or answers an error or garbage, 504 when it does not accept a
connection in time, and :class:`QueryTimeout` (503) when the answer is not complete by the deadline.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .errors import QueryError, QueryTimeout

_RETRYABLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass(frozen=True)
class Reply:
    """A server's answer: status, headers (lower-case names) and the open body, read through a deadline."""

    status: int
    headers: dict[str, str]
    body: "DeadlineReader"

    def text(self, limit: int = 2000) -> str:
        """The first ``limit`` bytes of the body as text (for error messages)."""
        return self.body.read(limit).decode("utf-8", "replace")


@dataclass
class DeadlineReader:
    """A response body whose reads fail with :class:`QueryTimeout` once the deadline has passed."""

    response: http.client.HTTPResponse
    sock: socket.socket | None
    deadline: float
    seconds: float

    def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes (all when negative) before the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout(self.seconds)
        if self.sock is not None:
            self.sock.settimeout(left)
        try:
            data = self.response.read() if n is None or n < 0 else self.response.read(n)
        except (socket.timeout, TimeoutError):
            raise QueryTimeout(self.seconds) from None
        except (OSError, http.client.HTTPException) as e:
            raise QueryError(502, f"the SPARQL server broke off its answer: {e!r}") from None
        return data


class HttpClient:
    """Sends requests to SPARQL servers over one reused connection per thread and host.

    :param connect_timeout: seconds to wait for a connection before answering 504.
    :param user_agent: the User-Agent header sent.
    """

    def __init__(self, connect_timeout: float = 5.0, user_agent: str = "lemap"):
        self.connect_timeout = connect_timeout
        self.user_agent = user_agent
        self._local = threading.local()

    def _connection(self, url: str, fresh: bool) -> http.client.HTTPConnection:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        pool = self._local.__dict__.setdefault("pool", {})
        conn = pool.get(key)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = pool[key] = cls(parts.netloc, timeout=self.connect_timeout)
        return conn

    def forget(self, url: str) -> None:
        """Close this thread's connection to ``url``'s server (after an answer was not read to its end)."""
        parts = urlsplit(url)
        conn = self._local.__dict__.get("pool", {}).pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, url: str, *, seconds: float, params=None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        """Send one request; the reply's body must be read (or :meth:`forget` called) before the next.

        :param seconds: the whole exchange's time limit (connection, answer and body).
        :param params: query-string parameters (a list of pairs), added to ``url``.
        """
        target = _target(url, params)
        headers = {"User-Agent": self.user_agent, **(headers or {})}
        deadline = time.monotonic() + seconds
        for attempt in (0, 1):
            conn = self._connection(url, fresh=False)
            reused = conn.sock is not None
            if not reused:
                self._connect(conn, url)
            conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
            except _RETRYABLE as e:
                self.forget(url)
                if reused and attempt == 0:
                    continue  # the server closed an idle keep-alive connection: once more on a new one
                raise QueryError(502, f"the SPARQL server at {_where(url)} closed the connection: {e!r}") from None
            except (socket.timeout, TimeoutError):
                self.forget(url)
                raise QueryTimeout(seconds) from None
            except (OSError, http.client.HTTPException) as e:
                self.forget(url)
                raise QueryError(502, f"the SPARQL server at {_where(url)} failed: {e!r}") from None
            names = {k.lower(): v for k, v in response.getheaders()}
            return Reply(response.status, names, DeadlineReader(response, conn.sock, deadline, seconds))
        raise AssertionError("unreachable")

    def _connect(self, conn: http.client.HTTPConnection, url: str) -> None:
        try:
            conn.connect()
        except (socket.timeout, TimeoutError):
            self.forget(url)
            raise QueryError(504, f"the SPARQL server at {_where(url)} did not accept a connection within "
                                  f"{self.connect_timeout:g} s") from None
        except OSError as e:
            self.forget(url)
            reason = e.strerror or repr(e)
            raise QueryError(502, f"the SPARQL server at {_where(url)} cannot be reached: {reason}") from None


def _target(url: str, params) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    query = "&".join(q for q in (parts.query, urlencode(list(params or ()))) if q)
    return path + ("?" + query if query else "")


def _where(url: str) -> str:
    return urlsplit(url).netloc or url
