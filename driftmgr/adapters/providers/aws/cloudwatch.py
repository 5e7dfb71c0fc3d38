"""CloudWatch alarms and EventBridge rules and targets, as terraform-provider-aws 5.x reads
them (``internal/service/cloudwatch/metric_alarm.go``, ``internal/service/events/rule.go``,
``target.go``).

Metric alarms are listed by ``DescribeAlarms`` (metric alarms only), named by
``alarm_name``; their tags cost one ``ListTagsForResource`` each.

EventBridge rules are listed bus by bus (``ListEventBuses``, then ``ListRules`` per bus)
and named as the provider names them: the rule's name on the ``default`` bus,
``<bus>/<name>`` on any other. One ``DescribeRule`` each gives the state and the role; one
``ListTagsForResource`` each the tags; one ``ListTargetsByRule`` each the targets, which
are named ``<rule>-<target_id>`` (``<bus>-<rule>-<target_id>`` off the default bus), as
the provider's ``targetCreateResourceID`` does. Rules a service manages for itself
(``ManagedBy``) and their targets are cloud defaults.

moto 5.2 answers all of these.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_ALARM = "aws_cloudwatch_metric_alarm"
_RULE = "aws_cloudwatch_event_rule"
_TARGET = "aws_cloudwatch_event_target"
_GONE = ("ResourceNotFoundException",)
DEFAULT_BUS = "default"


# --- metric alarms -------------------------------------------------------------------------


@enumerator(_ALARM, "cloudwatch")
async def list_metric_alarms(scan: Scan, cloudwatch: Any, region: str) -> list[LiveResource]:
    alarms: list[Response] = []
    async for page in scan.pages(cloudwatch, "describe_alarms", PaginationConfig={"PageSize": 100}):
        alarms.extend(page.get("MetricAlarms", []))
    alarm_tags = await gather(
        _tag_list(scan, cloudwatch, ResourceARN=alarm.get("AlarmArn", "")) for alarm in alarms
    )
    account = await scan.account()
    return [
        _alarm_resource(alarm, found, region, account)
        for alarm, found in zip(alarms, alarm_tags, strict=True)
        if found is not None
    ]


async def _tag_list(scan: Scan, client: Any, **params: Any) -> dict[str, str] | None:
    """A resource's tags (``Tags`` as a Key/Value list), or None when it is gone."""
    try:
        answer = await scan.call(client, "list_tags_for_resource", **params)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return tags(answer.get("Tags"))


def _dimensions(dimensions: list[Response] | None) -> dict[str, str]:
    return {str(d["Name"]): str(d.get("Value", "")) for d in dimensions or []}


def _metric_query(queries: list[Response] | None) -> list[dict[str, Any]]:
    flattened = []
    for query in queries or []:
        stat = query.get("MetricStat")
        metric = []
        if stat:
            detail = stat.get("Metric") or {}
            metric.append(
                {
                    "dimensions": _dimensions(detail.get("Dimensions")),
                    "metric_name": detail.get("MetricName", ""),
                    "namespace": detail.get("Namespace", ""),
                    "period": stat.get("Period", 0),
                    "stat": stat.get("Stat", ""),
                    "unit": stat.get("Unit", ""),
                }
            )
        flattened.append(
            {
                "account_id": query.get("AccountId", ""),
                "expression": query.get("Expression", ""),
                "id": query.get("Id", ""),
                "label": query.get("Label", ""),
                "metric": metric,
                "period": query.get("Period", 0),
                "return_data": bool(query.get("ReturnData", False)),
            }
        )
    return flattened


