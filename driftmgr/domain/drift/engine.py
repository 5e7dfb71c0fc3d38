"""The drift engine: match state to cloud by (type, canonical id), compare, classify.

Pure: takes the resources of one or more states and the outcomes of one inventory, returns
findings. Nothing here does IO, reads a clock or makes ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from driftmgr.domain.drift.diff import SENSITIVE_VALUE, diff_values, redact, set_change
from driftmgr.domain.drift.normalise import normalise_attribute
from driftmgr.domain.drift.report import (
    DriftChange,
    DriftItem,
    DriftKind,
    DriftScope,
    DriftSummary,
    summarise,
)
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.drift.scope import region_of
from driftmgr.domain.drift.severity import severity_of
from driftmgr.domain.resources import (
    GLOBAL_REGION,
    LiveResource,
    ScanOutcome,
    StateResource,
)

__all__ = ["SENSITIVE_VALUE", "Findings", "compare_attributes", "detect_drift"]

_KIND_ORDER: dict[DriftKind, int] = {"modified": 0, "missing": 1, "unmanaged": 2, "unobserved": 3}


class Findings(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DriftItem]
    summary: DriftSummary


def detect_drift(
    state_resources: Iterable[StateResource],
    outcomes: Iterable[ScanOutcome],
    scope: DriftScope,
) -> Findings:
    """Classify every in-scope resource as in sync, modified, missing, unmanaged or unobserved.

    A state resource is compared only when its (type, region) was listed successfully; when
    the listing failed, or driftmgr cannot list that type, it is *unobserved*, never missing.
    Cloud-created defaults are unmanaged only if no state claims them (then they match).
    """
    outcome_by_key: dict[tuple[str, str], ScanOutcome] = {}
    live_by_key: dict[tuple[str, str], LiveResource] = {}
    for outcome in outcomes:
        outcome_by_key[(outcome.type, outcome.region)] = outcome
        for live in outcome.resources:
            live_by_key[(live.type, live.id)] = live

    single_region = scope.regions[0] if len(scope.regions) == 1 else None
    wanted_types = frozenset(scope.types) if scope.types else None
    claimed: set[tuple[str, str]] = set()
    items: list[DriftItem] = []
    in_sync = 0

    for resource in state_resources:
        if resource.mode != "managed" or resource.provider not in scope.providers:
            continue
        if wanted_types is not None and resource.type not in wanted_types:
            continue
        if resource.id is not None:
            # Deposed objects still exist and are Terraform's: they are not unmanaged.
            claimed.add((resource.type, resource.id))
        if resource.deposed is not None:
            continue
        region = region_of(resource) or single_region
        if region is not None and region != GLOBAL_REGION and region not in scope.regions:
            continue
        reason = _unobserved_reason(resource, region, outcome_by_key)
        if reason is not None:
            items.append(_item("unobserved", resource, region, reason=reason))
            continue
        assert resource.id is not None
        match = live_by_key.get((resource.type, resource.id))
        if match is None:
            items.append(_item("missing", resource, region))
            continue
        changes = compare_attributes(resource, match)
        if changes:
            items.append(_item("modified", resource, match.region, changes=changes))
        else:
            in_sync += 1

    for key, live in live_by_key.items():
        if key in claimed or live.is_default:
            continue
        items.append(
            DriftItem(
                kind="unmanaged",
                address=None,
                type=live.type,
                id=live.id,
                provider=live.provider,
                region=live.region,
                severity=severity_of("unmanaged", live.type, []),
            )
        )

    items.sort(key=lambda i: (_KIND_ORDER[i.kind], i.type, i.address or "", i.id or ""))
    return Findings(items=items, summary=summarise(items, in_sync=in_sync))


def _unobserved_reason(
    resource: StateResource,
    region: str | None,
    outcome_by_key: dict[tuple[str, str], ScanOutcome],
) -> str | None:
    if region is None:
        return "the state does not say which region this resource is in"
    outcome = outcome_by_key.get((resource.type, region))
    if outcome is None:
        return f"driftmgr cannot list {resource.type} resources yet"
    if outcome.unobserved_reason is not None:
        return outcome.unobserved_reason
    if resource.id is None:
        return "the state records no id for this resource"
    return None


def _item(
    kind: DriftKind,
    resource: StateResource,
    region: str | None,
    *,
    changes: list[DriftChange] | None = None,
    reason: str | None = None,
) -> DriftItem:
    return DriftItem(
        kind=kind,
        address=resource.address,
        type=resource.type,
        id=resource.id,
        provider=resource.provider,
        region=region,
        severity=severity_of(kind, resource.type, changes or []),
        changes=changes or [],
        reason=reason,
    )


def compare_attributes(resource: StateResource, live: LiveResource) -> list[DriftChange]:
    """Every attribute path where the normalised live value differs from the state's.

    Only attributes the adapter observed *and* the state records are compared: a value
    the state does not hold cannot be said to have drifted.
    """
    rules = rules_for(resource.type)
    expected_attributes = resource.attributes
    changes: list[DriftChange] = []
    for name in sorted(live.attributes):
        if name in rules.ignored:
            continue
        if name == "tags":
            # Live tags include the provider's default_tags, which only tags_all records.
            tags_all = expected_attributes.get("tags_all")
            if isinstance(tags_all, dict):
                expected_raw: Any = tags_all
            elif "tags" in expected_attributes:
                expected_raw = expected_attributes["tags"]
            else:
                continue
        elif name in expected_attributes:
            expected_raw = expected_attributes[name]
        else:
            continue
        actual_raw = live.attributes[name]
        is_set, is_policy = name in rules.sets, name in rules.policies
        expected = normalise_attribute(expected_raw, is_set=is_set, is_policy=is_policy)
        actual = normalise_attribute(actual_raw, is_set=is_set, is_policy=is_policy)
        if expected == actual:
            continue
        if is_policy:
            changes.append(DriftChange(path=name, expected=expected_raw, actual=actual_raw))
        elif is_set:
            changes.append(set_change(name, expected, actual))
        else:
            changes.extend(diff_values(name, expected, actual))
    return redact(changes, resource.sensitive_paths)
