"""How IAM roles, users, groups, managed policies, their attachments and instance
profiles compare (terraform-provider-aws 5.x, ``internal/service/iam``). IAM is global.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
    child_of,
    name_or_id,
    strings,
)
from driftmgr.domain.drift.identity import (
    policy_attachment_id,
    policy_attachment_identity,
)
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__ = []


def _service_linked_role(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("path", "")).startswith("/aws-service-role/")


def _aws_managed_policy(a: Mapping[str, Any], c: CloudContext) -> bool:
    return bool(_MANAGED_POLICY_ARN.match(str(a.get("arn") or a.get("id") or "")))


def _service_linked_attachment(a: Mapping[str, Any], c: CloudContext) -> bool:
    role = str(a.get("role", ""))
    return role.startswith(_SERVICE_LINKED_ROLE_PREFIX) or role in c.service_linked_role_names


_ROLE = "aws_iam_role"
_MANAGED_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
_SERVICE_LINKED_ROLE_PREFIX = "AWSServiceRoleFor"

# --- IAM ------------------------------------------------------------------------------------


def _role_claims(resource: StateResource) -> list[Key]:
    role = name_or_id(resource, "name")
    if role is None:
        return []
    return [
        ("aws_iam_role_policy_attachment", policy_attachment_id(role, arn))
        for arn in strings(resource.attributes.get("managed_policy_arns"))
    ]


aws(
    _ROLE,
    TypeRules(
        policies=frozenset({"assume_role_policy", "policy"}),
        sets=frozenset({"managed_policy_arns", "inline_policy"}),
        defaults={
            "path": "/",
            "max_session_duration": 3600,
            "description": "",
            "permissions_boundary": "",
        },
        # A refresh records inline policies on the role whoever made them, so one added by
        # hand is drift (as terraform plan -refresh-only reports it).
        ignored=frozenset({"unique_id", "create_date", "force_detach_policies", "name_prefix"}),
        claims=_role_claims,
        claimed_types=frozenset({"aws_iam_role_policy_attachment"}),
        cloud_default=_service_linked_role,
        severity={
            "assume_role_policy": "critical",
            "inline_policy": "high",
            "managed_policy_arns": "high",
            "permissions_boundary": "high",
        },
        access=True,
        is_global=True,
    ),
)

aws(
    "aws_iam_user",
    TypeRules(
        defaults={"path": "/", "permissions_boundary": ""},
        ignored=frozenset({"unique_id", "force_destroy"}),
        severity={"permissions_boundary": "high"},
        access=True,
        is_global=True,
    ),
)

aws(
    "aws_iam_group",
    TypeRules(
        defaults={"path": "/"},
        ignored=frozenset({"unique_id"}),
        access=True,
        taggable=False,
        is_global=True,
    ),
)

aws(
    "aws_iam_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        defaults={"path": "/", "description": ""},
        ignored=frozenset({"policy_id", "name_prefix", "attachment_count"}),
        cloud_default=_aws_managed_policy,
        severity={"policy": "high"},
        access=True,
        is_global=True,
    ),
)

_ROLE_ATTACHMENT_PARENT, _ROLE_ATTACHMENT_ATTRIBUTE, _ROLE_ATTACHMENT_DELEGATES = child_of(
    _ROLE, "role", "managed_policy_arns"
)
aws(
    "aws_iam_role_policy_attachment",
    TypeRules(
        identity=policy_attachment_identity("role"),
        import_id="{role}/{policy_arn}",
        parent=_ROLE_ATTACHMENT_PARENT,
        parent_attribute=_ROLE_ATTACHMENT_ATTRIBUTE,
        delegates=_ROLE_ATTACHMENT_DELEGATES,
        cloud_default=_service_linked_attachment,
        access=True,
        taggable=False,
        is_global=True,
    ),
)
aws(
    "aws_iam_user_policy_attachment",
    TypeRules(
        identity=policy_attachment_identity("user"),
        import_id="{user}/{policy_arn}",
        access=True,
        taggable=False,
        is_global=True,
    ),
)
aws(
    "aws_iam_group_policy_attachment",
    TypeRules(
        identity=policy_attachment_identity("group"),
        import_id="{group}/{policy_arn}",
        access=True,
        taggable=False,
        is_global=True,
    ),
)

aws(
    "aws_iam_instance_profile",
    TypeRules(
        defaults={"path": "/"},
        ignored=frozenset({"unique_id", "create_date", "name_prefix"}),
        severity={"role": "high"},
        access=True,
        is_global=True,
    ),
)
