"""How KMS keys and aliases compare (terraform-provider-aws 5.x, ``internal/service/kms``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.identity import (
    kms_alias_identity,
)
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = []


def _aws_managed_key(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("key_manager", "")).upper() == "AWS"  # DescribeKey KeyManager


def _aws_alias(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("name", "")).startswith("alias/aws/")


# --- KMS ------------------------------------------------------------------------------------

aws(
    "aws_kms_key",
    TypeRules(
        policies=frozenset({"policy"}),
        defaults={
            "key_usage": "ENCRYPT_DECRYPT",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "is_enabled": True,
            "enable_key_rotation": False,
            "multi_region": False,
            "description": "",
            "custom_key_store_id": "",
            "xks_key_id": "",
        },
        ignored=frozenset(
            {
                "key_id",
                "deletion_window_in_days",
                "bypass_policy_lockout_safety_check",
                "rotation_period_in_days",
            }
        ),
        cloud_default=_aws_managed_key,
        severity={"is_enabled": "high", "policy": "high"},
        access=True,
    ),
)

aws(
    "aws_kms_alias",
    TypeRules(
        identity=kms_alias_identity,
        ignored=frozenset({"name_prefix", "target_key_arn"}),
        cloud_default=_aws_alias,
        severity={"target_key_id": "high"},
        taggable=False,
    ),
)
