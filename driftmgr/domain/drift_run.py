"""DriftRun: one comparison of Terraform states against the inventories of their clouds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate
from driftmgr.domain.drift.ignore import IgnoreRules, IgnoreSyntaxError
from driftmgr.domain.drift.report import DriftSummary
from driftmgr.domain.run import Run

__all__ = ["DriftRun", "InvalidDriftRequest", "ReusedScan", "regions_for"]


class InvalidDriftRequest(DomainError):
    """The request cannot be run as given (no state, no region …)."""


def regions_for(regions: list[str], provider: str) -> list[str]:
    """The regions of ``regions`` that ``provider`` lists: ``PROVIDER:REGION`` entries of its
    own and plain entries (which, in a run of several providers, every one of them lists)."""
    found = []
    for region in regions:
        prefix, colon, name = region.rpartition(":")
        if not colon:
            found.append(region)
        elif prefix == provider:
            found.append(name)
    return sorted(set(found))


class ReusedScan(msgspec.Struct, frozen=True, kw_only=True):
    """One (type, region) listing taken from the inventory cache instead of the cloud."""

    resource_type: str
    region: str
    discovery_run_id: UUID
    inventory_sha256: str
    scanned_at: datetime


class DriftRun(Run):
    class Requested(DriftmgrAggregate.Created):
        state_ids: list[UUID]
        provider: str
        """The first provider compared (the only one in runs from before ``providers``)."""
        regions: list[str]
        resource_types: list[str] | None
        priority: int
        ignore: list[str] | None
        max_inventory_age: float | None
        account_roles: list[str] | None
        tags: dict[str, str] | None
        providers: list[str] | None = None
        """Every provider compared, in order (None: just ``provider``)."""

    class InventoryTaken(DriftmgrAggregate.Event):
        discovery_run_id: UUID

    class InventoryReused(DriftmgrAggregate.Event):
        scans: list[ReusedScan]

    class Completed(DriftmgrAggregate.Event):
        report_sha256: str
        summary: DriftSummary

    @classmethod
    def request(
        cls,
        *,
        state_ids: list[UUID],
        provider: str,
        regions: list[str],
        resource_types: list[str] | None,
        cause: Cause,
        priority: int = 0,
        ignore: list[str] | None = None,
        max_inventory_age: float | None = None,
        account_roles: list[str] | None = None,
        tags: dict[str, str] | None = None,
        providers: list[str] | None = None,
    ) -> DriftRun:
        """An empty ``regions`` list means every region enabled in the account(s).
        ``providers``: every provider to compare with, ``provider`` first."""
        if not state_ids:
            raise InvalidDriftRequest("name at least one Terraform state to compare")
        try:
            IgnoreRules.parse(ignore or [], source="ignore rules")
        except IgnoreSyntaxError as e:
            raise InvalidDriftRequest(str(e)) from None
        return cls(
            state_ids=list(dict.fromkeys(state_ids)),
            provider=provider,
            regions=sorted(set(regions)),
            resource_types=sorted(set(resource_types)) if resource_types else None,
            priority=priority,
            ignore=list(ignore or []),
            max_inventory_age=max_inventory_age,
            account_roles=sorted(set(account_roles or [])),
            tags=dict(tags or {}),
            providers=list(dict.fromkeys([provider, *(providers or [])])),
            **cause.fields(),
        )

    @event(Requested)
    def __init__(
        self,
        state_ids: list[UUID],
        provider: str,
        regions: list[str],
        resource_types: list[str] | None,
        priority: int,
        actor: str,
        correlation_id: UUID,
        ignore: list[str] | None = None,
        max_inventory_age: float | None = None,
        account_roles: list[str] | None = None,
        tags: dict[str, str] | None = None,
        providers: list[str] | None = None,
    ) -> None:
        self.state_ids = state_ids
        self.providers = providers or [provider]
        """Every provider compared, in order; each lists its own types."""
        self.tags = tags or {}
        self.account_roles = account_roles or []
        self.max_inventory_age = max_inventory_age
        """Seconds: an inventory scan younger than this may be reused instead of listing."""
        self.ignore = ignore or []
        """``.driftignore`` lines, validated when requested, applied by the job."""
        self.provider = provider
        self.regions = regions
        self.resource_types = resource_types
        self._init_run(priority, actor, correlation_id)
        self.discovery_run_id: UUID | None = None
        self.report_sha256: str | None = None
        self.summary: DriftSummary | None = None
        self.reused_scans: list[ReusedScan] = []

    def record_inventory(self, discovery_run_id: UUID, cause: Cause) -> None:
        self.check_is_running()
        self._inventory_taken(discovery_run_id=discovery_run_id, **cause.fields())

    @event(InventoryTaken)
    def _inventory_taken(self, discovery_run_id: UUID, actor: str, correlation_id: UUID) -> None:
        self.discovery_run_id = discovery_run_id

    def record_reused_inventory(self, scans: list[ReusedScan], cause: Cause) -> None:
        """Record which cached scans stand in for listing again (what was compared)."""
        self.check_is_running()
        if scans:
            self._inventory_reused(scans=scans, **cause.fields())

    @event(InventoryReused)
    def _inventory_reused(self, scans: list[ReusedScan], actor: str, correlation_id: UUID) -> None:
        self.reused_scans = scans

    def complete(self, *, report_sha256: str, summary: DriftSummary, cause: Cause) -> None:
        self.check_is_running()
        self._completed(report_sha256=report_sha256, summary=summary, **cause.fields())

    @event(Completed)
    def _completed(
        self, report_sha256: str, summary: DriftSummary, actor: str, correlation_id: UUID
    ) -> None:
        self.status = "completed"
        self.report_sha256 = report_sha256
        self.summary = summary
