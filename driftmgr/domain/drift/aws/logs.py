"""How CloudWatch Logs log groups compare (terraform-provider-aws 5.x,
``internal/service/logs``)."""

from __future__ import annotations

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.rules import TypeRules

__all__ = []


aws(
    "aws_cloudwatch_log_group",
    TypeRules(
        defaults={"retention_in_days": 0, "kms_key_id": "", "log_group_class": "STANDARD"},
        ignored=frozenset({"name_prefix", "skip_destroy"}),
        severity={"kms_key_id": "high"},
    ),
)
