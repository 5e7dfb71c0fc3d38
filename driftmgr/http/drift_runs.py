"""Drift runs: start one, follow it, read its report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from driftmgr.commands.drift import DetectDrift, detect_drift
from driftmgr.commands.results import Accepted
from driftmgr.commands.runs import CancelRun, cancel_run
from driftmgr.domain.drift.report import DriftReport
from driftmgr.http.context import cause_of, read_models_of, services_of
from driftmgr.http.limits import (
    AsOf,
    Position,
    Wait,
    blocking_pool_of,
    refuse_control_characters,
)
from driftmgr.queries.drift_reports import (
    DriftRunView,
    GetDriftReportQuery,
    GetDriftRunQuery,
    get_drift_report,
    get_drift_run,
)

__all__ = ["DriftRunsController"]


class DriftRunsController(Controller):
    path = "/api/v1/drift-runs"
    tags = ["drift"]

    @post(
        permission="command",
        status_code=202,
        summary="Compare states with a cloud (DetectDrift); 503 while the server reads many states",
        refusals=(404, 502, 503),
    )
    async def detect(
        self, data: JSONBody[DetectDrift], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        refuse_control_characters("account_roles", data.account_roles)
        refuse_control_characters("regions", data.regions)
        # It may read the states it names, which blocks: on the bounded pool.
        backend, cause = services_of(state).backend, cause_of(request)
        return await blocking_pool_of(state).run(detect_drift, backend, data, cause)

    @post(
        "/{run_id:uuid}/cancel",
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Cancel the run: at once if it waits, at its next step if it runs",
    )
    def cancel(
        self, run_id: FromPath[UUID], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        command = CancelRun(run_id=run_id)
        return cancel_run(services_of(state).backend, command, cause_of(request))

    @get("/{run_id:uuid}", permission="read", summary="Status of a drift run (GetDriftRunQuery)")
    async def run(
        self,
        run_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        wait: Wait = 0.0,
        as_of: AsOf = None,
    ) -> DriftRunView:
        """``as_of``: as it was at a log position or ISO-8601 time (read models replayed)."""
        query = GetDriftRunQuery(run_id=run_id, min_position=min_position, wait_until_finished=wait)
        async with read_models_of(state, as_of) as read:
            return await get_drift_run(read, query)

    @get(
        "/{run_id:uuid}/report",
        permission="read",
        summary="The drift report, contract v1 (GetDriftReportQuery)",
    )
    async def report(
        self,
        run_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> DriftReport:
        query = GetDriftReportQuery(run_id=run_id, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return await get_drift_report(read, query)
