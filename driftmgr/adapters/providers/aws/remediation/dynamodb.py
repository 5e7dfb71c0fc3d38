"""DynamoDB: table tags, billing mode, deletion protection, TTL, point-in-time recovery.

Tables are never deleted: a table holds data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    arn_of,
    block,
    flag,
    name_of,
    value,
)
from driftmgr.adapters.providers.aws.remediation.registry import (
    Change,
    recipe,
    refuse_deletion,
)
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__: list[str] = []

_TABLE = "aws_dynamodb_table"


@tagger((_TABLE,), ("dynamodb:tag_resource", "dynamodb:untag_resource"))
def table_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    arn = arn_of(target, actual, desired, f"dynamodb:table/{name_of(target, actual, desired)}")
    calls = []
    if diff.put:
        params = {"ResourceArn": arn, "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "dynamodb", "tag_resource", params))
    if diff.remove:
        params = {"ResourceArn": arn, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "dynamodb", "untag_resource", params))
    return calls


@recipe(_TABLE, ("billing_mode", "deletion_protection_enabled"), ("dynamodb:update_table",))
def table_settings(change: Change) -> list[ApiCall]:
    params: dict[str, Any] = {"TableName": name_of(change.target, change.actual, change.desired)}
    if "billing_mode" in change.attributes:
        mode = str(value(_TABLE, "billing_mode", change.desired))
        params["BillingMode"] = mode
        if mode == "PROVISIONED":
            # Capacities move under auto scaling: the desired ones, else the observed ones.
            read = change.desired.get("read_capacity") or change.actual.get("read_capacity")
            write = change.desired.get("write_capacity") or change.actual.get("write_capacity")
            if not read or not write:
                raise NotRemediable("billing_mode: provisioned capacity needs read/write capacity")
            params["ProvisionedThroughput"] = {
                "ReadCapacityUnits": int(read),
                "WriteCapacityUnits": int(write),
            }
    if "deletion_protection_enabled" in change.attributes:
        params["DeletionProtectionEnabled"] = flag(
            value(_TABLE, "deletion_protection_enabled", change.desired)
        )
    return [api_call(change.target, "dynamodb", "update_table", params)]


@recipe(_TABLE, "ttl", ("dynamodb:update_time_to_live",))
def time_to_live(change: Change) -> list[ApiCall]:
    wanted, now = block(change.desired.get("ttl")), block(change.actual.get("ttl"))
    enabled = flag(wanted.get("enabled"))
    # Turning TTL off names the attribute it is on now.
    attribute = str((wanted if enabled else now).get("attribute_name") or "")
    if not attribute:
        if not enabled and not flag(now.get("enabled")):
            return []
        raise NotRemediable("ttl: the attribute to expire items by is not known")
    params = {
        "TableName": name_of(change.target, change.actual, change.desired),
        "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute},
    }
    return [api_call(change.target, "dynamodb", "update_time_to_live", params)]


@recipe(_TABLE, "point_in_time_recovery", ("dynamodb:update_continuous_backups",))
def point_in_time_recovery(change: Change) -> list[ApiCall]:
    wanted = block(change.desired.get("point_in_time_recovery"))
    specification: dict[str, Any] = {"PointInTimeRecoveryEnabled": flag(wanted.get("enabled"))}
    days = int(wanted.get("recovery_period_in_days") or 0)
    if specification["PointInTimeRecoveryEnabled"] and days:
        specification["RecoveryPeriodInDays"] = days
    params = {
        "TableName": name_of(change.target, change.actual, change.desired),
        "PointInTimeRecoverySpecification": specification,
    }
    return [api_call(change.target, "dynamodb", "update_continuous_backups", params)]


refuse_deletion(_TABLE, "a table holds data: back it up and delete it by hand if it must go")
