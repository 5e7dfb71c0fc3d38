"""How bad a finding is: the question a security reviewer asks first.

Rules read the finding only (kind, type, changed paths and values), so the same finding
always gets the same severity.
"""

from __future__ import annotations

from typing import Any

from driftmgr.domain.drift.report import DriftChange, DriftKind, Severity

__all__ = ["severity_of"]

_RANK: dict[Severity, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

#: Types whose absence or presence outside Terraform changes who can reach what.
_ACCESS_TYPES = frozenset({"aws_security_group", "aws_iam_role", "aws_s3_bucket"})

#: (type, attribute) → severity of any change to it.
_ATTRIBUTE_SEVERITY: dict[tuple[str, str], Severity] = {
    ("aws_iam_role", "assume_role_policy"): "critical",
    ("aws_iam_role", "permissions_boundary"): "high",
    ("aws_iam_role", "managed_policy_arns"): "high",
    ("aws_security_group", "ingress"): "high",
    ("aws_security_group", "egress"): "medium",
    ("aws_instance", "vpc_security_group_ids"): "high",
    ("aws_instance", "iam_instance_profile"): "high",
    ("aws_s3_bucket", "policy"): "high",
    ("aws_s3_bucket", "acl"): "high",
    ("aws_s3_bucket", "server_side_encryption_configuration"): "high",
}

_OPEN_TO_WORLD = frozenset({"0.0.0.0/0", "::/0"})


def _opens_to_world(members: list[Any] | None) -> bool:
    for rule in members or []:
        if isinstance(rule, dict):
            cidrs = list(rule.get("cidr_blocks") or []) + list(rule.get("ipv6_cidr_blocks") or [])
            if _OPEN_TO_WORLD.intersection(cidrs):
                return True
    return False


def _change_severity(resource_type: str, change: DriftChange) -> Severity:
    attribute = change.path.split(".", 1)[0].split("[", 1)[0]
    if attribute in ("tags", "tags_all"):
        return "low"
    if (
        resource_type == "aws_security_group"
        and attribute == "ingress"
        and _opens_to_world(change.added)
    ):
        return "critical"
    return _ATTRIBUTE_SEVERITY.get((resource_type, attribute), "medium")


def severity_of(kind: DriftKind, resource_type: str, changes: list[DriftChange]) -> Severity:
    if kind == "modified":
        worst: Severity = "low"
        for change in changes:
            severity = _change_severity(resource_type, change)
            if _RANK[severity] > _RANK[worst]:
                worst = severity
        return worst
    if kind in ("missing", "unmanaged"):
        return "high" if resource_type in _ACCESS_TYPES else "medium"
    return "medium"  # unobserved: unknown, so neither reassuring nor alarming
