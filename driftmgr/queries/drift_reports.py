"""GetDriftRunQuery, ListDriftRunsQuery, GetDriftReportQuery and GetFindingsQuery: drift runs'
progress, and their reports, whole or a filtered page of findings at a time."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.drift.accounts import account_of
from driftmgr.domain.drift.report import (
    SCHEMA_VERSION,
    DriftItem,
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
    "FACETS",
    "DriftRunView",
    "Finding",
    "FindingsPage",
    "GetDriftReportQuery",
    "GetDriftRunQuery",
    "GetFindingsQuery",
    "ListDriftRunsQuery",
    "get_drift_report",
    "get_drift_run",
    "get_findings",
    "list_drift_runs",
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


class ListDriftRunsQuery(msgspec.Struct, frozen=True, kw_only=True):
    status: RunStatus | None = None
    limit: int = 50
    offset: int = 0
    min_position: int | None = None


FACETS = ("kind", "severity", "type", "provider", "account", "region")
"""The dimensions findings are filtered and counted by."""


class GetFindingsQuery(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a report's findings. Each dimension of :data:`FACETS` keeps the findings
    whose value is one of those given (none given: no filter); ``q`` keeps those whose
    address, id or type contains it, ignoring case."""

    run_id: UUID
    kind: frozenset[str] = frozenset()
    severity: frozenset[str] = frozenset()
    type: frozenset[str] = frozenset()
    provider: frozenset[str] = frozenset()
    account: frozenset[str] = frozenset()
    region: frozenset[str] = frozenset()
    q: str | None = None
    limit: int = 100
    offset: int = 0
    min_position: int | None = None


class Finding(DriftItem, frozen=True, kw_only=True):
    """A report's finding (its ``DriftItem``, every field), with where it stands in the
    report and the account its ids name."""

    index: int
    """Its position in the whole report's ``drifts``: stable whatever the filters."""
    account: str | None
    """The AWS account, Azure subscription or GCP project its ids name; None if they name
    none (driftmgr.domain.drift.accounts)."""


class FindingsPage(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID
    status: RunStatus
    total: int
    """Findings that match the filters (all pages)."""
    offset: int
    limit: int
    items: list[Finding]
    facets: dict[str, dict[str, int]]
    """For each of kind, severity, type, provider, account and region: how many of the
    report's findings (all of them, unfiltered) have each value. Findings without a region
    or an account are not counted under those two."""


def _contract_status(status: str) -> RunStatus:
    # A run waiting to retry is still in progress as far as a reader is concerned.
    return "running" if status == "retrying" else msgspec.convert(status, RunStatus)


async def _row(read: ReadModels, run_id: UUID) -> Any:
    row = await read.one(sa.select(drift_runs_table).where(drift_runs_table.c.id == run_id))
    if row is None:
        raise NotFound(f"no drift run with id {run_id}")
    return row


def _view(row: Any, summary: Any) -> DriftRunView:
    """``summary``: the report's summary as stored (the row is read without its body)."""
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
        summary=msgspec.convert(summary, DriftSummary) if summary is not None else None,
        error=row.error,
    )


# Every column but the report's body; of the body, its summary only (SQLAlchemy's JSON
# index: json_extract on SQLite, -> on PostgreSQL), so that a page of runs never loads
# their findings.
_LISTED = [c for c in drift_runs_table.c if c.name != "body"]
_SUMMARY = drift_runs_table.c.body["summary"].label("summary")


async def _run(read: ReadModels, run_id: UUID) -> DriftRunView:
    row = await read.one(sa.select(*_LISTED, _SUMMARY).where(drift_runs_table.c.id == run_id))
    if row is None:
        raise NotFound(f"no drift run with id {run_id}")
    return _view(row, row.summary)


async def get_drift_run(read: ReadModels, query: GetDriftRunQuery) -> DriftRunView:
    await read.wait_for(query.min_position)
    view = await _run(read, query.run_id)
    if view.finished or query.wait_until_finished <= 0:
        return view

    async def finished() -> DriftRunView | None:
        candidate = await _run(read, query.run_id)
        return candidate if candidate.finished else None

    return await read.wait_until(finished, query.wait_until_finished) or await _run(
        read, query.run_id
    )


