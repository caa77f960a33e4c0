"""Rate-limit counters every worker of one machine shares, without a server: a SQLite file.

Flask-Limiter's `memory://` store counts in each process, so with N gunicorn workers a
limit of 30 lets up to N × 30 through (issue 12, item 5). The `limits` library's shared
stores all need a server (Redis, Memcached, MongoDB). Without REDIS_URL, Gazette counts
in a small SQLite file instead (config.rate_limit_file_uri: RATELIMIT_STORAGE_URI
`gazette+sqlite:///…/shared/rate-limits.sqlite`), which every worker on the machine opens.

Fixed windows only (Flask-Limiter's default strategy, the one Gazette uses): a counter
per key, reset once its window has passed. Each increment is one atomic SQL statement
(an upsert), so concurrent workers never lose a count. Several machines need Redis.

Importing this module registers the `gazette+sqlite` scheme with `limits`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from limits.storage import Storage

SCHEME = "gazette+sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires_at REAL NOT NULL  -- epoch seconds: the end of the key's current window
)
"""
# One statement, so atomic: a window that has passed starts again at `amount`.
_INCREMENT = """
INSERT INTO counters (key, value, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires_at <= :now THEN :amount ELSE value + :amount END,
    expires_at = CASE WHEN expires_at <= :now THEN :expires_at ELSE expires_at END
RETURNING value
"""
PURGE_EVERY = 1000  # increments between two deletions of expired counters (per process)


class SQLiteStorage(Storage):
    """A `limits` storage backed by a SQLite file (see the module's docstring).

    The URI's path is the file; its folder is created if needed. Raises sqlite3.Error
    (its `base_exceptions`) when the file cannot be used.
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(unquote(urlsplit(uri or "").path))
        if not self.path.name:
            raise ValueError(f"{SCHEME} needs a file path: {uri!r}")
        self._local = threading.local()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections belong to one thread and one
        process: a forked worker opens its own)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # counters, not ledgers
            connection.execute(_SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to `key`'s count; a new window of `expiry` seconds if it had none."""
        now = time.time()
        connection = self._connection()
        (value,) = connection.execute(
            _INCREMENT, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now}
        ).fetchone()
        self._increments += 1
        if self._increments % PURGE_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return value

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT value FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now))
            .fetchone()
        )
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
