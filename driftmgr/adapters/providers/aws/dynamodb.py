"""DynamoDB: tables, as terraform-provider-aws 5.x reads them (``internal/service/dynamodb``).

One table costs four calls, made together once ``DescribeTable`` has answered:
``DescribeContinuousBackups`` (``point_in_time_recovery``), ``DescribeTimeToLive``
(``ttl``) and ``ListTagsOfResource`` (``tags``). As the provider does, an SSE key that is
the region's AWS managed key (``alias/aws/dynamodb``, looked up once per region and only
when a table names a key) reads as ``kms_key_arn = ""``, and a region without continuous
backups (``UnknownOperationException``) reads as PITR disabled.

``replica`` is not reported: the provider fills each replica's ``point_in_time_recovery``,
``arn`` and stream from calls in the replica's region and ``propagate_tags`` from its own
configuration, so a value built from this region alone would be wrong. ``import_table`` and
``restore_*`` are creation-time inputs the API does not report.

moto 5.2 does not report ``TableClassSummary`` or ``OnDemandThroughput``; those are tested
against recorded responses (``tests/integration/providers/aws/test_dynamodb.py``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Iterable
from typing import Any, NamedTuple, TypeVar

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

T = TypeVar("T")

_TABLE = "aws_dynamodb_table"
_GONE = ("ResourceNotFoundException", "TableNotFoundException")
_DEFAULT_KEY_ALIAS = "alias/aws/dynamodb"


class _Table(NamedTuple):
    description: Response
    backups: Response
    ttl: Response
    tags: dict[str, str]


@enumerator(_TABLE, "dynamodb")
async def list_tables(scan: Scan, dynamodb: Any, region: str) -> list[LiveResource]:
    names: list[str] = []
    async for page in scan.pages(dynamodb, "list_tables", PaginationConfig={"PageSize": 100}):
        names.extend(page.get("TableNames", []))
    tables = [t for t in await gather(_table(scan, dynamodb, n) for n in names) if t is not None]
    default_key = ""
    if any(_sse_key(t.description) for t in tables):
        default_key = await scan.shared(
            f"dynamodb:default-kms-key:{region}", lambda: _default_key_arn(scan, region)
        )
    account = await scan.account()
    return [_table_resource(table, default_key, region, account) for table in tables]


async def _table(scan: Scan, dynamodb: Any, name: str) -> _Table | None:
    """One table's description, backups, TTL and tags; None when it no longer exists."""
    described = await _unless_gone(scan.call(dynamodb, "describe_table", TableName=name))
    if described is None:
        return None
    table: Response = described["Table"]
    try:
        backups, ttl, tag_list = await gather(
            [
                _continuous_backups(scan, dynamodb, name),
                scan.call(dynamodb, "describe_time_to_live", TableName=name),
                _tags(scan, dynamodb, table["TableArn"]),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return _Table(table, backups, ttl, tags(tag_list["Tags"]))


async def _continuous_backups(scan: Scan, dynamodb: Any, name: str) -> Response:
    try:
        return await scan.call(dynamodb, "describe_continuous_backups", TableName=name)
    except ClientError as exc:
        # Regions without continuous backups: the provider reads PITR as disabled.
        if error_code(exc) == "UnknownOperationException":
            return {}
        raise


async def _tags(scan: Scan, dynamodb: Any, arn: str) -> Response:
    """Every page of the table's tags, as one answer."""
    found: list[Response] = []
    async for page in scan.pages(dynamodb, "list_tags_of_resource", ResourceArn=arn):
        found.extend(page.get("Tags", []))
    return {"Tags": found}


async def _default_key_arn(scan: Scan, region: str) -> str:
    """The ARN of the region's AWS managed DynamoDB key, or "" when it does not exist yet."""
    kms = await scan.client("kms", region)
    try:
        answer = await scan.call(kms, "describe_key", KeyId=_DEFAULT_KEY_ALIAS)
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return ""
        raise
    return str(answer.get("KeyMetadata", {}).get("Arn", ""))


def _table_resource(
    table: _Table, default_key: str, region: str, account: str | None
) -> LiveResource:
    description = table.description
    name: str = description["TableName"]
    keys = {k.get("KeyType"): k.get("AttributeName", "") for k in description.get("KeySchema", [])}
    throughput = description.get("ProvisionedThroughput") or {}
    stream = description.get("StreamSpecification") or {}
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": description.get("TableArn", ""),
        "billing_mode": (description.get("BillingModeSummary") or {}).get(
            "BillingMode", "PROVISIONED"
        ),
        "read_capacity": throughput.get("ReadCapacityUnits", 0),
        "write_capacity": throughput.get("WriteCapacityUnits", 0),
        "on_demand_throughput": _on_demand(description.get("OnDemandThroughput")),
        "hash_key": keys.get("HASH", ""),
        "range_key": keys.get("RANGE", ""),
        "attribute": _sorted_members(
            {"name": a.get("AttributeName", ""), "type": a.get("AttributeType", "")}
            for a in description.get("AttributeDefinitions", [])
        ),
        "global_secondary_index": _sorted_members(
            _global_index(index) for index in description.get("GlobalSecondaryIndexes", [])
        ),
        "local_secondary_index": _sorted_members(
            _local_index(index) for index in description.get("LocalSecondaryIndexes", [])
        ),
        "stream_enabled": bool(stream.get("StreamEnabled", False)),
        "stream_view_type": stream.get("StreamViewType", ""),
        "stream_arn": description.get("LatestStreamArn", ""),
        "stream_label": description.get("LatestStreamLabel", ""),
        "server_side_encryption": _encryption(description.get("SSEDescription"), default_key),
        "point_in_time_recovery": _point_in_time_recovery(table.backups),
        "ttl": _ttl(table.ttl),
        "table_class": (description.get("TableClassSummary") or {}).get("TableClass", "STANDARD"),
        "deletion_protection_enabled": bool(description.get("DeletionProtectionEnabled", False)),
        "tags": table.tags,
    }
    return resource(
        _TABLE, name, region, account, attributes, is_default=is_cloud_default(_TABLE, attributes)
    )


def _global_index(index: Response) -> dict[str, Any]:
    keys = {k.get("KeyType"): k.get("AttributeName", "") for k in index.get("KeySchema", [])}
    projection = index.get("Projection") or {}
    throughput = index.get("ProvisionedThroughput") or {}
    return {
        "name": index.get("IndexName", ""),
        "hash_key": keys.get("HASH", ""),
        "range_key": keys.get("RANGE", ""),
        "projection_type": projection.get("ProjectionType", ""),
        # A set in the provider's schema.
        "non_key_attributes": sorted(projection.get("NonKeyAttributes", [])),
        "read_capacity": throughput.get("ReadCapacityUnits", 0),
        "write_capacity": throughput.get("WriteCapacityUnits", 0),
        "on_demand_throughput": _on_demand(index.get("OnDemandThroughput")),
    }


def _local_index(index: Response) -> dict[str, Any]:
    keys = {k.get("KeyType"): k.get("AttributeName", "") for k in index.get("KeySchema", [])}
    projection = index.get("Projection") or {}
    return {
        "name": index.get("IndexName", ""),
        "range_key": keys.get("RANGE", ""),
        "projection_type": projection.get("ProjectionType", ""),
        # A list in the provider's schema: the API's order is kept.
        "non_key_attributes": list(projection.get("NonKeyAttributes", [])),
    }


def _on_demand(throughput: Response | None) -> list[dict[str, Any]]:
    if not throughput:
        return []
    limits: dict[str, Any] = {}
    if "MaxReadRequestUnits" in throughput:
        limits["max_read_request_units"] = throughput["MaxReadRequestUnits"]
    if "MaxWriteRequestUnits" in throughput:
        limits["max_write_request_units"] = throughput["MaxWriteRequestUnits"]
    return [limits]


def _encryption(description: Response | None, default_key: str) -> list[dict[str, Any]]:
    if not description:
        return []  # encrypted with the AWS owned key: no SSEDescription, no block
    key = _sse_key({"SSEDescription": description})
    return [
        {
            "enabled": description.get("Status") == "ENABLED",
            # The AWS managed key is what an SSE block without a key gets.
            "kms_key_arn": "" if default_key and key == default_key else key,
        }
    ]


def _sse_key(description: Response) -> str:
    return str((description.get("SSEDescription") or {}).get("KMSMasterKeyArn", ""))


def _point_in_time_recovery(backups: Response) -> list[dict[str, Any]]:
    recovery = (backups.get("ContinuousBackupsDescription") or {}).get(
        "PointInTimeRecoveryDescription"
    ) or {}
    return [
        {
            "enabled": recovery.get("PointInTimeRecoveryStatus") == "ENABLED",
            "recovery_period_in_days": recovery.get("RecoveryPeriodInDays", 0),
        }
    ]


def _ttl(answer: Response) -> list[dict[str, Any]]:
    description = answer.get("TimeToLiveDescription") or {}
    return [
        {
            "attribute_name": description.get("AttributeName", ""),
            "enabled": description.get("TimeToLiveStatus") == "ENABLED",
        }
    ]


def _sorted_members(members: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A TypeSet of blocks as a list in a fixed order."""
    return sorted(members, key=lambda m: json.dumps(m, sort_keys=True, default=str))


async def _unless_gone(call: Awaitable[T]) -> T | None:
    """The call's answer, or None when it says the table no longer exists."""
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
