"""Elastic Load Balancing v2: tags of load balancers, target groups and listeners (by ARN,
which is also their id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import api_call, identifier
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []


@tagger(
    ("aws_lb", "aws_lb_target_group", "aws_lb_listener"), ("elbv2:add_tags", "elbv2:remove_tags")
)
def elbv2_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    arn = identifier(target, actual, desired, "arn", "id")
    calls = []
    if diff.put:
        params = {"ResourceArns": [arn], "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "elbv2", "add_tags", params))
    if diff.remove:
        params = {"ResourceArns": [arn], "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "elbv2", "remove_tags", params))
    return calls
