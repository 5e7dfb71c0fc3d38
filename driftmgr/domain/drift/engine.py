"""The drift engine: match state to cloud by (type, canonical id), compare, classify.

Pure: takes the resources of one or more states and the outcomes of one inventory, returns
findings. Nothing here does IO, reads a clock or makes ids. The steps, in order:

1. **scope** — keep managed resources of the scanned providers, types and regions;
2. **split** — break state resources into the units the cloud lists (rules per CIDR …),
   keyed by the type's canonical identity;
3. **claim** — live resources a state resource manages inline, and live children of managed
   parents, are accounted for without being compared twice;
4. **ignore** — ``.driftignore`` rules drop resources (counted) and attribute paths;
5. **compare** — normalise both sides with the same transforms, diff (secrets as they are:
   a changed secret is drift);
6. **classify** — in sync, modified, missing, unmanaged or unobserved, with a severity read
   from the real values; then every secret in the changes is redacted (domain/secrets.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift import aws as _aws  # noqa: F401 - registers the AWS type rules
from driftmgr.domain.drift.diff import SENSITIVE_VALUE, diff_values, redact, set_change
from driftmgr.domain.drift.ignore import IgnoreRules
from driftmgr.domain.drift.import_ids import import_id
from driftmgr.domain.drift.normalise import drop_empty, is_empty, normalise_attribute
from driftmgr.domain.drift.report import (
    CloudObject,
    DriftChange,
    DriftItem,
    DriftKind,
    DriftScope,
    DriftSummary,
    summarise,
)
from driftmgr.domain.drift.rules import Key, TypeRules, rules_for
from driftmgr.domain.drift.scope import account_of, carries_tags, region_of
from driftmgr.domain.drift.severity import severity_of
from driftmgr.domain.resources import (
    GLOBAL_REGION,
    LiveResource,
    ScanOutcome,
    StateResource,
)

__all__ = [
    "SENSITIVE_VALUE",
    "Findings",
    "canonical_key",
    "compare_attributes",
    "compare_maps",
    "detect_drift",
]

_KIND_ORDER: dict[DriftKind, int] = {"modified": 0, "missing": 1, "unmanaged": 2, "unobserved": 3}
_NO_RULES = IgnoreRules.empty()
_NOTHING: frozenset[str] = frozenset()
_ABSENT = object()


class Findings(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DriftItem]
    summary: DriftSummary


def canonical_key(resource: StateResource) -> Key | None:
    """The (type, id) a state resource is matched on; None when it has no identity."""
    rules = rules_for(resource.type)
    identity = rules.identity(resource.attributes) if rules.identity else resource.id
    return (rules.live_type or resource.type, identity) if identity else None


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
    listings: dict[tuple[str, str], list[ScanOutcome]] = {}
    live_by_key: dict[Key, list[LiveResource]] = {}
    for outcome in outcomes:
        # Several accounts list the same (type, region): keep every outcome.
        listings.setdefault((outcome.type, outcome.region), []).append(outcome)
        for live in outcome.resources:
            # Names are ids for many types (a log group, a table): the same id may exist in
            # several regions and accounts, each its own object.
            if scope.tags and not carries_tags(live.attributes, scope.tags):
                continue  # out of a tag scope (a reused, unfiltered inventory may hold it)
            live_by_key.setdefault((live.type, live.id), []).append(live)
    all_live = [live for found in live_by_key.values() for live in found]

    single_region = scope.regions[0] if len(scope.regions) == 1 else None
    resources = list(state_resources)
    own_regions = {id(r): region_of(r) for r in resources}
    config_regions = _provider_config_regions(resources, own_regions)
    wanted_types = frozenset(scope.types) if scope.types else None
    managed = [r for r in resources if r.mode == "managed" and r.provider in scope.providers]
    delegated = _delegated_attributes(managed)
    awaited = _awaited_parent_attributes(all_live)
    claimed: set[Key] = set()
    """Live objects states manage without comparing them: inline children, deposed objects."""
    managed_keys: set[Key] = set()
    matched: set[int] = set()
    compared: set[tuple[Key, str]] = set()
    items: list[DriftItem] = []
    claimers: list[tuple[TypeRules, StateResource]] = []
    reasons: dict[tuple[str, str, str | None, str], str | None] = {}
    """What each (listed type, region, account) listing says, asked once, not per resource."""
    in_sync = ignored = 0

    for resource in managed:
        if wanted_types is not None and resource.type not in wanted_types:
            continue
        if scope.tags and not carries_tags(resource.attributes, scope.tags):
            continue
        if (rules := rules_for(resource.type)).claims is not None:
            claimers.append((rules, resource))
        for unit in _units(resource):
            key = canonical_key(unit)
            if key is not None:
                managed_keys.add(key)
            if unit.deposed is not None:
                if key is not None:
                    # Deposed objects still exist and are Terraform's: they are not unmanaged.
                    claimed.add(key)
                continue
            if key is not None and (
                ignore.is_ignored(*key)
                or (resource.id is not None and ignore.is_ignored(resource.type, resource.id))
            ):
                ignored += 1
                claimed.add(key)  # counted once, not again as an ignored live object
                continue
            own = own_regions[id(unit)] if id(unit) in own_regions else region_of(unit)
            region = own or config_regions.get(unit.provider_config) or single_region
            if region is not None and region != GLOBAL_REGION and region not in scope.regions:
                continue
            account = account_of(unit)
            match, ambiguous = _match(live_by_key.get(key, []) if key else [], region, account)
            reason = (
                "objects with this id exist in several regions or accounts, and the state "
                "does not say which one this is"
                if ambiguous
                else _unobserved_reason(unit, key, region, account, match, listings, reasons)
            )
            if reason is not None:
                items.append(_item("unobserved", resource, unit, key, region, reason=reason))
                if key is not None:
                    claimed.add(key)  # what could not be judged is not unmanaged either
                continue
            assert key is not None
            if match is None:
                absent = rules_for(unit.type).absent_in_cloud
                if absent is not None and absent(unit.attributes):
                    in_sync += 1  # what it records is what no object means
                else:
                    items.append(_item("missing", resource, unit, key, region))
                continue
            matched.add(id(match))
            skip = delegated.get(key, _NOTHING)
            for name in awaited.get(key, _NOTHING):
                if _is_compared(unit, match, name, skip):
                    compared.add((key, name))
            changes = [
                c
                for c in _changes(unit, match, skip)
                if not ignore.is_path_ignored(key[0], key[1], c.path)
            ]
            if changes:
                items.append(_item("modified", resource, unit, key, match.region, changes=changes))
            else:
                in_sync += 1

    leftovers = [live for live in all_live if id(live) not in matched]
    # Claims only ever excuse live objects nothing matched: ask only for those left over.
    leftover_types = {live.type for live in leftovers}
    for rules, resource in claimers:
        if rules.claims is not None and (
            rules.claimed_types is None or not rules.claimed_types.isdisjoint(leftover_types)
        ):
            claimed.update(rules.claims(resource))
    parents = managed_keys | claimed
    reported = [
        live
        for live in leftovers
        if (live.type, live.id) not in claimed
        and not live.is_default
        and not _parent_claimed(live, parents, compared)
    ]
    # A child of an object that is itself unmanaged (the rules of a hand-made security group)
    # is part of that finding, not one of its own.
    unmanaged_keys = {(live.type, live.id) for live in reported}
    for live in reported:
        key = (live.type, live.id)
        if _parent_key(live) in unmanaged_keys:
            continue
        imported = import_id(live.type, live.id, live.attributes)
        if ignore.is_ignored(*key) or ignore.is_ignored(live.type, imported):
            ignored += 1
            continue
        items.append(
            DriftItem(
                kind="unmanaged",
                address=None,
                type=live.type,
                id=imported,
                provider=live.provider,
                region=live.region,
                severity=severity_of("unmanaged", live.type, [], attributes=live.attributes),
                import_id=imported,
                cloud=CloudObject(type=live.type, id=live.id),
            )
        )

    items.sort(key=lambda i: (_KIND_ORDER[i.kind], i.type, i.address or "", i.id or ""))
    return Findings(items=items, summary=summarise(items, in_sync=in_sync, ignored=ignored))


def _provider_config_regions(
    resources: Iterable[StateResource], own_regions: dict[int, str | None]
) -> dict[str, str]:
    """Each provider configuration's region, learned from its resources that record one.

    A configuration has exactly one region, so a rule or a route (which record none) is in
    the region of its configuration's VPCs and instances. Ambiguous configurations (a
    provider with per-resource regions) are left out.
    """
    seen: dict[str, set[str]] = {}
    for resource in resources:
        region = own_regions[id(resource)]
        if region is not None and region != GLOBAL_REGION:
            seen.setdefault(resource.provider_config, set()).add(region)
    return {config: next(iter(regions)) for config, regions in seen.items() if len(regions) == 1}


def _delegated_attributes(resources: Iterable[StateResource]) -> dict[Key, frozenset[str]]:
    # Attributes a separate resource manages (a group's ingress, managed by rule resources)
    # are stale on the parent until its next apply: they are compared on the children only.
    delegated: dict[Key, set[str]] = {}
    for resource in resources:
        delegates = rules_for(resource.type).delegates
        if delegates is None or resource.deposed is not None:
            continue
        for key, name in delegates(resource):
            delegated.setdefault(key, set()).add(name)
    return {key: frozenset(names) for key, names in delegated.items()}


def _awaited_parent_attributes(live: Iterable[LiveResource]) -> dict[Key, set[str]]:
    # The parent attributes live children need compared to be that parent's to report.
    awaited: dict[Key, set[str]] = {}
    for child in live:
        rules = rules_for(child.type)
        if rules.parent is None or rules.parent_attribute is None:
            continue
        key = rules.parent(child.attributes)
        attribute = rules.parent_attribute(child.attributes)
        if key is not None and attribute is not None:
            awaited.setdefault(key, set()).add(attribute)
    return awaited


def _match(
    candidates: list[LiveResource], region: str | None, account: str | None
) -> tuple[LiveResource | None, bool]:
    """The live object a state resource is — in its region and account when the state says
    them — and whether several remain, so that no guess is made."""
    if len(candidates) == 1:
        # The common case, without building filtered lists.
        only = candidates[0]
        if (
            region is None or region == GLOBAL_REGION or only.region in (region, GLOBAL_REGION)
        ) and (account is None or only.account in (None, account)):
            return only, False
        return None, False
    if region is not None and region != GLOBAL_REGION:
        candidates = [c for c in candidates if c.region in (region, GLOBAL_REGION)]
    if account is not None:
        candidates = [c for c in candidates if c.account in (None, account)]
    if len(candidates) == 1:
        return candidates[0], False
    return None, len(candidates) > 1


def _parent_key(live: LiveResource) -> Key | None:
    parent = rules_for(live.type).parent
    return parent(live.attributes) if parent else None


def _parent_claimed(live: LiveResource, claimed: set[Key], compared: set[tuple[Key, str]]) -> bool:
    # A child of a managed parent (a rule of a managed security group) is that parent's to
    # report: its drift shows on the parent, never as a second, unmanaged finding - as long
    # as the parent was compared on the attribute that holds the child.
    rules = rules_for(live.type)
    key = rules.parent(live.attributes) if rules.parent else None
    if key is None or key not in claimed:
        return False
    if rules.parent_attribute is None:
        return True
    attribute = rules.parent_attribute(live.attributes)
    return attribute is not None and (key, attribute) in compared


def _unobserved_reason(
    resource: StateResource,
    key: Key | None,
    region: str | None,
    account: str | None,
    match: LiveResource | None,
    listings: dict[tuple[str, str], list[ScanOutcome]],
    reasons: dict[tuple[str, str, str | None, str], str | None] | None = None,
) -> str | None:
    """Why a state resource cannot be judged, or None when every listing it could be in
    succeeded — only then may "not found" mean missing.

    Where the state does not say the region (rules, routes, associations …), a match in
    any listing settles it; without one, every region's listing of the type must have
    succeeded. Where the state names the account (its ARN), only that account's listings
    count.
    """
    if key is None:
        return "the state records no id for this resource"
    if region is None:
        if match is not None:
            return None
        # Absent from every scanned region, yet maybe in one that was not scanned.
        return (
            "the state does not say which region this resource is in, and it was not found "
            "in the scanned regions"
        )
    asked = (key[0], region, account, resource.type)
    if reasons is not None and asked in reasons:
        return reasons[asked]
    reason = _listing_reason(resource.type, key[0], region, account, listings)
    if reasons is not None:
        reasons[asked] = reason
    return reason


def _listing_reason(
    state_type: str,
    listed_type: str,
    region: str,
    account: str | None,
    listings: dict[tuple[str, str], list[ScanOutcome]],
) -> str | None:
    # Listed under the type the cloud has (an aws_default_vpc is an aws_vpc).
    candidates = listings.get((listed_type, region), [])
    if not candidates:
        return f"driftmgr cannot list {state_type} resources yet"
    relevant = [o for o in candidates if account is None or o.account in (None, account)]
    for outcome in relevant or candidates:
        if outcome.unobserved_reason is not None:
            return outcome.unobserved_reason
    return None


def _item(
    kind: DriftKind,
    resource: StateResource,
    unit: StateResource,
    key: Key | None,
    region: str | None,
    *,
    changes: list[DriftChange] | None = None,
    reason: str | None = None,
) -> DriftItem:
    """A finding about a state resource, named as the state names it (type, address, id:
    what ``terraform state show`` prints) whatever unit or canonical key it was matched as."""
    # Severity reads the real values (a rule opened to the world); the report shows them
    # only once every secret in them is hidden.
    return DriftItem(
        kind=kind,
        address=resource.address,
        type=resource.type,
        id=resource.id if resource.id is not None else (key[1] if key else None),
        provider=resource.provider,
        region=region,
        severity=severity_of(kind, unit.type, changes or []),
        changes=redact(changes, unit.sensitive_paths, unit.type) if changes else [],
        reason=reason,
        cloud=CloudObject(type=key[0], id=key[1]) if key else None,
    )


def _expected(resource: StateResource, name: str, rules: TypeRules) -> tuple[bool, Any]:
    attributes = resource.attributes
    if name == "tags":
        # Live tags include the provider's default_tags, which only tags_all records.
        tags_all = attributes.get("tags_all")
        if isinstance(tags_all, dict):
            return True, tags_all
    if name in attributes:
        value = attributes[name]
        if name in rules.absent_when_empty and is_empty(drop_empty(value)):
            return False, None  # another resource (or nobody) manages it
        return True, value
    return False, None


def compare_attributes(
    resource: StateResource, live: LiveResource, *, skip: Collection[str] = ()
) -> list[DriftChange]:
    """Every attribute path where the normalised live value differs from the state's.

    Only attributes the adapter observed *and* the state records are compared: a value
    the state does not hold cannot be said to have drifted. ``skip`` names attributes
    another resource manages (``TypeRules.delegates``). Secrets are compared as they are,
    and shown redacted: a changed secret is a change whose values read ``(sensitive)``.
    """
    return redact(_changes(resource, live, skip), resource.sensitive_paths, resource.type)


def compare_maps(
    resource_type: str,
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    only: Collection[str] | None = None,
) -> list[DriftChange]:
    """Where ``actual`` differs from ``expected`` under ``resource_type``'s rules, unredacted.

    For remediation: a target observed twice, or observed against what an action should have
    made it. ``only`` limits the comparison to those top-level attributes.
    """
    resource = StateResource(
        address="",
        mode="managed",
        type=resource_type,
        name="",
        provider="",
        provider_config="",
        attributes=dict(expected),
    )
    live = LiveResource(
        type=resource_type,
        id="",
        provider="",
        region="",
        attributes={k: v for k, v in actual.items() if only is None or k in only},
    )
    return _changes(resource, live)


def _changes(
    resource: StateResource, live: LiveResource, skip: Collection[str] = ()
) -> list[DriftChange]:
    """:func:`compare_attributes` before redaction: never to leave the engine as it is."""
    rules = rules_for(resource.type)
    recorded_attributes = resource.attributes
    changes: list[DriftChange] = []
    for name, actual_raw in live.attributes.items():
        if name in rules.ignored or name in skip:
            continue
        # Equal as recorded means equal after any transform: the common case skips them all
        # (tags aside, whose expected value may be tags_all).
        if name != "tags" and recorded_attributes.get(name, _ABSENT) == actual_raw:
            continue
        recorded, expected_raw = _expected(resource, name, rules)
        if not recorded or expected_raw == actual_raw:
            continue
        if name in rules.same_when and rules.same_when[name](recorded_attributes, live.attributes):
            continue
        if name in rules.sets and _same_string_set(expected_raw, actual_raw, name, rules):
            continue
        expected = normalise_attribute(name, expected_raw, rules)
        actual = normalise_attribute(name, actual_raw, rules)
        if expected == actual:
            continue
        if name in rules.policies:
            changes.append(DriftChange(path=name, expected=expected_raw, actual=actual_raw))
        elif name in rules.sets and not _one_block_each(expected, actual):
            changes.append(set_change(name, expected, actual))
        else:
            changes.extend(diff_values(name, expected, actual))
    changes.sort(key=lambda change: change.path)
    return changes


def _one_block_each(expected: Any, actual: Any) -> bool:
    # A set holding one block on both sides (a MaxItems-1 block: versioning_configuration)
    # has one member to compare, so its change is named at the leaf that differs
    # (versioning_configuration[0].status), as Terraform names it.
    return (
        type(expected) is list
        and type(actual) is list
        and len(expected) == len(actual) == 1
        and isinstance(expected[0], dict)
        and isinstance(actual[0], dict)
    )


def _same_string_set(expected: Any, actual: Any, name: str, rules: TypeRules) -> bool:
    # The common set drift-free case (ids an API returns in another order) without the full
    # normalisation: members are plain strings, so only per-member transforms could apply,
    # and those keep equal sets equal.
    if type(expected) is not list or type(actual) is not list:
        return False
    if name in rules.defaults or name in rules.hashed or name in rules.policies:
        return False
    if not all(type(m) is str for m in expected) or not all(type(m) is str for m in actual):
        return False
    return set(expected) == set(actual)


def _is_compared(
    resource: StateResource, live: LiveResource, name: str, skip: Collection[str]
) -> bool:
    # Whether compare_attributes looks at `name` for this pair (whatever it finds there).
    rules = rules_for(resource.type)
    if name not in live.attributes or name in rules.ignored or name in skip:
        return False
    return _expected(resource, name, rules)[0]
