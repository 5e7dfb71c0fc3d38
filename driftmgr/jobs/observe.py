"""Observe a few cloud objects now, through the provider's own listing.

Remediation looks at each target again before touching it and after: the same enumerators
as a drift run, so "what the drift run saw" and "what is there now" compare like for like.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import msgspec

from driftmgr.adapters.providers.base import InventoryProvider
from driftmgr.domain.remediation import Target
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__ = ["Observation", "observe"]


class Observation(msgspec.Struct, frozen=True, kw_only=True):
    live: LiveResource | None = None
    """None when the object does not exist (and ``unobserved`` is None)."""
    unobserved: str | None = None
    """Why the object's type could not be listed there: it may or may not exist."""


def observe(provider: InventoryProvider, targets: Iterable[Target]) -> dict[Target, Observation]:
    """Each target as it is now: one listing per (type, region), whatever the number of
    targets."""
    wanted = list(dict.fromkeys(targets))
    by_region: dict[str, set[str]] = {}
    for target in wanted:
        region = target.region if target.region not in ("", GLOBAL_REGION) else ""
        by_region.setdefault(region, set()).add(target.type)
    seen: dict[tuple[str, str], LiveResource] = {}
    failed: dict[tuple[str, str], str] = {}
    for region, types in sorted(by_region.items()):
        regions = [region] if region else []
        outcomes = asyncio.run(provider.scan(regions or _any_region(provider), sorted(types)))
        for outcome in outcomes:
            if outcome.unobserved_reason is not None:
                failed[(outcome.type, outcome.region)] = outcome.unobserved_reason
            for live in outcome.resources:
                seen.setdefault((live.type, live.id), live)
    found: dict[Target, Observation] = {}
    for target in wanted:
        found_live = seen.get((target.type, target.id))
        reason = None
        if found_live is None:
            reason = failed.get((target.type, target.region)) or failed.get(
                (target.type, GLOBAL_REGION)
            )
        found[target] = Observation(live=found_live, unobserved=reason)
    return found


def _any_region(provider: InventoryProvider) -> list[str]:
    # Global types are listed once whatever region is named; the provider's own default
    # region keeps it from listing every enabled region to find them.
    default = getattr(provider, "default_region", None)
    region = default() if callable(default) else None
    return [region or "us-east-1"]
