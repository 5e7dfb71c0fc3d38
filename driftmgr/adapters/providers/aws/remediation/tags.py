"""Tags, for every taggable type: one diff, and per service the calls that apply it.

The diff touches only the keys that differ (``put`` the added and changed ones, ``remove``
the ones not wanted), never a key AWS reserves (``aws:…``: users cannot set or remove
them, and the provider never stores them). Services whose API replaces the whole set (S3)
get ``wanted`` too. The quarantine marker ``driftmgr:quarantined`` is a key like any other,
so a rollback removes it by the same diff.

Desired tags are ``tags_all`` when the map holds it (a state's tags with the provider's
default tags, as the cloud shows them), else ``tags``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from driftmgr.adapters.providers.aws.remediation.registry import Change, recipe
from driftmgr.domain.remediation import ApiCall, Target

__all__ = [
    "QUARANTINE_KEY",
    "TAGGERS",
    "TagChange",
    "desired_tags",
    "quarantine_tag_calls",
    "tag_change",
    "tag_list",
    "tagger",
    "user_tags",
]

#: The tag a quarantine puts on an object; its value is the plan's id.
QUARANTINE_KEY = "driftmgr:quarantined"
_RESERVED_PREFIX = "aws:"


class TagChange(NamedTuple):
    """How one object's tags must change."""

    put: dict[str, str]
    """Keys to add or change, with their new values."""
    remove: tuple[str, ...]
    """Keys to take off."""
    wanted: dict[str, str]
    """Every (user) tag the object ends with, for APIs that replace the whole set."""


TagPlan = Callable[[Target, Mapping[str, Any], Mapping[str, Any], TagChange], list[ApiCall]]
"""A service's tagging calls: (target, actual, desired, change) → calls."""

#: type → its service's tagging calls.
TAGGERS: dict[str, TagPlan] = {}


def user_tags(found: Any) -> dict[str, str]:
    """A tag map without the keys AWS reserves, every value a string."""
    if not isinstance(found, Mapping):
        return {}
    return {
        str(k): "" if v is None else str(v)
        for k, v in found.items()
        if not str(k).startswith(_RESERVED_PREFIX)
    }


def desired_tags(attributes: Mapping[str, Any]) -> dict[str, str]:
    """The tags a map says an object has: ``tags_all`` when present (default tags included)."""
    tags_all = attributes.get("tags_all")
    return user_tags(tags_all if isinstance(tags_all, Mapping) else attributes.get("tags"))


def tag_change(wanted: Mapping[str, str], have: Mapping[str, str]) -> TagChange:
    """What takes ``have`` to ``wanted`` (both without reserved keys)."""
    put = {k: v for k, v in sorted(wanted.items()) if have.get(k) != v}
    remove = tuple(sorted(k for k in have if k not in wanted))
    return TagChange(put=put, remove=remove, wanted=dict(sorted(wanted.items())))


def tag_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    """``[{"Key": k, "Value": v}, …]``, the shape most tagging APIs take."""
    return [{key: k, value: v} for k, v in tags.items()]


def tagger(types: Iterable[str], operations: Iterable[str]) -> Callable[[TagPlan], TagPlan]:
    """Register the decorated function as the tagging calls of ``types``, and with it the
    ``tags`` recipe of each."""
    names = tuple(types)

    def register(plan: TagPlan) -> TagPlan:
        for resource_type in names:
            if resource_type in TAGGERS:
                raise ValueError(f"{resource_type} has two taggers")
            TAGGERS[resource_type] = plan

        @recipe(names, "tags", operations)
        def tags(change: Change) -> list[ApiCall]:
            wanted = desired_tags(change.desired)
            diff = tag_change(wanted, desired_tags(change.actual))
            if not diff.put and not diff.remove:
                return []
            return plan(change.target, change.actual, change.desired, diff)

        return plan

    return register


def quarantine_tag_calls(target: Target, actual: Mapping[str, Any], marker: str) -> list[ApiCall]:
    """The calls that add ``driftmgr:quarantined=<marker>`` to ``target``'s tags."""
    have = desired_tags(actual)
    diff = tag_change({**have, QUARANTINE_KEY: marker}, have)
    if not diff.put:
        return []
    return TAGGERS[target.type](target, actual, actual, diff)
