"""DiscoveryRun: one inventory of a cloud account, listed type by type and region by region."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate
from driftmgr.domain.run import Run

__all__ = ["DiscoveryRun", "InvalidDiscoveryRequest"]


class InvalidDiscoveryRequest(DomainError):
    """The request names nothing to list."""


class DiscoveryRun(Run):
    class Requested(DriftmgrAggregate.Created):
        provider: str
        regions: list[str]
        resource_types: list[str]
        priority: int
        drift_run_id: UUID | None
        account_roles: list[str] | None
        tags: dict[str, str] | None

    class ServiceScanned(DriftmgrAggregate.Event):
        provider: str
        region: str
        resource_type: str
        resource_count: int
        inventory_sha256: str
        duration_ms: int
        account: str | None

    class ServiceUnobserved(DriftmgrAggregate.Event):
        provider: str
        region: str
        resource_type: str
        reason: str
        duration_ms: int
        account: str | None

    class Completed(DriftmgrAggregate.Event):
        resource_counts: dict[str, int]
        unobserved_count: int

    @classmethod
    def request(
        cls,
        *,
        provider: str,
        regions: list[str],
        resource_types: list[str],
        cause: Cause,
        priority: int = 0,
        drift_run_id: UUID | None = None,
        account_roles: list[str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> DiscoveryRun:
        """An empty ``regions`` list means every region enabled in the account."""
        if not resource_types:
            raise InvalidDiscoveryRequest("name at least one resource type to discover")
        return cls(
            provider=provider,
            regions=sorted(set(regions)),
            resource_types=sorted(set(resource_types)),
            priority=priority,
            drift_run_id=drift_run_id,
            account_roles=sorted(set(account_roles or [])),
            tags=dict(tags or {}),
            **cause.fields(),
        )

    @event(Requested)
    def __init__(
        self,
        provider: str,
        regions: list[str],
        resource_types: list[str],
        priority: int,
        drift_run_id: UUID | None,
        actor: str,
        correlation_id: UUID,
        account_roles: list[str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.regions = regions
        self.resource_types = resource_types
        self._init_run(priority, actor, correlation_id)
        self.drift_run_id = drift_run_id
        self.account_roles = account_roles or []
        self.tags = tags or {}
        """Only resources carrying these tags are listed (types without tags are not)."""
        """Roles assumed to reach more accounts (none: the credentials' own account)."""
        self.scans: dict[tuple[str | None, str, str], str | None] = {}
        """(account, type, region) → inventory blob sha256, or None when unobserved."""
        self.unobserved: dict[tuple[str | None, str, str], str] = {}
        self.resource_counts: dict[str, int] = {}

    def on_started(self) -> None:
        # A new attempt lists everything again.
        self.scans = {}
        self.unobserved = {}
        self.resource_counts = {}

    def record_scan(
        self,
        *,
        resource_type: str,
        region: str,
        resource_count: int,
        inventory_sha256: str,
        duration_ms: int,
        cause: Cause,
        account: str | None = None,
    ) -> None:
        self.check_is_running()
        self._service_scanned(
            provider=self.provider,
            region=region,
            resource_type=resource_type,
            resource_count=resource_count,
            inventory_sha256=inventory_sha256,
            duration_ms=duration_ms,
            account=account,
            **cause.fields(),
        )

    @event(ServiceScanned)
    def _service_scanned(
        self,
        provider: str,
        region: str,
        resource_type: str,
        resource_count: int,
        inventory_sha256: str,
        duration_ms: int,
        actor: str,
        correlation_id: UUID,
        account: str | None = None,
    ) -> None:
        self.scans[(account, resource_type, region)] = inventory_sha256
        self.resource_counts[resource_type] = (
            self.resource_counts.get(resource_type, 0) + resource_count
        )

    def record_unobserved(
        self,
        *,
        resource_type: str,
        region: str,
        reason: str,
        duration_ms: int,
        cause: Cause,
        account: str | None = None,
    ) -> None:
        self.check_is_running()
        self._service_unobserved(
            provider=self.provider,
            region=region,
            resource_type=resource_type,
            reason=reason,
            duration_ms=duration_ms,
            account=account,
            **cause.fields(),
        )

    @event(ServiceUnobserved)
    def _service_unobserved(
        self,
        provider: str,
        region: str,
        resource_type: str,
        reason: str,
        duration_ms: int,
        actor: str,
        correlation_id: UUID,
        account: str | None = None,
    ) -> None:
        self.scans[(account, resource_type, region)] = None
        self.unobserved[(account, resource_type, region)] = reason

    def complete(self, cause: Cause) -> None:
        self.check_is_running()
        self._completed(
            resource_counts=dict(sorted(self.resource_counts.items())),
            unobserved_count=len(self.unobserved),
            **cause.fields(),
        )

    @event(Completed)
    def _completed(
        self,
        resource_counts: dict[str, int],
        unobserved_count: int,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.status = "completed"
