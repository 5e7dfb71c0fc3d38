"""Secrets Manager secrets and SSM parameters against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.secrets_ssm`), and their drift. No secret value is
ever read or shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.resources import StateResource
from driftmgr.domain.secrets import SENSITIVE_VALUE, redact_attributes
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

SECRET = "aws_secretsmanager_secret"
PARAMETER = "aws_ssm_parameter"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ],
}


def test_secrets_are_listed_by_arn_without_their_values(boto: Boto) -> None:
    secretsmanager = boto("secretsmanager")
    arn = secretsmanager.create_secret(
        Name="db-creds",
        SecretString="hunter2",
        Description="database credentials",
        Tags=[{"Key": "app", "Value": "orders"}],
    )["ARN"]
    secretsmanager.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(POLICY))

    secrets = observed(scan([REGION], [SECRET])[(SECRET, REGION)])

    assert set(secrets) == {arn}
    secret = secrets[arn]
    assert not secret.is_default
    attributes = secret.attributes
    assert (attributes["name"], attributes["description"]) == ("db-creds", "database credentials")
    assert json.loads(attributes["policy"]) == POLICY
    assert attributes["replica"] == []
    assert attributes["tags"] == {"app": "orders"}
    assert "hunter2" not in json.dumps(attributes)


def test_a_secret_a_service_manages_is_a_cloud_default(boto: Boto) -> None:
    arn = boto("secretsmanager").create_secret(Name="rds!db-1a2b", SecretString="x")["ARN"]

    assert observed(scan([REGION], [SECRET])[(SECRET, REGION)])[arn].is_default


def test_a_secret_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    secretsmanager = boto("secretsmanager")
    arn = secretsmanager.create_secret(
        Name="db-creds", SecretString="hunter2", Description="database credentials"
    )["ARN"]
    state = state_resource(
        SECRET,
        "db",
        {
            "id": arn,
            "arn": arn,
            "name": "db-creds",
            "name_prefix": "",
            "description": "database credentials",
            "kms_key_id": "",
            # Managed by an aws_secretsmanager_secret_policy, or nobody.
            "policy": "",
            "recovery_window_in_days": 30,
            "force_overwrite_replica_secret": False,
            "replica": [],
            "tags": {},
            "tags_all": {},
        },
    )

    assert drift([state], [SECRET]).items == []

    secretsmanager.update_secret(SecretId=arn, Description="creds")
    assert changed_paths(drift([state], [SECRET])) == {arn: ["description"]}


def seed_parameters(ssm: Any) -> None:
    ssm.put_parameter(Name="/orders/stage", Value="prod", Type="String", Description="stage")
    ssm.put_parameter(
        Name="/orders/db/password",
        Value="hunter2",
        Type="SecureString",
        Tags=[{"Key": "app", "Value": "orders"}],
    )


def test_parameters_are_listed_by_name_and_secure_values_are_never_read(boto: Boto) -> None:
    seed_parameters(boto("ssm"))

    parameters = observed(scan([REGION], [PARAMETER])[(PARAMETER, REGION)])

    assert set(parameters) == {"/orders/stage", "/orders/db/password"}
    plain = parameters["/orders/stage"].attributes
    assert (plain["type"], plain["value"], plain["insecure_value"]) == ("String", "prod", "prod")
    assert plain["arn"] == f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/stage"
    assert (plain["description"], plain["tier"], plain["data_type"], plain["version"]) == (
        "stage",
        "Standard",
        "text",
        1,
    )
    secure = parameters["/orders/db/password"].attributes
    assert secure["type"] == "SecureString"
    assert "value" not in secure and "insecure_value" not in secure
    assert "hunter2" not in json.dumps(secure)
    assert secure["key_id"] == "alias/aws/ssm"
    assert secure["tags"] == {"app": "orders"}
    # The value that is read is secret wherever it is shown.
    assert redact_attributes(PARAMETER, plain)["value"] == SENSITIVE_VALUE


def parameter_states() -> list[StateResource]:
    common = {
        "tier": "Standard",
        "data_type": "text",
        "allowed_pattern": "",
        "overwrite": None,
        "version": 1,
    }
    return [
        state_resource(
            PARAMETER,
            "stage",
            {
                **common,
                "id": "/orders/stage",
                "name": "/orders/stage",
                "arn": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/stage",
                "type": "String",
                "value": "prod",
                "insecure_value": None,
                "description": "stage",
                "key_id": "",
                "tags": {},
                "tags_all": {},
            },
        ),
        state_resource(
            PARAMETER,
            "db_password",
            {
                **common,
                "id": "/orders/db/password",
                "name": "/orders/db/password",
                "arn": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/db/password",
                "type": "SecureString",
                "value": "hunter2",
                "insecure_value": None,
                "description": "",
                "key_id": "alias/aws/ssm",
                "tags": {"app": "orders"},
                "tags_all": {"app": "orders"},
            },
        ),
    ]


def test_parameters_are_in_sync_then_overwritten_by_hand_without_showing_values(
    boto: Boto,
) -> None:
    ssm = boto("ssm")
    seed_parameters(ssm)

    assert drift(parameter_states(), [PARAMETER]).items == []

    ssm.put_parameter(Name="/orders/stage", Value="staging", Type="String", Overwrite=True)
    ssm.put_parameter(
        Name="/orders/db/password", Value="letmein", Type="SecureString", Overwrite=True
    )
    findings = drift(parameter_states(), [PARAMETER])

    assert changed_paths(findings) == {
        "/orders/stage": ["value", "version"],
        "/orders/db/password": ["version"],
    }
    shown = json.dumps([i.changes for i in findings.items], default=str)
    for secret in ("hunter2", "letmein", "staging", "prod"):
        assert secret not in shown
