"""Queue, topic and repository policies, ECR lifecycle policies, IAM user group memberships
and OpenID Connect providers, log metric filters, Route 53 health checks and ACM
certificates against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.policies_more`), and their drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

QUEUE = "aws_sqs_queue"
QUEUE_POLICY = "aws_sqs_queue_policy"
TOPIC = "aws_sns_topic"
TOPIC_POLICY = "aws_sns_topic_policy"
REPOSITORY_POLICY = "aws_ecr_repository_policy"
LIFECYCLE_POLICY = "aws_ecr_lifecycle_policy"
MEMBERSHIP = "aws_iam_user_group_membership"
OIDC = "aws_iam_openid_connect_provider"
METRIC_FILTER = "aws_cloudwatch_log_metric_filter"
HEALTH_CHECK = "aws_route53_health_check"
CERTIFICATE = "aws_acm_certificate"
GLOBAL = "global"


def allow(action: str, resource: str = "*", sid: str = "allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": action,
                "Resource": resource,
            }
        ],
    }


# --- SQS ------------------------------------------------------------------------------------

QUEUE_DOC = allow("sqs:SendMessage")


def test_queue_policies_are_listed_for_queues_that_have_one(boto: Boto) -> None:
    sqs = boto("sqs")
    url = sqs.create_queue(QueueName="orders", Attributes={"Policy": json.dumps(QUEUE_DOC)})[
        "QueueUrl"
    ]
    sqs.create_queue(QueueName="plain")

    policies = observed(scan([REGION], [QUEUE_POLICY])[(QUEUE_POLICY, REGION)])

    assert set(policies) == {f"{ACCOUNT}/orders"}
    attributes = policies[f"{ACCOUNT}/orders"].attributes
    assert attributes["queue_url"] == url
    assert json.loads(attributes["policy"]) == QUEUE_DOC


def queue_policy_state(url: str) -> Any:
    return state_resource(
        QUEUE_POLICY,
        "orders",
        {"id": url, "queue_url": url, "policy": json.dumps(QUEUE_DOC)},
    )


def queue_state(url: str, policy: str) -> Any:
    return state_resource(
        QUEUE,
        "orders",
        {
            "id": url,
            "url": url,
            "name": "orders",
            "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders",
            "policy": policy,
            "tags": {},
            "tags_all": {},
        },
    )


def test_a_queue_policy_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    sqs = boto("sqs")
    url = sqs.create_queue(QueueName="orders", Attributes={"Policy": json.dumps(QUEUE_DOC)})[
        "QueueUrl"
    ]
    # The queue's own copy of the policy is stale: the policy resource compares it.
    state = [queue_policy_state(url), queue_state(url, "")]

    assert drift(state, [QUEUE, QUEUE_POLICY]).items == []

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(allow("sqs:*"))})
    assert changed_paths(drift(state, [QUEUE, QUEUE_POLICY])) == {url: ["policy"]}


def test_a_queue_policy_added_by_hand_to_a_queue_without_one_is_unmanaged_once(
    boto: Boto,
) -> None:
    # aws_sqs_queue.policy is empty in the state: "not managed here" (it may be a separate
    # aws_sqs_queue_policy's), so the queue is not compared on it and the policy is unmanaged.
    sqs = boto("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    state = [queue_state(url, "")]
    assert drift(state, [QUEUE, QUEUE_POLICY]).items == []

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(QUEUE_DOC)})
    findings = drift(state, [QUEUE, QUEUE_POLICY])

    assert [(i.kind, i.type, i.import_id) for i in findings.items] == [
        ("unmanaged", QUEUE_POLICY, url)
    ]


def test_an_inline_queue_policy_changed_by_hand_is_reported_once_on_the_queue(
    boto: Boto,
) -> None:
    sqs = boto("sqs")
    url = sqs.create_queue(QueueName="orders", Attributes={"Policy": json.dumps(QUEUE_DOC)})[
        "QueueUrl"
    ]
    state = [queue_state(url, json.dumps(QUEUE_DOC))]
    assert drift(state, [QUEUE, QUEUE_POLICY]).items == []

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(allow("sqs:*"))})
    findings = drift(state, [QUEUE, QUEUE_POLICY])

    assert [(i.kind, i.type) for i in findings.items] == [("modified", QUEUE)]
    assert changed_paths(findings) == {url: ["policy"]}


# --- SNS ------------------------------------------------------------------------------------


def test_topic_policies_are_listed_and_the_default_one_is_aws_s(boto: Boto) -> None:
    sns = boto("sns")
    custom = sns.create_topic(Name="alerts")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=custom, AttributeName="Policy", AttributeValue=json.dumps(allow("SNS:Publish"))
    )
    plain = sns.create_topic(Name="plain")["TopicArn"]

    policies = observed(scan([REGION], [TOPIC_POLICY])[(TOPIC_POLICY, REGION)])

    assert not policies[custom].is_default
    assert json.loads(policies[custom].attributes["policy"]) == allow("SNS:Publish")
    assert policies[custom].attributes["owner"] == ACCOUNT
    assert policies[plain].is_default


def test_a_topic_policy_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    sns = boto("sns")
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(allow("SNS:Publish"))
    )
    state = state_resource(
        TOPIC_POLICY,
        "alerts",
        {"id": arn, "arn": arn, "owner": ACCOUNT, "policy": json.dumps(allow("SNS:Publish"))},
    )

    assert drift([state], [TOPIC_POLICY]).items == []

    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(allow("SNS:*"))
    )
    assert changed_paths(drift([state], [TOPIC_POLICY])) == {arn: ["policy"]}


# --- ECR ------------------------------------------------------------------------------------

LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def create_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="web")
    ecr.create_repository(repositoryName="bare")
    ecr.set_repository_policy(
        repositoryName="web", policyText=json.dumps(allow("ecr:BatchGetImage", sid="pull"))
    )
    ecr.put_lifecycle_policy(repositoryName="web", lifecyclePolicyText=json.dumps(LIFECYCLE))


def test_repository_and_lifecycle_policies_are_listed_by_repository(boto: Boto) -> None:
    create_repository(boto("ecr"))

    outcomes = scan([REGION], [REPOSITORY_POLICY, LIFECYCLE_POLICY])
    policies = observed(outcomes[(REPOSITORY_POLICY, REGION)])
    lifecycles = observed(outcomes[(LIFECYCLE_POLICY, REGION)])

    assert set(policies) == set(lifecycles) == {"web"}
    assert policies["web"].attributes["registry_id"] == ACCOUNT
    assert json.loads(policies["web"].attributes["policy"])["Statement"][0]["Sid"] == "pull"
    assert json.loads(lifecycles["web"].attributes["policy"]) == LIFECYCLE


def test_ecr_policies_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    ecr = boto("ecr")
    create_repository(ecr)
    state = [
        state_resource(
            REPOSITORY_POLICY,
            "web",
            {
                "id": "web",
                "repository": "web",
                "registry_id": ACCOUNT,
                "policy": json.dumps(allow("ecr:BatchGetImage", sid="pull")),
            },
        ),
        state_resource(
            LIFECYCLE_POLICY,
            "web",
            {
                "id": "web",
                "repository": "web",
                "registry_id": ACCOUNT,
                "policy": json.dumps(LIFECYCLE),
            },
        ),
    ]
    types = [REPOSITORY_POLICY, LIFECYCLE_POLICY]

    assert drift(state, types).items == []

    ecr.set_repository_policy(
        repositoryName="web", policyText=json.dumps(allow("ecr:*", sid="pull"))
    )
    changed = dict(LIFECYCLE)
    changed["rules"] = [{**LIFECYCLE["rules"][0], "description": "by hand"}]
    ecr.put_lifecycle_policy(repositoryName="web", lifecyclePolicyText=json.dumps(changed))
    findings = drift(state, types)
    assert sorted((i.type, i.id) for i in findings.items if i.kind == "modified") == [
        (LIFECYCLE_POLICY, "web"),
        (REPOSITORY_POLICY, "web"),
    ]


# --- IAM ------------------------------------------------------------------------------------


def test_user_group_memberships_are_keyed_by_user_and_import_as_user_and_groups(
    boto: Boto,
) -> None:
    iam = boto("iam")
    for name in ("dev", "ops"):
        iam.create_group(GroupName=name)
    iam.create_user(UserName="alice")
    iam.create_user(UserName="loner")
    iam.add_user_to_group(UserName="alice", GroupName="ops")
    iam.add_user_to_group(UserName="alice", GroupName="dev")

    memberships = observed(scan([REGION], [MEMBERSHIP])[(MEMBERSHIP, GLOBAL)])

    # A user in no group is listed as a default (no finding alone; see below).
    assert {k for k, v in memberships.items() if not v.is_default} == {"alice"}
    assert memberships["loner"].attributes["groups"] == []
    assert memberships["alice"].attributes["groups"] == ["dev", "ops"]
    findings = drift([], [MEMBERSHIP])
    (item,) = findings.items
    # What terraform import takes: the user and all of its groups.
    assert (item.kind, item.id, item.import_id) == ("unmanaged", "alice/dev/ops", "alice/dev/ops")


def test_a_membership_is_in_sync_then_changed_by_hand(boto: Boto) -> None:
    iam = boto("iam")
    for name in ("dev", "ops"):
        iam.create_group(GroupName=name)
    iam.create_user(UserName="alice")
    iam.add_user_to_group(UserName="alice", GroupName="dev")
    state = state_resource(
        MEMBERSHIP,
        "alice",
        {"id": "terraform-20240101000000000000000001", "user": "alice", "groups": ["dev"]},
    )

    assert drift([state], [MEMBERSHIP]).items == []

    iam.add_user_to_group(UserName="alice", GroupName="ops")
    assert changed_paths(drift([state], [MEMBERSHIP])) == {
        "terraform-20240101000000000000000001": ["groups"]
    }

    # Taken out of every group by hand: the membership is modified (groups -> []), as
    # terraform plan -refresh-only reports it, not missing.
    iam.remove_user_from_group(UserName="alice", GroupName="dev")
    iam.remove_user_from_group(UserName="alice", GroupName="ops")
    (item,) = drift([state], [MEMBERSHIP]).items
    assert (item.kind, [c.path for c in item.changes]) == ("modified", ["groups"])


def test_openid_connect_providers_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    iam = boto("iam")
    arn = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
        Tags=[{"Key": "ci", "Value": "github"}],
    )["OpenIDConnectProviderArn"]

    providers = observed(scan([REGION], [OIDC])[(OIDC, GLOBAL)])
    attributes = providers[arn].attributes
    assert attributes["url"] == "token.actions.githubusercontent.com"
    assert attributes["client_id_list"] == ["sts.amazonaws.com"]
    assert attributes["tags"] == {"ci": "github"}

    state = state_resource(
        OIDC,
        "github",
        {
            "id": arn,
            "arn": arn,
            "url": "token.actions.githubusercontent.com",
            "client_id_list": ["sts.amazonaws.com"],
            "thumbprint_list": ["6938FD4D98BAB03FAADB97B34396831E3780AEA1"],
            "tags": {"ci": "github"},
            "tags_all": {"ci": "github"},
        },
    )
    assert drift([state], [OIDC]).items == []

    # moto fails AddClientIDToOpenIDConnectProvider (HTTP 500): a new thumbprint instead.
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["1" * 40]
    )
    assert changed_paths(drift([state], [OIDC])) == {arn: ["thumbprint_list"]}


# --- metric filters -------------------------------------------------------------------------


def put_filter(logs: Any, pattern: str = "ERROR") -> None:
    logs.put_metric_filter(
        logGroupName="/app/web",
        filterName="errors",
        filterPattern=pattern,
        metricTransformations=[
            {
                "metricName": "Errors",
                "metricNamespace": "App",
                "metricValue": "1",
                "defaultValue": 0.0,
            }
        ],
    )


def test_metric_filters_are_keyed_by_log_group_and_name(boto: Boto) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName="/app/web")
    put_filter(logs)

    filters = observed(scan([REGION], [METRIC_FILTER])[(METRIC_FILTER, REGION)])

    attributes = filters["/app/web:errors"].attributes
    assert (attributes["id"], attributes["pattern"]) == ("errors", "ERROR")
    assert attributes["metric_transformation"] == [
        {
            "name": "Errors",
            "namespace": "App",
            "value": "1",
            "default_value": "0",
            "dimensions": {},
            "unit": "None",
        }
    ]


def test_a_metric_filter_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    logs = boto("logs")
    logs.create_log_group(logGroupName="/app/web")
    put_filter(logs)
    state = state_resource(
        METRIC_FILTER,
        "errors",
        {
            "id": "errors",
            "name": "errors",
            "log_group_name": "/app/web",
            "pattern": "ERROR",
            "metric_transformation": [
                {
                    "name": "Errors",
                    "namespace": "App",
                    "value": "1",
                    "default_value": "0",
                    "dimensions": {},
                    "unit": "None",
                }
            ],
        },
    )

    assert drift([state], [METRIC_FILTER]).items == []

    # moto's PutMetricFilter adds a second filter of the same name: replace it instead.
    logs.delete_metric_filter(logGroupName="/app/web", filterName="errors")
    put_filter(logs, pattern="?ERROR ?FATAL")
    assert changed_paths(drift([state], [METRIC_FILTER])) == {"errors": ["pattern"]}


# --- Route 53 health checks -----------------------------------------------------------------


def test_a_health_check_is_listed_in_sync_then_modified_by_hand(boto: Boto) -> None:
    route53 = boto("route53")
    check_id = route53.create_health_check(
        CallerReference="web",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "www.example.com",
            "Port": 443,
            "ResourcePath": "/health",
            "RequestInterval": 30,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    route53.change_tags_for_resource(
        ResourceType="healthcheck", ResourceId=check_id, AddTags=[{"Key": "app", "Value": "web"}]
    )

    checks = observed(scan([REGION], [HEALTH_CHECK])[(HEALTH_CHECK, GLOBAL)])
    attributes = checks[check_id].attributes
    assert (attributes["type"], attributes["fqdn"], attributes["port"]) == (
        "HTTPS",
        "www.example.com",
        443,
    )
    assert attributes["tags"] == {"app": "web"}

    state = state_resource(
        HEALTH_CHECK,
        "web",
        {
            "id": check_id,
            "arn": f"arn:aws:route53:::healthcheck/{check_id}",
            "type": "HTTPS",
            "fqdn": "www.example.com.",
            "port": 443,
            "resource_path": "/health",
            "request_interval": 30,
            "failure_threshold": 3,
            "measure_latency": False,
            "invert_healthcheck": False,
            "disabled": False,
            "enable_sni": False,
            "reference_name": "web",
            "tags": {"app": "web"},
            "tags_all": {"app": "web"},
        },
    )
    assert drift([state], [HEALTH_CHECK]).items == []

    route53.update_health_check(HealthCheckId=check_id, FailureThreshold=5)
    assert changed_paths(drift([state], [HEALTH_CHECK])) == {check_id: ["failure_threshold"]}


# --- ACM ------------------------------------------------------------------------------------


def test_a_certificate_is_listed_in_sync_then_retagged_by_hand(boto: Boto) -> None:
    acm = boto("acm")
    arn = acm.request_certificate(
        DomainName="example.com",
        ValidationMethod="DNS",
        SubjectAlternativeNames=["www.example.com"],
        Tags=[{"Key": "app", "Value": "web"}],
    )["CertificateArn"]

    certificates = observed(scan([REGION], [CERTIFICATE])[(CERTIFICATE, REGION)])
    attributes = certificates[arn].attributes
    assert attributes["domain_name"] == "example.com"
    # As the provider reads them back (terraform-provider-aws 5.100 against moto, the breadth
    # oracle): every name the certificate lists, the domain name included.
    assert attributes["subject_alternative_names"] == ["example.com", "www.example.com"]
    assert (attributes["validation_method"], attributes["key_algorithm"]) == ("DNS", "RSA_2048")
    assert attributes["tags"] == {"app": "web"}

    state = state_resource(
        CERTIFICATE,
        "web",
        {
            "id": arn,
            "arn": arn,
            "domain_name": "example.com",
            "subject_alternative_names": ["example.com", "www.example.com"],
            "validation_method": "DNS",
            "key_algorithm": "RSA_2048",
            "status": "ISSUED",
            "options": [{"certificate_transparency_logging_preference": "ENABLED"}],
            "tags": {"app": "web"},
            "tags_all": {"app": "web"},
        },
    )
    assert drift([state], [CERTIFICATE]).items == []

    acm.add_tags_to_certificate(CertificateArn=arn, Tags=[{"Key": "app", "Value": "api"}])
    assert changed_paths(drift([state], [CERTIFICATE])) == {arn: ["tags.app"]}
