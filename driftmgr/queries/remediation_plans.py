"""GetRemediationPlanQuery: a proposed plan with its actions and dry-run preview."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.remediation_plan import RemediationAction
from driftmgr.errors import NotFound
from driftmgr.projections.remediation_plans import remediation_plans_table
from driftmgr.queries.base import ReadModels

__all__ = ["GetRemediationPlanQuery", "RemediationPlanView", "get_remediation_plan"]


class GetRemediationPlanQuery(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: UUID
    min_position: int | None = None


class RemediationPlanView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    drift_run_id: UUID
    status: str
    actions: list[RemediationAction]
    preview: list[str]
    planned_at: datetime
    planned_by: str


async def get_remediation_plan(
    read: ReadModels, query: GetRemediationPlanQuery
) -> RemediationPlanView:
    await read.wait_for(query.min_position)
    plans = remediation_plans_table.c
    row = await read.one(sa.select(remediation_plans_table).where(plans.id == query.plan_id))
    if row is None:
        raise NotFound(f"no remediation plan with id {query.plan_id}")
    return RemediationPlanView(
        id=row.id,
        drift_run_id=row.drift_run_id,
        status=row.status,
        actions=msgspec.convert(row.actions, list[RemediationAction]),
        preview=row.preview,
        planned_at=row.planned_at,
        planned_by=row.planned_by,
    )
