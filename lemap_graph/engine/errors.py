"""The errors a query can end in, each with an HTTP status, a message and, when known, where."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class QueryError(Exception):
    """A query that cannot be answered: an HTTP ``status``, a message and, when known, where (1-based)."""

    def __init__(self, status: int, message: str, line: int | None = None, column: int | None = None, *,
                 retry_after: int | None = None):
        self.status, self.message, self.line, self.column = status, message, line, column
        self.retry_after = retry_after  # seconds a client should wait before asking again (busy, limits)
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{status}: {message}{where}")

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict: status, its reason phrase, the error class, message, line, column."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        return {
            "status": self.status,
            "error": phrase,
            "kind": type(self).__name__,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


class QueryRejected(QueryError):
    """The guard refused the query before any engine saw it (too big, too deep, SERVICE, FROM, update)."""


class QueryTimeout(QueryError):
    """The query ran past the time limit; its worker was killed."""

    def __init__(self, seconds: float):
        super().__init__(503, f"the query timed out after {seconds:g} s and was stopped")
        self.seconds = seconds


class WorkerCrashed(QueryError):
    """The worker process running the query died (for example a segfault in the engine)."""


class EngineBusy(QueryError):
    """No query worker became free in time."""


class TooManyQueries(QueryError):
    """The client already has as many public queries running as it may (429)."""


class QueryOutOfMemory(WorkerCrashed):
    """The query needed more memory than a worker may use (``LEMAP_WORKER_MEMORY_MB``); its worker was replaced."""
