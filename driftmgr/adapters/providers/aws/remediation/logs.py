"""CloudWatch Logs: log group tags (by the group's ARN, without the ``:*`` that
``DescribeLogGroups`` adds), retention, deletion.

A retention of 0 (what Terraform stores for "never expire") is no retention policy at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import api_call, arn_of, name_of
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

_LOG_GROUP = "aws_cloudwatch_log_group"


@tagger((_LOG_GROUP,), ("logs:tag_resource", "logs:untag_resource"))
def log_group_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    name = name_of(target, actual, desired)
    arn = arn_of(target, actual, desired, f"logs:log-group:{name}").removesuffix(":*")
    calls = []
    if diff.put:
        params = {"resourceArn": arn, "tags": diff.put}
        calls.append(api_call(target, "logs", "tag_resource", params))
    if diff.remove:
        params = {"resourceArn": arn, "tagKeys": list(diff.remove)}
        calls.append(api_call(target, "logs", "untag_resource", params))
    return calls


@recipe(
    _LOG_GROUP, "retention_in_days", ("logs:put_retention_policy", "logs:delete_retention_policy")
)
def retention(change: Change) -> list[ApiCall]:
    name = name_of(change.target, change.actual, change.desired)
    days = int(change.desired.get("retention_in_days") or 0)
    if days == 0:
        return [api_call(change.target, "logs", "delete_retention_policy", {"logGroupName": name})]
    params = {"logGroupName": name, "retentionInDays": days}
    return [api_call(change.target, "logs", "put_retention_policy", params)]


@deletion(_LOG_GROUP, ("logs:delete_log_group",))
def delete_log_group(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    name = name_of(target, actual, {})
    return [api_call(target, "logs", "delete_log_group", {"logGroupName": name})]
