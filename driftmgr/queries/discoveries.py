"""GetDiscoveryStatusQuery and GetCachedResourcesQuery: progress of an inventory, and the
inventory cache with its age."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.drift.scope import is_global_type
from driftmgr.errors import NotFound
from driftmgr.projections.discoveries import (
    discovery_runs_table,
    discovery_scans_table,
    inventory_table,
)
from driftmgr.queries.base import ReadModels

__all__ = [
    "CachedResource",
    "CachedResources",
    "DiscoveryStatus",
    "GetCachedResourcesQuery",
    "GetDiscoveryStatusQuery",
    "ScanView",
    "get_cached_resources",
    "get_discovery_status",
]

_FINISHED = frozenset({"completed", "failed", "cancelled"})


class GetDiscoveryStatusQuery(msgspec.Struct, frozen=True, kw_only=True):
    discovery_id: UUID
    min_position: int | None = None
    wait_until_finished: float = 0.0
    after_scans: int | None = None
    """With a wait: answer as soon as more than this many scans are done (progress)."""


class ScanView(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    region: str
    account: str | None
    observed: bool
    resource_count: int
    duration_ms: int
    reason: str | None


class UnobservedScan(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    region: str
    reason: str
    account: str | None = None


class DiscoveryStatus(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: str
    provider: str
    regions: list[str]
    resource_types: list[str]
    attempt: int
    requested_at: datetime
    requested_by: str
    started_at: datetime | None
    completed_at: datetime | None
    resource_counts: dict[str, int]
    unobserved: list[UnobservedScan]
    scans: list[ScanView]
    expected_scans: int
    """How many (type, region) listings the run makes (global types once), 0 if unknown."""
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED


def _expected_scans(types: list[str], regions: list[str], roles: list[str]) -> int:
    """Listings a run makes: each global type once, each other type once per region, all
    per account. 0 when the regions are not known up front (every enabled region)."""
    if not regions and any(not is_global_type(t) for t in types):
        return 0
    per_account = sum(1 if is_global_type(t) else len(regions) for t in types)
    return per_account * max(1, len(roles))


async def _status(read: ReadModels, discovery_id: UUID) -> DiscoveryStatus:
    runs, scans = discovery_runs_table.c, discovery_scans_table.c
    row = await read.one(sa.select(discovery_runs_table).where(runs.id == discovery_id))
    if row is None:
        raise NotFound(f"no discovery with id {discovery_id}")
    scan_rows = await read.all(
        sa.select(discovery_scans_table)
        .where(scans.discovery_run_id == discovery_id)
        .order_by(scans.resource_type, scans.region, scans.account)
    )
    counts: dict[str, int] = {}
    for scan in scan_rows:
        if scan.observed:  # a listing that failed counted nothing: no 0 that reads as "none"
            counts[scan.resource_type] = counts.get(scan.resource_type, 0) + scan.resource_count
    return DiscoveryStatus(
        id=row.id,
        status="running" if row.status == "retrying" else row.status,
        provider=row.provider,
        regions=row.regions,
        resource_types=row.resource_types,
        attempt=row.attempt,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        started_at=row.started_at,
        completed_at=row.completed_at,
        resource_counts=counts,
        expected_scans=_expected_scans(row.resource_types, row.regions, row.account_roles),
        unobserved=[
            UnobservedScan(
                type=s.resource_type,
                region=s.region,
                reason=s.reason or "",
                account=s.account or None,
            )
            for s in scan_rows
            if not s.observed
        ],
        scans=[
            ScanView(
                type=s.resource_type,
                region=s.region,
                account=s.account or None,
                observed=s.observed,
                resource_count=s.resource_count,
                duration_ms=s.duration_ms,
                reason=s.reason,
            )
            for s in scan_rows
        ],
        error=row.error,
    )


async def get_discovery_status(read: ReadModels, query: GetDiscoveryStatusQuery) -> DiscoveryStatus:
    await read.wait_for(query.min_position)
    status = await _status(read, query.discovery_id)
    if status.finished or query.wait_until_finished <= 0:
        return status
    after = query.after_scans

    async def finished() -> DiscoveryStatus | None:
        candidate = await _status(read, query.discovery_id)
        progressed = after is not None and len(candidate.scans) > after
        return candidate if candidate.finished or progressed else None

    return await read.wait_until(finished, query.wait_until_finished) or await _status(
        read, query.discovery_id
    )


class GetCachedResourcesQuery(msgspec.Struct, frozen=True, kw_only=True):
    provider: str | None = None
    type: str | None = None
    region: str | None = None
    tags: dict[str, str] = {}
    """Only resources carrying every one of these tags (key → value)."""
    min_position: int | None = None
    limit: int = 1000
    offset: int = 0


class CachedResource(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    type: str
    region: str
    id: str
    account: str | None
    is_default: bool
    attributes: dict[str, Any]
    discovery_id: UUID
    observed_at: datetime
    age_seconds: float


class CachedResources(msgspec.Struct, frozen=True, kw_only=True):
    resources: list[CachedResource]
    total: int


async def get_cached_resources(
    read: ReadModels, query: GetCachedResourcesQuery, now: datetime
) -> CachedResources:
    await read.wait_for(query.min_position)
    inv = inventory_table.c
    conditions = [
        column == value
        for column, value in (
            (inv.provider, query.provider),
            (inv.resource_type, query.type),
            (inv.region, query.region),
        )
        if value is not None
    ]
    conditions += [
        inv.attributes["tags"][key].as_string() == value for key, value in query.tags.items()
    ]
    total_row = await read.one(
        sa.select(sa.func.count()).select_from(inventory_table).where(*conditions)
    )
    rows = await read.all(
        sa.select(inventory_table)
        .where(*conditions)
        .order_by(inv.provider, inv.resource_type, inv.region, inv.resource_id)
        .limit(query.limit)
        .offset(query.offset)
    )
    return CachedResources(
        total=int(total_row[0]) if total_row else 0,
        resources=[
            CachedResource(
                provider=r.provider,
                type=r.resource_type,
                region=r.region,
                id=r.resource_id,
                account=r.account or None,
                is_default=r.is_default,
                attributes=r.attributes,
                discovery_id=r.discovery_run_id,
                observed_at=r.observed_at,
                age_seconds=round((now - r.observed_at).total_seconds(), 3),
            )
            for r in rows
        ],
    )
