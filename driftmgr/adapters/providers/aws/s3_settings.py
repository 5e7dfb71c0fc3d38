"""S3 bucket settings Terraform manages as resources of their own, keyed by bucket name:
lifecycle, logging, ownership controls, ACL, CORS, website and notifications.

Attributes are named and shaped as terraform-provider-aws 5.x stores them
(``internal/service/s3/bucket_*.go``): blocks as lists, absent numbers as 0, absent
strings as "". A setting exists only where the bucket has that configuration, except the
ACL and the ownership controls, which every bucket has; AWS's own values of those (the
owner's sole ``FULL_CONTROL`` grant, ``BucketOwnerEnforced``) are flagged as cloud defaults
(:func:`~driftmgr.domain.drift.defaults.is_cloud_default`).

Buckets are located once per scan and each configuration is fetched once per bucket and
scan, sharing :mod:`driftmgr.adapters.providers.aws.s3`'s lookups (the ACL is the very
answer the bucket's ``grant`` is read from). A bucket deleted since it was listed is gone;
any other failed call fails the whole (type, region), which is then unobserved.
"""

from __future__ import annotations

from typing import Any

import msgspec
from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.ec2_network import sorted_members
from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.s3 import (
    _UNSUPPORTED,
    _BucketGone,
    _locate_buckets,
    _settings_by_bucket,
)
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_LIFECYCLE = "aws_s3_bucket_lifecycle_configuration"
_LOGGING = "aws_s3_bucket_logging"
_OWNERSHIP = "aws_s3_bucket_ownership_controls"
_ACL = "aws_s3_bucket_acl"
_CORS = "aws_s3_bucket_cors_configuration"
_WEBSITE = "aws_s3_bucket_website_configuration"
_NOTIFICATION = "aws_s3_bucket_notification"

#: Configuration → (operation, error codes that mean "the bucket has none").
_FETCH: dict[str, tuple[str, tuple[str, ...]]] = {
    "lifecycle": (
        "get_bucket_lifecycle_configuration",
        ("NoSuchLifecycleConfiguration", *_UNSUPPORTED),
    ),
    "logging": ("get_bucket_logging", _UNSUPPORTED),
    "ownership": (
        "get_bucket_ownership_controls",
        ("OwnershipControlsNotFoundError", *_UNSUPPORTED),
    ),
    "cors": ("get_bucket_cors", ("NoSuchCORSConfiguration", *_UNSUPPORTED)),
    "website": ("get_bucket_website", ("NoSuchWebsiteConfiguration", *_UNSUPPORTED)),
    "notification": ("get_bucket_notification_configuration", _UNSUPPORTED),
}


# --- fetching -------------------------------------------------------------------------------


async def _configurations(scan: Scan, s3: Any, region: str, setting: str) -> dict[str, Response]:
    """One configuration of every bucket in ``region`` that has it, by bucket name."""
    located = await scan.shared("s3:bucket-regions", lambda: _locate_buckets(scan))
    names = sorted(name for name, bucket_region in located.items() if bucket_region == region)

    async def of(name: str) -> Response | None:
        try:
            found: Response | None = await scan.shared(
                f"s3:{setting}:{name}", lambda: _fetch(scan, s3, name, setting)
            )
        except _BucketGone:
            return None
        return found

    fetched = await gather(of(name) for name in names)
    return {name: found for name, found in zip(names, fetched, strict=True) if found is not None}


async def _fetch(scan: Scan, s3: Any, bucket: str, setting: str) -> Response | None:
    operation, absent = _FETCH[setting]
    try:
        response = await scan.call(s3, operation, Bucket=bucket)
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            raise _BucketGone(bucket) from None
        if code in absent:
            return None
        raise
    response.pop("ResponseMetadata", None)
    return response


def _live(
    type_: str, name: str, region: str, account: str | None, attributes: dict[str, Any]
) -> LiveResource:
    default = is_cloud_default(type_, attributes)
    return resource(type_, name, region, account, attributes, is_default=default)


