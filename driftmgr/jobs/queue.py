"""Claiming jobs from the jobs view with a lease.

A claim is one guarded UPDATE: it succeeds only while the row is unleased or its lease has
expired, so two workers never hold the same job. PostgreSQL picks the candidate with
``FOR UPDATE SKIP LOCKED`` so workers on many machines do not queue behind one row.

A worker's default name is ``host:pid:…``: a lease held by a process of this host that no
longer exists is known dead at once, without waiting for it to expire (crash recovery in
seconds after a ``kill -9`` and a restart).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.projections.jobs import jobs_table

__all__ = ["Claim", "JobQueue", "local_owner_is_dead"]


def local_owner_is_dead(owner: str) -> bool:
    """Whether ``owner`` names a worker process of this host that no longer runs.

    Only ``host:pid:suffix`` names of this very host are judged; anything else (another
    host, a chosen name) is left to its lease. A reused pid only errs on the safe side.
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, under another user
    return False


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
            # Only reachable once its worker's lease ran out (or was released).
            jobs.status.in_(("running", "cancelling")),
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

    def release(self, job_id: UUID, worker: str) -> None:
        """Give up a held lease, so the next claim takes the job over at once."""
        jobs = jobs_table.c
        with self._engine.begin() as conn:
            conn.execute(
                jobs_table.update()
                .where(jobs.job_id == job_id, jobs.lease_owner == worker)
                .values(lease_owner=None, lease_expires_at=None)
            )

    def release_dead_local(self) -> int:
        """Release the leases of this host's worker processes that died; return how many."""
        jobs = jobs_table.c
        query = sa.select(jobs.job_id, jobs.lease_owner).where(jobs.lease_owner.is_not(None))
        with self._engine.connect() as conn:
            held = conn.execute(query).all()
        dead = [row for row in held if local_owner_is_dead(row.lease_owner)]
        for row in dead:
            self.release(row.job_id, row.lease_owner)
        return len(dead)

    def is_orphaned(self, job_id: UUID, now: datetime) -> bool:
        """Whether a running job has no live worker: its lease is gone, ran out, or belongs
        to a dead process of this host."""
        jobs = jobs_table.c
        query = sa.select(jobs.lease_owner, jobs.lease_expires_at).where(jobs.job_id == job_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.lease_owner is None or row.lease_expires_at is None:
            return True
        return bool(row.lease_expires_at < now) or local_owner_is_dead(row.lease_owner)

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
