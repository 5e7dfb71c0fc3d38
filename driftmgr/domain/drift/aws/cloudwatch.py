"""How CloudWatch metric alarms and EventBridge rules and targets compare
(terraform-provider-aws 5.x, ``internal/service/cloudwatch``, ``internal/service/events``).

An EventBridge rule's id is its name on the ``default`` bus and ``<bus>/<name>`` on any
other; a target's is ``<rule>-<target_id>`` or ``<bus>-<rule>-<target_id>``
(``ruleCreateResourceID``, ``targetCreateResourceID``). A state may name the bus by its
ARN: the identity uses the bus name either way. A target's ``arn`` is what it invokes, so it
is compared (``TypeRules.configured``), unlike every other type's ``arn``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = ["event_rule_identity", "event_target_identity"]


def _target_tracking_alarm(a: Mapping[str, Any], c: CloudContext) -> bool:
    # Application Auto Scaling's target-tracking alarms, owned by the scaling policy.
    return str(a.get("alarm_name", "")).startswith("TargetTracking-")


def _managed_by_a_service(a: Mapping[str, Any], c: CloudContext) -> bool:
    # ListRules ManagedBy (a target: its rule's): a rule a service put on the bus for itself.
    return bool(a.get("managed_by"))


_DEFAULT_BUS = "default"


def _bus_name(attributes: Mapping[str, Any]) -> str:
    bus = str(attributes.get("event_bus_name") or _DEFAULT_BUS)
    # arn:aws:events:us-east-1:123456789012:event-bus/orders → orders
    return bus.rsplit("event-bus/", 1)[-1] if bus.startswith("arn:") else bus


def event_rule_identity(attributes: Mapping[str, Any]) -> str | None:
    name = attributes.get("name")
    if not name:
        return str(attributes["id"]) if attributes.get("id") else None
    bus = _bus_name(attributes)
    return str(name) if bus == _DEFAULT_BUS else f"{bus}/{name}"


def event_target_identity(attributes: Mapping[str, Any]) -> str | None:
    rule, target = attributes.get("rule"), attributes.get("target_id")
    if not rule or not target:
        return str(attributes["id"]) if attributes.get("id") else None
    bus = _bus_name(attributes)
    parts = [str(rule), str(target)] if bus == _DEFAULT_BUS else [bus, str(rule), str(target)]
    return "-".join(parts)


aws(
    "aws_cloudwatch_metric_alarm",
    TypeRules(
        sets=frozenset(
            {"alarm_actions", "ok_actions", "insufficient_data_actions", "metric_query"}
        ),
        defaults={
            "actions_enabled": True,
            "alarm_actions": [],
            "ok_actions": [],
            "insufficient_data_actions": [],
            "alarm_description": "",
            "datapoints_to_alarm": 0,
            "dimensions": {},
            "evaluate_low_sample_count_percentiles": "",
            "extended_statistic": "",
            "metric_query": [],
            "threshold_metric_id": "",
            "treat_missing_data": "missing",
            "unit": "",
        },
        cloud_default=_target_tracking_alarm,
    ),
)

aws(
    "aws_cloudwatch_event_rule",
    TypeRules(
        policies=frozenset({"event_pattern"}),
        defaults={
            "description": "",
            "event_pattern": "",
            "is_enabled": True,
            "role_arn": "",
            "schedule_expression": "",
            "state": "ENABLED",
        },
        # The bus (a name or an ARN in the state) is part of the identity.
        ignored=frozenset({"name_prefix", "force_destroy", "managed_by", "event_bus_name"}),
        identity=event_rule_identity,
        cloud_default=_managed_by_a_service,
    ),
)

aws(
    "aws_cloudwatch_event_target",
    TypeRules(
        # arn is what the target invokes: configuration, unlike every other type's arn.
        configured=frozenset({"arn"}),
        policies=frozenset({"input"}),
        defaults={
            "input": "",
            "input_path": "",
            "role_arn": "",
            "input_transformer": [],
            "retry_policy": [],
            "dead_letter_config": [],
            "sqs_target": [],
            "kinesis_target": [],
            "run_command_targets": [],
            "ecs_target": [],
        },
        # rule, target_id and the bus (a name or an ARN in the state) are the identity.
        ignored=frozenset({"force_destroy", "managed_by", "rule", "target_id", "event_bus_name"}),
        identity=event_target_identity,
        import_id="{event_bus_name}/{rule}/{target_id}",
        cloud_default=_managed_by_a_service,
        severity={"arn": "high"},
        taggable=False,
    ),
)