def _base(name: str) -> dict[str, Any]:
    return {"id": name, "bucket": name, "expected_bucket_owner": ""}


def _sorted(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted_members(blocks)


# --- lifecycle ------------------------------------------------------------------------------


@enumerator(_LIFECYCLE, "s3")
async def list_bucket_lifecycle_configurations(
    scan: Scan, s3: Any, region: str
) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "lifecycle")
    account = await scan.account()
    live = []
    for name, configuration in found.items():
        rules = configuration.get("Rules") or []
        if not rules:
            continue
        attributes = {
            **_base(name),
            "rule": [_lifecycle_rule(rule) for rule in rules],
            "transition_default_minimum_object_size": configuration.get(
                "TransitionDefaultMinimumObjectSize", ""
            ),
        }
        live.append(_live(_LIFECYCLE, name, region, account, attributes))
    return live


def _date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return str(value)


def _lifecycle_filter(raw: Response | None) -> list[dict[str, Any]]:
    if raw is None:
        return []
    tag = raw.get("Tag")
    and_ = raw.get("And")
    return [
        {
            "prefix": raw.get("Prefix", ""),
            "object_size_greater_than": _count(raw.get("ObjectSizeGreaterThan")),
            "object_size_less_than": _count(raw.get("ObjectSizeLessThan")),
            "tag": [{"key": tag.get("Key", ""), "value": tag.get("Value", "")}] if tag else [],
            "and": (
                [
                    {
                        "prefix": and_.get("Prefix", ""),
                        "object_size_greater_than": _count(and_.get("ObjectSizeGreaterThan")),
                        "object_size_less_than": _count(and_.get("ObjectSizeLessThan")),
                        "tags": {t["Key"]: t.get("Value", "") for t in and_.get("Tags", [])},
                    }
                ]
                if and_
                else []
            ),
        }
    ]


def _lifecycle_rule(rule: Response) -> dict[str, Any]:
    """One ``rule`` block (``flattenLifecycleRules``)."""
    expiration = rule.get("Expiration")
    noncurrent = rule.get("NoncurrentVersionExpiration")
    abort = rule.get("AbortIncompleteMultipartUpload")
    return {
        "id": rule.get("ID", ""),
        "status": rule.get("Status", ""),
        "prefix": rule.get("Prefix", ""),
        "filter": _lifecycle_filter(rule.get("Filter")),
        "expiration": (
            [
                {
                    "date": _date(expiration.get("Date")),
                    "days": int(expiration.get("Days", 0)),
                    "expired_object_delete_marker": bool(
                        expiration.get("ExpiredObjectDeleteMarker", False)
                    ),
                }
            ]
            if expiration
            else []
        ),
        "noncurrent_version_expiration": (
            [
                {
                    "newer_noncurrent_versions": _count(noncurrent.get("NewerNoncurrentVersions")),
                    "noncurrent_days": int(noncurrent.get("NoncurrentDays", 0)),
                }
            ]
            if noncurrent
            else []
        ),
        "noncurrent_version_transition": _sorted(
            [
                {
                    "newer_noncurrent_versions": _count(t.get("NewerNoncurrentVersions")),
                    "noncurrent_days": int(t.get("NoncurrentDays", 0)),
                    "storage_class": t.get("StorageClass", ""),
                }
                for t in rule.get("NoncurrentVersionTransitions", [])
            ]
        ),
        "transition": _sorted(
            [
                {
                    "date": _date(t.get("Date")),
                    "days": int(t.get("Days", 0)),
                    "storage_class": t.get("StorageClass", ""),
                }
                for t in rule.get("Transitions", [])
            ]
        ),
        "abort_incomplete_multipart_upload": (
            [{"days_after_initiation": int(abort.get("DaysAfterInitiation", 0))}] if abort else []
        ),
    }


# --- logging --------------------------------------------------------------------------------


