"""Remediation plans: propose one for a drift run, read it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.remediation import StartRemediation, start_remediation
from driftmgr.commands.results import Accepted
from driftmgr.http.context import cause_of, services_of
from driftmgr.queries.remediation_plans import (
    GetRemediationPlanQuery,
    RemediationPlanView,
    get_remediation_plan,
)

__all__ = ["RemediationController"]


class RemediationController(Controller):
    path = "/api/v1/remediation-plans"
    tags = ["remediation"]

    @post(
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Plan a remediation (StartRemediation)",
    )
    def plan(
        self, data: JSONBody[StartRemediation], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        return start_remediation(services_of(state).backend, data, cause_of(request))

    @get(
        "/{plan_id:uuid}", permission="read", summary="A remediation plan (GetRemediationPlanQuery)"
    )
    async def get_plan(
        self, plan_id: FromPath[UUID], state: State, min_position: FromQuery[int | None] = None
    ) -> RemediationPlanView:
        query = GetRemediationPlanQuery(plan_id=plan_id, min_position=min_position)
        return await get_remediation_plan(services_of(state).read, query)
