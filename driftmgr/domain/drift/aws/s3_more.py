"""How the remaining S3 bucket settings compare: lifecycle, logging, ownership controls, ACL,
CORS, website and notifications (terraform-provider-aws 5.x, ``internal/service/s3``).

Each is keyed by its bucket's name (:func:`~driftmgr.domain.drift.identity.bucket_identity`):
the state id is the bucket, or ``bucket,expected_bucket_owner`` (``bucket,acl`` and
``bucket,owner,acl`` for a canned ACL); ``terraform import`` takes the bucket name.

A bucket written in the provider's v3 style holds these settings inline (``lifecycle_rule``,
``logging``, ``website``, ``cors_rule``, ``grant``): the bucket then *claims* the live
setting, which is neither unmanaged nor reported twice. A live setting of an unmanaged
bucket is part of that bucket's finding (``parent``); a setting of a managed bucket is the
bucket's to report only where the bucket is compared on the attribute holding it (the ACL's
``grant``; the others are not read into the bucket, so a hand-made one is unmanaged). A
state setting resource leaves the bucket's stale inline copy uncompared (``delegates``).

The ``aws_s3_bucket`` rules are re-registered here with these claims added: the bucket's
own module claims only versioning, encryption and policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.identity import bucket_identity
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import Key, TypeRules, register, rules_for
from driftmgr.domain.resources import StateResource

__all__ = ["BUCKET_SETTINGS"]

_BUCKET = "aws_s3_bucket"
_RESERVED = ("aws:",)
_IMPORT = "{bucket}"

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
    register(
        resource_type,
        msgspec.structs.replace(
            rules,
            identity=bucket_identity,
            import_id=_IMPORT,
            parent=_parent,
            parent_attribute=parent_attribute,
            delegates=delegates,
            ignored_tag_prefixes=_RESERVED,
            ignored=rules.ignored | {"expected_bucket_owner"},
        ),
    )


_setting(
    "aws_s3_bucket_lifecycle_configuration",
    TypeRules(
        # S3 applies every rule; their order means nothing. Transitions are TypeSet.
        sets=frozenset({"rule"}),
        defaults={"transition_default_minimum_object_size": "all_storage_classes_128K"},
    ),
)

_setting(
    "aws_s3_bucket_logging",
    TypeRules(sets=frozenset({"target_grant", "target_object_key_format"})),
)

_setting(
    "aws_s3_bucket_ownership_controls",
    TypeRules(sets=frozenset({"rule"})),
)

_setting(
    "aws_s3_bucket_acl",
    TypeRules(
        # `acl` (a canned ACL) is write-only: the API answers with the grants it expands to.
        sets=frozenset({"access_control_policy"}),
        ignored=frozenset({"acl"}),
    ),
)

_setting(
    "aws_s3_bucket_cors_configuration",
    TypeRules(sets=frozenset({"cors_rule"})),
)

_setting(
    "aws_s3_bucket_website_configuration",
    TypeRules(
        # routing_rules is the JSON form of routing_rule, which is compared.
        ignored=frozenset({"routing_rules", "website_domain", "website_endpoint"}),
    ),
)

_setting(
    "aws_s3_bucket_notification",
    TypeRules(
        sets=frozenset({"lambda_function", "queue", "topic"}),
        defaults={"eventbridge": False},
    ),
)


# --- the bucket claims its inline settings --------------------------------------------------

_bucket_rules = rules_for(_BUCKET)
_bucket_claims = _bucket_rules.claims
_INLINE = {t: a for t, a in BUCKET_SETTINGS.items() if a is not None}


def _claims(resource: StateResource) -> list[Key]:
    keys = list(_bucket_claims(resource)) if _bucket_claims is not None else []
    bucket = resource.attributes.get("bucket") or resource.attributes.get("id") or resource.id
    if not bucket:
        return keys
    return keys + [
        (setting_type, str(bucket))
        for setting_type, attribute in _INLINE.items()
        # `grant` is computed: every bucket's state has the owner's; only a v3-style
        # bucket with a canned `acl` or its own grants manages the ACL inline.
        if attribute != "grant" and drop_empty(resource.attributes.get(attribute)) is not None
    ]


register(
    _BUCKET,
    msgspec.structs.replace(
        _bucket_rules,
        ignored=_bucket_rules.ignored,
        claims=_claims,
        claimed_types=(_bucket_rules.claimed_types or frozenset())
        | frozenset(_INLINE)
        | frozenset(BUCKET_SETTINGS),
    ),
)
