"""Workflows: list them and show one (the API, ``workflow list|show``, ``workflow run --wait``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.workflow import WorkflowDefinition
from driftmgr.errors import NotFound
from driftmgr.projections.workflows import workflows_table
from driftmgr.queries.base import ReadModels

__all__ = [
    "GetWorkflowQuery",
    "ListWorkflowsQuery",
    "StepView",
    "WorkflowView",
    "get_workflow",
    "list_workflows",
]

_w = workflows_table.c


class StepView(msgspec.Struct, frozen=True, kw_only=True):
    step: str
    when: str = "always"
    status: str
    """pending, started, completed, skipped or failed."""
    run_id: UUID | None = None
    plan_id: UUID | None = None
    outcome: str | None = None
    """What the step found or did; for a skipped step, the condition not met."""


class WorkflowView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    status: str
    """running, waiting_for_approval, completed or failed."""
    steps: list[StepView]
    drift_run_id: UUID | None
    plan_id: UUID | None
    """The remediation plan made; while waiting, the one to approve."""
    error: str | None
    started_at: datetime
    started_by: str
    updated_at: datetime
    definition: WorkflowDefinition


class ListWorkflowsQuery(msgspec.Struct, frozen=True, kw_only=True):
    min_position: int | None = None
    limit: int = 100


class GetWorkflowQuery(msgspec.Struct, frozen=True, kw_only=True):
    workflow_id: UUID
    min_position: int | None = None


def _view(row: Any) -> WorkflowView:
    return WorkflowView(
        id=row.id,
        name=row.name,
        status=row.status,
        steps=msgspec.convert(row.steps, list[StepView]),
        drift_run_id=row.drift_run_id,
        plan_id=row.plan_id,
        error=row.error,
        started_at=row.started_at,
        started_by=row.started_by,
        updated_at=row.updated_at,
        definition=msgspec.convert(row.definition, WorkflowDefinition),
    )


async def list_workflows(read: ReadModels, query: ListWorkflowsQuery) -> list[WorkflowView]:
    """The newest first."""
    await read.wait_for(query.min_position)
    select = sa.select(workflows_table).order_by(_w.started_at.desc(), _w.id).limit(query.limit)
    return [_view(row) for row in await read.all(select)]


async def get_workflow(read: ReadModels, query: GetWorkflowQuery) -> WorkflowView:
    await read.wait_for(query.min_position)
    row = await read.one(sa.select(workflows_table).where(_w.id == query.workflow_id))
    if row is None:
        raise NotFound(f"no workflow with id {query.workflow_id}")
    return _view(row)
