"""CloudWatch metric alarms and EventBridge rules and targets against a real moto server
(see :mod:`driftmgr.adapters.providers.aws.cloudwatch`), and their drift through
:func:`~driftmgr.domain.drift.engine.detect_drift`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from driftmgr.domain.drift.engine import Findings, detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource

Boto = Callable[..., Any]

ALARM = "aws_cloudwatch_metric_alarm"
RULE = "aws_cloudwatch_event_rule"
TARGET = "aws_cloudwatch_event_target"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"


def drift(state: Sequence[StateResource], types: Sequence[str]) -> Findings:
    """The findings for ``state`` against a fresh scan of ``types``."""
    return detect_drift(
        list(state), scan([REGION], types).values(), DriftScope(providers=["aws"], regions=[REGION])
    )


def changed_paths(findings: Findings) -> dict[str, list[str]]:
    """Each modified finding's changed paths, by id."""
    return {
        str(item.id): sorted(c.path for c in item.changes)
        for item in findings.items
        if item.kind == "modified"
    }


def put_alarm(cloudwatch: Any, name: str = "cpu-high", threshold: float = 80) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=2,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": "web"}],
        AlarmActions=[TOPIC],
        TreatMissingData="breaching",
        Tags=[{"Key": "team", "Value": "ops"}],
    )


def alarm_state() -> StateResource:
    return state_resource(
        ALARM,
        "cpu",
        {
            "id": "cpu-high",
            "alarm_name": "cpu-high",
            "arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:cpu-high",
            "actions_enabled": True,
            "alarm_actions": [TOPIC],
            "alarm_description": "",
            "comparison_operator": "GreaterThanThreshold",
            "datapoints_to_alarm": 0,
            "dimensions": {"AutoScalingGroupName": "web"},
            "evaluation_periods": 2,
            "insufficient_data_actions": [],
            "metric_name": "CPUUtilization",
            "metric_query": [],
            "namespace": "AWS/EC2",
            "ok_actions": [],
            "period": 300,
            "statistic": "Average",
            "threshold": 80,
            "treat_missing_data": "breaching",
            "unit": "",
            "tags": {"team": "ops"},
            "tags_all": {"team": "ops"},
        },
    )


def test_metric_alarms_are_listed_by_name_with_the_providers_attributes(boto: Boto) -> None:
    put_alarm(boto("cloudwatch"))

    alarm = observed(scan([REGION], [ALARM])[(ALARM, REGION)])["cpu-high"]

    assert (alarm.type, alarm.account, alarm.is_default) == (ALARM, ACCOUNT, False)
    attributes = alarm.attributes
    assert attributes["arn"] == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:cpu-high"
    assert attributes["alarm_actions"] == [TOPIC]
    assert attributes["dimensions"] == {"AutoScalingGroupName": "web"}
    assert (attributes["threshold"], attributes["period"], attributes["evaluation_periods"]) == (
        80.0,
        300,
        2,
    )
    assert attributes["treat_missing_data"] == "breaching"
    assert attributes["metric_query"] == []
    assert attributes["tags"] == {"team": "ops"}


def test_target_tracking_alarms_are_cloud_defaults(boto: Boto) -> None:
    put_alarm(boto("cloudwatch"), name="TargetTracking-table/orders-AlarmHigh-1a2b")

    alarms = observed(scan([REGION], [ALARM])[(ALARM, REGION)])

    assert alarms["TargetTracking-table/orders-AlarmHigh-1a2b"].is_default


def test_a_metric_alarm_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    cloudwatch = boto("cloudwatch")
    put_alarm(cloudwatch)

    assert drift([alarm_state()], [ALARM]).items == []

    put_alarm(cloudwatch, threshold=95)
    assert changed_paths(drift([alarm_state()], [ALARM])) == {"cpu-high": ["threshold"]}


