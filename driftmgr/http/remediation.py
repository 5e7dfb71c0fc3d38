"""Remediation plans: create one for a drift run, decide on it, apply it, roll it back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.codegen import GeneratedCode, GenerateImportCode, generate_import_code
from driftmgr.commands.remediation import (
    ApproveRemediation,
    CreateRemediationPlan,
    RejectRemediation,
    RollbackRemediation,
    StartRemediation,
    approve_remediation,
    create_remediation_plan,
    reject_remediation,
    rollback_remediation,
    start_remediation,
)
from driftmgr.commands.results import Accepted
from driftmgr.http.context import cause_of, read_models_of, services_of
from driftmgr.http.limits import AsOf, Limit, Position, Wait
from driftmgr.queries.base import ReadModels
from driftmgr.queries.remediation_plans import (
    GetRemediationPlanQuery,
    ListRemediationPlansQuery,
    RemediationPlanSummary,
    RemediationPlanView,
    get_remediation_plan,
    list_remediation_plans,
)

__all__ = ["RemediationController"]

#: While a plan is in one of these, a job is working on it.
_BUSY = frozenset({"applying", "rolling_back"})


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    reason: str | None = None


class ApplyOptions(msgspec.Struct, frozen=True, kw_only=True):
    continue_on_error: bool = False


class RollbackOptions(msgspec.Struct, frozen=True, kw_only=True):
    acknowledge_irreversible: bool = False


class CodegenOptions(msgspec.Struct, frozen=True, kw_only=True):
    tf_dir: str | None = None


class RemediationController(Controller):
    path = "/api/v1/remediation-plans"
    tags = ["remediation"]

    @post(
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Plan a remediation of a drift run (CreateRemediationPlan); a dry run",
        refusals=(404,),
    )
    def plan(
        self, data: JSONBody[CreateRemediationPlan], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        return create_remediation_plan(services_of(state).backend, data, cause_of(request))

    @post(
        "/{plan_id:uuid}/approve",
        permission="approve",
        status_code=202,
        sync_to_thread=True,
        summary="Approve a plan (ApproveRemediation); not its own requester's",
    )
    def approve(
        self,
        plan_id: FromPath[UUID],
        data: JSONBody[Decision],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        command = ApproveRemediation(plan_id=plan_id, reason=data.reason)
        return approve_remediation(services_of(state).backend, command, cause_of(request))

    @post(
        "/{plan_id:uuid}/reject",
        permission="approve",
        status_code=202,
        sync_to_thread=True,
        summary="Reject a plan, with a reason (RejectRemediation)",
    )
    def reject(
        self,
        plan_id: FromPath[UUID],
        data: JSONBody[Decision],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        command = RejectRemediation(plan_id=plan_id, reason=data.reason or "")
        return reject_remediation(services_of(state).backend, command, cause_of(request))

    @post(
        "/{plan_id:uuid}/apply",
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Apply a plan as a job (StartRemediation); 409 if it awaits approval",
    )
    def apply(
        self,
        plan_id: FromPath[UUID],
        data: JSONBody[ApplyOptions],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        command = StartRemediation(plan_id=plan_id, continue_on_error=data.continue_on_error)
        return start_remediation(services_of(state).backend, command, cause_of(request))

    @post(
        "/{plan_id:uuid}/rollback",
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Roll an applied plan back to its snapshot (RollbackRemediation)",
    )
    def rollback(
        self,
        plan_id: FromPath[UUID],
        data: JSONBody[RollbackOptions],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        command = RollbackRemediation(
            plan_id=plan_id, acknowledge_irreversible=data.acknowledge_irreversible
        )
        return rollback_remediation(services_of(state).backend, command, cause_of(request))

    @post(
        "/codegen/{run_id:uuid}",
        permission="command",
        status_code=200,
        sync_to_thread=True,
        summary="Terraform code importing a drift run's unmanaged objects (GenerateImportCode)",
    )
    def codegen(
        self,
        run_id: FromPath[UUID],
        data: JSONBody[CodegenOptions],
        state: State,
        request: Request[Any, Any, Any],
    ) -> GeneratedCode:
        command = GenerateImportCode(drift_run_id=run_id, tf_dir=data.tf_dir)
        return generate_import_code(services_of(state).backend, command)

    @get(permission="read", summary="Remediation plans, newest first (ListRemediationPlansQuery)")
    async def list_plans(
        self,
        state: State,
        drift_run_id: FromQuery[UUID | None] = None,
        status: FromQuery[str | None] = None,
        limit: Limit = 50,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> list[RemediationPlanSummary]:
        query = ListRemediationPlansQuery(
            drift_run_id=drift_run_id,
            status=status,
            limit=max(1, min(limit, 500)),
            min_position=min_position,
        )
        async with read_models_of(state, as_of) as read:
            return await list_remediation_plans(read, query)

    @get(
        "/{plan_id:uuid}",
        permission="read",
        summary="A plan: actions, preview, decisions, outcomes, timeline (GetRemediationPlanQuery)",
    )
    async def get_plan(
        self,
        plan_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        wait: Wait = 0.0,
        as_of: AsOf = None,
    ) -> RemediationPlanView:
        query = GetRemediationPlanQuery(plan_id=plan_id, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return await self._plan(read, query, wait)

    @staticmethod
    async def _plan(
        read: ReadModels, query: GetRemediationPlanQuery, wait: float
    ) -> RemediationPlanView:
        view = await get_remediation_plan(read, query)
        if view.status not in _BUSY or not wait > 0:
            return view

        async def settled() -> RemediationPlanView | None:
            current = await get_remediation_plan(read, query)
            return None if current.status in _BUSY else current

        return await read.wait_until(settled, wait) or await get_remediation_plan(read, query)
