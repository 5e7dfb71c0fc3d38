"""GetDriftRunQuery and GetDriftReportQuery: a drift run's progress, and its report."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.drift.report import (
    SCHEMA_VERSION,
    DriftReport,
    DriftScope,
    DriftSummary,
    ReportBody,
    RunStatus,
)
from driftmgr.errors import NotFound
from driftmgr.projections.drift_reports import drift_runs_table
from driftmgr.queries.base import ReadModels

__all__ = [
    "DriftRunView",
    "GetDriftReportQuery",
    "GetDriftRunQuery",
    "get_drift_report",
    "get_drift_run",
]

_FINISHED = frozenset({"completed", "failed", "cancelled"})


class GetDriftRunQuery(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID
    min_position: int | None = None
    wait_until_finished: float = 0.0
    """Hold the answer up to this many seconds until the run has finished."""


class GetDriftReportQuery(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID
    min_position: int | None = None


class DriftRunView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: RunStatus
    provider: str
    """The first provider compared."""
    providers: list[str] = []
    """Every provider compared (several when the states manage resources of several)."""
    regions: list[str]
    resource_types: list[str] | None
    state_ids: list[UUID]
    attempt: int
    requested_at: datetime
    requested_by: str
    started_at: datetime | None
    completed_at: datetime | None
    discovery_run_id: UUID | None
    summary: DriftSummary | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED


def _contract_status(status: str) -> RunStatus:
    # A run waiting to retry is still in progress as far as a reader is concerned.
    return "running" if status == "retrying" else msgspec.convert(status, RunStatus)


async def _row(read: ReadModels, run_id: UUID) -> Any:
    row = await read.one(sa.select(drift_runs_table).where(drift_runs_table.c.id == run_id))
    if row is None:
        raise NotFound(f"no drift run with id {run_id}")
    return row


def _view(row: Any) -> DriftRunView:
    body = row.body or {}
    return DriftRunView(
        id=row.id,
        status=_contract_status(row.status),
        provider=row.provider,
        providers=row.providers,
        regions=row.regions,
        resource_types=row.resource_types,
        state_ids=[UUID(s) for s in row.state_ids],
        attempt=row.attempt,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        started_at=row.started_at,
        completed_at=row.completed_at,
        discovery_run_id=row.discovery_run_id,
        summary=msgspec.convert(body["summary"], DriftSummary) if "summary" in body else None,
        error=row.error,
    )


async def get_drift_run(read: ReadModels, query: GetDriftRunQuery) -> DriftRunView:
    await read.wait_for(query.min_position)
    view = _view(await _row(read, query.run_id))
    if view.finished or query.wait_until_finished <= 0:
        return view

    async def finished() -> DriftRunView | None:
        candidate = _view(await _row(read, query.run_id))
        return candidate if candidate.finished else None

    return await read.wait_until(finished, query.wait_until_finished) or _view(
        await _row(read, query.run_id)
    )


async def get_drift_report(read: ReadModels, query: GetDriftReportQuery) -> DriftReport:
    await read.wait_for(query.min_position)
    row = await _row(read, query.run_id)
    scope = DriftScope(providers=row.providers, regions=row.regions, types=row.resource_types)
    body = (
        msgspec.convert(row.body, ReportBody)
        if row.body is not None
        else ReportBody(sources=[], scope=scope, summary=DriftSummary(), drifts=[])
    )
    return DriftReport(
        schema_version=SCHEMA_VERSION,
        run_id=row.id,
        status=_contract_status(row.status),
        started_at=row.started_at,
        completed_at=row.completed_at,
        sources=body.sources,
        scope=body.scope,
        summary=body.summary,
        drifts=body.drifts,
        error=row.error,
    )
