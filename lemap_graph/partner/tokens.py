"""Partners' bearer tokens: created once, stored only as SHA-256 digests in a small SQLite file, revocable.

A token is ``secrets.token_urlsafe(32)`` (256 random bits), shown once when it is made; the file
(``LEMAP_TOKENS``, by default ``tokens.sqlite`` beside the store) keeps its digest, the partner it
belongs to and when it was made and revoked. Checking a token compares its digest with every live
one in constant time (``hmac.compare_digest``), so timing says nothing about how close a guess was.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     tokens = TokenStore(Path(tmp) / "tokens.sqlite")
...     secret = tokens.create("unaids")
...     print(tokens.partner_for(secret), tokens.partner_for("guess"), tokens.revoke("unaids"), tokens.partner_for(secret))
unaids None 1 None
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

#: What a partner or dataset name may be: it becomes part of an IRI.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")

_SCHEMA = """CREATE TABLE IF NOT EXISTS token (
    id INTEGER PRIMARY KEY,
    partner TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT
)"""


def check_name(name: str, what: str = "partner") -> str:
    """``name`` if it is a valid partner or dataset name (lower-case letters, digits and inner hyphens, at most 64).

    >>> check_name("unaids-ukraine")
    'unaids-ukraine'
    >>> check_name("Bad Name")
    Traceback (most recent call last):
    ...
    ValueError: bad partner name 'Bad Name': use lower-case letters, digits and hyphens (at most 64), e.g. unaids-ukraine
    """
    if not NAME.fullmatch(name or ""):
        raise ValueError(f"bad {what} name {name!r}: use lower-case letters, digits and hyphens (at most 64), e.g. unaids-ukraine")
    return name


def tokens_path(settings_value: str | None, store_path: str | Path | None) -> Path:
    """The token file: ``LEMAP_TOKENS`` when set, else ``tokens.sqlite`` beside the store folder.

    >>> tokens_path("", ".lemap/store").as_posix()
    '.lemap/tokens.sqlite'
    """
    if settings_value:
        return Path(settings_value)
    return Path(store_path or ".lemap/store").parent / "tokens.sqlite"


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: its number, partner, when it was made and revoked (never the token itself)."""

    id: int
    partner: str
    created: str
    revoked: str | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class TokenStore:
    """The token file; each call opens it, so a token made by ``lemap token create`` works at once in a running server."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def create(self, partner: str) -> str:
        """Make a new token for ``partner`` and return it; only its digest is kept."""
        check_name(partner)
        token = secrets.token_urlsafe(32)
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT INTO token (partner, digest, created) VALUES (?, ?, ?)", (partner, _digest(token), _now()))
        self.path.chmod(0o600)
        return token

    def list(self) -> list[TokenInfo]:
        """Every token ever made, oldest first."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT id, partner, created, revoked FROM token ORDER BY id").fetchall()
        return [TokenInfo(*row) for row in rows]

    def revoke(self, partner_or_id: str) -> int:
        """Revoke one token (by its number) or every live token of a partner; how many were revoked."""
        if not self.path.exists():
            return 0
        column = "id" if partner_or_id.isdigit() else "partner"
        with closing(self._connect()) as conn, conn:
            cursor = conn.execute(f"UPDATE token SET revoked = ? WHERE {column} = ? AND revoked IS NULL", (_now(), partner_or_id))
            return cursor.rowcount

    def partner_for(self, token: str) -> str | None:
        """The partner a live token belongs to, or None; every live digest is compared in constant time."""
        if not token or not self.path.exists():
            return None
        digest = _digest(token)
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT partner, digest FROM token WHERE revoked IS NULL").fetchall()
        found = None
        for partner, stored in rows:
            if hmac.compare_digest(stored, digest):
                found = partner
        return found
