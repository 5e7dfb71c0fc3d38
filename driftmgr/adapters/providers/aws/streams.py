"""Kinesis data streams and Step Functions state machines, as terraform-provider-aws 5.x
reads them (``internal/service/kinesis/stream.go``, ``internal/service/sfn/state_machine.go``).

Streams (``ListStreams``, then one ``DescribeStreamSummary`` and one ``ListTagsForStream``
each) are named by their ARN, as the provider names them (``terraform import`` takes the
name). ``shard_count`` is the open shard count, reported only for ``PROVISIONED`` streams:
an on-demand stream's count is AWS's to change.

State machines (``ListStateMachines``, then one ``DescribeStateMachine`` and one
``ListTagsForResource`` each) are named by their ARN. ``definition`` is the document as
minified JSON with sorted keys (compared semantically). ``logging_configuration`` and
``tracing_configuration`` always have one block, as the provider stores them.

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

_STREAM = "aws_kinesis_stream"
_STATE_MACHINE = "aws_sfn_state_machine"
_GONE = ("ResourceNotFoundException", "StateMachineDoesNotExist")


# --- Kinesis -------------------------------------------------------------------------------


@enumerator(_STREAM, "kinesis")
async def list_streams(scan: Scan, kinesis: Any, region: str) -> list[LiveResource]:
    names: list[str] = []
    async for page in scan.pages(kinesis, "list_streams", PaginationConfig={"PageSize": 100}):
        names.extend(page.get("StreamNames", []))
    details = await gather(_stream(scan, kinesis, name) for name in names)
    account = await scan.account()
    return [_stream_resource(found, region, account) for found in details if found is not None]


async def _stream(scan: Scan, kinesis: Any, name: str) -> Response | None:
    try:
        summary, tag_answer = await gather(
            [
                scan.call(kinesis, "describe_stream_summary", StreamName=name),
                scan.call(kinesis, "list_tags_for_stream", StreamName=name),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    stream: Response = summary.get("StreamDescriptionSummary") or {}
    if stream.get("StreamStatus") == "DELETING":
        return None
    return {**stream, "Tags": tag_answer.get("Tags", [])}


def _stream_resource(stream: Response, region: str, account: str | None) -> LiveResource:
    arn = str(stream["StreamARN"])
    mode = str((stream.get("StreamModeDetails") or {}).get("StreamMode") or "PROVISIONED")
    metrics = sorted(
        {
            metric
            for monitoring in stream.get("EnhancedMonitoring", [])
            for metric in monitoring.get("ShardLevelMetrics", [])
        }
    )
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": stream.get("StreamName", ""),
        "retention_period": stream.get("RetentionPeriodHours", 24),
        "shard_level_metrics": metrics,
        "encryption_type": stream.get("EncryptionType") or "NONE",
        "kms_key_id": stream.get("KeyId", ""),
        "stream_mode_details": [{"stream_mode": mode}],
        "tags": tags(stream.get("Tags")),
    }
    if mode == "PROVISIONED":
        attributes["shard_count"] = stream.get("OpenShardCount", 0)
    return resource(
        _STREAM, arn, region, account, attributes, is_default=is_cloud_default(_STREAM, attributes)
    )


# --- Step Functions ------------------------------------------------------------------------


@enumerator(_STATE_MACHINE, "stepfunctions")
async def list_state_machines(scan: Scan, sfn: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(sfn, "list_state_machines", PaginationConfig={"PageSize": 100}):
        arns.extend(str(m["stateMachineArn"]) for m in page.get("stateMachines", []))
    details = await gather(_state_machine(scan, sfn, arn) for arn in arns)
    account = await scan.account()
    return [
        _state_machine_resource(found, region, account) for found in details if found is not None
    ]


async def _state_machine(scan: Scan, sfn: Any, arn: str) -> Response | None:
    try:
        described, tag_answer = await gather(
            [
                scan.call(sfn, "describe_state_machine", stateMachineArn=arn),
                scan.call(sfn, "list_tags_for_resource", resourceArn=arn),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    if described.get("status") == "DELETING":
        return None
    return {**described, "tags": tag_answer.get("tags", [])}


def _state_machine_resource(machine: Response, region: str, account: str | None) -> LiveResource:
    arn = str(machine["stateMachineArn"])
    logging: Response = machine.get("loggingConfiguration") or {}
    destinations = logging.get("destinations") or []
    log_group = (destinations[0].get("cloudWatchLogsLogGroup") or {}) if destinations else {}
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": machine.get("name", ""),
        "definition": policy_json(machine.get("definition") or None),
        "role_arn": machine.get("roleArn", ""),
        "type": machine.get("type", "STANDARD"),
        "status": machine.get("status", ""),
        "description": machine.get("description", ""),
        "revision_id": machine.get("revisionId", ""),
        "logging_configuration": [
            {
                "include_execution_data": bool(logging.get("includeExecutionData", False)),
                "level": logging.get("level") or "OFF",
                "log_destination": log_group.get("logGroupArn", ""),
            }
        ],
        "tracing_configuration": [
            {"enabled": bool((machine.get("tracingConfiguration") or {}).get("enabled", False))}
        ],
        "tags": {str(t["key"]): str(t.get("value", "")) for t in machine.get("tags", [])},
    }
    return resource(
        _STATE_MACHINE,
        arn,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_STATE_MACHINE, attributes),
    )
