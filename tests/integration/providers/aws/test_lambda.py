"""Lambda functions against a real moto server (no Docker needed: nothing is invoked), and
against recorded responses for what moto cannot serve (see
:mod:`driftmgr.adapters.providers.aws.lambda_`): dead-letter queues, logging
configuration, SnapStart, and the regions without AWS Signer."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan
from tests.integration.providers.aws.test_dynamodb import JsonAnswer, recorded_json_aws

Boto = Callable[..., Any]

FUNCTION = "aws_lambda_function"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

#: Every attribute a zip function in a region with AWS Signer is reported with.
FUNCTION_ATTRIBUTES = {
    "id",
    "function_name",
    "arn",
    "invoke_arn",
    "architectures",
    "code_sha256",
    "code_signing_config_arn",
    "dead_letter_config",
    "description",
    "environment",
    "ephemeral_storage",
    "file_system_config",
    "handler",
    "image_config",
    "image_uri",
    "kms_key_arn",
    "last_modified",
    "layers",
    "logging_config",
    "memory_size",
    "package_type",
    "reserved_concurrent_executions",
    "role",
    "runtime",
    "signing_job_arn",
    "signing_profile_version_arn",
    "snap_start",
    "source_code_size",
    "timeout",
    "tracing_config",
    "vpc_config",
    "tags",
}


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def lambda_role(iam: Any) -> str:
    arn: str = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=TRUST)["Role"][
        "Arn"
    ]
    return arn


def function_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


def test_functions_are_listed_by_name_with_the_providers_attributes(boto: Boto) -> None:
    ec2, lambda_ = boto("ec2"), boto("lambda")
    role = lambda_role(boto("iam"))
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ("10.2.2.0/24", "10.2.1.0/24")
    ]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc_id)["GroupId"]
    layer = lambda_.publish_layer_version(LayerName="deps", Content={"ZipFile": zipped("x=1")})[
        "LayerVersionArn"
    ]
    created = lambda_.create_function(
        FunctionName="orders-api",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zipped("def handler(event, context):\n    return 1\n")},
        Description="orders",
        MemorySize=256,
        Timeout=15,
        Environment={"Variables": {"STAGE": "prod", "TABLE": "orders"}},
        Layers=[layer],
        Architectures=["arm64"],
        EphemeralStorage={"Size": 1024},
        TracingConfig={"Mode": "Active"},
        KMSKeyArn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/fn",
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [group]},
        Tags={"team": "shop"},
    )
    lambda_.put_function_concurrency(FunctionName="orders-api", ReservedConcurrentExecutions=5)

    function = observed(scan([REGION], [FUNCTION])[(FUNCTION, REGION)])["orders-api"]

    assert (function.type, function.id, function.region, function.account) == (
        FUNCTION,
        "orders-api",
        REGION,
        ACCOUNT,
    )
    assert not function.is_default
    attributes = function.attributes
    assert set(attributes) == FUNCTION_ATTRIBUTES
    arn = function_arn("orders-api")
    assert attributes["arn"] == arn
    assert attributes["invoke_arn"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
    )
    assert attributes["runtime"] == "python3.12"
    assert attributes["handler"] == "index.handler"
    assert attributes["role"] == role
    assert attributes["description"] == "orders"
    assert (attributes["memory_size"], attributes["timeout"]) == (256, 15)
    assert attributes["environment"] == [{"variables": {"STAGE": "prod", "TABLE": "orders"}}]
    assert attributes["layers"] == [layer]
    assert attributes["architectures"] == ["arm64"]
    assert attributes["package_type"] == "Zip"
    assert attributes["ephemeral_storage"] == [{"size": 1024}]
    assert attributes["tracing_config"] == [{"mode": "Active"}]
    assert attributes["kms_key_arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/fn"
    assert attributes["reserved_concurrent_executions"] == 5
    assert attributes["code_sha256"] == created["CodeSha256"]
    assert attributes["source_code_size"] == created["CodeSize"]
    assert attributes["last_modified"] == created["LastModified"]
    assert attributes["code_signing_config_arn"] == ""
    assert attributes["image_uri"] == ""
    assert attributes["image_config"] == []
    [vpc_config] = attributes["vpc_config"]
    assert vpc_config["subnet_ids"] == sorted(subnets)
    assert vpc_config["security_group_ids"] == [group]
    assert vpc_config["ipv6_allowed_for_dual_stack"] is False
    assert attributes["tags"] == {"team": "shop"}


def test_a_plain_function_reports_empty_blocks_and_unreserved_concurrency(boto: Boto) -> None:
    lambda_ = boto("lambda")
    lambda_.create_function(
        FunctionName="cron",
        Runtime="python3.12",
        Role=lambda_role(boto("iam")),
        Handler="index.handler",
        Code={"ZipFile": zipped("def handler(e, c):\n    pass\n")},
    )

    attributes = observed(scan([REGION], [FUNCTION])[(FUNCTION, REGION)])["cron"].attributes

    assert attributes["environment"] == []
    assert attributes["vpc_config"] == []
    assert attributes["dead_letter_config"] == []
    assert attributes["layers"] == []
    assert attributes["snap_start"] == []
    assert attributes["reserved_concurrent_executions"] == -1
    assert (attributes["memory_size"], attributes["timeout"]) == (128, 3)
    assert attributes["tracing_config"] == [{"mode": "PassThrough"}]
    assert attributes["tags"] == {}


def test_an_image_function_reports_its_image_and_no_code_signing(boto: Boto) -> None:
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:1.4.2"
    boto("lambda").create_function(
        FunctionName="api",
        Role=lambda_role(boto("iam")),
        PackageType="Image",
        Code={"ImageUri": image},
        ImageConfig={
            "Command": ["app.handler"],
            "EntryPoint": ["/entry"],
            "WorkingDirectory": "/w",
        },
    )

    attributes = observed(scan([REGION], [FUNCTION])[(FUNCTION, REGION)])["api"].attributes

    assert attributes["package_type"] == "Image"
    assert attributes["image_uri"] == image
    assert attributes["image_config"] == [
        {"command": ["app.handler"], "entry_point": ["/entry"], "working_directory": "/w"}
    ]
    assert attributes["runtime"] == ""
    assert attributes["handler"] == ""
    # The provider reads code signing configs for zip functions only.
    assert "code_signing_config_arn" not in attributes


# --- recorded responses ----------------------------------------------------------------------

OTHER_REGION = "ap-northeast-3"  # a region without AWS Signer
SIGNING_CONFIG = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0f1e2d3c4b5a69788"
DEAD_LETTERS = f"arn:aws:sqs:{REGION}:{ACCOUNT}:worker-dlq"


def recorded_function(name: str, region: str) -> dict[str, Any]:
    """A GetFunction ``Configuration`` as AWS returns it."""
    return {
        "FunctionName": name,
        "FunctionArn": function_arn(name, region),
        "Runtime": "java21",
        "Role": f"arn:aws:iam::{ACCOUNT}:role/lambda-exec",
        "Handler": "example.Handler::handleRequest",
        "CodeSize": 2048,
        "Description": "",
        "Timeout": 30,
        "MemorySize": 512,
        "LastModified": "2026-01-05T10:00:00.000+0000",
        "CodeSha256": "n0pD3Hb7f8K7iV2m0cYvD+3m4ZC3Rk7xqk7cK2QvPQs=",
        "Version": "$LATEST",
        "DeadLetterConfig": {"TargetArn": DEAD_LETTERS},
        "TracingConfig": {"Mode": "PassThrough"},
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"},
        "LoggingConfig": {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "WARN",
            "LogGroup": f"/aws/lambda/{name}",
        },
        "VpcConfig": {
            "SubnetIds": ["subnet-0b", "subnet-0a"],
            "SecurityGroupIds": ["sg-0a"],
            "VpcId": "vpc-0a",
            "Ipv6AllowedForDualStack": True,
        },
        "FileSystemConfigs": [
            {
                "Arn": f"arn:aws:elasticfilesystem:{region}:{ACCOUNT}:access-point/fsap-0a",
                "LocalMountPath": "/mnt/data",
            }
        ],
    }


def recorded_answers(name: str, region: str) -> dict[str, JsonAnswer]:
    code: Mapping[str, Any] = {
        "RepositoryType": "S3",
        # Where the code could be downloaded from: never fetched by the scan.
        "Location": "http://127.0.0.1:9/never-downloaded",
    }
    return {
        "GET /2015-03-31/functions": {"Functions": [{"FunctionName": name, "PackageType": "Zip"}]},
        f"GET /2015-03-31/functions/{name}": {
            "Configuration": recorded_function(name, region),
            "Code": code,
            "Tags": {"team": "batch"},
        },
        f"GET /2020-06-30/functions/{name}/code-signing-config": {
            "CodeSigningConfigArn": SIGNING_CONFIG,
            "FunctionName": name,
        },
    }


def test_blocks_moto_does_not_serve_are_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_json_aws(monkeypatch, "lambda", recorded_answers("worker", REGION)) as server:
        function = observed(scan([REGION], [FUNCTION])[(FUNCTION, REGION)])["worker"]

    attributes = function.attributes
    assert attributes["dead_letter_config"] == [{"target_arn": DEAD_LETTERS}]
    assert attributes["logging_config"] == [
        {
            "application_log_level": "INFO",
            "log_format": "JSON",
            "log_group": "/aws/lambda/worker",
            "system_log_level": "WARN",
        }
    ]
    assert attributes["snap_start"] == [
        {"apply_on": "PublishedVersions", "optimization_status": "On"}
    ]
    assert attributes["vpc_config"] == [
        {
            "ipv6_allowed_for_dual_stack": True,
            "security_group_ids": ["sg-0a"],
            "subnet_ids": ["subnet-0a", "subnet-0b"],
            "vpc_id": "vpc-0a",
        }
    ]
    assert attributes["file_system_config"] == [
        {
            "arn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:access-point/fsap-0a",
            "local_mount_path": "/mnt/data",
        }
    ]
    assert attributes["code_signing_config_arn"] == SIGNING_CONFIG
    assert attributes["reserved_concurrent_executions"] == -1
    assert attributes["tags"] == {"team": "batch"}
    # One GetFunction for configuration, tags and concurrency; the code is never fetched.
    assert server.calls() == {
        "GET /2015-03-31/functions": 1,
        "GET /2015-03-31/functions/worker": 1,
        "GET /2020-06-30/functions/worker/code-signing-config": 1,
    }


def test_code_signing_is_not_read_where_aws_signer_does_not_run(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = recorded_answers("worker", OTHER_REGION)
    with recorded_json_aws(monkeypatch, "lambda", answers) as server:
        function = observed(scan([OTHER_REGION], [FUNCTION])[(FUNCTION, OTHER_REGION)])["worker"]

    assert "code_signing_config_arn" not in function.attributes
    assert "GET /2020-06-30/functions/worker/code-signing-config" not in server.calls()


def test_a_function_deleted_while_listing_is_left_out(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = recorded_answers("worker", REGION)
    answers["GET /2015-03-31/functions"] = {
        "Functions": [{"FunctionName": "gone"}, {"FunctionName": "worker"}]
    }
    answers["GET /2015-03-31/functions/gone"] = (
        404,
        {"__type": "ResourceNotFoundException", "Message": "Function not found: gone"},
    )
    answers["GET /2020-06-30/functions/gone/code-signing-config"] = answers[
        "GET /2015-03-31/functions/gone"
    ]
    with recorded_json_aws(monkeypatch, "lambda", answers):
        functions = observed(scan([REGION], [FUNCTION])[(FUNCTION, REGION)])

    assert sorted(functions) == ["worker"]