def _grantee(grantee: Response) -> list[dict[str, Any]]:
    return [
        {
            "display_name": grantee.get("DisplayName", ""),
            "email_address": grantee.get("EmailAddress", ""),
            "id": grantee.get("ID", ""),
            "type": grantee.get("Type", ""),
            "uri": grantee.get("URI", ""),
        }
    ]


@enumerator(_LOGGING, "s3")
async def list_bucket_loggings(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "logging")
    account = await scan.account()
    live = []
    for name, configuration in found.items():
        enabled = configuration.get("LoggingEnabled")
        if not enabled:
            continue
        key_format = enabled.get("TargetObjectKeyFormat")
        partitioned = (key_format or {}).get("PartitionedPrefix")
        attributes = {
            **_base(name),
            "target_bucket": enabled.get("TargetBucket", ""),
            "target_prefix": enabled.get("TargetPrefix", ""),
            "target_grant": _sorted(
                [
                    {"grantee": _grantee(g.get("Grantee", {})), "permission": g.get("Permission")}
                    for g in enabled.get("TargetGrants", [])
                ]
            ),
            "target_object_key_format": (
                [
                    {
                        "partitioned_prefix": (
                            [{"partition_date_source": partitioned.get("PartitionDateSource", "")}]
                            if partitioned is not None
                            else []
                        ),
                        "simple_prefix": [{}] if "SimplePrefix" in key_format else [],
                    }
                ]
                if key_format
                else []
            ),
        }
        live.append(_live(_LOGGING, name, region, account, attributes))
    return live


# --- ownership controls and ACL -------------------------------------------------------------


@enumerator(_OWNERSHIP, "s3")
async def list_bucket_ownership_controls(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "ownership")
    account = await scan.account()
    live = []
    for name, configuration in found.items():
        rules = (configuration.get("OwnershipControls") or {}).get("Rules") or []
        if not rules:
            continue
        attributes = {
            "id": name,
            "bucket": name,
            "rule": [{"object_ownership": r.get("ObjectOwnership", "")} for r in rules],
        }
        live.append(_live(_OWNERSHIP, name, region, account, attributes))
    return live


@enumerator(_ACL, "s3")
async def list_bucket_acls(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    # The very ACL answers aws_s3_bucket reads its `grant` from: fetched once per scan.
    found = await _settings_by_bucket(scan, s3, region, ("acl",))
    account = await scan.account()
    live = []
    for name, settings in found.items():
        acl = settings["acl"]
        if acl is None:
            continue
        owner = acl.get("Owner") or {}
        attributes = {
            **_base(name),
            "acl": "",
            "access_control_policy": [
                {
                    "grant": _sorted(
                        [
                            {
                                "grantee": _grantee(g.get("Grantee", {})),
                                "permission": g.get("Permission", ""),
                            }
                            for g in acl.get("Grants", [])
                        ]
                    ),
                    "owner": [
                        {"display_name": owner.get("DisplayName", ""), "id": owner.get("ID", "")}
                    ],
                }
            ],
        }
        live.append(_live(_ACL, name, region, account, attributes))
    return live


# --- CORS, website, notifications -----------------------------------------------------------


@enumerator(_CORS, "s3")
async def list_bucket_cors_configurations(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "cors")
    account = await scan.account()
    live = []
    for name, configuration in found.items():
        rules = configuration.get("CORSRules") or []
        if not rules:
            continue
        attributes = {
            **_base(name),
            "cors_rule": _sorted(
                [
                    {
                        "id": r.get("ID", ""),
                        "allowed_headers": sorted(r.get("AllowedHeaders", [])),
                        "allowed_methods": sorted(r.get("AllowedMethods", [])),
                        "allowed_origins": sorted(r.get("AllowedOrigins", [])),
                        "expose_headers": sorted(r.get("ExposeHeaders", [])),
                        "max_age_seconds": int(r.get("MaxAgeSeconds", 0)),
                    }
                    for r in rules
                ]
            ),
        }
        live.append(_live(_CORS, name, region, account, attributes))
    return live


@enumerator(_WEBSITE, "s3")
async def list_bucket_website_configurations(
    scan: Scan, s3: Any, region: str
) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "website")
    account = await scan.account()
    live = []
    for name, website in found.items():
        index = website.get("IndexDocument")
        error = website.get("ErrorDocument")
        redirect_all = website.get("RedirectAllRequestsTo")
        attributes = {
            **_base(name),
            "index_document": [{"suffix": index.get("Suffix", "")}] if index else [],
            "error_document": [{"key": error.get("Key", "")}] if error else [],
            "redirect_all_requests_to": (
                [
                    {
                        "host_name": redirect_all.get("HostName", ""),
                        "protocol": redirect_all.get("Protocol", ""),
                    }
                ]
                if redirect_all
                else []
            ),
            "routing_rule": [_routing_rule(r) for r in website.get("RoutingRules", [])],
            "website_domain": f"s3-website-{region}.amazonaws.com",
            "website_endpoint": f"{name}.s3-website-{region}.amazonaws.com",
        }
        live.append(_live(_WEBSITE, name, region, account, attributes))
    return live


