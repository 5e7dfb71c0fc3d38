"""Feed the event log to the read models, a batch per transaction, exactly once in effect.

Each batch's table writes and the advance of the tracking position commit together; the
advance is conditional on the position the batch was read after, so a batch that another
runner already applied is refused instead of applied twice. Crashing mid-batch loses
nothing: the next run starts from the last committed position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from time import monotonic
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from driftmgr.adapters.eventstore.leadership import AlwaysLeader, Leadership
from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.projections.base import Projection, tracking_table

__all__ = ["ConcurrentProjectionError", "ProjectionRunner", "ReadModelBehind"]

log = logging.getLogger(__name__)


class ConcurrentProjectionError(RuntimeError):
    """Another runner advanced the same read models while this batch was being applied."""


class ReadModelBehind(TimeoutError):
    """The read models did not reach a position in time."""

    def __init__(self, wanted: int, current: int) -> None:
        super().__init__(
            f"read models are at position {current}, not yet at {wanted}; try again shortly"
        )
        self.wanted = wanted
        self.current = current


class ProjectionRunner:
    def __init__(
        self,
        app: Application[UUID],
        engine: sa.Engine,
        projections: Sequence[Projection],
        *,
        log_signal: PositionSignal,
        progress: PositionSignal,
        name: str = "views",
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        until: int | None = None,
        leadership: Leadership | None = None,
        notify_channel: str | None = None,
    ) -> None:
        """``until``: apply no event after this position (a replay to a past moment).

        ``leadership``: the role a process must hold to feed these read models from its
        background thread (one process per database, ADR 0019); the others follow the
        leader's progress. ``notify_channel``: a PostgreSQL channel told each committed
        position, so that other processes' readers wake at once (``wakeups.py``).
        """
        self._app = app
        self._engine = engine
        self._projections = list(projections)
        self._log_signal = log_signal
        self.progress = progress
        self.name = name
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._until = until
        self._leadership = leadership if leadership is not None else AlwaysLeader(name)
        self._notify_channel = notify_channel
        self._by_type: dict[type, list[Projection]] = {}
        for projection in self._projections:
            for event_type in projection.handled_types():
                self._by_type.setdefault(event_type, []).append(projection)
        self._tables = [tracking_table] + [t for p in self._projections for t in p.tables]
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self._create_tables()

    def _create_tables(self) -> None:
        with self._engine.begin() as conn:
            if stale := self._outdated_tables(conn):
                # Read models are disposable: a table from an older version (a column added
                # since) is dropped with the others and refilled from the log, instead of
                # failing every query until someone runs `admin rebuild-projections`.
                log.warning(
                    "read models %s are from an older driftmgr: rebuilding them from the log",
                    ", ".join(stale),
                )
                for table in reversed(self._tables[1:]):
                    table.drop(conn, checkfirst=True)
                conn.execute(
                    tracking_table.update()
                    .where(tracking_table.c.name == self.name)
                    .values(position=0)
                )
            tracking_table.metadata.create_all(conn, tables=self._tables)
            exists = conn.execute(
                sa.select(tracking_table.c.position).where(tracking_table.c.name == self.name)
            ).first()
            if exists is None:
                conn.execute(tracking_table.insert().values(name=self.name, position=0))

    def _outdated_tables(self, conn: sa.Connection) -> list[str]:
        """Existing read-model tables that lack a column this version declares."""
        inspector = sa.inspect(conn)
        stale = []
        for table in self._tables[1:]:
            if inspector.has_table(table.name, schema=table.schema):
                present = {c["name"] for c in inspector.get_columns(table.name, table.schema)}
                if not {c.name for c in table.columns} <= present:
                    stale.append(table.name)
        return stale

    @property
    def engine(self) -> sa.Engine:
        """The read-model database (the jobs queue lives there too)."""
        return self._engine

    @property
    def projections(self) -> tuple[Projection, ...]:
        return tuple(self._projections)

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        """Every read-model table, without the tracking table."""
        return tuple(self._tables[1:])

    @property
    def position(self) -> int:
        with self._engine.connect() as conn:
            return self._read_position(conn)

    def _read_position(self, conn: sa.Connection) -> int:
        query = sa.select(tracking_table.c.position).where(tracking_table.c.name == self.name)
        return int(conn.execute(query).scalar_one())

    def process_batch(self) -> int:
        """Apply the next batch of events; return how many there were (0 when caught up)."""
        start = self.position
        notifications = self._app.recorder.select_notifications(
            start=start, limit=self._batch_size, stop=self._until, inclusive_of_start=False
        )
        if not notifications:
            self.progress.advance(start)
            return 0
        return self.apply_batch(start, notifications)

    def apply_batch(self, start: int, notifications: Sequence[Notification]) -> int:
        """Apply ``notifications``, read after position ``start``, in one transaction.

        Raises :class:`ConcurrentProjectionError`, changing nothing, when the read models are
        no longer at ``start`` — e.g. when the same batch is delivered a second time.
        """
        last = notifications[-1].id
        with self._engine.begin() as conn:
            # Claim the batch first: this write locks the tracking row, so a concurrent
            # runner waits here and then finds the position moved, before touching a table.
            advanced = conn.execute(
                tracking_table.update()
                .where(tracking_table.c.name == self.name, tracking_table.c.position == start)
                .values(position=last)
            )
            if advanced.rowcount != 1:
                raise ConcurrentProjectionError(
                    f"read models {self.name!r} are no longer at position {start}"
                )
            for notification in notifications:
                event: Any = self._app.mapper.to_domain_event(notification)
                for projection in self._by_type.get(type(event), ()):
                    projection.apply(conn, event, notification.id)
            if self._notify_channel is not None:
                # Delivered on commit only: a follower woken by it sees the rows.
                conn.execute(
                    sa.text("SELECT pg_notify(:channel, :position)"),
                    {"channel": self._notify_channel, "position": str(last)},
                )
        self.progress.advance(last)
        return len(notifications)

    def catch_up(self) -> int:
        """Apply every event recorded so far; return how many."""
        total = 0
        while count := self.process_batch():
            total += count
        return total

    def wait(self, position: int, timeout: float = 30.0) -> None:
        """Block until the read models include ``position`` (read-your-writes for callers
        in this process, with or without a background thread)."""
        deadline = monotonic() + timeout
        while True:
            if self._thread is None and self._leadership.try_acquire():
                self.catch_up()
            current = max(self.progress.position, self.position)
            if current >= position:
                return
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise ReadModelBehind(position, current)
            self.progress.wait_beyond(current, min(remaining, self._poll_seconds))

    def rebuild(self) -> int:
        """Drop every read model, recreate it empty and replay the whole log into it."""
        with self._engine.begin() as conn:
            for table in reversed(self._tables):
                table.drop(conn, checkfirst=True)
        self._create_tables()
        self.progress.reset(0)
        return self.catch_up()

    # Background operation -------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"projections-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._log_signal.poke()
        self.progress.poke()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._leadership.release()

    @property
    def is_leader(self) -> bool:
        """Whether this process feeds the read models (the others follow)."""
        return self._leadership.held

    def _follow(self) -> None:
        """Another process feeds the read models: wait for its progress (a NOTIFY wakes this
        at once on PostgreSQL), then re-read the committed position."""
        self.progress.wait_beyond(
            self.progress.position, self._poll_seconds, until=self._stopping.is_set
        )
        self.progress.advance(self.position)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if not self._leadership.try_acquire():
                    self.last_error = None
                    self._follow()
                    continue
                self.catch_up()
                self.last_error = None
            except Exception as e:  # keep serving; the error shows on /healthz
                log.exception("projection %s failed; retrying", self.name)
                self.last_error = f"{type(e).__name__}: {e}"
                self._stopping.wait(self._poll_seconds)
                continue
            self._log_signal.wait_beyond(
                self.progress.position, self._poll_seconds, until=self._stopping.is_set
            )
