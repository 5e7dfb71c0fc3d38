"""S3: bucket tags, versioning, public access block, default encryption, policy, deletion.

Each setting is reachable two ways, as the v5 provider has them: inline on
``aws_s3_bucket`` and as its own resource (``aws_s3_bucket_versioning`` …, whose id is the
bucket name). Tagging replaces the whole set (``PutBucketTagging``), and an empty set is
``DeleteBucketTagging`` (S3 refuses an empty ``TagSet``). A bucket is deleted only when
empty: the executor lists it again just before the call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    block,
    flag,
    identifier,
    policy_text,
    value,
)
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__ = ["BUCKET_IS_EMPTY"]

_BUCKET = "aws_s3_bucket"
_VERSIONING = "aws_s3_bucket_versioning"
_ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
_PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block"
_POLICY = "aws_s3_bucket_policy"

#: The guard of a bucket deletion, checked by the executor just before the call.
BUCKET_IS_EMPTY = "the bucket is empty"


def _bucket(change: Change) -> str:
    return identifier(change.target, change.actual, change.desired, "bucket", "id")


@tagger((_BUCKET,), ("s3:put_bucket_tagging", "s3:delete_bucket_tagging"))
def bucket_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    bucket = identifier(target, actual, desired, "bucket", "id")
    if not diff.wanted:
        return [api_call(target, "s3", "delete_bucket_tagging", {"Bucket": bucket})]
    params = {"Bucket": bucket, "Tagging": {"TagSet": tag_list(diff.wanted)}}
    return [api_call(target, "s3", "put_bucket_tagging", params)]


# --- versioning -----------------------------------------------------------------------------


def _put_versioning(change: Change, status: str, mfa_delete_changes: bool) -> list[ApiCall]:
    if mfa_delete_changes:
        raise NotRemediable("MFA delete can only be changed with the root account's MFA device")
    params = {"Bucket": _bucket(change), "VersioningConfiguration": {"Status": status}}
    return [api_call(change.target, "s3", "put_bucket_versioning", params)]


@recipe(_BUCKET, "versioning", ("s3:put_bucket_versioning",))
def bucket_versioning(change: Change) -> list[ApiCall]:
    wanted, now = block(change.desired.get("versioning")), block(change.actual.get("versioning"))
    status = "Enabled" if flag(wanted.get("enabled")) else "Suspended"
    mfa = flag(wanted.get("mfa_delete")) != flag(now.get("mfa_delete"))
    return _put_versioning(change, status, mfa)


@recipe(_VERSIONING, "versioning_configuration", ("s3:put_bucket_versioning",))
def versioning_configuration(change: Change) -> list[ApiCall]:
    wanted = block(change.desired.get("versioning_configuration"))
    now = block(change.actual.get("versioning_configuration"))
    status = str(wanted.get("status") or "")
    if status not in ("Enabled", "Suspended"):
        raise NotRemediable(
            f"versioning cannot be set to {status or 'nothing'}: once enabled it can only be "
            "suspended"
        )
    mfa = str(wanted.get("mfa_delete") or "Disabled") != str(now.get("mfa_delete") or "Disabled")
    return _put_versioning(change, status, mfa)


# --- public access block --------------------------------------------------------------------

#: Terraform attribute → PublicAccessBlockConfiguration field.
_BLOCKS = {
    "block_public_acls": "BlockPublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "ignore_public_acls": "IgnorePublicAcls",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


@recipe(_PUBLIC_ACCESS_BLOCK, tuple(_BLOCKS), ("s3:put_public_access_block",))
def public_access_block(change: Change) -> list[ApiCall]:
    """All four flags in one call (the API sets the whole configuration), each as desired
    if it was asked for and as observed otherwise."""
    configuration = {
        field: flag(
            value(
                _PUBLIC_ACCESS_BLOCK,
                name,
                change.desired if name in change.attributes else change.actual,
            )
        )
        for name, field in _BLOCKS.items()
    }
    params = {"Bucket": _bucket(change), "PublicAccessBlockConfiguration": configuration}
    return [api_call(change.target, "s3", "put_public_access_block", params)]


@deletion(_PUBLIC_ACCESS_BLOCK, ("s3:delete_public_access_block",))
def delete_public_access_block(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    bucket = identifier(target, actual, {}, "bucket", "id")
    return [api_call(target, "s3", "delete_public_access_block", {"Bucket": bucket})]


# --- default encryption ---------------------------------------------------------------------


def _encryption_rules(rules: Any) -> list[dict[str, Any]]:
    """``rule`` blocks as ``ServerSideEncryptionConfiguration.Rules``."""
    found = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, Mapping):
            continue
        entry: dict[str, Any] = {}
        default = block(rule.get("apply_server_side_encryption_by_default"))
        if default:
            entry["ApplyServerSideEncryptionByDefault"] = {
                "SSEAlgorithm": str(default.get("sse_algorithm") or "AES256"),
                **(
                    {"KMSMasterKeyID": str(default["kms_master_key_id"])}
                    if default.get("kms_master_key_id")
                    else {}
                ),
            }
        entry["BucketKeyEnabled"] = flag(rule.get("bucket_key_enabled"))
        found.append(entry)
    return found


def _put_encryption(change: Change, rules: Any) -> list[ApiCall]:
    bucket = _bucket(change)
    found = _encryption_rules(rules)
    if not found:
        return [api_call(change.target, "s3", "delete_bucket_encryption", {"Bucket": bucket})]
    params = {"Bucket": bucket, "ServerSideEncryptionConfiguration": {"Rules": found}}
    return [api_call(change.target, "s3", "put_bucket_encryption", params)]


_ENCRYPTION_OPERATIONS = ("s3:put_bucket_encryption", "s3:delete_bucket_encryption")


@recipe(_BUCKET, "server_side_encryption_configuration", _ENCRYPTION_OPERATIONS)
def bucket_encryption(change: Change) -> list[ApiCall]:
    configuration = block(change.desired.get("server_side_encryption_configuration"))
    return _put_encryption(change, configuration.get("rule"))


@recipe(_ENCRYPTION, "rule", _ENCRYPTION_OPERATIONS)
def encryption_rule(change: Change) -> list[ApiCall]:
    return _put_encryption(change, change.desired.get("rule"))


@deletion(_ENCRYPTION, ("s3:delete_bucket_encryption",))
def delete_encryption(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    bucket = identifier(target, actual, {}, "bucket", "id")
    return [api_call(target, "s3", "delete_bucket_encryption", {"Bucket": bucket})]


# --- policy ---------------------------------------------------------------------------------


@recipe((_BUCKET, _POLICY), "policy", ("s3:put_bucket_policy", "s3:delete_bucket_policy"))
def bucket_policy(change: Change) -> list[ApiCall]:
    bucket = _bucket(change)
    document = policy_text(change.desired.get("policy"))
    if not document:
        return [api_call(change.target, "s3", "delete_bucket_policy", {"Bucket": bucket})]
    try:
        json.loads(document)
    except ValueError:
        raise NotRemediable("policy: the desired policy is not JSON") from None
    params = {"Bucket": bucket, "Policy": document}
    return [api_call(change.target, "s3", "put_bucket_policy", params)]


@deletion(_POLICY, ("s3:delete_bucket_policy",))
def delete_policy(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    bucket = identifier(target, actual, {}, "bucket", "id")
    return [api_call(target, "s3", "delete_bucket_policy", {"Bucket": bucket})]


# --- the bucket -----------------------------------------------------------------------------


@deletion(_BUCKET, ("s3:delete_bucket",), guard=BUCKET_IS_EMPTY)
def delete_bucket(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    bucket = identifier(target, actual, {}, "bucket", "id")
    return [api_call(target, "s3", "delete_bucket", {"Bucket": bucket}, guard=BUCKET_IS_EMPTY)]
