"""The job queue: list jobs (dead-lettered ones among them) and retry a dead-lettered one."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, QueryParameter

from driftmgr.commands.results import Accepted
from driftmgr.commands.runs import RetryRun, retry_run
from driftmgr.http.context import cause_of, services_of
from driftmgr.http.limits import Offset, Position
from driftmgr.queries.jobs import JobStatus, JobView, ListJobsQuery, list_jobs

__all__ = ["JobsController"]

MAX_LIMIT = 1000


class JobsController(Controller):
    path = "/api/v1/jobs"
    tags = ["jobs"]

    @get(permission="read", summary="Jobs, newest first; dead_letter=true: failed for good")
    async def list_jobs(
        self,
        state: State,
        status: FromQuery[JobStatus | None] = None,
        kind: FromQuery[str | None] = None,
        dead_letter: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
        offset: Offset = 0,
        min_position: Position = None,
    ) -> list[JobView]:
        query = ListJobsQuery(
            status=status,
            kind=kind,
            dead_letter=dead_letter,
            limit=limit,
            offset=offset,
            min_position=min_position,
        )
        return await list_jobs(services_of(state).read, query)

    @post(
        "/{job_id:uuid}/retry",
        permission="command",
        status_code=202,
        summary="One more attempt for a dead-lettered job, now (RetryRun)",
    )
    async def retry(
        self, job_id: FromPath[UUID], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        backend, cause = services_of(state).backend, cause_of(request)
        command = RetryRun(run_id=job_id)
        return await anyio.to_thread.run_sync(retry_run, backend, command, cause)
