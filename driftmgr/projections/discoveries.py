"""Discovery runs, their per-(type, region) scans, and the inventory cache they leave behind.

The inventory keeps, per (provider, type, region), the resources of the newest successful
scan with the time they were observed, every secret in their attributes hidden
(:mod:`driftmgr.domain.secrets`). A failed scan never empties it: the older rows stay,
with their age, rather than turning into a false "nothing there".
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.resources import LiveResource
from driftmgr.domain.run import Run
from driftmgr.domain.secrets import redact_attributes
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = [
    "DiscoveriesProjection",
    "discovery_runs_table",
    "discovery_scans_table",
    "inventory_table",
]

discovery_runs_table = sa.Table(
    "discovery_runs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("regions", sa.JSON, nullable=False),
    sa.Column("resource_types", sa.JSON, nullable=False),
    sa.Column("account_roles", sa.JSON, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("whole_account", sa.Boolean, nullable=False),
    # True when the run listed the credentials' own account without a tag filter: only such
    # inventories may stand in for listing again (inventory reuse).
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("drift_run_id", sa.Uuid),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("completed_at", UTCDateTime),
    sa.Column("resource_counts", sa.JSON),
    sa.Column("error", sa.Text),
)

discovery_scans_table = sa.Table(
    "discovery_scans",
    metadata,
    sa.Column("discovery_run_id", sa.Uuid, primary_key=True),
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("resource_type", sa.String(100), primary_key=True),
    sa.Column("region", sa.String(40), primary_key=True),
    sa.Column("observed", sa.Boolean, nullable=False),
    sa.Column("resource_count", sa.Integer, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("inventory_sha256", sa.String(64)),
    sa.Column("reason", sa.Text),
    sa.Column("scanned_at", UTCDateTime, nullable=False),
)

# Account columns hold "" for the credentials' own account, when the adapter did not name it.
inventory_table = sa.Table(
    "inventory",
    metadata,
    sa.Column("provider", sa.String(40), primary_key=True),
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("resource_type", sa.String(100), primary_key=True),
    sa.Column("region", sa.String(40), primary_key=True),
    sa.Column("resource_id", sa.String(1024), primary_key=True),
    sa.Column("is_default", sa.Boolean, nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("discovery_run_id", sa.Uuid, nullable=False),
    sa.Column("observed_at", UTCDateTime, nullable=False),
)

_inventory_decoder = msgspec.json.Decoder(list[LiveResource])
#: Resources kept decoded and redacted, oldest inventory out first
#: (:meth:`DiscoveriesProjection._inventory`).
_INVENTORY_CACHE = 20_000
_INSERT_SCAN = discovery_scans_table.insert()
_DELETE_LISTING = inventory_table.delete().where(
    inventory_table.c.provider == sa.bindparam("provider"),
    inventory_table.c.account == sa.bindparam("account"),
    inventory_table.c.resource_type == sa.bindparam("resource_type"),
    inventory_table.c.region == sa.bindparam("region"),
)


class DiscoveriesProjection(Projection):
    name = "discoveries"
    tables = (discovery_runs_table, discovery_scans_table, inventory_table)

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._inventories: dict[str, list[tuple[LiveResource, dict[str, Any]]]] = {}
        self._cached = 0
        """Resources held in ``_inventories``, bounded by :data:`_INVENTORY_CACHE`."""

    def _update_run(self, conn: Connection, event: DriftmgrAggregate.Event, **values: Any) -> None:
        conn.execute(
            discovery_runs_table.update()
            .where(discovery_runs_table.c.id == event.originator_id)
            .values(**values)
        )

    @handles(DiscoveryRun.Requested)
    def requested(self, conn: Connection, event: DiscoveryRun.Requested, position: int) -> None:
        conn.execute(
            discovery_runs_table.insert().values(
                id=event.originator_id,
                provider=event.provider,
                regions=event.regions,
                resource_types=event.resource_types,
                account_roles=getattr(event, "account_roles", None) or [],
                tags=getattr(event, "tags", None) or {},
                whole_account=not (
                    getattr(event, "account_roles", None) or getattr(event, "tags", None)
                ),
                status="requested",
                attempt=0,
                priority=event.priority,
                drift_run_id=event.drift_run_id,
                requested_at=event.timestamp,
                requested_by=event.actor,
                resource_counts={},
            )
        )

    @handles(Run.Started)
    def started(self, conn: Connection, event: Run.Started, position: int) -> None:
        self._update_run(
            conn, event, status="running", attempt=event.attempt, started_at=event.timestamp
        )
        conn.execute(
            discovery_scans_table.delete().where(
                discovery_scans_table.c.discovery_run_id == event.originator_id
            )
        )

    def _inventory(self, digest: str) -> list[tuple[LiveResource, dict[str, Any]]]:
        """An inventory blob's resources with their redacted attributes. Periodic scans of
        unchanged infrastructure store the same blob again (blobs are content-addressed),
        so the decoded, redacted form is kept for the most recent digests: catching up a
        log of repeated scans decodes and redacts each inventory once."""
        found = self._inventories.get(digest)
        if found is None:
            found = [
                # The read model holds no secret: what the API serves from it cannot leak
                # one. Drift runs compare the blob's real values instead.
                (r, redact_attributes(r.type, r.attributes))
                for r in _inventory_decoder.decode(self._blobs.get(digest))
            ]
            while self._inventories and self._cached + len(found) > _INVENTORY_CACHE:
                self._cached -= len(self._inventories.pop(next(iter(self._inventories))))
            if len(found) <= _INVENTORY_CACHE:
                self._inventories[digest] = found
                self._cached += len(found)
        return found

    @handles(DiscoveryRun.ServiceScanned)
    def scanned(self, conn: Connection, event: DiscoveryRun.ServiceScanned, position: int) -> None:
        self._record_scan(conn, event, observed=True, count=event.resource_count)
        resources = self._inventory(event.inventory_sha256)
        account = getattr(event, "account", None) or ""
        conn.execute(
            _DELETE_LISTING,
            {
                "provider": event.provider,
                "account": account,
                "resource_type": event.resource_type,
                "region": event.region,
            },
        )
        if resources:
            conn.execute(
                inventory_table.insert(),
                [
                    {
                        "provider": r.provider,
                        "resource_type": r.type,
                        "region": event.region,
                        "resource_id": r.id,
                        "account": account,
                        "is_default": r.is_default,
                        "attributes": attributes,
                        "discovery_run_id": event.originator_id,
                        "observed_at": event.timestamp,
                    }
                    for r, attributes in resources
                ],
            )

    @handles(DiscoveryRun.ServiceUnobserved)
    def unobserved(
        self, conn: Connection, event: DiscoveryRun.ServiceUnobserved, position: int
    ) -> None:
        self._record_scan(conn, event, observed=False, count=0, reason=event.reason)

    def _record_scan(
        self,
        conn: Connection,
        event: DiscoveryRun.ServiceScanned | DiscoveryRun.ServiceUnobserved,
        *,
        observed: bool,
        count: int,
        reason: str | None = None,
    ) -> None:
        # A prebuilt statement with parameters, not .values(): it compiles once, not per event.
        conn.execute(
            _INSERT_SCAN,
            {
                "discovery_run_id": event.originator_id,
                "account": getattr(event, "account", None) or "",
                "resource_type": event.resource_type,
                "region": event.region,
                "observed": observed,
                "resource_count": count,
                "duration_ms": event.duration_ms,
                "inventory_sha256": getattr(event, "inventory_sha256", None),
                "reason": reason,
                "scanned_at": event.timestamp,
            },
        )

    @handles(DiscoveryRun.Completed)
    def completed(self, conn: Connection, event: DiscoveryRun.Completed, position: int) -> None:
        self._update_run(
            conn,
            event,
            status="completed",
            completed_at=event.timestamp,
            resource_counts=event.resource_counts,
        )

    @handles(Run.Cancelled)
    def cancelled(self, conn: Connection, event: Run.Cancelled, position: int) -> None:
        self._update_run(conn, event, status="cancelled", completed_at=event.timestamp)

    @handles(Run.Failed)
    def failed(self, conn: Connection, event: Run.Failed, position: int) -> None:
        status = "retrying" if event.retry_at is not None else "failed"
        self._update_run(conn, event, status=status, error=event.error)

    @handles(Run.Requeued)
    def requeued(self, conn: Connection, event: Run.Requeued, position: int) -> None:
        self._update_run(conn, event, status="retrying")
