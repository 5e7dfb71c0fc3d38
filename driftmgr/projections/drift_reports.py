"""Drift runs with their reports."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.drift.diff import redact_items
from driftmgr.domain.drift.report import ReportBody
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.run import Run
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["DriftReportsProjection", "drift_runs_table"]

drift_runs_table = sa.Table(
    "drift_runs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("providers", sa.JSON, nullable=False),
    sa.Column("regions", sa.JSON, nullable=False),
    sa.Column("resource_types", sa.JSON),
    sa.Column("state_ids", sa.JSON, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("completed_at", UTCDateTime),
    sa.Column("discovery_run_id", sa.Uuid),
    sa.Column("report_sha256", sa.String(64)),
    sa.Column("body", sa.JSON),
    sa.Column("error", sa.Text),
)

_body_decoder = msgspec.json.Decoder(ReportBody)


class DriftReportsProjection(Projection):
    name = "drift_reports"
    tables = (drift_runs_table,)

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    def _update(self, conn: Connection, event: DriftmgrAggregate.Event, **values: Any) -> None:
        conn.execute(
            drift_runs_table.update()
            .where(drift_runs_table.c.id == event.originator_id)
            .values(**values)
        )

    @handles(DriftRun.Requested)
    def requested(self, conn: Connection, event: DriftRun.Requested, position: int) -> None:
        conn.execute(
            drift_runs_table.insert().values(
                id=event.originator_id,
                status="requested",
                provider=event.provider,
                providers=event.providers or [event.provider],
                regions=event.regions,
                resource_types=event.resource_types,
                state_ids=[str(s) for s in event.state_ids],
                priority=event.priority,
                attempt=0,
                requested_at=event.timestamp,
                requested_by=event.actor,
            )
        )

    @handles(Run.Started)
    def started(self, conn: Connection, event: Run.Started, position: int) -> None:
        self._update(
            conn, event, status="running", attempt=event.attempt, started_at=event.timestamp
        )

    @handles(DriftRun.InventoryTaken)
    def inventory_taken(
        self, conn: Connection, event: DriftRun.InventoryTaken, position: int
    ) -> None:
        self._update(conn, event, discovery_run_id=event.discovery_run_id)

    @handles(DriftRun.Completed)
    def completed(self, conn: Connection, event: DriftRun.Completed, position: int) -> None:
        body = _body_decoder.decode(self._blobs.get(event.report_sha256))
        # The engine redacts; redacting again here (idempotent) keeps a report an older
        # driftmgr stored from showing what today's rules hide.
        body.drifts = redact_items(body.drifts)
        self._update(
            conn,
            event,
            status="completed",
            completed_at=event.timestamp,
            report_sha256=event.report_sha256,
            body=msgspec.to_builtins(body),
        )

    @handles(Run.Cancelled)
    def cancelled(self, conn: Connection, event: Run.Cancelled, position: int) -> None:
        self._update(conn, event, status="cancelled", completed_at=event.timestamp)

    @handles(Run.Failed)
    def failed(self, conn: Connection, event: Run.Failed, position: int) -> None:
        status = "retrying" if event.retry_at is not None else "failed"
        self._update(conn, event, status=status, error=event.error)

    @handles(Run.Requeued)
    def requeued(self, conn: Connection, event: Run.Requeued, position: int) -> None:
        self._update(conn, event, status="retrying")
