"""Leadership: which process of many on one database runs a singleton loop.

The read models are fed by one process per database and the event bus delivers from one
(ADR 0019); every ``serve`` and ``worker`` process competes for each role and the others
wait. On PostgreSQL a role is a session-level advisory lock held on a connection of its
own: a leader killed with ``kill -9`` loses its connection and with it the lock, so another
process takes over at its next try, without a lease to wait out. A SQLite database lives on
one machine and serialises writers itself, so there every process is leader (the runner's
conditional advance keeps a batch from being applied twice either way, ADR 0004).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from typing import Protocol

import sqlalchemy as sa

__all__ = ["AlwaysLeader", "Leadership", "PostgresLeadership", "leadership_for"]

log = logging.getLogger(__name__)


class Leadership(Protocol):
    """A role one process holds at a time. ``try_acquire`` never blocks."""

    name: str

    def try_acquire(self) -> bool: ...

    @property
    def held(self) -> bool:
        """Whether this process holds the role (as of its last try)."""
        ...

    def release(self) -> None: ...


class AlwaysLeader:
    def __init__(self, name: str) -> None:
        self.name = name

    def try_acquire(self) -> bool:
        return True

    @property
    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` from the role's name."""
    digest = hashlib.blake2b(f"driftmgr:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresLeadership:
    def __init__(self, engine: sa.Engine, name: str) -> None:
        self.name = name
        self._engine = engine
        self._key = _lock_key(name)
        self._conn: sa.Connection | None = None
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self._conn is not None:
                if not self._conn.closed and not self._conn.invalidated and self._alive():
                    return True
                self._drop()  # the connection broke: the lock went with it
                log.warning("lost the %s role with its database connection", self.name)
            conn = self._engine.connect()
            try:
                got = conn.execute(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                ).scalar()
                conn.commit()  # the lock is the session's, not the transaction's
            except Exception:
                conn.close()
                raise
            if not got:
                conn.close()
                return False
            self._conn = conn
            log.info("took the %s role", self.name)
            return True

    def _alive(self) -> bool:
        assert self._conn is not None
        try:
            self._conn.execute(sa.text("SELECT 1"))
            self._conn.commit()
        except sa.exc.DBAPIError:
            return False
        return True

    @property
    def held(self) -> bool:
        return self._conn is not None

    def release(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._conn.commit()
            except sa.exc.DBAPIError:
                pass  # closing the connection below ends the lock anyway
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self._conn.close()
            self._conn = None


def leadership_for(engine: sa.Engine, name: str) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine, name)
    return AlwaysLeader(name)