def _alarm_resource(
    alarm: Response, alarm_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name: str = alarm["AlarmName"]
    attributes: dict[str, Any] = {
        "id": name,
        "alarm_name": name,
        "arn": alarm.get("AlarmArn", ""),
        "actions_enabled": bool(alarm.get("ActionsEnabled", True)),
        "alarm_actions": sorted(alarm.get("AlarmActions", [])),
        "alarm_description": alarm.get("AlarmDescription", ""),
        "comparison_operator": alarm.get("ComparisonOperator", ""),
        "datapoints_to_alarm": alarm.get("DatapointsToAlarm", 0),
        "dimensions": _dimensions(alarm.get("Dimensions")),
        "evaluate_low_sample_count_percentiles": alarm.get("EvaluateLowSampleCountPercentile", ""),
        "evaluation_periods": alarm.get("EvaluationPeriods", 0),
        "extended_statistic": alarm.get("ExtendedStatistic", ""),
        "insufficient_data_actions": sorted(alarm.get("InsufficientDataActions", [])),
        "metric_name": alarm.get("MetricName", ""),
        "metric_query": _metric_query(alarm.get("Metrics")),
        "namespace": alarm.get("Namespace", ""),
        "ok_actions": sorted(alarm.get("OKActions", [])),
        "period": alarm.get("Period", 0),
        "statistic": alarm.get("Statistic", ""),
        "threshold": float(alarm.get("Threshold", 0) or 0),
        "threshold_metric_id": alarm.get("ThresholdMetricId", ""),
        "treat_missing_data": alarm.get("TreatMissingData", "missing"),
        "unit": alarm.get("Unit", ""),
        "tags": alarm_tags,
    }
    return resource(
        _ALARM, name, region, account, attributes, is_default=is_cloud_default(_ALARM, attributes)
    )


# --- EventBridge ---------------------------------------------------------------------------


def rule_id(bus: str, name: str) -> str:
    """The provider's id of a rule: its name on the default bus, ``bus/name`` elsewhere."""
    return name if bus in ("", DEFAULT_BUS) else f"{bus}/{name}"


def target_id(bus: str, rule: str, target: str) -> str:
    """The provider's id of a target (``targetCreateResourceID``)."""
    parts = [rule, target] if bus in ("", DEFAULT_BUS) else [bus, rule, target]
    return "-".join(parts)


async def _buses(scan: Scan, events: Any) -> list[str]:
    names: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Limit": 100}
        if token:
            params["NextToken"] = token
        page = await scan.call(events, "list_event_buses", **params)
        names.extend(str(bus["Name"]) for bus in page.get("EventBuses", []))
        token = page.get("NextToken")
        if not token:
            return names


async def _rules(scan: Scan, events: Any, region: str) -> list[Response]:
    """Every rule of every bus, ``EventBusName`` filled in (memoised per region: the rule
    and target listings share it)."""

    async def compute() -> list[Response]:
        rules: list[Response] = []
        for bus in await _buses(scan, events):
            async for page in scan.pages(
                events, "list_rules", EventBusName=bus, PaginationConfig={"PageSize": 100}
            ):
                rules.extend({"EventBusName": bus, **r} for r in page.get("Rules", []))
        return rules

    return await scan.shared(f"events-rules:{region}", compute)


@enumerator(_RULE, "events")
async def list_event_rules(scan: Scan, events: Any, region: str) -> list[LiveResource]:
    rules = await _rules(scan, events, region)
    details = await gather(_rule(scan, events, rule) for rule in rules)
    account = await scan.account()
    return [
        _rule_resource(found[0], found[1], region, account)
        for found in details
        if found is not None
    ]


async def _rule(
    scan: Scan, events: Any, listed: Response
) -> tuple[Response, dict[str, str]] | None:
    try:
        described = await scan.call(
            events, "describe_rule", Name=listed["Name"], EventBusName=listed["EventBusName"]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    rule_tags = await _tag_list(scan, events, ResourceARN=listed.get("Arn", ""))
    if rule_tags is None:
        return None
    return {**listed, **described, "EventBusName": listed["EventBusName"]}, rule_tags


def _rule_resource(
    rule: Response, rule_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name: str = rule["Name"]
    bus = str(rule.get("EventBusName") or DEFAULT_BUS)
    state = str(rule.get("State", "ENABLED"))
    identity = rule_id(bus, name)
    attributes: dict[str, Any] = {
        "id": identity,
        "name": name,
        "arn": rule.get("Arn", ""),
        "description": rule.get("Description", ""),
        "event_bus_name": bus,
        "event_pattern": policy_json(rule.get("EventPattern") or None),
        "is_enabled": state != "DISABLED",
        "role_arn": rule.get("RoleArn", ""),
        "schedule_expression": rule.get("ScheduleExpression", ""),
        "state": state,
        "managed_by": rule.get("ManagedBy", ""),
        "tags": rule_tags,
    }
    return resource(
        _RULE, identity, region, account, attributes, is_default=is_cloud_default(_RULE, attributes)
    )


@enumerator(_TARGET, "events")
async def list_event_targets(scan: Scan, events: Any, region: str) -> list[LiveResource]:
    rules = await _rules(scan, events, region)
    found = await gather(_targets(scan, events, rule) for rule in rules)
    account = await scan.account()
    return [
        _target_resource(rule, target, region, account)
        for rule, targets in zip(rules, found, strict=True)
        for target in targets
    ]


async def _targets(scan: Scan, events: Any, rule: Response) -> list[Response]:
    targets: list[Response] = []
    try:
        async for page in scan.pages(
            events,
            "list_targets_by_rule",
            Rule=rule["Name"],
            EventBusName=rule["EventBusName"],
            PaginationConfig={"PageSize": 100},
        ):
            targets.extend(page.get("Targets", []))
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return []
        raise
    return targets


def _target_resource(
    rule: Response, target: Response, region: str, account: str | None
) -> LiveResource:
    bus = str(rule.get("EventBusName") or DEFAULT_BUS)
    identity = target_id(bus, rule["Name"], target["Id"])
    transformer = target.get("InputTransformer")
    retry = target.get("RetryPolicy")
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    sqs = target.get("SqsParameters")
    kinesis = target.get("KinesisParameters")
    attributes: dict[str, Any] = {
        "id": identity,
        "target_id": target["Id"],
        "rule": rule["Name"],
        "event_bus_name": bus,
        "arn": target.get("Arn", ""),
        "input": policy_json(target.get("Input") or None),
        "input_path": target.get("InputPath", ""),
        "role_arn": target.get("RoleArn", ""),
        "input_transformer": (
            [
                {
                    "input_paths": dict(transformer.get("InputPathsMap") or {}),
                    "input_template": transformer.get("InputTemplate", ""),
                }
            ]
            if transformer
            else []
        ),
        "retry_policy": (
            [
                {
                    "maximum_event_age_in_seconds": retry.get("MaximumEventAgeInSeconds", 0),
                    "maximum_retry_attempts": retry.get("MaximumRetryAttempts", 0),
                }
            ]
            if retry
            else []
        ),
        "dead_letter_config": [{"arn": dead_letter}] if dead_letter else [],
        "sqs_target": [{"message_group_id": sqs.get("MessageGroupId", "")}] if sqs else [],
        "kinesis_target": (
            [{"partition_key_path": kinesis.get("PartitionKeyPath", "")}] if kinesis else []
        ),
        "run_command_targets": [
            {"key": t.get("Key", ""), "values": list(t.get("Values", []))}
            for t in (target.get("RunCommandParameters") or {}).get("RunCommandTargets", [])
        ],
        "ecs_target": _ecs_target(target.get("EcsParameters")),
        "managed_by": rule.get("ManagedBy", ""),
    }
    return resource(
        _TARGET,
        identity,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_TARGET, attributes),
    )


def _ecs_target(parameters: Response | None) -> list[dict[str, Any]]:
    if not parameters:
        return []
    network = (parameters.get("NetworkConfiguration") or {}).get("awsvpcConfiguration")
    return [
        {
            "task_definition_arn": parameters.get("TaskDefinitionArn", ""),
            "task_count": parameters.get("TaskCount", 1),
            "launch_type": parameters.get("LaunchType", ""),
            "platform_version": parameters.get("PlatformVersion", ""),
            "group": parameters.get("Group", ""),
            "enable_ecs_managed_tags": bool(parameters.get("EnableECSManagedTags", False)),
            "enable_execute_command": bool(parameters.get("EnableExecuteCommand", False)),
            "propagate_tags": parameters.get("PropagateTags", ""),
            "network_configuration": (
                [
                    {
                        "subnets": sorted(network.get("Subnets", [])),
                        "security_groups": sorted(network.get("SecurityGroups", [])),
                        "assign_public_ip": network.get("AssignPublicIp") == "ENABLED",
                    }
                ]
                if network
                else []
            ),
        }
    ]
