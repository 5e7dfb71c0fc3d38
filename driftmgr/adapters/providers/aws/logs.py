"""CloudWatch Logs: log groups, as terraform-provider-aws 5.x reads them
(``internal/service/logs/group.go``).

The id is the log group name. ``DescribeLogGroups`` gives everything but the tags, which
cost one ``ListTagsForResource`` per group (by the group's ARN without the ``:*`` that
``DescribeLogGroups``' ``arn`` ends in). ``log_group_class`` is what the API reports
(moto 5.2 reports none, real AWS ``STANDARD`` by default).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_LOG_GROUP = "aws_cloudwatch_log_group"
_GONE = ("ResourceNotFoundException",)


@enumerator(_LOG_GROUP, "logs")
async def list_log_groups(scan: Scan, logs: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(logs, "describe_log_groups", PaginationConfig={"PageSize": 50}):
        groups.extend(page.get("logGroups", []))
    group_tags = await gather(_tags(scan, logs, _arn(group)) for group in groups)
    account = await scan.account()
    return [
        _log_group_resource(group, found, region, account)
        for group, found in zip(groups, group_tags, strict=True)
        if found is not None  # deleted since the listing
    ]


async def _tags(scan: Scan, logs: Any, arn: str) -> dict[str, str] | None:
    try:
        answer = await scan.call(logs, "list_tags_for_resource", resourceArn=arn)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return {str(k): str(v) for k, v in (answer.get("tags") or {}).items()}


def _arn(group: Response) -> str:
    """The group's ARN as Terraform stores it: without the trailing ``:*``."""
    return str(group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*"))


def _log_group_resource(
    group: Response, group_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name: str = group["logGroupName"]
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": _arn(group),
        # Absent: the events never expire, which Terraform stores as 0.
        "retention_in_days": group.get("retentionInDays", 0),
        "kms_key_id": group.get("kmsKeyId", ""),
        "log_group_class": group.get("logGroupClass", ""),
        "tags": group_tags,
    }
    return resource(
        _LOG_GROUP,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_LOG_GROUP, attributes),
    )
