"""Workflows: start one from a parsed definition, list them, show one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.results import Accepted
from driftmgr.commands.workflows import StartWorkflow, start_workflow
from driftmgr.http.context import cause_of, services_of
from driftmgr.http.limits import Position, refuse_control_characters
from driftmgr.queries.workflows import (
    GetWorkflowQuery,
    ListWorkflowsQuery,
    WorkflowView,
    get_workflow,
    list_workflows,
)

__all__ = ["WorkflowsController"]


class WorkflowsController(Controller):
    path = "/api/v1/workflows"
    tags = ["drift"]

    @post(
        permission="command",
        status_code=202,
        summary="Start a workflow: detect drift, plan, wait for approval, apply (StartWorkflow)",
    )
    async def start(
        self, data: JSONBody[StartWorkflow], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        scope = data.definition.scope
        refuse_control_characters("account_roles", scope.account_roles)
        refuse_control_characters("regions", scope.regions)
        refuse_control_characters("name", [data.definition.name])
        backend, cause = services_of(state).backend, cause_of(request)
        return await anyio.to_thread.run_sync(start_workflow, backend, data, cause)

    @get(permission="read", summary="Workflows, newest first (ListWorkflowsQuery)")
    async def list_workflows(
        self, state: State, limit: FromQuery[int] = 100, min_position: Position = None
    ) -> list[WorkflowView]:
        query = ListWorkflowsQuery(min_position=min_position, limit=max(1, min(limit, 1000)))
        return await list_workflows(services_of(state).read, query)

    @get(
        "/{workflow_id:uuid}",
        permission="read",
        summary="One workflow and each step's outcome (GetWorkflowQuery)",
    )
    async def get_workflow(
        self, workflow_id: FromPath[UUID], state: State, min_position: Position = None
    ) -> WorkflowView:
        query = GetWorkflowQuery(workflow_id=workflow_id, min_position=min_position)
        return await get_workflow(services_of(state).read, query)
