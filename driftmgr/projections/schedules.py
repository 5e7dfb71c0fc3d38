"""Schedules as the scheduler polls them (``next_due_at``) and ``schedule list`` shows them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.schedule import Schedule
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["SchedulesProjection", "schedules_table"]

schedules_table = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("every_seconds", sa.Float, nullable=False),
    sa.Column("command", sa.JSON, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("next_due_at", UTCDateTime),  # none once removed: nothing is due any more
    sa.Column("fired", sa.Integer, nullable=False),
    sa.Column("last_period", sa.Integer),
    sa.Column("last_fired_at", UTCDateTime),
    sa.Column("last_drift_run_id", sa.Uuid),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("removed_at", UTCDateTime),
    sa.Column("removed_by", sa.String(200)),
    sa.Index("schedules_due", "next_due_at"),
)


class SchedulesProjection(Projection):
    name = "schedules"
    tables = (schedules_table,)

    @handles(Schedule.Created)
    def created(self, conn: Connection, event: Schedule.Created, position: int) -> None:
        conn.execute(
            schedules_table.insert().values(
                id=event.originator_id,
                every_seconds=event.every_seconds,
                command=event.command,
                starts_at=event.starts_at,
                next_due_at=event.starts_at,
                fired=0,
                created_at=event.timestamp,
                created_by=event.actor,
            )
        )

    @handles(Schedule.Fired)
    def fired(self, conn: Connection, event: Schedule.Fired, position: int) -> None:
        row = conn.execute(
            sa.select(schedules_table.c.every_seconds, schedules_table.c.removed_at).where(
                schedules_table.c.id == event.originator_id
            )
        ).one()
        next_due = None
        if row.removed_at is None:
            next_due = event.due_at + timedelta(seconds=row.every_seconds)
        conn.execute(
            schedules_table.update()
            .where(schedules_table.c.id == event.originator_id)
            .values(
                next_due_at=next_due,
                fired=schedules_table.c.fired + 1,
                last_period=event.period,
                last_fired_at=event.timestamp,
                last_drift_run_id=event.drift_run_id,
                last_error=event.error,
            )
        )

    @handles(Schedule.Removed)
    def removed(self, conn: Connection, event: Schedule.Removed, position: int) -> None:
        conn.execute(
            schedules_table.update()
            .where(schedules_table.c.id == event.originator_id)
            .values(next_due_at=None, removed_at=event.timestamp, removed_by=event.actor)
        )
