"""Schedules: list them (the API, the CLI) and find the due ones (the scheduler)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.commands.drift import DetectDrift
from driftmgr.projections.schedules import schedules_table
from driftmgr.queries.base import ReadModels

__all__ = ["ListSchedulesQuery", "ScheduleView", "due_schedules", "list_schedules"]

_s = schedules_table.c


class ScheduleView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    every_seconds: float
    detect: DetectDrift
    """The command each firing sends."""
    next_due_at: datetime | None
    """None once removed."""
    fired: int
    """Periods fired so far (missed periods are skipped, not counted)."""
    last_fired_at: datetime | None
    last_drift_run_id: UUID | None
    last_error: str | None
    """Why the last firing requested no drift run, if it did not."""
    created_at: datetime
    created_by: str
    removed_at: datetime | None
    removed_by: str | None


class ListSchedulesQuery(msgspec.Struct, frozen=True, kw_only=True):
    min_position: int | None = None
    include_removed: bool = False


def _view(row: Any) -> ScheduleView:
    return ScheduleView(
        id=row.id,
        every_seconds=row.every_seconds,
        detect=msgspec.convert(row.command, DetectDrift),
        next_due_at=row.next_due_at,
        fired=row.fired,
        last_fired_at=row.last_fired_at,
        last_drift_run_id=row.last_drift_run_id,
        last_error=row.last_error,
        created_at=row.created_at,
        created_by=row.created_by,
        removed_at=row.removed_at,
        removed_by=row.removed_by,
    )


async def list_schedules(read: ReadModels, query: ListSchedulesQuery) -> list[ScheduleView]:
    await read.wait_for(query.min_position)
    select = sa.select(schedules_table).order_by(_s.created_at, _s.id)
    if not query.include_removed:
        select = select.where(_s.removed_at.is_(None))
    return [_view(row) for row in await read.all(select)]


def due_schedules(engine: sa.Engine, now: datetime) -> list[UUID]:
    """Schedules with a period due at ``now``, most overdue first, as the read model has
    them: it may lag, so whoever fires loads the schedule itself to decide."""
    select = (
        sa.select(_s.id)
        .where(_s.next_due_at.is_not(None), _s.next_due_at <= now)
        .order_by(_s.next_due_at)
    )
    with engine.connect() as conn:
        return [row.id for row in conn.execute(select)]
