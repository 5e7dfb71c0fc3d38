"""CloudTrail trails, as terraform-provider-aws 5.x reads them
(``internal/service/cloudtrail/trail.go``).

``DescribeTrails`` (without shadow trails: a multi-region trail is listed in its home
region only) names the trails; each costs a ``GetTrailStatus`` (``enable_logging``), a
``GetEventSelectors``, a ``GetInsightSelectors`` and a ``ListTags``. Named by the trail's
ARN, the provider's id since 5.0 (and what ``terraform import`` takes). As the provider
does, the one selector AWS gives every trail (all events, management events, no data
resources) reads as no ``event_selector`` at all.

moto 5.2 answers all of these.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_TRAIL = "aws_cloudtrail"
_GONE = ("TrailNotFoundException", "CloudTrailARNInvalidException")
_NO_INSIGHTS = ("InsightNotEnabledException",)
_FIELD_OPERATORS = {
    "Equals": "equals",
    "NotEquals": "not_equals",
    "StartsWith": "starts_with",
    "NotStartsWith": "not_starts_with",
    "EndsWith": "ends_with",
    "NotEndsWith": "not_ends_with",
}


@enumerator(_TRAIL, "cloudtrail")
async def list_trails(scan: Scan, cloudtrail: Any, region: str) -> list[LiveResource]:
    answer = await scan.call(cloudtrail, "describe_trails", includeShadowTrails=False)
    trails = [t for t in answer.get("trailList", []) if t.get("HomeRegion", region) == region]
    details = await gather(_trail(scan, cloudtrail, t) for t in trails)
    account = await scan.account()
    return [_trail_resource(found, region, account) for found in details if found is not None]


async def _trail(scan: Scan, cloudtrail: Any, trail: Response) -> Response | None:
    arn = trail["TrailARN"]
    try:
        status, selectors, tag_answer = await gather(
            [
                scan.call(cloudtrail, "get_trail_status", Name=arn),
                scan.call(cloudtrail, "get_event_selectors", TrailName=arn),
                scan.call(cloudtrail, "list_tags", ResourceIdList=[arn]),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    try:
        insights = await scan.call(cloudtrail, "get_insight_selectors", TrailName=arn)
    except ClientError as exc:
        if error_code(exc) not in _NO_INSIGHTS:
            raise
        insights = {}
    trail_tags = [
        tag
        for listed in tag_answer.get("ResourceTagList", [])
        for tag in listed.get("TagsList", [])
    ]
    return {
        **trail,
        "IsLogging": status.get("IsLogging", False),
        "EventSelectors": selectors.get("EventSelectors", []),
        "AdvancedEventSelectors": selectors.get("AdvancedEventSelectors", []),
        "InsightSelectors": insights.get("InsightSelectors", []),
        "Tags": trail_tags,
    }


def _event_selectors(selectors: list[Response]) -> list[dict[str, Any]]:
    if (
        len(selectors) == 1
        and selectors[0].get("ReadWriteType", "All") == "All"
        and selectors[0].get("IncludeManagementEvents", True)
        and not selectors[0].get("DataResources")
        and not selectors[0].get("ExcludeManagementEventSources")
    ):
        return []  # the provider's "no selector": what AWS gives every trail
    return [
        {
            "data_resource": [
                {"type": d.get("Type", ""), "values": list(d.get("Values", []))}
                for d in s.get("DataResources", [])
            ],
            "exclude_management_event_sources": sorted(s.get("ExcludeManagementEventSources", [])),
            "include_management_events": bool(s.get("IncludeManagementEvents", True)),
            "read_write_type": s.get("ReadWriteType", "All"),
        }
        for s in selectors
    ]


def _advanced_event_selectors(selectors: list[Response]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.get("Name", ""),
            "field_selector": sorted(
                (
                    {
                        "field": f.get("Field", ""),
                        **{name: list(f.get(api, [])) for api, name in _FIELD_OPERATORS.items()},
                    }
                    for f in s.get("FieldSelectors", [])
                ),
                key=lambda f: str(f["field"]),
            ),
        }
        for s in selectors
    ]


def _trail_resource(trail: Response, region: str, account: str | None) -> LiveResource:
    arn = str(trail["TrailARN"])
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": trail.get("Name", ""),
        "home_region": trail.get("HomeRegion", region),
        "s3_bucket_name": trail.get("S3BucketName", ""),
        "s3_key_prefix": trail.get("S3KeyPrefix", ""),
        "sns_topic_name": trail.get("SnsTopicName", ""),
        "cloud_watch_logs_group_arn": trail.get("CloudWatchLogsLogGroupArn", ""),
        "cloud_watch_logs_role_arn": trail.get("CloudWatchLogsRoleArn", ""),
        "enable_logging": bool(trail.get("IsLogging", False)),
        "enable_log_file_validation": bool(trail.get("LogFileValidationEnabled", False)),
        "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents", True)),
        "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail", False)),
        "is_organization_trail": bool(trail.get("IsOrganizationTrail", False)),
        "kms_key_id": trail.get("KmsKeyId", ""),
        "event_selector": _event_selectors(trail.get("EventSelectors", [])),
        "advanced_event_selector": _advanced_event_selectors(
            trail.get("AdvancedEventSelectors", [])
        ),
        "insight_selector": sorted(
            ({"insight_type": str(i.get("InsightType", ""))} for i in trail["InsightSelectors"]),
            key=lambda i: i["insight_type"],
        ),
        "tags": tags(trail.get("Tags")),
    }
    return resource(
        _TRAIL, arn, region, account, attributes, is_default=is_cloud_default(_TRAIL, attributes)
    )
