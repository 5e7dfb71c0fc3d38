"""How bad a finding is: the question a security reviewer asks first.

Rules read the finding only (kind, type, changed paths and values, and for an unmanaged
object its observed attributes), so the same finding always gets the same severity. What
is particular to a type is in its rules entry: ``access`` (a missing or unmanaged one is
high) and ``severity`` (attribute → severity of a change to it):

- **critical** — the change opens something to the world or hands out control: an ingress
  rule from ``0.0.0.0/0``/``::/0``, a changed role trust policy, a database made public, an
  ``AdministratorAccess`` attachment nobody manages;
- **high** — who can reach or read what changed: security groups and network ACLs, IAM
  policies and attachments, bucket policies and public access blocks, KMS key policies,
  encryption settings, load balancer exposure and TLS;
- **medium** — everything else that changed behaviour; **low** — tags and descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift import aws as _aws  # noqa: F401 - registers the AWS type rules
from driftmgr.domain.drift.report import DriftChange, DriftKind, Severity
from driftmgr.domain.drift.rules import rules_for

__all__ = ["severity_of"]

_RANK: dict[Severity, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

_HIGH: Severity = "high"
_CRITICAL: Severity = "critical"
_LOW: Severity = "low"

#: Attribute names that are labels on every type.
_LABELS = frozenset({"tags", "tags_all", "description"})

_OPEN_TO_WORLD = frozenset({"0.0.0.0/0", "::/0"})

_ADMIN_POLICY_SUFFIX = ":policy/AdministratorAccess"


def _opens_to_world(members: list[Any] | None) -> bool:
    for rule in members or []:
        if isinstance(rule, dict):
            cidrs = list(rule.get("cidr_blocks") or []) + list(rule.get("ipv6_cidr_blocks") or [])
            if _OPEN_TO_WORLD.intersection(cidrs):
                return True
    return False


def _change_severity(resource_type: str, change: DriftChange) -> Severity:
    attribute = change.path.split(".", 1)[0].split("[", 1)[0]
    listed = rules_for(resource_type).severity.get(attribute)
    if listed is not None:
        # Ingress rules that let the world in (a group's inline rules, whatever its type).
        if attribute == "ingress":
            return _CRITICAL if _opens_to_world(change.added) else listed
        return listed
    if attribute in _LABELS:
        return _LOW
    return "medium"


def _object_severity(
    kind: DriftKind, resource_type: str, attributes: Mapping[str, Any] | None
) -> Severity:
    attributes = attributes or {}
    if kind == "unmanaged" and (
        # An unmanaged ingress rule (a security group rule) from anywhere.
        attributes.get("type") == "ingress" and _opens_to_world([dict(attributes)])
    ):
        return _CRITICAL
    if kind == "unmanaged" and str(attributes.get("policy_arn", "")).endswith(_ADMIN_POLICY_SUFFIX):
        return _CRITICAL
    return _HIGH if rules_for(resource_type).access else "medium"


def severity_of(
    kind: DriftKind,
    resource_type: str,
    changes: list[DriftChange],
    *,
    attributes: Mapping[str, Any] | None = None,
) -> Severity:
    """The severity of one finding.

    ``attributes`` are the live object's, for an unmanaged one: an unmanaged ingress rule
    from anywhere, or an unmanaged ``AdministratorAccess`` attachment, is critical.
    """
    if kind == "modified":
        worst: Severity = "low"
        for change in changes:
            severity = _change_severity(resource_type, change)
            if _RANK[severity] > _RANK[worst]:
                worst = severity
        return worst
    if kind in ("missing", "unmanaged"):
        return _object_severity(kind, resource_type, attributes)
    return "medium"  # unobserved: unknown, so neither reassuring nor alarming
