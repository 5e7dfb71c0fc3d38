"""The discovery job: list a provider's resources and record each (type, region) as it lands."""

from __future__ import annotations

import asyncio
import threading

import msgspec

from driftmgr.adapters.providers.base import InventoryProvider
from driftmgr.commands.backend import Backend
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.resources import ScanOutcome
from driftmgr.jobs.stopping import check_handed_back

__all__ = ["run_discovery", "scan_into"]

# Sorted keys: the same inventory always encodes to the same bytes, so an unchanged account
# stores no new blob.
_encoder = msgspec.json.Encoder(order="sorted")


def scan_into(
    backend: Backend,
    provider: InventoryProvider,
    run: DiscoveryRun,
    cause: Cause,
    cancel: threading.Event,
) -> list[ScanOutcome]:
    """Scan everything the run asks for, saving one event per finished (type, region).

    Saving as each scan lands is what lets the CLI and API show live progress, and what
    keeps a crash from losing the scans already done.
    """

    def on_scanned(outcome: ScanOutcome) -> None:
        if outcome.unobserved_reason is None:
            digest = backend.blobs.put(_encoder.encode(outcome.resources))
            run.record_scan(
                resource_type=outcome.type,
                region=outcome.region,
                resource_count=len(outcome.resources),
                inventory_sha256=digest,
                duration_ms=outcome.duration_ms,
                account=outcome.account,
                cause=cause,
            )
        else:
            run.record_unobserved(
                resource_type=outcome.type,
                region=outcome.region,
                reason=outcome.unobserved_reason,
                duration_ms=outcome.duration_ms,
                account=outcome.account,
                cause=cause,
            )
        backend.app.record(run)

    return asyncio.run(
        provider.scan(
            run.regions,
            run.resource_types,
            on_scanned,
            cancel_event=cancel,
            tag_filter=run.tags or None,
        )
    )


def run_discovery(
    backend: Backend, run: DiscoveryRun, cause: Cause, cancel: threading.Event
) -> None:
    provider = backend.providers.get(run.provider, account_roles=run.account_roles)
    scan_into(backend, provider, run, cause, cancel)
    if cancel.is_set():
        check_handed_back(cancel)
        run.confirm_cancelled(cause)
    else:
        run.complete(cause)
    backend.app.record(run)
