"""GetRemediationPlanQuery and ListRemediationPlansQuery: plans as reviewers read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.errors import NotFound
from driftmgr.projections.remediation_plans import plan_events_table, plans_table
from driftmgr.queries.base import ReadModels

__all__ = [
    "GetRemediationPlanQuery",
    "ListRemediationPlansQuery",
    "PlanEvent",
    "RemediationPlanSummary",
    "RemediationPlanView",
    "get_remediation_plan",
    "list_remediation_plans",
]


class GetRemediationPlanQuery(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    min_position: int | None = None


class ListRemediationPlansQuery(msgspec.Struct, frozen=True, kw_only=True):
    drift_run_id: UUID | None = None
    status: str | None = None
    limit: int = 50
    min_position: int | None = None


class PlanEvent(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    at: datetime
    actor: str
    event: str
    summary: str


class RemediationPlanSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    drift_run_id: UUID
    status: str
    requires_approval: bool
    planned_at: datetime
    planned_by: str
    decided_by: str | None
    action_count: int


class RemediationPlanView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    drift_run_id: UUID
    status: str
    requires_approval: bool
    planned_at: datetime
    planned_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    run_id: UUID | None
    run_error: str | None
    actions: list[dict[str, Any]]
    """Per action: strategy, finding, target, redacted changes, steps (the preview), code,
    and once run its ``outcome`` and ``rollback`` (status, calls, before/after, reason)."""
    preview: list[str]
    timeline: list[PlanEvent]


async def get_remediation_plan(
    read: ReadModels, query: GetRemediationPlanQuery
) -> RemediationPlanView:
    await read.wait_for(query.min_position)
    row = await read.one(sa.select(plans_table).where(plans_table.c.id == query.plan_id))
    if row is None:
        raise NotFound(f"no remediation plan with id {query.plan_id}")
    events = plan_events_table.c
    timeline = await read.all(
        sa.select(plan_events_table)
        .where(events.plan_id == query.plan_id)
        .order_by(events.position)
    )
    preview = [_preview(a) for a in row.actions]
    return RemediationPlanView(
        id=row.id,
        drift_run_id=row.drift_run_id,
        status=row.status,
        requires_approval=row.requires_approval,
        planned_at=row.planned_at,
        planned_by=row.planned_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        run_id=row.run_id,
        run_error=row.run_error,
        actions=row.actions,
        preview=preview,
        timeline=[
            PlanEvent(position=e.position, at=e.at, actor=e.actor, event=e.event, summary=e.summary)
            for e in timeline
        ],
    )


async def list_remediation_plans(
    read: ReadModels, query: ListRemediationPlansQuery
) -> list[RemediationPlanSummary]:
    await read.wait_for(query.min_position)
    plans = plans_table.c
    select = sa.select(plans_table).order_by(plans.planned_at.desc()).limit(query.limit)
    if query.drift_run_id is not None:
        select = select.where(plans.drift_run_id == query.drift_run_id)
    if query.status is not None:
        select = select.where(plans.status == query.status)
    return [
        RemediationPlanSummary(
            id=r.id,
            drift_run_id=r.drift_run_id,
            status=r.status,
            requires_approval=r.requires_approval,
            planned_at=r.planned_at,
            planned_by=r.planned_by,
            decided_by=r.decided_by,
            action_count=len(r.actions),
        )
        for r in await read.all(select)
    ]


def _preview(action: dict[str, Any]) -> str:
    target = action["target"]
    name = action["address"] or f"{target['type']} {target['id']}"
    steps = "".join(f"\n      {step}" for step in action["steps"])
    return f"[{action['index']}] {action['strategy']} {name}{steps}"
