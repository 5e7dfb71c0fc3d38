"""The drift engine: match state to cloud by (type, canonical id), compare, classify.

Pure: takes the resources of one or more states and the outcomes of one inventory, returns
findings. Nothing here does IO, reads a clock or makes ids. The steps, in order:

1. **scope** — keep managed resources of the scanned providers, types and regions;
2. **split** — break state resources into the units the cloud lists (rules per CIDR …),
   keyed by the type's canonical identity;
3. **claim** — live resources a state resource manages inline, and live children of managed
   parents, are accounted for without being compared twice;
4. **ignore** — ``.driftignore`` rules drop resources (counted) and attribute paths;
5. **compare** — normalise both sides with the same transforms, diff, redact secrets;
6. **classify** — in sync, modified, missing, unmanaged or unobserved, with a severity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from driftmgr.domain.drift import aws as _aws  # noqa: F401 - registers the AWS type rules
from driftmgr.domain.drift.diff import SENSITIVE_VALUE, diff_values, redact, set_change
from driftmgr.domain.drift.ignore import IgnoreRules
from driftmgr.domain.drift.normalise import normalise_attribute
from driftmgr.domain.drift.report import (
    DriftChange,
    DriftItem,
    DriftKind,
    DriftScope,
    DriftSummary,
    summarise,
)
from driftmgr.domain.drift.rules import Key, rules_for
from driftmgr.domain.drift.scope import region_of
from driftmgr.domain.drift.severity import severity_of
from driftmgr.domain.resources import (
    GLOBAL_REGION,
    LiveResource,
    ScanOutcome,
    StateResource,
)

__all__ = ["SENSITIVE_VALUE", "Findings", "canonical_key", "compare_attributes", "detect_drift"]

_KIND_ORDER: dict[DriftKind, int] = {"modified": 0, "missing": 1, "unmanaged": 2, "unobserved": 3}
_NO_RULES = IgnoreRules.empty()


class Findings(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DriftItem]
    summary: DriftSummary


def canonical_key(resource: StateResource) -> Key | None:
    """The (type, id) a state resource is matched on; None when it has no identity."""
    rules = rules_for(resource.type)
    identity = rules.identity(resource.attributes) if rules.identity else resource.id
    return (resource.type, identity) if identity else None


def _units(resource: StateResource) -> list[StateResource]:
    split = rules_for(resource.type).split
    return split(resource) if split else [resource]


def detect_drift(
    state_resources: Iterable[StateResource],
    outcomes: Iterable[ScanOutcome],
    scope: DriftScope,
    ignore: IgnoreRules = _NO_RULES,
) -> Findings:
    """Classify every in-scope resource as in sync, modified, missing, unmanaged or unobserved.

    A state resource is compared only when its (type, region) was listed successfully; when
    the listing failed, or driftmgr cannot list that type, it is *unobserved*, never missing.
    Cloud-created defaults are unmanaged only if no state claims them (then they match).
    """
    outcome_by_key: dict[tuple[str, str], ScanOutcome] = {}
    live_by_key: dict[Key, LiveResource] = {}
    for outcome in outcomes:
        outcome_by_key[(outcome.type, outcome.region)] = outcome
        for live in outcome.resources:
            live_by_key[(live.type, live.id)] = live

    single_region = scope.regions[0] if len(scope.regions) == 1 else None
    wanted_types = frozenset(scope.types) if scope.types else None
    claimed: set[Key] = set()
    items: list[DriftItem] = []
    in_sync = ignored = 0

    for resource in state_resources:
        if resource.mode != "managed" or resource.provider not in scope.providers:
            continue
        if wanted_types is not None and resource.type not in wanted_types:
            continue
        rules = rules_for(resource.type)
        if rules.claims:
            claimed.update(rules.claims(resource))
        for unit in _units(resource):
            key = canonical_key(unit)
            if key is not None:
                # Deposed objects still exist and are Terraform's: they are not unmanaged.
                claimed.add(key)
            if unit.deposed is not None:
                continue
            if key is not None and ignore.is_ignored(*key):
                ignored += 1
                continue
            region = region_of(unit) or single_region
            if region is not None and region != GLOBAL_REGION and region not in scope.regions:
                continue
            reason = _unobserved_reason(unit, key, region, outcome_by_key)
            if reason is not None:
                items.append(_item("unobserved", unit, key, region, reason=reason))
                continue
            assert key is not None
            match = live_by_key.get(key)
            if match is None:
                items.append(_item("missing", unit, key, region))
                continue
            changes = [
                c
                for c in compare_attributes(unit, match)
                if not ignore.is_path_ignored(key[0], key[1], c.path)
            ]
            if changes:
                items.append(_item("modified", unit, key, match.region, changes=changes))
            else:
                in_sync += 1

    for key, live in live_by_key.items():
        if key in claimed or live.is_default or _parent_claimed(live, claimed):
            continue
        if ignore.is_ignored(*key):
            ignored += 1
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
    return Findings(items=items, summary=summarise(items, in_sync=in_sync, ignored=ignored))


def _parent_claimed(live: LiveResource, claimed: set[Key]) -> bool:
    # A child of a managed parent (a rule of a managed security group) is that parent's to
    # report: its drift shows on the parent, never as a second, unmanaged finding.
    parent = rules_for(live.type).parent
    key = parent(live.attributes) if parent else None
    return key is not None and key in claimed


def _unobserved_reason(
    resource: StateResource,
    key: Key | None,
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
    if key is None:
        return "the state records no id for this resource"
    return None


def _item(
    kind: DriftKind,
    resource: StateResource,
    key: Key | None,
    region: str | None,
    *,
    changes: list[DriftChange] | None = None,
    reason: str | None = None,
) -> DriftItem:
    return DriftItem(
        kind=kind,
        address=resource.address,
        type=resource.type,
        id=key[1] if key else resource.id,
        provider=resource.provider,
        region=region,
        severity=severity_of(kind, resource.type, changes or []),
        changes=changes or [],
        reason=reason,
    )


def _expected(resource: StateResource, name: str) -> tuple[bool, Any]:
    attributes = resource.attributes
    if name == "tags":
        # Live tags include the provider's default_tags, which only tags_all records.
        tags_all = attributes.get("tags_all")
        if isinstance(tags_all, dict):
            return True, tags_all
    if name in attributes:
        return True, attributes[name]
    return False, None


def compare_attributes(resource: StateResource, live: LiveResource) -> list[DriftChange]:
    """Every attribute path where the normalised live value differs from the state's.

    Only attributes the adapter observed *and* the state records are compared: a value
    the state does not hold cannot be said to have drifted.
    """
    rules = rules_for(resource.type)
    changes: list[DriftChange] = []
    for name, actual_raw in live.attributes.items():
        if name in rules.ignored:
            continue
        recorded, expected_raw = _expected(resource, name)
        # Equal as recorded means equal after any transform: the common case skips them all.
        if not recorded or expected_raw == actual_raw:
            continue
        expected = normalise_attribute(name, expected_raw, rules)
        actual = normalise_attribute(name, actual_raw, rules)
        if expected == actual:
            continue
        if name in rules.policies:
            changes.append(DriftChange(path=name, expected=expected_raw, actual=actual_raw))
        elif name in rules.sets:
            changes.append(set_change(name, expected, actual))
        else:
            changes.extend(diff_values(name, expected, actual))
    changes.sort(key=lambda change: change.path)
    return redact(changes, resource.sensitive_paths)
