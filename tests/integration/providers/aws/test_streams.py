"""Kinesis streams and Step Functions state machines against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.streams`), and their drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.drift.import_ids import import_id
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift
from tests.integration.providers.aws.test_lambda import TRUST

Boto = Callable[..., Any]

STREAM = "aws_kinesis_stream"
STATE_MACHINE = "aws_sfn_state_machine"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:checkout"
DEFINITION = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def seed_stream(kinesis: Any) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    kinesis.add_tags_to_stream(StreamName="clicks", Tags={"team": "data"})
    kinesis.enable_enhanced_monitoring(
        StreamName="clicks", ShardLevelMetrics=["OutgoingBytes", "IncomingBytes"]
    )


def stream_state() -> StateResource:
    return state_resource(
        STREAM,
        "clicks",
        {
            "id": STREAM_ARN,
            "arn": STREAM_ARN,
            "name": "clicks",
            "shard_count": 2,
            "retention_period": 24,
            "shard_level_metrics": ["OutgoingBytes", "IncomingBytes"],
            "encryption_type": "NONE",
            "kms_key_id": "",
            "stream_mode_details": [{"stream_mode": "PROVISIONED"}],
            "enforce_consumer_deletion": False,
            "tags": {"team": "data"},
            "tags_all": {"team": "data"},
        },
    )


def test_streams_are_listed_by_arn_and_import_by_name(boto: Boto) -> None:
    seed_stream(boto("kinesis"))

    streams = observed(scan([REGION], [STREAM])[(STREAM, REGION)])

    assert set(streams) == {STREAM_ARN}
    attributes = streams[STREAM_ARN].attributes
    assert (attributes["name"], attributes["shard_count"], attributes["retention_period"]) == (
        "clicks",
        2,
        24,
    )
    assert attributes["shard_level_metrics"] == ["IncomingBytes", "OutgoingBytes"]
    assert attributes["encryption_type"] == "NONE"
    assert attributes["stream_mode_details"] == [{"stream_mode": "PROVISIONED"}]
    assert attributes["tags"] == {"team": "data"}
    assert import_id(STREAM, STREAM_ARN, attributes) == "clicks"


def test_a_stream_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    kinesis = boto("kinesis")
    seed_stream(kinesis)

    assert drift([stream_state()], [STREAM]).items == []

    kinesis.increase_stream_retention_period(StreamName="clicks", RetentionPeriodHours=48)
    assert changed_paths(drift([stream_state()], [STREAM])) == {STREAM_ARN: ["retention_period"]}


def seed_machine(boto: Boto) -> str:
    role: str = boto("iam").create_role(RoleName="sfn", AssumeRolePolicyDocument=TRUST)["Role"][
        "Arn"
    ]
    boto("stepfunctions").create_state_machine(
        name="checkout",
        definition=json.dumps(DEFINITION),
        roleArn=role,
        tags=[{"key": "app", "value": "shop"}],
    )
    return role


def test_state_machines_are_listed_by_arn(boto: Boto) -> None:
    role = seed_machine(boto)

    machines = observed(scan([REGION], [STATE_MACHINE])[(STATE_MACHINE, REGION)])

    assert set(machines) == {MACHINE_ARN}
    attributes = machines[MACHINE_ARN].attributes
    assert attributes["name"] == "checkout"
    assert json.loads(attributes["definition"]) == DEFINITION
    assert (attributes["role_arn"], attributes["type"]) == (role, "STANDARD")
    assert attributes["logging_configuration"] == [
        {"include_execution_data": False, "level": "OFF", "log_destination": ""}
    ]
    assert attributes["tracing_configuration"] == [{"enabled": False}]
    assert attributes["tags"] == {"app": "shop"}


def test_a_state_machine_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    role = seed_machine(boto)
    state = state_resource(
        STATE_MACHINE,
        "checkout",
        {
            "id": MACHINE_ARN,
            "arn": MACHINE_ARN,
            "name": "checkout",
            "definition": json.dumps(DEFINITION, indent=2),
            "role_arn": role,
            "type": "STANDARD",
            "status": "ACTIVE",
            "creation_date": "2024-05-01T10:00:00Z",
            "logging_configuration": [
                {"include_execution_data": False, "level": "OFF", "log_destination": ""}
            ],
            "tracing_configuration": [{"enabled": False}],
            "publish": False,
            "tags": {"app": "shop"},
            "tags_all": {"app": "shop"},
        },
    )

    assert drift([state], [STATE_MACHINE]).items == []

    changed = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}}}
    boto("stepfunctions").update_state_machine(
        stateMachineArn=MACHINE_ARN, definition=json.dumps(changed)
    )
    assert changed_paths(drift([state], [STATE_MACHINE])) == {MACHINE_ARN: ["definition"]}
