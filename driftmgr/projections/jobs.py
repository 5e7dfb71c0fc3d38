"""The jobs view: one row per run waiting, running or done. It is the worker's queue.

The projection owns status, attempt and retry time; workers own the lease columns
(``driftmgr.jobs.queue``), which a rebuild simply resets — an unleased running job is
then recovered as if its worker had died.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.run import CancellationRequest, Run
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["JobsProjection", "jobs_table"]

jobs_table = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("run_after", UTCDateTime),
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("error", sa.Text),
    sa.Index("jobs_queue", "status", "priority", "position"),
)


class JobsProjection(Projection):
    name = "jobs"
    tables = (jobs_table,)

    def _update(self, conn: Connection, event: DriftmgrAggregate.Event, **values: Any) -> None:
        conn.execute(
            jobs_table.update()
            .where(jobs_table.c.job_id == event.originator_id)
            .values(updated_at=event.timestamp, **values)
        )

    @handles(DriftRun.Requested, DiscoveryRun.Requested, RemediationRun.Requested)
    def requested(
        self,
        conn: Connection,
        event: DriftRun.Requested | DiscoveryRun.Requested | RemediationRun.Requested,
        position: int,
    ) -> None:
        if getattr(event, "drift_run_id", None) is not None:
            return  # a drift run's own inventory runs inside that drift job
        conn.execute(
            jobs_table.insert().values(
                job_id=event.originator_id,
                kind=type(event).__qualname__.split(".")[0],
                status="requested",
                priority=event.priority,
                attempt=0,
                position=position,
                requested_at=event.timestamp,
                updated_at=event.timestamp,
            )
        )

    @handles(Run.Started)
    def started(self, conn: Connection, event: Run.Started, position: int) -> None:
        self._update(conn, event, status="running", attempt=event.attempt, run_after=None)

    @handles(Run.Failed)
    def failed(self, conn: Connection, event: Run.Failed, position: int) -> None:
        self._update(
            conn,
            event,
            status="retrying" if event.retry_at is not None else "failed",
            run_after=event.retry_at,
            error=event.error,
            lease_owner=None,
            lease_expires_at=None,
        )

    @handles(CancellationRequest.Requested)
    def cancel_requested(
        self, conn: Connection, event: CancellationRequest.Requested, position: int
    ) -> None:
        conn.execute(
            jobs_table.update()
            .where(jobs_table.c.job_id == event.run_id, jobs_table.c.status == "running")
            .values(status="cancelling", updated_at=event.timestamp)
        )

    @handles(Run.Cancelled)
    def cancelled(self, conn: Connection, event: Run.Cancelled, position: int) -> None:
        self._update(conn, event, status="cancelled", lease_owner=None, lease_expires_at=None)

    @handles(DriftRun.Completed, DiscoveryRun.Completed, RemediationRun.Completed)
    def completed(
        self,
        conn: Connection,
        event: DriftRun.Completed | DiscoveryRun.Completed | RemediationRun.Completed,
        position: int,
    ) -> None:
        self._update(conn, event, status="completed", lease_owner=None, lease_expires_at=None)
