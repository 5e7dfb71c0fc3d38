"""The drift job: load the states, take an inventory, compare, store the report."""

from __future__ import annotations

import msgspec

from driftmgr.adapters.providers.base import InventoryProvider
from driftmgr.adapters.terraform.state import parse_state
from driftmgr.commands.backend import Backend
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.ignore import IgnoreRules
from driftmgr.domain.drift.report import DriftScope, ReportBody, ReportSource
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.resources import ScanOutcome, StateResource
from driftmgr.domain.state_file import StateFile
from driftmgr.jobs.discovery import scan_into

__all__ = ["run_drift_detection"]

_encoder = msgspec.json.Encoder()


def _load_states(backend: Backend, run: DriftRun) -> tuple[list[ReportSource], list[StateResource]]:
    sources: list[ReportSource] = []
    resources: list[StateResource] = []
    for state_id in run.state_ids:
        state = backend.app.get(StateFile, state_id)
        version = state.latest
        if version is None:
            continue
        parsed = parse_state(backend.blobs.get(version.content_sha256))
        sources.append(
            ReportSource(
                state_id=state.id, uri=state.source, serial=version.serial, lineage=version.lineage
            )
        )
        resources.extend(parsed.resources)
    return sources, resources


def run_drift_detection(backend: Backend, run: DriftRun, cause: Cause) -> None:
    sources, state_resources = _load_states(backend, run)
    provider = backend.providers.get(run.provider)
    ignore = IgnoreRules.parse(run.ignore, source="ignore rules")
    # Types the rules ignore entirely are not listed at all: no API calls for them.
    types = [
        t
        for t in run.resource_types or sorted(provider.supported_types)
        if not ignore.ignores_whole_type(t)
    ]
    outcomes = _take_inventory(backend, provider, run, types, cause) if types else []
    scope = DriftScope(providers=[run.provider], regions=run.regions, types=run.resource_types)
    findings = detect_drift(state_resources, outcomes, scope, ignore)
    body = ReportBody(sources=sources, scope=scope, summary=findings.summary, drifts=findings.items)
    digest = backend.blobs.put(_encoder.encode(body))
    run.complete(report_sha256=digest, summary=findings.summary, cause=cause)
    backend.app.record(run)


def _take_inventory(
    backend: Backend, provider: InventoryProvider, run: DriftRun, types: list[str], cause: Cause
) -> list[ScanOutcome]:
    """List the cloud as a discovery of its own, so the inventory is recorded and cached."""
    discovery = DiscoveryRun.request(
        provider=run.provider,
        regions=run.regions,
        resource_types=types,
        priority=run.priority,
        drift_run_id=run.id,
        cause=cause,
    )
    discovery.start(worker=f"drift-run:{run.id}", cause=cause)
    run.record_inventory(discovery.id, cause)
    backend.app.record(discovery, run)
    outcomes = scan_into(backend, provider, discovery, cause)
    discovery.complete(cause)
    backend.app.record(discovery)
    return outcomes