def seed_rules(events: Any, function_arn: str) -> None:
    events.put_rule(
        Name="nightly",
        ScheduleExpression="cron(0 3 * * ? *)",
        Description="nightly export",
        Tags=[{"Key": "team", "Value": "data"}],
    )
    events.create_event_bus(Name="orders")
    events.put_rule(
        Name="order-created",
        EventBusName="orders",
        EventPattern=json.dumps({"source": ["shop.orders"], "detail-type": ["OrderCreated"]}),
    )
    events.put_targets(
        Rule="nightly",
        Targets=[{"Id": "export", "Arn": function_arn, "Input": json.dumps({"mode": "full"})}],
    )
    events.put_targets(
        Rule="order-created",
        EventBusName="orders",
        Targets=[
            {
                "Id": "queue",
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders",
                "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
            }
        ],
    )


FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:export"


def test_event_rules_and_targets_are_named_as_the_provider_names_them(boto: Boto) -> None:
    seed_rules(boto("events"), FUNCTION_ARN)

    outcomes = scan([REGION], [RULE, TARGET])
    rules = observed(outcomes[(RULE, REGION)])
    targets = observed(outcomes[(TARGET, REGION)])

    assert set(rules) == {"nightly", "orders/order-created"}
    nightly = rules["nightly"].attributes
    assert nightly["arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly"
    assert nightly["event_bus_name"] == "default"
    assert nightly["schedule_expression"] == "cron(0 3 * * ? *)"
    assert nightly["description"] == "nightly export"
    assert (nightly["state"], nightly["is_enabled"]) == ("ENABLED", True)
    assert nightly["event_pattern"] == ""
    assert nightly["tags"] == {"team": "data"}
    created = rules["orders/order-created"].attributes
    assert created["event_bus_name"] == "orders"
    assert json.loads(created["event_pattern"]) == {
        "source": ["shop.orders"],
        "detail-type": ["OrderCreated"],
    }
    assert not any(r.is_default for r in rules.values())

    assert set(targets) == {"nightly-export", "orders-order-created-queue"}
    export = targets["nightly-export"].attributes
    assert (export["rule"], export["target_id"], export["arn"]) == (
        "nightly",
        "export",
        FUNCTION_ARN,
    )
    assert json.loads(export["input"]) == {"mode": "full"}
    queue = targets["orders-order-created-queue"].attributes
    assert queue["event_bus_name"] == "orders"
    assert queue["retry_policy"] == [
        {"maximum_event_age_in_seconds": 600, "maximum_retry_attempts": 3}
    ]


def rule_state() -> StateResource:
    return state_resource(
        RULE,
        "nightly",
        {
            "id": "nightly",
            "name": "nightly",
            "arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly",
            "description": "nightly export",
            "event_bus_name": "default",
            "event_pattern": None,
            "is_enabled": True,
            "state": "ENABLED",
            "role_arn": "",
            "schedule_expression": "cron(0 3 * * ? *)",
            "tags": {"team": "data"},
            "tags_all": {"team": "data"},
        },
    )


def target_state() -> StateResource:
    return state_resource(
        TARGET,
        "export",
        {
            "id": "nightly-export",
            "rule": "nightly",
            "target_id": "export",
            "arn": FUNCTION_ARN,
            "event_bus_name": "default",
            "input": '{"mode": "full"}',
            "input_path": "",
            "role_arn": "",
            "retry_policy": [],
            "dead_letter_config": [],
        },
    )


def test_an_event_rule_and_target_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    events = boto("events")
    seed_rules(events, FUNCTION_ARN)
    state = [rule_state(), target_state()]

    findings = drift(state, [RULE, TARGET])
    # The rule and target on the orders bus are not in this state.
    assert {(i.kind, i.id) for i in findings.items} == {
        ("unmanaged", "orders/order-created"),
        ("unmanaged", "orders/order-created/queue"),
    }

    events.disable_rule(Name="nightly")
    events.put_targets(
        Rule="nightly",
        Targets=[{"Id": "export", "Arn": FUNCTION_ARN, "Input": json.dumps({"mode": "delta"})}],
    )
    assert changed_paths(drift(state, [RULE, TARGET])) == {
        "nightly": ["is_enabled", "state"],
        "nightly-export": ["input"],
    }
