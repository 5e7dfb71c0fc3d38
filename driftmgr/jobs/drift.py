"""The drift job: load the states, take an inventory, compare, store the report."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import msgspec

from driftmgr.adapters.providers.base import InventoryProvider, Remediator
from driftmgr.adapters.terraform.state import parse_state
from driftmgr.commands.backend import Backend
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.ignore import IgnoreRules
from driftmgr.domain.drift.report import DriftItem, DriftScope, ReportBody, ReportSource
from driftmgr.domain.drift.scope import is_global_type
from driftmgr.domain.drift_run import DriftRun, ReusedScan, regions_for
from driftmgr.domain.remediation import options_for
from driftmgr.domain.resources import GLOBAL_REGION, ScanOutcome, StateResource
from driftmgr.domain.state_file import StateFile
from driftmgr.jobs.discovery import scan_into
from driftmgr.jobs.inventory_cache import fresh_scans, outcome_of
from driftmgr.jobs.stopping import check_handed_back

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


def run_drift_detection(
    backend: Backend, run: DriftRun, cause: Cause, cancel: threading.Event
) -> None:
    sources, state_resources = _load_states(backend, run)
    # Runs recorded before multi-provider runs (and their snapshots) name one provider.
    names: list[str] = getattr(run, "providers", None) or [run.provider]
    providers = [backend.providers.get(n, account_roles=run.account_roles) for n in names]
    ignore = IgnoreRules.parse(run.ignore, source="ignore rules")
    outcomes: list[ScanOutcome] = []
    reused: list[ReusedScan] = []
    for provider in providers:
        # Types the rules ignore entirely are not listed at all: no API calls for them.
        types = [
            t
            for t in run.resource_types or sorted(provider.supported_types)
            if t in provider.supported_types and not ignore.ignores_whole_type(t)
        ]
        regions = regions_for(run.regions, provider.name)
        if run.regions and not regions:
            continue  # the run names regions of other providers only
        scans = _reusable_scans(backend, run, provider.name, types, regions)
        reused += scans
        outcomes += [outcome_of(backend.blobs, provider.name, scan) for scan in scans]
        fresh = {scan.resource_type for scan in scans}
        listing = [t for t in types if t not in fresh]
        if listing and not cancel.is_set():
            outcomes += _take_inventory(backend, provider, run, listing, regions, cause, cancel)
    run.record_reused_inventory(reused, cause)
    if cancel.is_set():
        check_handed_back(cancel)
        run.confirm_cancelled(cause)
        backend.app.record(run)
        return
    # Every enabled region was listed when none was named: the scope is what was seen.
    regions = sorted({r.rpartition(":")[2] for r in run.regions}) or sorted(
        {o.region for o in outcomes if o.region not in (GLOBAL_REGION, "*")}
    )
    scope = DriftScope(
        providers=[p.name for p in providers],
        regions=regions,
        types=run.resource_types,
        tags=run.tags or None,
    )
    findings = detect_drift(state_resources, outcomes, scope, ignore)
    drifts = [with_options(item, backend.remediators.get(item.provider)) for item in findings.items]
    body = ReportBody(sources=sources, scope=scope, summary=findings.summary, drifts=drifts)
    digest = backend.blobs.put(_encoder.encode(body))
    run.complete(report_sha256=digest, summary=findings.summary, cause=cause)
    backend.app.record(run)


def with_options(item: DriftItem, remediator: Remediator | None) -> DriftItem:
    """The finding with the remediation strategies that fit it, as far as driftmgr can
    carry them out for its type."""
    if item.kind == "unobserved":
        return item
    attributes = {re.split(r"[.\[]", c.path, maxsplit=1)[0] for c in item.changes}
    options = options_for(
        item,
        revertible=remediator is not None and remediator.revertible(item.type, attributes),
        quarantinable=remediator is not None and remediator.quarantinable(item.type),
        deletable=remediator is not None and remediator.deletable(item.type),
    )
    return msgspec.structs.replace(item, options=list(options))


def _reusable_scans(
    backend: Backend, run: DriftRun, provider: str, types: list[str], regions: list[str]
) -> list[ReusedScan]:
    """Cached scans young enough for the run, for types whose every region is cached."""
    if run.max_inventory_age is None or backend.views is None or not types or not regions:
        return []
    if run.account_roles or run.tags:
        return []  # the cache holds plain whole-account inventories only
    pairs = {
        (t, region) for t in types for region in ([GLOBAL_REGION] if is_global_type(t) else regions)
    }
    since = backend.clock() - timedelta(seconds=run.max_inventory_age)
    cached = fresh_scans(backend.views, provider, pairs, since)
    complete = {t for t in types if all((t, r) in cached for (u, r) in pairs if u == t)}
    return [scan for (t, _), scan in sorted(cached.items()) if t in complete]


def _take_inventory(
    backend: Backend,
    provider: InventoryProvider,
    run: DriftRun,
    types: list[str],
    regions: list[str],
    cause: Cause,
    cancel: threading.Event,
) -> list[ScanOutcome]:
    """List the cloud as a discovery of its own, so the inventory is recorded and cached."""
    discovery = DiscoveryRun.request(
        provider=provider.name,
        regions=regions,
        resource_types=types,
        priority=run.priority,
        drift_run_id=run.id,
        account_roles=run.account_roles,
        tags=run.tags,
        cause=cause,
    )
    discovery.start(worker=f"drift-run:{run.id}", cause=cause)
    run.record_inventory(discovery.id, cause)
    backend.app.record(discovery, run)
    outcomes = scan_into(backend, provider, discovery, cause, cancel)
    if cancel.is_set():
        check_handed_back(cancel)  # the worker then ends this discovery with the attempt
        discovery.confirm_cancelled(cause)
    else:
        discovery.complete(cause)
    backend.app.record(discovery)
    return outcomes