def _routing_rule(rule: Response) -> dict[str, Any]:
    condition = rule.get("Condition")
    redirect = rule.get("Redirect") or {}
    return {
        "condition": (
            [
                {
                    "http_error_code_returned_equals": condition.get(
                        "HttpErrorCodeReturnedEquals", ""
                    ),
                    "key_prefix_equals": condition.get("KeyPrefixEquals", ""),
                }
            ]
            if condition
            else []
        ),
        "redirect": [
            {
                "host_name": redirect.get("HostName", ""),
                "http_redirect_code": redirect.get("HttpRedirectCode", ""),
                "protocol": redirect.get("Protocol", ""),
                "replace_key_prefix_with": redirect.get("ReplaceKeyPrefixWith", ""),
                "replace_key_with": redirect.get("ReplaceKeyWith", ""),
            }
        ],
    }


#: API list → (Terraform block, the block's ARN field, the API's ARN key).
_NOTIFICATIONS = (
    ("LambdaFunctionConfigurations", "lambda_function", "lambda_function_arn", "LambdaFunctionArn"),
    ("QueueConfigurations", "queue", "queue_arn", "QueueArn"),
    ("TopicConfigurations", "topic", "topic_arn", "TopicArn"),
)


@enumerator(_NOTIFICATION, "s3")
async def list_bucket_notifications(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _configurations(scan, s3, region, "notification")
    account = await scan.account()
    live = []
    for name, configuration in found.items():
        eventbridge = "EventBridgeConfiguration" in configuration
        attributes: dict[str, Any] = {"id": name, "bucket": name, "eventbridge": eventbridge}
        for api_list, block, arn_field, arn_key in _NOTIFICATIONS:
            attributes[block] = _sorted(
                [_notification(c, arn_field, arn_key) for c in configuration.get(api_list, [])]
            )
        # Every bucket answers with a configuration. An empty one is listed too, as a
        # default: emptied by hand under a state that manages it, it is that resource
        # modified (as terraform plan -refresh-only says), not missing; nobody's, no finding.
        item = _live(_NOTIFICATION, name, region, account, attributes)
        if not (eventbridge or any(attributes[b] for _, b, _, _ in _NOTIFICATIONS)):
            item = msgspec.structs.replace(item, is_default=True)
        live.append(item)
    return live


def _notification(configuration: Response, arn_field: str, arn_key: str) -> dict[str, Any]:
    rules = ((configuration.get("Filter") or {}).get("Key") or {}).get("FilterRules", [])
    by_name = {str(r.get("Name", "")).lower(): r.get("Value", "") for r in rules}
    return {
        "id": configuration.get("Id", ""),
        arn_field: configuration.get(arn_key, ""),
        "events": sorted(configuration.get("Events", [])),
        "filter_prefix": by_name.get("prefix", ""),
        "filter_suffix": by_name.get("suffix", ""),
    }


def _count(value: Any) -> int | None:
    """A count the API leaves out when it is not set: null in the provider's state, not 0."""
    return None if value is None else int(value)
