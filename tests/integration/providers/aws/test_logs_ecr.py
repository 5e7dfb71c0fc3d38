"""CloudWatch log groups and ECR repositories against a real moto server, and against
recorded responses for what moto cannot serve: the log group class (moto keeps none)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan
from tests.integration.providers.aws.test_dynamodb import JsonAnswer, recorded_json_aws
from tests.support.fault_proxy import Fault, FaultProxy

Boto = Callable[..., Any]

LOG_GROUP = "aws_cloudwatch_log_group"
REPOSITORY = "aws_ecr_repository"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/6b1e2a3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c"


def log_group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


# --- log groups --------------------------------------------------------------------------------


def test_log_groups_are_listed_by_name_with_retention_key_and_tags(boto: Boto) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName="/app/api", kmsKeyId=KEY_ARN, tags={"team": "api"})
    logs.put_retention_policy(logGroupName="/app/api", retentionInDays=14)
    logs.create_log_group(logGroupName="/app/worker")

    groups = observed(scan([REGION], [LOG_GROUP])[(LOG_GROUP, REGION)])

    assert sorted(groups) == ["/app/api", "/app/worker"]
    api = groups["/app/api"]
    assert (api.type, api.region, api.account, api.is_default) == (
        LOG_GROUP,
        REGION,
        ACCOUNT,
        False,
    )
    assert api.attributes == {
        "id": "/app/api",
        "name": "/app/api",
        # Terraform's ARN has no ":*" suffix.
        "arn": log_group_arn("/app/api"),
        "retention_in_days": 14,
        "kms_key_id": KEY_ARN,
        "log_group_class": "",
        "tags": {"team": "api"},
    }
    worker = groups["/app/worker"].attributes
    assert (worker["retention_in_days"], worker["kms_key_id"], worker["tags"]) == (0, "", {})


def test_the_log_group_class_moto_lacks_is_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def tags(body: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"tags": {"arn": body["resourceArn"]}}

    answers: dict[str, JsonAnswer] = {
        "DescribeLogGroups": {
            "logGroups": [
                {
                    "logGroupName": "/app/audit",
                    "creationTime": 1767607200000,
                    "retentionInDays": 3653,
                    "metricFilterCount": 0,
                    "arn": log_group_arn("/app/audit") + ":*",
                    "logGroupArn": log_group_arn("/app/audit"),
                    "storedBytes": 0,
                    "logGroupClass": "INFREQUENT_ACCESS",
                }
            ]
        },
        "ListTagsForResource": tags,
    }
    with recorded_json_aws(monkeypatch, "cloudwatch_logs", answers):
        groups = observed(scan([REGION], [LOG_GROUP])[(LOG_GROUP, REGION)])

    audit = groups["/app/audit"].attributes
    assert audit["log_group_class"] == "INFREQUENT_ACCESS"
    assert audit["retention_in_days"] == 3653
    # Tags are asked for by the ARN without ":*".
    assert audit["tags"] == {"arn": log_group_arn("/app/audit")}


def test_a_denied_tag_lookup_leaves_the_log_groups_unobserved(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto("logs").create_log_group(logGroupName="/app/api")
    boto("ecr").create_repository(repositoryName="api")
    deny = Fault("deny", service="logs", body_contains=b'"resourceArn"')
    with FaultProxy(aws, [deny]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        outcomes = scan([REGION], [LOG_GROUP, REPOSITORY])

    groups = outcomes[(LOG_GROUP, REGION)]
    assert groups.resources == []
    assert groups.unobserved_reason is not None
    assert groups.unobserved_reason.startswith("access denied:")
    assert sorted(observed(outcomes[(REPOSITORY, REGION)])) == ["api"]


# --- ECR repositories --------------------------------------------------------------------------


def test_repositories_are_listed_by_name_with_scanning_encryption_and_tags(boto: Boto) -> None:
    ecr = boto("ecr")
    created = ecr.create_repository(
        repositoryName="team/api",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY_ARN},
        tags=[{"Key": "team", "Value": "api"}],
    )["repository"]
    ecr.create_repository(repositoryName="plain")

    repositories = observed(scan([REGION], [REPOSITORY])[(REPOSITORY, REGION)])

    assert sorted(repositories) == ["plain", "team/api"]
    api = repositories["team/api"]
    assert (api.type, api.region, api.account, api.is_default) == (
        REPOSITORY,
        REGION,
        ACCOUNT,
        False,
    )
    assert api.attributes == {
        "id": "team/api",
        "name": "team/api",
        "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/api",
        "registry_id": ACCOUNT,
        "repository_url": created["repositoryUri"],
        "image_tag_mutability": "IMMUTABLE",
        "image_scanning_configuration": [{"scan_on_push": True}],
        "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY_ARN}],
        "tags": {"team": "api"},
    }
    plain = repositories["plain"].attributes
    assert plain["image_tag_mutability"] == "MUTABLE"
    assert plain["image_scanning_configuration"] == [{"scan_on_push": False}]
    assert plain["encryption_configuration"] == [{"encryption_type": "AES256", "kms_key": ""}]
    assert plain["tags"] == {}
