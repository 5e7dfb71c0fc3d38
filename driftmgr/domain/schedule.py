"""Schedule: a drift detection repeated every period, each period fired exactly once.

Period ``k`` is due at ``starts_at + k * every``; the first (``k = 0``) is due when the
schedule is created, so a schedule that cannot run shows it at once. Firing records
``Fired(period=k)`` on the schedule itself: schedulers that load the same version and fire
the same period collide on the aggregate's version when they save, so only one of them
records it (and the drift run saved with it). After downtime only the latest missed period
fires, once: a burst of identical comparisons would say nothing the latest does not.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate

__all__ = [
    "MAX_EVERY_SECONDS",
    "MIN_EVERY_SECONDS",
    "InvalidSchedule",
    "Schedule",
    "ScheduleRemoved",
]

#: A shorter period would only compete with itself: a drift run takes seconds at least.
MIN_EVERY_SECONDS = 1.0
#: A year: beyond it due times soon leave what a datetime can hold.
MAX_EVERY_SECONDS = 366 * 86400.0


class InvalidSchedule(DomainError):
    """The schedule cannot be created as asked (a period too short …)."""


class ScheduleRemoved(DomainError):
    """The schedule was removed: it fires no more and cannot be removed again."""


class Schedule(DriftmgrAggregate):
    class Created(DriftmgrAggregate.Created):
        every_seconds: float
        command: dict[str, Any]
        starts_at: datetime

    class Fired(DriftmgrAggregate.Event):
        period: int
        due_at: datetime
        drift_run_id: UUID | None
        error: str | None

    class Removed(DriftmgrAggregate.Event):
        pass

    @classmethod
    def create(
        cls, *, every_seconds: float, command: dict[str, Any], starts_at: datetime, cause: Cause
    ) -> Schedule:
        """``command`` is the DetectDrift request each firing sends, as JSON-able values."""
        if not MIN_EVERY_SECONDS <= every_seconds <= MAX_EVERY_SECONDS:
            raise InvalidSchedule(
                f"a schedule repeats every {MIN_EVERY_SECONDS:g} s or more, "
                f"and at least once every {MAX_EVERY_SECONDS / 86400:g} days"
            )
        return cls(
            every_seconds=float(every_seconds),
            command=command,
            starts_at=starts_at,
            **cause.fields(),
        )

    @event(Created)
    def __init__(
        self,
        every_seconds: float,
        command: dict[str, Any],
        starts_at: datetime,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.every_seconds = every_seconds
        self.command = command
        self.starts_at = starts_at
        self.last_period: int | None = None
        self.removed = False

    def due_at(self, period: int) -> datetime:
        return self.starts_at + timedelta(seconds=period * self.every_seconds)

    @property
    def next_period(self) -> int:
        return 0 if self.last_period is None else self.last_period + 1

    def due_period(self, now: datetime) -> int | None:
        """The period to fire at ``now``: the latest one due and not yet fired, or None."""
        if self.removed or now < self.due_at(self.next_period):
            return None
        latest = math.floor((now - self.starts_at).total_seconds() / self.every_seconds)
        return max(latest, self.next_period)

    def fire(
        self,
        *,
        period: int,
        drift_run_id: UUID | None,
        error: str | None,
        cause: Cause,
    ) -> None:
        """Record that ``period`` fired: its drift run, or why none could be requested."""
        if self.removed:
            raise ScheduleRemoved(f"schedule {self.id} was removed")
        if period < self.next_period:
            raise InvalidSchedule(f"period {period} of schedule {self.id} has already fired")
        self._fired(
            period=period,
            due_at=self.due_at(period),
            drift_run_id=drift_run_id,
            error=error[:1000] if error else None,
            **cause.fields(),
        )

    @event(Fired)
    def _fired(
        self,
        period: int,
        due_at: datetime,
        drift_run_id: UUID | None,
        error: str | None,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.last_period = period

    def remove(self, cause: Cause) -> None:
        if self.removed:
            raise ScheduleRemoved(f"schedule {self.id} is already removed")
        self._removed(**cause.fields())

    @event(Removed)
    def _removed(self, actor: str, correlation_id: UUID) -> None:
        self.removed = True
