"""The read models as they were at a past moment: replay the log up to a position.

A replay reads the configured event log (never copies or writes it) and projects every
event up to a position into a separate, fresh SQLite views database. ``AsOf`` names the
moment: a log position, or an ISO-8601 time meaning the last event recorded at or before
it. :class:`ReplayCache` keeps recent replays on disk, one folder per position, so
repeated ``as_of`` reads of the same moment are answered without replaying again.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from driftmgr.adapters.eventstore.config import create_sqlite_engine, private_dir
from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.projections.base import Projection
from driftmgr.projections.runner import ProjectionRunner

__all__ = ["VIEWS_FILE", "AsOf", "InvalidAsOf", "NoSuchMoment", "ReplayCache", "replay"]

#: The name of the views database inside a replay's folder.
VIEWS_FILE = "views.sqlite3"


class InvalidAsOf(ValueError):
    """An ``as_of`` that names no moment of the log; the message is one line."""


class NoSuchMoment(InvalidAsOf):
    """A well-formed ``as_of`` the log has no moment for: before its first event, after its
    newest, or an empty log (an HTTP 404, where a malformed one is a 400)."""


@dataclass(frozen=True)
class AsOf:
    """A past moment of the log: exactly one of ``position`` and ``time`` is set."""

    position: int | None = None
    time: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> AsOf:
        """``"1234"`` (a log position) or an ISO-8601 time (UTC when it names no zone)."""
        value = text.strip()
        if value.isdigit():
            return cls(position=int(value))
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidAsOf(
                f"as_of {text!r} is neither a log position (a whole number) "
                "nor an ISO-8601 time such as 2026-01-31T12:00:00Z"
            ) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        try:
            moment.astimezone(UTC)  # as comparing it with the log's times will
        except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
            extreme = datetime.min if moment.year == 1 else datetime.max
            moment = extreme.replace(tzinfo=UTC)
        return cls(time=moment)

    def __str__(self) -> str:
        return str(self.position) if self.time is None else self.time.isoformat()

    def resolve(self, app: Application[UUID]) -> int:
        """The log position this moment names; :class:`InvalidAsOf` if it names none."""
        head = app.recorder.max_notification_id() or 0
        first = _at_or_after(app, 1)
        if first is None:
            raise NoSuchMoment(f"as_of {self}: the event log is empty")
        if self.time is None:
            position = self.position or 0
            if position < first.id:
                raise NoSuchMoment(
                    f"as_of position {position} is before the first event (position {first.id})"
                )
            if position > head:
                raise NoSuchMoment(
                    f"as_of position {position} is beyond the newest event (position {head})"
                )
            return position
        if _timestamp(app, first) > self.time:
            raise NoSuchMoment(
                f"as_of {self} is before the first event ({_timestamp(app, first).isoformat()})"
            )
        return _last_at_or_before(app, self.time, first.id, head)


def _at_or_after(app: Application[UUID], position: int) -> Notification | None:
    found = app.recorder.select_notifications(start=position, limit=1)
    return found[0] if found else None


def _timestamp(app: Application[UUID], notification: Notification) -> datetime:
    event: Any = app.mapper.to_domain_event(notification)
    moment: datetime = event.timestamp
    return moment


def _last_at_or_before(app: Application[UUID], moment: datetime, low: int, high: int) -> int:
    """Binary search over positions (events are timestamped in the order they are logged)."""
    best = low
    low += 1
    while low <= high:
        middle = (low + high) // 2
        found = _at_or_after(app, middle)
        if found is None or found.id > high:
            high = middle - 1
        elif _timestamp(app, found) <= moment:
            best = found.id
            low = found.id + 1
        else:
            high = middle - 1
    return best


def replay(
    app: Application[UUID], projections: Sequence[Projection], folder: Path, position: int
) -> int:
    """Project the log up to ``position`` into a new views database in ``folder``.

    Returns the number of events applied. Refuses a folder that already holds one.
    """
    target = folder / VIEWS_FILE
    if target.exists():
        raise FileExistsError(f"{target} already exists; replay into an empty folder")
    private_dir(folder)
    engine = create_sqlite_engine(target, durable=False)
    try:
        runner = ProjectionRunner(
            app,
            engine,
            projections,
            log_signal=PositionSignal(),
            progress=PositionSignal(),
            until=position,
        )
        return runner.catch_up()
    finally:
        engine.dispose()  # the last connection checkpoints the WAL into the file


class ReplayCache:
    """Replays by position under ``root``, built on first use, the ``keep`` newest kept.

    A replay is built in a scratch folder and renamed into place when complete, so a
    reader (in this process or another) never sees half a replay.
    """

    def __init__(
        self,
        root: Path,
        app: Application[UUID],
        projections: Callable[[], Sequence[Projection]],
        *,
        keep: int = 8,
    ) -> None:
        self.root = root
        self._app = app
        self._projections = projections
        self._keep = keep
        self._lock = threading.Lock()

    def resolve(self, as_of: AsOf) -> int:
        return as_of.resolve(self._app)

    def views_at(self, position: int) -> Path:
        """The views database replayed up to ``position``, built now if not cached."""
        folder = self.root / str(position)
        with self._lock:
            if not (folder / VIEWS_FILE).exists():
                self._build(folder, position)
            os.utime(folder)  # most recently used: evicted last
            self._evict(keep=folder)
        return folder / VIEWS_FILE

    def _build(self, folder: Path, position: int) -> None:
        private_dir(self.root)
        scratch = self.root / f".building-{uuid4().hex}"
        try:
            replay(self._app, self._projections(), scratch, position)
            try:
                scratch.rename(folder)
            except OSError:
                if not (folder / VIEWS_FILE).exists():  # not another process's replay
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _evict(self, keep: Path) -> None:
        replays = [p for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]
        replays.sort(key=_mtime, reverse=True)
        for old in replays[self._keep :]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)


def _mtime(path: Path) -> Any:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
