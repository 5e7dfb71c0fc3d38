"""S3: buckets, located per region, and the bucket settings Terraform manages as resources.

Attributes are named and shaped as terraform-provider-aws 5.x stores them
(``internal/service/s3/bucket.go`` ``resourceBucketRead`` and the ``flatten*`` helpers):

- ``aws_s3_bucket`` carries the sub-configurations the v5 provider still reads into the
  bucket: ``policy`` ("" without one), ``server_side_encryption_configuration``,
  ``versioning``, ``grant``, ``object_lock_enabled`` and ``object_lock_configuration``.
  Settings driftmgr does not read (CORS, lifecycle, logging, website, replication, request
  payment, acceleration) are left out, so they are never compared.
- ``aws_s3_bucket_versioning``, ``…_server_side_encryption_configuration``,
  ``…_public_access_block`` and ``…_policy`` exist only where the bucket has that
  configuration; their id is the bucket name.

Each sub-configuration of a bucket is fetched once per scan (:meth:`Scan.shared`) and shared
by the bucket and the setting types. A bucket deleted since it was listed is gone; any other
failed call fails the whole (type, region), which is then unobserved.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_BUCKET = "aws_s3_bucket"
_VERSIONING = "aws_s3_bucket_versioning"
_ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
_PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block"
_POLICY = "aws_s3_bucket_policy"

#: Answers that mean "this bucket has no such configuration", per configuration; the
#: provider reads each of them as null. NotImplemented & co. come from S3-compatible
#: endpoints and bucket kinds that lack the feature.
_UNSUPPORTED = ("MethodNotAllowed", "NotImplemented", "XNotImplemented")
_ABSENT = {
    "tagging": ("NoSuchTagSet",),
    "versioning": _UNSUPPORTED,
    "policy": ("NoSuchBucketPolicy", *_UNSUPPORTED),
    "encryption": (
        "ServerSideEncryptionConfigurationNotFoundError",
        "UnsupportedOperation",
        *_UNSUPPORTED,
    ),
    "object_lock": ("ObjectLockConfigurationNotFoundError", *_UNSUPPORTED),
    "acl": _UNSUPPORTED,
    "public_access_block": ("NoSuchPublicAccessBlockConfiguration",),
}
_OPERATIONS = {
    "tagging": "get_bucket_tagging",
    "versioning": "get_bucket_versioning",
    "policy": "get_bucket_policy",
    "encryption": "get_bucket_encryption",
    "object_lock": "get_object_lock_configuration",
    "acl": "get_bucket_acl",
    "public_access_block": "get_public_access_block",
}
_BUCKET_SETTINGS = ("tagging", "versioning", "policy", "encryption", "object_lock", "acl")


class _BucketGone(Exception):
    """The bucket was deleted after it was listed: it no longer exists, it is not unobserved."""


Settings = dict[str, Response | None]
"""One bucket's configurations by name; None where the bucket has none."""


