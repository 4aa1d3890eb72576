"""The engine's limits, read from the settings table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Limits:
    """The engine's limits; :meth:`from_settings` reads them from the settings table's names."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_bytes: int = 100_000
    max_nesting: int = 64
    workers: int = 4
    worker_memory_mb: int = 2048
    worker_recycle_mb: int = 512
    app_workers: int = 2
    queue_seconds: float = 2.0
    client_queries: int = 2
    client_budget: float = 60.0
    client_window: float = 60.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Limits":
        """Limits from a mapping of ``LEMAP_*`` settings (app.config or :func:`load_settings`).

        >>> Limits.from_settings({"LEMAP_QUERY_TIMEOUT": 2}).timeout
        2.0
        """
        names = {
            "timeout": ("LEMAP_QUERY_TIMEOUT", float),
            "max_rows": ("LEMAP_MAX_ROWS", int),
            "max_query_bytes": ("LEMAP_MAX_QUERY_BYTES", int),
            "max_nesting": ("LEMAP_MAX_NESTING", int),
            "workers": ("LEMAP_WORKERS", int),
            "worker_memory_mb": ("LEMAP_WORKER_MEMORY_MB", int),
            "worker_recycle_mb": ("LEMAP_WORKER_RECYCLE_MB", int),
            "app_workers": ("LEMAP_APP_WORKERS", int),
            "queue_seconds": ("LEMAP_QUEUE_SECONDS", float),
            "client_queries": ("LEMAP_CLIENT_QUERIES", int),
            "client_budget": ("LEMAP_CLIENT_BUDGET_SECONDS", float),
            "client_window": ("LEMAP_CLIENT_WINDOW_SECONDS", float),
        }
        given = {k: conv(settings[n]) for k, (n, conv) in names.items() if settings.get(n) is not None}
        return cls(**given)
