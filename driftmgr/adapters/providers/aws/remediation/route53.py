"""Route 53 (global): hosted zone tags, added and removed in one call (at most ten keys of
each per call, as the API allows)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import zip_longest
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import api_call, identifier
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

_PER_CALL = 10


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + _PER_CALL] for i in range(0, len(items), _PER_CALL)]


@tagger(("aws_route53_zone",), ("route53:change_tags_for_resource",))
def zone_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    zone = identifier(target, actual, desired, "zone_id", "id").rsplit("/", 1)[-1]
    calls = []
    for put, remove in zip_longest(_chunks(tag_list(diff.put)), _chunks(list(diff.remove))):
        params: dict[str, Any] = {"ResourceType": "hostedzone", "ResourceId": zone}
        if put:
            params["AddTags"] = put
        if remove:
            params["RemoveTagKeys"] = remove
        calls.append(
            api_call(
                target, "route53", "change_tags_for_resource", params, attributes=(actual, desired)
            )
        )
    return calls