@enumerator(_BUCKET, "s3")
async def list_buckets(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _settings_by_bucket(scan, s3, region, _BUCKET_SETTINGS)
    account = await scan.account()
    return [_bucket_resource(name, region, settings, account) for name, settings in found.items()]


@enumerator(_VERSIONING, "s3")
async def list_bucket_versionings(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _settings_by_bucket(scan, s3, region, ("versioning",))
    account = await scan.account()
    live = []
    for name, settings in found.items():
        versioning = settings["versioning"] or {}
        # A bucket whose versioning was never enabled has no versioning configuration.
        if not versioning.get("Status"):
            continue
        attributes = {
            "id": name,
            "bucket": name,
            "versioning_configuration": [
                {"status": versioning["Status"], "mfa_delete": versioning.get("MFADelete", "")}
            ],
        }
        live.append(_resource(_VERSIONING, name, region, account, attributes))
    return live


@enumerator(_ENCRYPTION, "s3")
async def list_bucket_encryptions(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _settings_by_bucket(scan, s3, region, ("encryption",))
    account = await scan.account()
    live = []
    for name, settings in found.items():
        encryption = settings["encryption"]
        if encryption is None:
            continue
        attributes = {"id": name, "bucket": name, "rule": _encryption_rules(encryption)}
        live.append(_resource(_ENCRYPTION, name, region, account, attributes))
    return live


@enumerator(_PUBLIC_ACCESS_BLOCK, "s3")
async def list_bucket_public_access_blocks(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _settings_by_bucket(scan, s3, region, ("public_access_block",))
    account = await scan.account()
    live = []
    for name, settings in found.items():
        block = settings["public_access_block"]
        if block is None:
            continue
        attributes = {
            "id": name,
            "bucket": name,
            "block_public_acls": bool(block.get("BlockPublicAcls", False)),
            "block_public_policy": bool(block.get("BlockPublicPolicy", False)),
            "ignore_public_acls": bool(block.get("IgnorePublicAcls", False)),
            "restrict_public_buckets": bool(block.get("RestrictPublicBuckets", False)),
        }
        live.append(_resource(_PUBLIC_ACCESS_BLOCK, name, region, account, attributes))
    return live


@enumerator(_POLICY, "s3")
async def list_bucket_policies(scan: Scan, s3: Any, region: str) -> list[LiveResource]:
    found = await _settings_by_bucket(scan, s3, region, ("policy",))
    account = await scan.account()
    live = []
    for name, settings in found.items():
        policy = settings["policy"]
        if policy is None:
            continue
        attributes = {"id": name, "bucket": name, "policy": policy_json(policy.get("Policy"))}
        live.append(_resource(_POLICY, name, region, account, attributes))
    return live


# --- fetching, shared by the bucket and its setting types -----------------------------------


async def _settings_by_bucket(
    scan: Scan, s3: Any, region: str, wanted: tuple[str, ...]
) -> dict[str, Settings]:
    """The ``wanted`` configurations of every bucket in ``region``, by bucket name.

    Buckets deleted since the listing are left out. Any other failure propagates, so that
    the (type, region) is unobserved rather than reporting a value nobody observed.
    """
    # ListBuckets is global: list and locate once per scan, then keep this region's buckets.
    located = await scan.shared("s3:bucket-regions", lambda: _locate_buckets(scan))
    names = sorted(name for name, bucket_region in located.items() if bucket_region == region)

    async def settings_of(name: str) -> Settings | None:
        try:
            values = await gather(_setting(scan, s3, name, setting) for setting in wanted)
        except _BucketGone:
            return None
        return dict(zip(wanted, values, strict=True))

    fetched = await gather(settings_of(name) for name in names)
    pairs = zip(names, fetched, strict=True)
    return {name: settings for name, settings in pairs if settings is not None}


async def _setting(scan: Scan, s3: Any, bucket: str, setting: str) -> Response | None:
    """One configuration of one bucket, fetched at most once per scan."""
    return await scan.shared(
        f"s3:{setting}:{bucket}", lambda: _fetch_setting(scan, s3, bucket, setting)
    )


async def _fetch_setting(scan: Scan, s3: Any, bucket: str, setting: str) -> Response | None:
    try:
        response = await scan.call(s3, _OPERATIONS[setting], Bucket=bucket)
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            raise _BucketGone(bucket) from None
        if code in _ABSENT[setting]:
            return None
        raise
    response.pop("ResponseMetadata", None)
    if setting == "encryption":
        configuration: Response = response.get("ServerSideEncryptionConfiguration") or {}
        return configuration
    if setting == "object_lock":
        lock: Response = response.get("ObjectLockConfiguration") or {}
        return lock
    if setting == "public_access_block":
        block: Response = response.get("PublicAccessBlockConfiguration") or {}
        return block
    return response


async def _locate_buckets(scan: Scan) -> dict[str, str]:
    s3 = await scan.client("s3", scan.home_region)
    located: dict[str, str] = {}
    unlocated: list[str] = []
    async for page in scan.pages(s3, "list_buckets"):
        for bucket in page.get("Buckets", []):
            if bucket.get("BucketRegion"):
                located[bucket["Name"]] = bucket["BucketRegion"]
            else:
                unlocated.append(bucket["Name"])

    async def location(name: str) -> str | None:
        try:
            response = await scan.call(s3, "get_bucket_location", Bucket=name)
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        return _bucket_region(response.get("LocationConstraint"))

    for name, bucket_region in zip(
        unlocated, await gather(location(n) for n in unlocated), strict=True
    ):
        if bucket_region is not None:
            located[name] = bucket_region
    return located


# --- mapping --------------------------------------------------------------------------------


def _resource(
    type_: str, name: str, region: str, account: str | None, attributes: dict[str, Any]
) -> LiveResource:
    return resource(
        type_,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(type_, attributes),
    )


def _bucket_resource(
    name: str, region: str, settings: Settings, account: str | None
) -> LiveResource:
    versioning = settings["versioning"]
    encryption = settings["encryption"]
    lock = settings["object_lock"]
    policy = settings["policy"]
    acl = settings["acl"]
    attributes = {
        "id": name,
        "bucket": name,
        "arn": f"arn:{partition(region)}:s3:::{name}",
        "region": region,
        "bucket_domain_name": f"{name}.s3.amazonaws.com",
        "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
        "tags": tags((settings["tagging"] or {}).get("TagSet")),
        "policy": policy_json(policy.get("Policy")) if policy is not None else "",
        "versioning": (
            [
                {
                    "enabled": versioning.get("Status") == "Enabled",
                    "mfa_delete": versioning.get("MFADelete") == "Enabled",
                }
            ]
            if versioning is not None
            else []
        ),
        "server_side_encryption_configuration": (
            [{"rule": _encryption_rules(encryption)}] if encryption is not None else []
        ),
        "grant": _grants(acl.get("Grants", [])) if acl is not None else [],
        "object_lock_enabled": lock is not None and lock.get("ObjectLockEnabled") == "Enabled",
        "object_lock_configuration": _object_lock(lock) if lock is not None else [],
    }
    return _resource(_BUCKET, name, region, account, attributes)


def _encryption_rules(configuration: Response) -> list[dict[str, Any]]:
    """``rule`` blocks as both the bucket's and the standalone resource's schema hold them."""
    rules = []
    for rule in configuration.get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault")
        rules.append(
            {
                "apply_server_side_encryption_by_default": (
                    [
                        {
                            "sse_algorithm": default.get("SSEAlgorithm", ""),
                            "kms_master_key_id": default.get("KMSMasterKeyID", ""),
                        }
                    ]
                    if default is not None
                    else []
                ),
                "bucket_key_enabled": bool(rule.get("BucketKeyEnabled", False)),
            }
        )
    return _sorted(rules)


def _grants(grants: list[Response]) -> list[dict[str, Any]]:
    """``flattenBucketGrants``: one block per grantee, its permissions as a set."""
    by_grantee: dict[tuple[str, str, str], set[str]] = {}
    for grant in grants:
        grantee = grant.get("Grantee", {})
        key = (grantee.get("Type", ""), grantee.get("ID", ""), grantee.get("URI", ""))
        by_grantee.setdefault(key, set()).add(grant.get("Permission", ""))
    return _sorted(
        [
            {"type": type_, "id": id_, "uri": uri, "permissions": sorted(permissions)}
            for (type_, id_, uri), permissions in by_grantee.items()
        ]
    )


def _object_lock(lock: Response) -> list[dict[str, Any]]:
    block: dict[str, Any] = {"object_lock_enabled": lock.get("ObjectLockEnabled", ""), "rule": []}
    retention = (lock.get("Rule") or {}).get("DefaultRetention")
    if retention is not None:
        block["rule"] = [
            {
                "default_retention": [
                    {
                        "mode": retention.get("Mode", ""),
                        "days": retention.get("Days", 0),
                        "years": retention.get("Years", 0),
                    }
                ]
            }
        ]
    return [block]


def _sorted(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Set members in a fixed order: an unchanged bucket always yields the same attributes.
    return sorted(blocks, key=lambda block: json.dumps(block, sort_keys=True))


def _bucket_region(location_constraint: str | None) -> str:
    # GetBucketLocation's legacy answers: no constraint is us-east-1, "EU" is eu-west-1.
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint
