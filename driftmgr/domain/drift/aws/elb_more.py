"""How ELBv2 listener rules and target group attachments and Classic Load Balancers
compare (terraform-provider-aws 5.x, ``internal/service/elbv2``, ``internal/service/elb``).

A listener rule goes by its ARN. A listener's default rule is its ``default_action``:
the enumerator lists it as a cloud default, never an unmanaged rule.

A target group attachment's Terraform id is random (``<target group ARN>-<timestamp>``)
and Terraform cannot import it: it is matched as ``<target group ARN>/<target id>`` with
``/<port>`` when a port is set, the id the enumerator gives the registered target.

Rules and attachments name their listener and target group as ``parent`` (with no parent
attribute): those of a hand-made listener or target group are part of its finding.

A Classic Load Balancer goes by its name. Its ``instances`` may be managed by
``aws_elb_attachment`` instead: an empty state value is not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = ["target_group_attachment_identity"]


def _listener_default_rule(a: Mapping[str, Any], c: CloudContext) -> bool:
    # A listener's default rule is its ``default_action``, not a rule of its own.
    return bool(a.get("is_default"))


def target_group_attachment_identity(attributes: Mapping[str, Any]) -> str | None:
    group, target = attributes.get("target_group_arn"), attributes.get("target_id")
    if not group or not target:
        return None
    port = attributes.get("port")
    base = f"{group}/{target}"
    return f"{base}/{port}" if port not in (None, "", 0) else base


def _listener_of(attributes: Mapping[str, Any]) -> tuple[str, str] | None:
    listener = attributes.get("listener_arn")
    return ("aws_lb_listener", str(listener)) if listener else None


def _target_group_of(attributes: Mapping[str, Any]) -> tuple[str, str] | None:
    group = attributes.get("target_group_arn")
    return ("aws_lb_target_group", str(group)) if group else None


def _held_by_no_attribute(attributes: Mapping[str, Any]) -> str | None:
    # Separate Terraform resources, never an attribute of their parent: a managed parent
    # does not excuse them, but a hand-made parent's are part of its finding.
    return None


def _not_importable(identity: str, attributes: Mapping[str, Any]) -> str | None:
    return identity  # Terraform cannot import attachments: the canonical key is all there is


aws(
    "aws_lb_listener_rule",
    TypeRules(
        # Conditions are a set, and so are the values each matches and a weighted
        # forward's target groups (TypeSets nested in blocks).
        sets=frozenset(
            {
                "condition",
                "condition.host_header.values",
                "condition.http_request_method.values",
                "condition.path_pattern.values",
                "condition.source_ip.values",
                "action.forward.target_group",
            }
        ),
        # is_default only marks the listener's default rule (a cloud default).
        ignored=frozenset({"is_default"}),
        parent=_listener_of,
        parent_attribute=_held_by_no_attribute,
        severity={"action": "high", "condition": "high"},
        access=True,
        cloud_default=_listener_default_rule,
    ),
)

aws(
    "aws_lb_target_group_attachment",
    TypeRules(
        defaults={"availability_zone": "", "port": 0},
        # target_group_arn, target_id and port are the identity.
        ignored=frozenset({"target_group_arn", "target_id", "port"}),
        identity=target_group_attachment_identity,
        parent=_target_group_of,
        parent_attribute=_held_by_no_attribute,
        import_id="{target_group_arn}/{target_id}[/{port}] (not importable)",
        import_id_of=_not_importable,
        taggable=False,
    ),
)

aws(
    "aws_elb",
    TypeRules(
        sets=frozenset(
            {"availability_zones", "subnets", "security_groups", "instances", "listener"}
        ),
        defaults={
            "access_logs": [],
            "connection_draining": False,
            "connection_draining_timeout": 300,
            "cross_zone_load_balancing": True,
            "desync_mitigation_mode": "defensive",
            "idle_timeout": 60,
            "instances": [],
            "internal": False,
        },
        # The provider compares protocols case-insensitively (http is HTTP).
        case_insensitive=frozenset({"instance_protocol", "lb_protocol"}),
        absent_when_empty=frozenset({"instances"}),
        ignored=frozenset(
            {
                "name_prefix",
                "dns_name",
                "zone_id",
                "source_security_group",
                "source_security_group_id",
            }
        ),
        severity={"listener": "high", "security_groups": "high"},
        access=True,
    ),
)
