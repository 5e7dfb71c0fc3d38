"""The job queue as its operators see it: what waits, runs, retries, and what is
dead-lettered (failed for good, with the reason no attempt is left)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.projections.jobs import jobs_table
from driftmgr.queries.base import ReadModels

__all__ = ["JobStatus", "JobView", "ListJobsQuery", "list_jobs"]

JobStatus = Literal[
    "requested", "running", "cancelling", "retrying", "completed", "failed", "cancelled"
]

_j = jobs_table.c


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: str
    """DriftRun, DiscoveryRun, RemediationRun, StateAnalysisRun."""
    status: JobStatus
    priority: int
    attempt: int
    requested_at: datetime
    updated_at: datetime
    run_after: datetime | None
    """When a retrying job may start its next attempt."""
    worker: str | None
    """The worker holding its lease, if any."""
    lease_expires_at: datetime | None
    error: str | None
    """The last attempt's error."""
    dead_letter: str | None
    """Why no attempt is left, when the job is dead-lettered; None otherwise."""


class ListJobsQuery(msgspec.Struct, frozen=True, kw_only=True):
    status: JobStatus | None = None
    kind: str | None = None
    dead_letter: bool | None = None
    """True: only dead-lettered jobs; False: none of them."""
    limit: int = 100
    offset: int = 0
    min_position: int | None = None


def _view(row: Any) -> JobView:
    return JobView(
        id=row.job_id,
        kind=row.kind,
        status=row.status,
        priority=row.priority,
        attempt=row.attempt,
        requested_at=row.requested_at,
        updated_at=row.updated_at,
        run_after=row.run_after,
        worker=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        error=row.error,
        dead_letter=row.dead_letter,
    )


async def list_jobs(read: ReadModels, query: ListJobsQuery) -> list[JobView]:
    """Newest first."""
    await read.wait_for(query.min_position)
    select = sa.select(jobs_table).order_by(_j.position.desc()).limit(query.limit)
    select = select.offset(query.offset)
    if query.status is not None:
        select = select.where(_j.status == query.status)
    if query.kind is not None:
        select = select.where(_j.kind == query.kind)
    if query.dead_letter is True:
        select = select.where(_j.dead_letter.is_not(None))
    elif query.dead_letter is False:
        select = select.where(_j.dead_letter.is_(None))
    return [_view(row) for row in await read.all(select)]
