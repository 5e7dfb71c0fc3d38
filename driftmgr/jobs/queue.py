"""Claiming jobs from the jobs view with a lease.

A claim is one guarded UPDATE: it succeeds only while the row is unleased or its lease has
expired, so two workers never hold the same job. PostgreSQL picks the candidate with
``FOR UPDATE SKIP LOCKED`` so workers on many machines do not queue behind one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.projections.jobs import jobs_table

__all__ = ["Claim", "JobQueue"]


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    job_id: UUID
    kind: str
    status: str
    """The status the view showed when claimed: ``running`` means a worker was lost."""
    lease_expires_at: datetime


class JobQueue:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def claim(self, worker: str, now: datetime, lease: timedelta) -> Claim | None:
        jobs = jobs_table.c
        free = sa.or_(jobs.lease_expires_at.is_(None), jobs.lease_expires_at < now)
        runnable = sa.or_(
            sa.and_(
                jobs.status.in_(("requested", "retrying")),
                sa.or_(jobs.run_after.is_(None), jobs.run_after <= now),
            ),
            jobs.status == "running",  # only reachable once its worker's lease ran out
        )
        candidates = (
            sa.select(jobs.job_id, jobs.kind, jobs.status)
            .where(runnable, free)
            .order_by(jobs.priority.desc(), jobs.position)
            .limit(1)
        )
        if self._engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        expires = now + lease
        with self._engine.begin() as conn:
            row = conn.execute(candidates).first()
            if row is None:
                return None
            taken = conn.execute(
                jobs_table.update()
                .where(jobs.job_id == row.job_id, free)
                .values(lease_owner=worker, lease_expires_at=expires)
            )
            if taken.rowcount != 1:
                return None
        return Claim(job_id=row.job_id, kind=row.kind, status=row.status, lease_expires_at=expires)

    def renew(self, job_id: UUID, worker: str, until: datetime) -> bool:
        """Extend a held lease; False when the lease is no longer ours."""
        jobs = jobs_table.c
        with self._engine.begin() as conn:
            result = conn.execute(
                jobs_table.update()
                .where(jobs.job_id == job_id, jobs.lease_owner == worker)
                .values(lease_expires_at=until)
            )
        return result.rowcount == 1

    def status(self, job_id: UUID) -> str | None:
        jobs = jobs_table.c
        with self._engine.connect() as conn:
            value: str | None = conn.execute(
                sa.select(jobs.status).where(jobs.job_id == job_id)
            ).scalar()
        return value

    def next_due(self) -> datetime | None:
        """When the earliest waiting retry becomes runnable, to bound the worker's wait."""
        jobs = jobs_table.c
        query = sa.select(sa.func.min(jobs.run_after)).where(jobs.status == "retrying")
        with self._engine.connect() as conn:
            value: datetime | None = conn.execute(query).scalar()
        return value
