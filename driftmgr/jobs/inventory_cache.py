"""The inventory cache seen from a job: recent successful scans, reusable instead of listing.

Reads the discoveries read model (which scans exist, and when they were made) and the blob
store (what they saw). A failed scan is never in the cache: only observed listings count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec
import sqlalchemy as sa

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.domain.drift_run import ReusedScan
from driftmgr.domain.resources import LiveResource, ScanOutcome
from driftmgr.projections.discoveries import discovery_runs_table, discovery_scans_table

__all__ = ["fresh_scans", "outcome_of"]

_decoder = msgspec.json.Decoder(list[LiveResource])


def fresh_scans(
    views: sa.Engine, provider: str, pairs: Iterable[tuple[str, str]], since: datetime
) -> dict[tuple[str, str], ReusedScan]:
    """The newest observed scan of each (type, region) made at or after ``since``, by a
    discovery of the credentials' own whole account (no other accounts, no tag filter)."""
    wanted = set(pairs)
    scans, runs = discovery_scans_table.c, discovery_runs_table.c
    query = (
        sa.select(
            scans.resource_type,
            scans.region,
            scans.discovery_run_id,
            scans.inventory_sha256,
            scans.scanned_at,
        )
        .join(discovery_runs_table, runs.id == scans.discovery_run_id)
        .where(
            runs.provider == provider,
            runs.whole_account.is_(True),
            scans.observed.is_(True),
            scans.scanned_at >= since,
            scans.resource_type.in_({t for t, _ in wanted}),
        )
        .order_by(scans.scanned_at)
    )
    found: dict[tuple[str, str], ReusedScan] = {}
    with views.connect() as conn:
        for row in conn.execute(query):
            key = (row.resource_type, row.region)
            if key in wanted and row.inventory_sha256:
                found[key] = ReusedScan(  # later rows overwrite earlier: the newest wins
                    resource_type=row.resource_type,
                    region=row.region,
                    discovery_run_id=row.discovery_run_id,
                    inventory_sha256=row.inventory_sha256,
                    scanned_at=row.scanned_at,
                )
    return found


def outcome_of(blobs: BlobStore, provider: str, scan: ReusedScan) -> ScanOutcome:
    return ScanOutcome(
        provider=provider,
        type=scan.resource_type,
        region=scan.region,
        resources=_decoder.decode(blobs.get(scan.inventory_sha256)),
    )
