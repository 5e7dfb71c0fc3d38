"""eventsourcing's SQLite and PostgreSQL recorders, extended to write the hash chain.

The links of a transaction's events (and any checkpoint due) are inserted by the very
transaction that inserts the events, after them, so the previous link is read while the
writers are serialised: on SQLite the transaction holds the database's write lock from its
first insert; on PostgreSQL the library takes ``LOCK TABLE … IN EXCLUSIVE MODE`` on the
events table before inserting (``PostgresApplicationRecorder._lock_table``), held to commit.
So one read of the newest link per transaction, and one batched insert of the new ones.

A store whose chain is empty while it has events (created before the chain existed) is
backfilled, in one transaction under the same lock, when it is opened (see chain.py and
ADR 0014). The factories are selected by ``PERSISTENCE_MODULE`` (``config.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from driftmgr.adapters.eventstore.chain import (
    CHAIN_TABLE,
    CHECKPOINT_TABLE,
    Checkpoint,
    Head,
    Link,
    LoggedEvent,
    extend,
    originator_text,
)

__all__ = [
    "AUDIT_INTERVAL_ENV",
    "AUDIT_KEY_ENV",
    "ChainedPostgresApplicationRecorder",
    "ChainedPostgresFactory",
    "ChainedSQLiteApplicationRecorder",
    "ChainedSQLiteFactory",
]

AUDIT_KEY_ENV = "AUDIT_CHECKPOINT_KEY"  # hex; absent: no checkpoints
AUDIT_INTERVAL_ENV = "AUDIT_CHECKPOINT_INTERVAL"
_DEFAULT_INTERVAL = 1000
_PAGE = 1000
_SCHEMA_LOCK = 0x647269667464  # pg_advisory_xact_lock key of schema creation ("driftd")


@dataclass(frozen=True)
class Audit:
    interval: int
    key: bytes | None


def _audit(env: Environment) -> Audit:
    key = env.get(AUDIT_KEY_ENV)
    return Audit(
        interval=int(env.get(AUDIT_INTERVAL_ENV) or _DEFAULT_INTERVAL),
        key=bytes.fromhex(key) if key else None,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _logged(position: int, stored: StoredEvent) -> LoggedEvent:
    return LoggedEvent(
        position,
        originator_text(stored.originator_id),
        stored.originator_version,
        stored.topic,
        stored.state,
    )


# --- SQLite ---------------------------------------------------------------------------------


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def __init__(
        self,
        datastore: SQLiteDatastore,
        events_table_name: str = "stored_events",
        *,
        audit: Audit | None = None,
    ) -> None:
        self.audit = audit or Audit(_DEFAULT_INTERVAL, None)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "position INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, "
            "state_digest BLOB NOT NULL, due INTEGER NOT NULL, hash BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} ("
            "position INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, hash BLOB NOT NULL, "
            "next_due INTEGER NOT NULL, mac BLOB NOT NULL, created_at TEXT NOT NULL)",
        ]

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=False) as c:
            if not self._needs_backfill(c):
                return
        # BEGIN IMMEDIATE: take the write lock before reading, so no insert slips in
        # between the check and the backfill.
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            with cursor:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    if self._needs_backfill(cursor):
                        self._backfill(cursor, below=None)
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()

    def _needs_backfill(self, c: SQLiteCursor) -> bool:
        c.execute(
            f"SELECT EXISTS (SELECT 1 FROM {self.events_table_name}) "
            f"AND NOT EXISTS (SELECT 1 FROM {CHAIN_TABLE})"
        )
        return bool(c.fetchone()[0])

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            self._chain(c, [_logged(p, s) for p, s in zip(positions, stored_events, strict=True)])
        return positions

    def _chain(self, c: SQLiteCursor, events: list[LoggedEvent]) -> None:
        c.execute(f"SELECT seq, hash, due FROM {CHAIN_TABLE} ORDER BY seq DESC LIMIT 1")
        row = c.fetchone()
        head = Head(row[0], bytes(row[1]), row[2]) if row is not None else None
        if head is None:  # events older than the chain may predate this version
            head = self._backfill(c, below=events[0].position)
        self._write(c, *extend(head, events, interval=self.audit.interval, key=self.audit.key))

    def _backfill(self, c: SQLiteCursor, *, below: int | None) -> Head | None:
        """Chain every event before ``below`` (all when ``None``); the chain must be empty."""
        head: Head | None = None
        after = 0
        while True:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE rowid > ? AND rowid < ? "
                "ORDER BY rowid LIMIT ?",
                (after, below if below is not None else 2**63 - 1, _PAGE),
            )
            rows = c.fetchall()
            if not rows:
                return head
            events = [LoggedEvent(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]
            links, marks, head = extend(
                head, events, interval=self.audit.interval, key=self.audit.key
            )
            self._write(c, links, marks, head)
            after = rows[-1][0]

    @staticmethod
    def _write(c: SQLiteCursor, links: list[Link], marks: list[Checkpoint], _: Head) -> None:
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} (position, seq, state_digest, due, hash) "
            "VALUES (?, ?, ?, ?, ?)",
            [(k.position, k.seq, k.state_digest, k.due, k.hash) for k in links],
        )
        if marks:
            now = _now()
            c.executemany(
                f"INSERT INTO {CHECKPOINT_TABLE} "
                "(position, seq, hash, next_due, mac, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(m.position, m.seq, m.hash, m.next_due, m.mac, now) for m in marks],
            )


class ChainedSQLiteFactory(SQLiteFactory):
    def application_recorder(self) -> ApplicationRecorder:
        recorder = ChainedSQLiteApplicationRecorder(self.datastore, audit=_audit(self.env))
        if self.env_create_table():
            recorder.create_table()
        return recorder


# --- PostgreSQL -----------------------------------------------------------------------------


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        audit: Audit | None = None,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.audit = audit or Audit(_DEFAULT_INTERVAL, None)
        names = {
            "schema": Identifier(datastore.schema),
            "events": Identifier(events_table_name),
            "chain": Identifier(CHAIN_TABLE),
            "marks": Identifier(CHECKPOINT_TABLE),
        }
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "position bigint PRIMARY KEY, seq bigint NOT NULL UNIQUE, "
                "state_digest bytea NOT NULL, due bigint NOT NULL, hash bytea NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{marks} ("
                "position bigint PRIMARY KEY, seq bigint NOT NULL UNIQUE, hash bytea NOT NULL, "
                "next_due bigint NOT NULL, mac bytea NOT NULL, created_at timestamptz NOT NULL)"
            ).format(**names),
        ]
        self._sql_needs_backfill = SQL(
            "SELECT EXISTS (SELECT 1 FROM {schema}.{events}) "
            "AND NOT EXISTS (SELECT 1 FROM {schema}.{chain}) AS needed"
        ).format(**names)
        self._sql_head = SQL(
            "SELECT seq, hash, due FROM {schema}.{chain} ORDER BY seq DESC LIMIT 1"
        ).format(**names)
        self._sql_page = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{events} WHERE notification_id > %s AND notification_id < %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(**names)
        self._sql_insert_links = SQL(
            "INSERT INTO {schema}.{chain} (position, seq, state_digest, due, hash) "
            "VALUES (%s, %s, %s, %s, %s)"
        ).format(**names)
        self._sql_insert_marks = SQL(
            "INSERT INTO {schema}.{marks} (position, seq, hash, next_due, mac, created_at) "
            "VALUES (%s, %s, %s, %s, %s, now())"
        ).format(**names)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # Two processes opening a new store at once race on the library's CREATE OR REPLACE
        # FUNCTION ("tuple concurrently updated"): one creates the schema at a time.
        curs.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (_SCHEMA_LOCK,))
        super()._create_table(curs)

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            if not self._needs_backfill(curs):
                return
            self._lock_table(curs)  # the writers' lock: no insert until we commit
            if self._needs_backfill(curs):
                self._backfill(curs, below=None)

    def _needs_backfill(self, curs: Cursor[DictRow]) -> bool:
        curs.execute(self._sql_needs_backfill)
        row = curs.fetchone()
        return bool(row and row["needed"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The library's version runs the insert in a pipeline and, to keep psycopg quiet,
        # lets the transaction commit even when a step after the insert failed; here a
        # failure anywhere, chain included, rolls the whole transaction back.
        if self.datastore.enable_db_functions:
            msg = "POSTGRES_ENABLE_DB_FUNCTIONS would bypass the hash chain"
            raise ProgrammingError(msg)
        positions: Sequence[int] | None = None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if stored_events:
                self._insert_stored_events(curs, stored_events, **kwargs)  # locks the table
                positions = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                if positions:
                    events = [_logged(p, s) for p, s in zip(positions, stored_events, strict=True)]
                    self._chain(curs, events)
        return positions

    def _chain(self, curs: Cursor[DictRow], events: list[LoggedEvent]) -> None:
        events.sort(key=lambda e: e.position)
        curs.execute(self._sql_head)
        row = curs.fetchone()
        head = Head(row["seq"], bytes(row["hash"]), row["due"]) if row is not None else None
        if head is None:  # events older than the chain may predate this version
            head = self._backfill(curs, below=events[0].position)
        self._write(curs, *extend(head, events, interval=self.audit.interval, key=self.audit.key))

    def _backfill(self, curs: Cursor[DictRow], *, below: int | None) -> Head | None:
        head: Head | None = None
        after = 0
        while True:
            curs.execute(self._sql_page, (after, below if below is not None else 2**63 - 1, _PAGE))
            rows = curs.fetchall()
            if not rows:
                return head
            events = [
                LoggedEvent(
                    r["notification_id"],
                    originator_text(r["originator_id"]),
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                )
                for r in rows
            ]
            links, marks, head = extend(
                head, events, interval=self.audit.interval, key=self.audit.key
            )
            self._write(curs, links, marks, head)
            after = rows[-1]["notification_id"]

    def _write(
        self, curs: Cursor[DictRow], links: list[Link], marks: list[Checkpoint], _: Head
    ) -> None:
        curs.executemany(
            self._sql_insert_links,
            [(k.position, k.seq, k.state_digest, k.due, k.hash) for k in links],
        )
        if marks:
            curs.executemany(
                self._sql_insert_marks,
                [(m.position, m.seq, m.hash, m.next_due, m.mac) for m in marks],
            )


class ChainedPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        self.audit = _audit(self.env)

    def application_recorder(self) -> ApplicationRecorder:
        prefix = self.env.name.lower() or "stored"
        recorder = ChainedPostgresApplicationRecorder(
            self.datastore, events_table_name=f"{prefix}_events", audit=self.audit
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder
