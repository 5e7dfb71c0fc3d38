"""Small pure helpers the recipes share: building calls, and reading attribute maps.

Values are read the way the drift engine reads them (its defaults, its normalisation), so
that "differs" here means what a drift report and the post-apply check mean by it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from driftmgr.adapters.providers.aws.mapping import partition
from driftmgr.domain.drift.engine import compare_maps
from driftmgr.domain.drift.normalise import normalise_attribute, with_default
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target
from driftmgr.domain.resources import GLOBAL_REGION

__all__ = [
    "api_call",
    "arn_of",
    "block",
    "differs",
    "flag",
    "identifier",
    "name_of",
    "policy_text",
    "region_of",
    "value",
    "wait",
]

#: Where a global service (IAM, Route 53) is called, per partition.
_PARTITION_HOME = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def region_of(target: Target, *attribute_maps: Mapping[str, Any]) -> str:
    """The region a call about ``target`` goes to: its own, or for a global object the
    home region of the partition its ARN names."""
    if target.region and target.region != GLOBAL_REGION:
        return target.region
    for attributes in attribute_maps:
        arn = attributes.get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            return _PARTITION_HOME.get(arn.split(":")[1], "us-east-1")
    return "us-east-1"


def api_call(
    target: Target,
    service: str,
    operation: str,
    params: dict[str, Any],
    *,
    attributes: Iterable[Mapping[str, Any]] = (),
    sensitive: tuple[str, ...] = (),
    guard: str | None = None,
) -> ApiCall:
    """One call about ``target`` (``attributes``: maps whose ``arn`` can place a global one)."""
    return ApiCall(
        service=service,
        operation=operation,
        region=region_of(target, *attributes),
        params=params,
        sensitive_params=sensitive,
        guard=guard,
    )


def wait(target: Target, service: str, waiter: str, params: dict[str, Any]) -> ApiCall:
    """A waiter step: the executor polls until the object reaches the state (or gives up)."""
    return ApiCall(
        service=service, operation=f"wait:{waiter}", region=region_of(target), params=params
    )


def identifier(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], *names: str
) -> str:
    """The first non-empty of ``names`` in the observation, then in the desired map; the
    target's id when none is set. The observation wins: it names the object as it is."""
    for attributes in (actual, desired):
        for name in names:
            found = attributes.get(name)
            if found not in (None, ""):
                return str(found)
    return target.id


def name_of(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    """The object's name, for services whose calls take a name (tables, repositories …)."""
    return identifier(target, actual, desired, "name", "id")


def arn_of(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], path: str) -> str:
    """The object's ARN from its attributes, else built as ``arn:P:<path>`` with the target's
    region and account (``path`` is ``service:region-free-suffix``, e.g. ``lambda:function:x``).
    """
    for attributes in (actual, desired):
        arn = attributes.get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            return arn
    if not target.account or target.region in ("", GLOBAL_REGION):
        raise NotRemediable(f"the ARN of {target.label} is not known (no arn, no account)")
    service, _, rest = path.partition(":")
    return f"arn:{partition(target.region)}:{service}:{target.region}:{target.account}:{rest}"


def value(resource_type: str, name: str, attributes: Mapping[str, Any]) -> Any:
    """An attribute's value, the provider's default standing in for an empty one."""
    found = attributes.get(name)
    defaults = rules_for(resource_type).defaults
    return with_default(found, defaults[name]) if name in defaults else found


def differs(
    resource_type: str, name: str, desired: Mapping[str, Any], actual: Mapping[str, Any]
) -> bool:
    """Whether ``name`` must change to be what ``desired`` says, as the drift engine sees it.

    Attributes the engine ignores for drift (an instance's state) are compared plainly,
    after the same normalisation. What ``desired`` does not hold is never a difference.
    """
    if name not in desired and not (name == "tags" and "tags_all" in desired):
        return False
    rules = rules_for(resource_type)
    if name in rules.ignored:
        expected = normalise_attribute(name, desired.get(name), rules)
        return bool(expected != normalise_attribute(name, actual.get(name), rules))
    return bool(compare_maps(resource_type, desired, actual, only=[name]))


def flag(found: Any) -> bool:
    """A Terraform boolean, which states and APIs may also spell as a string."""
    return found is True or str(found).lower() == "true"


def block(found: Any) -> Mapping[str, Any]:
    """The one block of a single-block list attribute (``[{…}]``), or an empty map."""
    if isinstance(found, list) and found and isinstance(found[0], Mapping):
        first: Mapping[str, Any] = found[0]
        return first
    return {}


def policy_text(document: Any) -> str:
    """A policy document as the JSON text APIs take ("" for none)."""
    if document in (None, ""):
        return ""
    if isinstance(document, str):
        return document
    return json.dumps(document, sort_keys=True, separators=(",", ":"))
