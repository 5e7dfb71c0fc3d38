"""Lambda permissions, aliases and event source mappings against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.lambda_extras`), and their drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift
from tests.integration.providers.aws.test_lambda import function_arn, lambda_role, zipped

Boto = Callable[..., Any]

PERMISSION = "aws_lambda_permission"
ALIAS = "aws_lambda_alias"
MAPPING = "aws_lambda_event_source_mapping"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly"


def seed_function(boto: Boto, name: str = "orders") -> tuple[str, str]:
    """A function with two published versions; its name and the first version."""
    lambda_ = boto("lambda")
    lambda_.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role(boto("iam")),
        Handler="index.handler",
        Code={"ZipFile": zipped("def handler(event, context):\n    return 1\n")},
    )
    first = lambda_.publish_version(FunctionName=name)["Version"]
    return name, first


def test_permissions_are_named_function_qualifier_and_statement(boto: Boto) -> None:
    lambda_ = boto("lambda")
    name, version = seed_function(boto)
    lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    lambda_.add_permission(
        FunctionName=name,
        StatementId="AllowEventBridge",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=RULE_ARN,
    )
    lambda_.add_permission(
        FunctionName=name,
        StatementId="AllowAccount",
        Action="lambda:InvokeFunction",
        Principal=ACCOUNT,
        SourceAccount=ACCOUNT,
    )

    permissions = observed(scan([REGION], [PERMISSION])[(PERMISSION, REGION)])

    assert set(permissions) == {"orders/AllowEventBridge", "orders/AllowAccount"}
    events = permissions["orders/AllowEventBridge"].attributes
    assert events == {
        "id": "orders/AllowEventBridge",
        "statement_id": "AllowEventBridge",
        "function_name": "orders",
        "qualifier": "",
        "action": "lambda:InvokeFunction",
        "principal": "events.amazonaws.com",
        "source_arn": RULE_ARN,
        "source_account": "",
        "event_source_token": "",
        "principal_org_id": "",
        "function_url_auth_type": "",
    }
    account = permissions["orders/AllowAccount"].attributes
    # The account's root ARN AWS stores reads back as the account id configured.
    assert (account["principal"], account["source_account"]) == (ACCOUNT, ACCOUNT)


def permission_state() -> StateResource:
    return state_resource(
        PERMISSION,
        "events",
        {
            "id": "AllowEventBridge",
            "statement_id": "AllowEventBridge",
            "statement_id_prefix": "",
            "function_name": function_arn("orders"),
            "action": "lambda:InvokeFunction",
            "principal": "events.amazonaws.com",
            "qualifier": "",
            "source_arn": RULE_ARN,
            "source_account": None,
            "event_source_token": None,
            "principal_org_id": None,
            "function_url_auth_type": None,
        },
    )


def test_a_permission_is_in_sync_then_replaced_by_hand(boto: Boto) -> None:
    lambda_ = boto("lambda")
    seed_function(boto)
    add = {
        "FunctionName": "orders",
        "StatementId": "AllowEventBridge",
        "Action": "lambda:InvokeFunction",
        "Principal": "events.amazonaws.com",
    }
    lambda_.add_permission(**add, SourceArn=RULE_ARN)

    assert drift([permission_state()], [PERMISSION]).items == []

    lambda_.remove_permission(FunctionName="orders", StatementId="AllowEventBridge")
    lambda_.add_permission(**add, SourceArn=f"{RULE_ARN}-other")
    findings = drift([permission_state()], [PERMISSION])
    assert changed_paths(findings) == {"AllowEventBridge": ["source_arn"]}


def test_aliases_are_listed_by_arn(boto: Boto) -> None:
    lambda_ = boto("lambda")
    name, version = seed_function(boto)
    lambda_.create_alias(
        FunctionName=name, Name="live", FunctionVersion=version, Description="production"
    )

    aliases = observed(scan([REGION], [ALIAS])[(ALIAS, REGION)])

    arn = f"{function_arn(name)}:live"
    assert set(aliases) == {arn}
    attributes = aliases[arn].attributes
    assert attributes["name"] == "live"
    assert attributes["function_name"] == name
    assert attributes["function_version"] == version
    assert attributes["description"] == "production"
    assert attributes["routing_config"] == []
    assert attributes["invoke_arn"].endswith(f"/functions/{arn}/invocations")


def test_an_alias_is_in_sync_then_re_pointed_by_hand(boto: Boto) -> None:
    lambda_ = boto("lambda")
    name, version = seed_function(boto)
    lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    arn = f"{function_arn(name)}:live"
    state = state_resource(
        ALIAS,
        "live",
        {
            "id": arn,
            "arn": arn,
            "name": "live",
            "function_name": function_arn(name),
            "function_version": version,
            "description": "",
            "routing_config": [],
        },
    )

    assert drift([state], [ALIAS]).items == []

    lambda_.update_function_code(FunctionName=name, ZipFile=zipped("x = 2\n"))
    second = lambda_.publish_version(FunctionName=name)["Version"]
    lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion=second)
    assert changed_paths(drift([state], [ALIAS])) == {arn: ["function_version"]}


def test_event_source_mappings_are_listed_by_uuid(boto: Boto) -> None:
    lambda_, sqs = boto("lambda"), boto("sqs")
    name, _ = seed_function(boto)
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    uuid = lambda_.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=name, BatchSize=5
    )["UUID"]

    mappings = observed(scan([REGION], [MAPPING])[(MAPPING, REGION)])

    attributes = mappings[uuid].attributes
    assert attributes["uuid"] == uuid
    assert attributes["function_arn"] == function_arn(name)
    assert attributes["event_source_arn"] == queue_arn
    assert attributes["batch_size"] == 5
    assert attributes["enabled"] is True

    state = state_resource(
        MAPPING,
        "orders",
        {
            "id": uuid,
            "uuid": uuid,
            "function_name": name,
            "function_arn": function_arn(name),
            "event_source_arn": queue_arn,
            "batch_size": 5,
            "enabled": True,
            "state": "Enabled",
            "filter_criteria": [],
            "destination_config": [],
            "function_response_types": [],
        },
    )
    assert drift([state], [MAPPING]).items == []

    lambda_.update_event_source_mapping(UUID=uuid, BatchSize=50)
    assert changed_paths(drift([state], [MAPPING])) == {uuid: ["batch_size"]}
