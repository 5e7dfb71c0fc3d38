"""Schedules: drift detection repeated every period (add, list, remove)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.results import Accepted
from driftmgr.commands.schedules import (
    AddSchedule,
    RemoveSchedule,
    add_schedule,
    remove_schedule,
)
from driftmgr.http.context import cause_of, services_of
from driftmgr.http.limits import Position, refuse_control_characters
from driftmgr.queries.schedules import ListSchedulesQuery, ScheduleView, list_schedules

__all__ = ["SchedulesController"]


class SchedulesController(Controller):
    path = "/api/v1/schedules"
    tags = ["drift"]

    @post(
        permission="command",
        status_code=202,
        summary="Detect drift every period (AddSchedule); the first run is requested at once",
    )
    async def add(
        self, data: JSONBody[AddSchedule], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        refuse_control_characters("account_roles", data.detect.account_roles)
        refuse_control_characters("regions", data.detect.regions)
        backend, cause = services_of(state).backend, cause_of(request)
        return await anyio.to_thread.run_sync(add_schedule, backend, data, cause)

    @get(permission="read", summary="Schedules, with their last firing (ListSchedulesQuery)")
    async def list_schedules(
        self,
        state: State,
        include_removed: FromQuery[bool] = False,
        min_position: Position = None,
    ) -> list[ScheduleView]:
        query = ListSchedulesQuery(min_position=min_position, include_removed=include_removed)
        return await list_schedules(services_of(state).read, query)

    @post(
        "/{schedule_id:uuid}/remove",
        permission="command",
        status_code=202,
        summary="Remove a schedule: it fires no more (RemoveSchedule)",
    )
    async def remove(
        self, schedule_id: FromPath[UUID], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        backend, cause = services_of(state).backend, cause_of(request)
        command = RemoveSchedule(schedule_id=schedule_id)
        return await anyio.to_thread.run_sync(remove_schedule, backend, command, cause)
