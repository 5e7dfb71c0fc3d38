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
from driftmgr.domain.state_analysis_run import StateAnalysisRun
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
    # Why a failed job gets no further attempt (the dead-letter state); NULL otherwise.
    sa.Column("dead_letter", sa.Text),
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

    @handles(
        DriftRun.Requested,
        DiscoveryRun.Requested,
        RemediationRun.Requested,
        StateAnalysisRun.Requested,
    )
    def requested(
        self,
        conn: Connection,
        event: DriftRun.Requested
        | DiscoveryRun.Requested
        | RemediationRun.Requested
        | StateAnalysisRun.Requested,
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
        if event.lease_until is None:
            return
        # A worker that takes over a lost attempt records its Failed and this Started in one
        # save; Failed clears the lease, so it is restored here, in the same transaction,
        # or the job would look orphaned to every other worker while it runs.
        jobs = jobs_table.c
        conn.execute(
            jobs_table.update()
            .where(
                jobs.job_id == event.originator_id,
                sa.or_(jobs.lease_owner.is_(None), jobs.lease_owner == event.worker),
            )
            .values(
                lease_owner=event.worker,
                lease_expires_at=sa.case(
                    (
                        sa.or_(
                            jobs.lease_expires_at.is_(None),
                            jobs.lease_expires_at < event.lease_until,
                        ),
                        event.lease_until,
                    ),
                    else_=jobs.lease_expires_at,
                ),
            )
        )

    @handles(Run.Failed)
    def failed(self, conn: Connection, event: Run.Failed, position: int) -> None:
        self._update(
            conn,
            event,
            status="retrying" if event.retry_at is not None else "failed",
            run_after=event.retry_at,
            error=event.error,
            # Events from before dead-lettering had a reason say only that it was final.
            dead_letter=None if event.retry_at is not None else event.gave_up or "not retried",
            lease_owner=None,
            lease_expires_at=None,
        )

    @handles(Run.Requeued)
    def requeued(self, conn: Connection, event: Run.Requeued, position: int) -> None:
        self._update(conn, event, status="retrying", run_after=None, dead_letter=None)

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

    @handles(
        DriftRun.Completed,
        DiscoveryRun.Completed,
        RemediationRun.Completed,
        StateAnalysisRun.Completed,
    )
    def completed(
        self,
        conn: Connection,
        event: DriftRun.Completed
        | DiscoveryRun.Completed
        | RemediationRun.Completed
        | StateAnalysisRun.Completed,
        position: int,
    ) -> None:
        self._update(conn, event, status="completed", lease_owner=None, lease_expires_at=None)