async def list_drift_runs(read: ReadModels, query: ListDriftRunsQuery) -> list[DriftRunView]:
    """Newest first (``requested_at``)."""
    await read.wait_for(query.min_position)
    c = drift_runs_table.c
    select = sa.select(*_LISTED, _SUMMARY).order_by(c.requested_at.desc(), c.id.desc())
    if query.status is not None:
        stored = ["running", "retrying"] if query.status == "running" else [query.status]
        select = select.where(c.status.in_(stored))
    select = select.limit(query.limit).offset(query.offset)
    return [_view(row, row.summary) for row in await read.all(select)]


def _facet_values(drift: dict[str, Any]) -> dict[str, Any]:
    cloud = drift.get("cloud") or {}
    account = account_of((drift.get("id"), cloud.get("id"), drift.get("import_id")))
    return {
        "kind": drift.get("kind"),
        "severity": drift.get("severity"),
        "type": drift.get("type"),
        "provider": drift.get("provider"),
        "account": account,
        "region": drift.get("region"),
    }


def _matcher(query: GetFindingsQuery) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    wanted = [(name, getattr(query, name)) for name in FACETS if getattr(query, name)]
    needle = query.q.casefold() if query.q else None

    def matches(drift: dict[str, Any], values: dict[str, Any]) -> bool:
        if any(values[name] not in allowed for name, allowed in wanted):
            return False
        if needle is None:
            return True
        texts: Iterable[Any] = (drift.get("address"), drift.get("id"), drift.get("type"))
        return any(isinstance(t, str) and needle in t.casefold() for t in texts)

    return matches


class _Indexed(msgspec.Struct, frozen=True):
    """A report's findings with each one's facet values, and the facet counts."""

    drifts: list[dict[str, Any]]
    values: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]


def _index(drifts: list[dict[str, Any]]) -> _Indexed:
    facets: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    values = [_facet_values(drift) for drift in drifts]
    for found in values:
        for name, value in found.items():
            if value is not None:
                facets[name][value] += 1
    return _Indexed(
        drifts, values, {name: dict(sorted(counts.items())) for name, counts in facets.items()}
    )


#: Reports by their content's sha256: a completed report never changes, and paging through
#: one (or filtering it) would otherwise decode the whole report for every page.
_INDEXED: OrderedDict[str, _Indexed] = OrderedDict()
_INDEXED_MAX = 8


async def _indexed(read: ReadModels, run_id: UUID) -> tuple[Any, _Indexed]:
    c = drift_runs_table.c
    row = await read.one(sa.select(c.id, c.status, c.report_sha256).where(c.id == run_id))
    if row is None:
        raise NotFound(f"no drift run with id {run_id}")
    cached = _INDEXED.get(row.report_sha256) if row.report_sha256 else None
    if cached is not None:
        return row, cached
    body = await read.one(sa.select(c.body).where(c.id == run_id))
    indexed = _index(((body.body if body else None) or {}).get("drifts", []))
    if row.report_sha256:
        _INDEXED[row.report_sha256] = indexed
        while len(_INDEXED) > _INDEXED_MAX:
            _INDEXED.popitem(last=False)
    return row, indexed


async def get_findings(read: ReadModels, query: GetFindingsQuery) -> FindingsPage:
    """Filtered on the server, so that a browser showing a report of 10,000 findings
    receives one page and the counts to filter by, not the whole report. The report is
    read as stored (already redacted) and only the page is converted to typed findings."""
    await read.wait_for(query.min_position)
    row, indexed = await _indexed(read, query.run_id)
    matches = _matcher(query)
    selected = [
        index
        for index, (drift, values) in enumerate(zip(indexed.drifts, indexed.values, strict=True))
        if matches(drift, values)
    ]
    page = selected[query.offset : query.offset + query.limit]
    return FindingsPage(
        run_id=row.id,
        status=_contract_status(row.status),
        total=len(selected),
        offset=query.offset,
        limit=query.limit,
        items=[
            msgspec.convert(
                {**indexed.drifts[i], "index": i, "account": indexed.values[i]["account"]},
                Finding,
            )
            for i in page
        ],
        facets=indexed.facets,
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
