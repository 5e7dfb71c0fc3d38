"""State files: import one, read one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.results import Accepted
from driftmgr.commands.state import ImportState, import_state
from driftmgr.http.context import cause_of, services_of
from driftmgr.queries.state_files import GetStateFileQuery, StateFileView, get_state_file

__all__ = ["StatesController"]


class StatesController(Controller):
    path = "/api/v1/states"
    tags = ["states"]

    @post(status_code=202, sync_to_thread=True, summary="Import a Terraform state (ImportState)")
    def import_state(
        self, data: JSONBody[ImportState], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        return import_state(services_of(state).backend, data, cause_of(request))

    @get("/{state_id:uuid}", summary="A state file and its versions (GetStateFileQuery)")
    async def get_state(
        self, state_id: FromPath[UUID], state: State, min_position: FromQuery[int | None] = None
    ) -> StateFileView:
        query = GetStateFileQuery(state_id=state_id, min_position=min_position)
        return await get_state_file(services_of(state).read, query)
