"""How S3 buckets and their settings compare: versioning, encryption, public access block,
policy, lifecycle, logging, ownership controls, ACL, CORS, website and notifications
(terraform-provider-aws 5.x, ``internal/service/s3``).

Each setting is keyed by its bucket's name
(:func:`~driftmgr.domain.drift.identity.bucket_identity`): the state id is the bucket, or
``bucket,expected_bucket_owner`` (``bucket,acl`` and
``bucket,owner,acl`` for a canned ACL); ``terraform import`` takes the bucket name.

A bucket holding a setting inline (versioning, encryption and policy, which provider v4+
still reads into the bucket; or the v3 style's ``lifecycle_rule``, ``logging``, ``website``,
``cors_rule``, ``grant``) *claims* the live setting, which is neither unmanaged nor reported
twice. A live setting of an unmanaged bucket is part of that bucket's finding (``parent``);
a setting of a managed bucket is the bucket's to report only where the bucket is compared
on the attribute holding it; otherwise a hand-made one is unmanaged. A state setting
resource leaves the bucket's stale inline copy uncompared (``delegates``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.aws._common import (
    aws,
    blocks,
    child_of,
    name_or_id,
    truthy,
)
from driftmgr.domain.drift.identity import (
    bucket_identity,
)
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__ = ["BUCKET_SETTINGS"]

_BUCKET = "aws_s3_bucket"
_IMPORT = "{bucket}"


def _first(value: Any) -> Mapping[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return {}


def _sse_s3_default(a: Mapping[str, Any], c: CloudContext) -> bool:
    # The SSE-S3 (AES256) encryption every bucket has had since January 2023.
    rules = a.get("rule")
    if not isinstance(rules, list) or len(rules) != 1:
        return False
    rule = _first(rules)
    default = _first(rule.get("apply_server_side_encryption_by_default"))
    return (
        default.get("sse_algorithm") == "AES256"
        and not default.get("kms_master_key_id")
        and not truthy(rule.get("bucket_key_enabled"))
    )


_BLOCK_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def _uniform_public_access_block(a: Mapping[str, Any], c: CloudContext) -> bool:
    # All four flags equal: all off is no block at all; all on is what S3 sets on every new
    # bucket since April 2023.
    return len({truthy(a.get(flag)) for flag in _BLOCK_FLAGS}) == 1


def _owner_enforced(a: Mapping[str, Any], c: CloudContext) -> bool:
    # What S3 sets on every new bucket since April 2023 (ACLs disabled).
    rules = a.get("rule")
    return (
        isinstance(rules, list)
        and len(rules) == 1
        and _first(rules).get("object_ownership") == "BucketOwnerEnforced"
    )


def _owner_full_control(a: Mapping[str, Any], c: CloudContext) -> bool:
    # The ACL every bucket is created with: its owner's sole FULL_CONTROL grant.
    policy = _first(a.get("access_control_policy"))
    grants = policy.get("grant")
    if not isinstance(grants, list) or len(grants) != 1:
        return False
    grant = _first(grants)
    grantee = _first(grant.get("grantee"))
    owner = _first(policy.get("owner"))
    return (
        grant.get("permission") == "FULL_CONTROL"
        and grantee.get("type") == "CanonicalUser"
        and bool(grantee.get("id"))
        and grantee.get("id") == owner.get("id")
    )


#: Setting type → the bucket attribute that holds it inline (None: not a bucket attribute).
BUCKET_SETTINGS: dict[str, str | None] = {
    "aws_s3_bucket_lifecycle_configuration": "lifecycle_rule",
    "aws_s3_bucket_logging": "logging",
    "aws_s3_bucket_acl": "grant",
    "aws_s3_bucket_cors_configuration": "cors_rule",
    "aws_s3_bucket_website_configuration": "website",
    "aws_s3_bucket_ownership_controls": None,
    "aws_s3_bucket_notification": None,
}


def _parent(attributes: Mapping[str, Any]) -> Key | None:
    bucket = attributes.get("bucket")
    return (_BUCKET, str(bucket)) if bucket else None


def _hooks(
    attribute: str | None,
) -> tuple[
    Callable[[Mapping[str, Any]], str | None],
    Callable[[StateResource], list[tuple[Key, str]]] | None,
]:
    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return attribute

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = _parent(resource.attributes)
        return [(key, attribute)] if key is not None and attribute is not None else []

    return parent_attribute, (delegates if attribute is not None else None)


def _setting(resource_type: str, rules: TypeRules) -> None:
    parent_attribute, delegates = _hooks(BUCKET_SETTINGS[resource_type])
    aws(
        resource_type,
        msgspec.structs.replace(
            rules,
            identity=bucket_identity,
            import_id=_IMPORT,
            parent=_parent,
            parent_attribute=parent_attribute,
            delegates=delegates,
            ignored=rules.ignored | {"expected_bucket_owner"},
        ),
    )


_CLAIMED_INLINE = {
    "aws_s3_bucket_versioning": "versioning",
    "aws_s3_bucket_server_side_encryption_configuration": "server_side_encryption_configuration",
    "aws_s3_bucket_policy": "policy",
}


def _legacy_claims(resource: StateResource) -> list[Key]:
    bucket = name_or_id(resource, "bucket")
    if bucket is None:
        return []
    return [
        (setting_type, bucket)
        for setting_type, attribute in _CLAIMED_INLINE.items()
        if drop_empty(resource.attributes.get(attribute)) is not None
    ]


_V3_INLINE = {t: a for t, a in BUCKET_SETTINGS.items() if a is not None}


def _bucket_claims(resource: StateResource) -> list[Key]:
    """The live settings a bucket's state holds inline: versioning, encryption and policy
    (provider v4+ still reads them into the bucket), and the v3-style blocks."""
    keys = _legacy_claims(resource)
    bucket = name_or_id(resource, "bucket")
    if bucket is None:
        return keys
    return keys + [
        (setting_type, bucket)
        for setting_type, attribute in _V3_INLINE.items()
        # `grant` is computed: every bucket's state has the owner's; only a v3-style
        # bucket with a canned `acl` or its own grants manages the ACL inline.
        if attribute != "grant" and drop_empty(resource.attributes.get(attribute)) is not None
    ]


aws(
    _BUCKET,
    TypeRules(
        # cors_rule stays a list: S3 applies the first CORS rule that matches.
        sets=frozenset({"grant", "server_side_encryption_configuration"}),
        policies=frozenset({"policy"}),
        defaults={
            "request_payer": "BucketOwner",
            "object_lock_enabled": False,
            "acceleration_status": "",
        },
        # Since provider v4 these are managed by separate resources too; an empty value
        # in the bucket's state means "not managed here" (see also `delegates`). Not the
        # policy: a refresh records it on the bucket, so one added by hand is drift there
        # (terraform plan -refresh-only says so); a separate aws_s3_bucket_policy delegates it.
        absent_when_empty=frozenset(
            {
                "lifecycle_rule",
                "logging",
                "website",
                "cors_rule",
                "replication_configuration",
                "object_lock_configuration",
            }
        ),
        # `acl` is write-only (the API returns grants, not the canned ACL).
        ignored=frozenset(
            {
                "acl",
                "bucket_domain_name",
                "bucket_regional_domain_name",
                "region",
                "hosted_zone_id",
                "force_destroy",
                "bucket_prefix",
                "website_endpoint",
                "website_domain",
            }
        ),
        claims=_bucket_claims,
        claimed_types=frozenset(_CLAIMED_INLINE) | frozenset(BUCKET_SETTINGS),
        severity={
            "acl": "high",
            "grant": "high",
            "policy": "high",
            "server_side_encryption_configuration": "high",
        },
        access=True,
    ),
)


def _versioning_never_enabled(attributes: Mapping[str, Any]) -> bool:
    # "Disabled" is only valid for a bucket whose versioning was never enabled, which S3
    # reports as no versioning configuration at all (the adapter lists none for it).
    configured = blocks(attributes.get("versioning_configuration"))
    return bool(configured) and all(b.get("status") == "Disabled" for b in configured)


_VERSIONING_PARENT, _VERSIONING_ATTRIBUTE, _VERSIONING_DELEGATES = child_of(
    _BUCKET, "bucket", "versioning"
)
aws(
    "aws_s3_bucket_versioning",
    TypeRules(
        sets=frozenset({"versioning_configuration"}),
        ignored=frozenset({"expected_bucket_owner", "mfa"}),
        identity=bucket_identity,
        absent_in_cloud=_versioning_never_enabled,
        parent=_VERSIONING_PARENT,
        parent_attribute=_VERSIONING_ATTRIBUTE,
        delegates=_VERSIONING_DELEGATES,
        taggable=False,
    ),
)

_SSE_PARENT, _SSE_ATTRIBUTE, _SSE_DELEGATES = child_of(
    _BUCKET, "bucket", "server_side_encryption_configuration"
)
aws(
    "aws_s3_bucket_server_side_encryption_configuration",
    TypeRules(
        sets=frozenset({"rule"}),
        ignored=frozenset({"expected_bucket_owner"}),
        identity=bucket_identity,
        parent=_SSE_PARENT,
        parent_attribute=_SSE_ATTRIBUTE,
        delegates=_SSE_DELEGATES,
        cloud_default=_sse_s3_default,
        severity={"rule": "high"},
        access=True,
        taggable=False,
    ),
)

aws(
    "aws_s3_bucket_public_access_block",
    TypeRules(
        defaults={
            "block_public_acls": False,
            "block_public_policy": False,
            "ignore_public_acls": False,
            "restrict_public_buckets": False,
        },
        identity=bucket_identity,
        cloud_default=_uniform_public_access_block,
        severity={
            "block_public_acls": "high",
            "block_public_policy": "high",
            "ignore_public_acls": "high",
            "restrict_public_buckets": "high",
        },
        access=True,
        taggable=False,
    ),
)

_POLICY_PARENT, _POLICY_ATTRIBUTE, _POLICY_DELEGATES = child_of(_BUCKET, "bucket", "policy")
aws(
    "aws_s3_bucket_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        identity=bucket_identity,
        parent=_POLICY_PARENT,
        parent_attribute=_POLICY_ATTRIBUTE,
        delegates=_POLICY_DELEGATES,
        severity={"policy": "high"},
        access=True,
        taggable=False,
    ),
)


_setting(
    "aws_s3_bucket_lifecycle_configuration",
    TypeRules(
        # S3 applies every rule; their order means nothing. Transitions are TypeSet.
        sets=frozenset({"rule"}),
        defaults={"transition_default_minimum_object_size": "all_storage_classes_128K"},
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_logging",
    TypeRules(
        sets=frozenset({"target_grant", "target_object_key_format"}),
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_ownership_controls",
    TypeRules(
        sets=frozenset({"rule"}),
        cloud_default=_owner_enforced,
        severity={"rule": "high"},
        access=True,
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_acl",
    TypeRules(
        # `acl` (a canned ACL) is write-only: the API answers with the grants it expands to.
        sets=frozenset({"access_control_policy"}),
        ignored=frozenset({"acl"}),
        cloud_default=_owner_full_control,
        severity={"access_control_policy": "high", "acl": "high"},
        access=True,
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_cors_configuration",
    TypeRules(
        sets=frozenset({"cors_rule"}),
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_website_configuration",
    TypeRules(
        # routing_rules is the JSON form of routing_rule, which is compared.
        ignored=frozenset({"routing_rules", "website_domain", "website_endpoint"}),
        taggable=False,
    ),
)

_setting(
    "aws_s3_bucket_notification",
    TypeRules(
        sets=frozenset({"lambda_function", "queue", "topic"}),
        defaults={"eventbridge": False},
        taggable=False,
    ),
)
