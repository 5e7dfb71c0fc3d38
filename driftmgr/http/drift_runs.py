"""Drift runs: start one, follow it, list them, read its report whole or a page of its
findings at a time."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from driftmgr.commands.drift import DetectDrift, detect_drift
from driftmgr.commands.results import Accepted
from driftmgr.commands.runs import CancelRun, cancel_run
from driftmgr.domain.drift.report import DriftReport, RunStatus
from driftmgr.http.context import cause_of, read_models_of, services_of
from driftmgr.http.limits import (
    AsOf,
    Offset,
    Position,
    Wait,
    blocking_pool_of,
    refuse_control_characters,
)
from driftmgr.queries.drift_reports import (
    DriftRunView,
    FindingsPage,
    GetDriftReportQuery,
    GetDriftRunQuery,
    GetFindingsQuery,
    ListDriftRunsQuery,
    get_drift_report,
    get_drift_run,
    get_findings,
    list_drift_runs,
)

__all__ = ["DriftRunsController"]

MAX_LIMIT = 1000
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
Values = Annotated[
    str | None, QueryParameter(description="One value, or several separated by commas")
]


def _values(text: str | None) -> frozenset[str]:
    """``a,b`` → {a, b}; empty entries are dropped."""
    if not text:
        return frozenset()
    return frozenset(value.strip() for value in text.split(",") if value.strip())


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

    @get(permission="read", summary="Drift runs, newest first (ListDriftRunsQuery)")
    async def list_runs(
        self,
        state: State,
        status: FromQuery[RunStatus | None] = None,
        limit: PageLimit = 50,
        offset: Offset = 0,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> list[DriftRunView]:
        """Each with its report's summary, not its findings (``/{run_id}/findings``)."""
        query = ListDriftRunsQuery(
            status=status, limit=limit, offset=offset, min_position=min_position
        )
        async with read_models_of(state, as_of) as read:
            return await list_drift_runs(read, query)

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

    @get(
        "/{run_id:uuid}/findings",
        permission="read",
        summary="A page of the report's findings, filtered, with counts to filter by "
        "(GetFindingsQuery)",
    )
    async def findings(
        self,
        run_id: FromPath[UUID],
        state: State,
        kind: Values = None,
        severity: Values = None,
        type: Values = None,
        provider: Values = None,
        account: Values = None,
        region: Values = None,
        q: Annotated[
            str | None,
            QueryParameter(description="Address, id or type contains this, ignoring case"),
        ] = None,
        limit: PageLimit = 100,
        offset: Offset = 0,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> FindingsPage:
        """Filters are exact values, several separated by commas; ``facets`` count the whole
        report's findings, unfiltered; ``index`` is a finding's place in the report."""
        query = GetFindingsQuery(
            run_id=run_id,
            kind=_values(kind),
            severity=_values(severity),
            type=_values(type),
            provider=_values(provider),
            account=_values(account),
            region=_values(region),
            q=q or None,
            limit=limit,
            offset=offset,
            min_position=min_position,
        )
        async with read_models_of(state, as_of) as read:
            return await get_findings(read, query)
