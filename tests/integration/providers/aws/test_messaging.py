"""SQS queues, SNS topics and SNS subscriptions against a real moto server, and against
recorded responses for what moto cannot serve (see
:mod:`driftmgr.adapters.providers.aws.sns`): subscriptions pending confirmation, the
topic attributes moto does not keep (tracing, signature version, archive policy), and a
queue's redrive allow policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.providers.aws import ACCOUNT, REGION, observed, recorded_aws, scan
from tests.integration.providers.aws.test_dynamodb import JsonAnswer, recorded_json_aws
from tests.support.fault_proxy import Fault, FaultProxy

Boto = Callable[..., Any]

QUEUE = "aws_sqs_queue"
TOPIC = "aws_sns_topic"
SUBSCRIPTION = "aws_sns_topic_subscription"


def by_url(queues: dict[str, Any]) -> dict[str, Any]:
    """Queues by URL. Their resource id is ACCOUNT/NAME, which no endpoint host changes."""
    for identity, queue in queues.items():
        assert identity == "/".join(queue.attributes["url"].rsplit("/", 2)[-2:])
    return {queue.attributes["url"]: queue for queue in queues.values()}


def normalised(document: Any) -> str:
    """A JSON document as the provider stores it: minified, keys sorted."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


# --- SQS ---------------------------------------------------------------------------------------


def test_queues_are_listed_by_url_with_the_providers_attribute_names(boto: Boto) -> None:
    sqs = boto("sqs")
    dead_letters = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
        ],
    }
    orders = sqs.create_queue(
        QueueName="orders",
        Attributes={
            "VisibilityTimeout": "60",
            "MessageRetentionPeriod": "86400",
            "DelaySeconds": "5",
            "MaximumMessageSize": "2048",
            "ReceiveMessageWaitTimeSeconds": "10",
            "Policy": json.dumps(policy, indent=2),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4}),
        },
        tags={"team": "shop"},
    )["QueueUrl"]

    queues = by_url(observed(scan([REGION], [QUEUE])[(QUEUE, REGION)]))

    assert sorted(queues) == sorted([orders, dead_letters])
    queue = queues[orders]
    assert (queue.type, queue.region, queue.account, queue.is_default) == (
        QUEUE,
        REGION,
        ACCOUNT,
        False,
    )
    assert queue.attributes == {
        "id": orders,
        "url": orders,
        "name": "orders",
        "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders",
        "visibility_timeout_seconds": 60,
        "message_retention_seconds": 86400,
        "delay_seconds": 5,
        "max_message_size": 2048,
        "receive_wait_time_seconds": 10,
        "fifo_queue": False,
        "content_based_deduplication": False,
        "deduplication_scope": "",
        "fifo_throughput_limit": "",
        "kms_master_key_id": "",
        "kms_data_key_reuse_period_seconds": 300,
        "sqs_managed_sse_enabled": True,
        "policy": normalised(policy),
        "redrive_policy": normalised({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4}),
        "redrive_allow_policy": "",
        "tags": {"team": "shop"},
    }
    assert queues[dead_letters].attributes["policy"] == ""
    assert queues[dead_letters].attributes["tags"] == {}


def test_fifo_and_kms_queues_report_their_deduplication_and_key_settings(boto: Boto) -> None:
    sqs = boto("sqs")
    fifo = sqs.create_queue(
        QueueName="events.fifo",
        Attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
        },
    )["QueueUrl"]
    encrypted = sqs.create_queue(
        QueueName="secrets",
        Attributes={
            "KmsMasterKeyId": "alias/aws/sqs",
            "KmsDataKeyReusePeriodSeconds": "600",
            "SqsManagedSseEnabled": "false",
        },
    )["QueueUrl"]

    queues = by_url(observed(scan([REGION], [QUEUE])[(QUEUE, REGION)]))

    fifo_attributes = queues[fifo].attributes
    assert fifo_attributes["name"] == "events.fifo"
    assert fifo_attributes["fifo_queue"] is True
    assert fifo_attributes["content_based_deduplication"] is True
    assert fifo_attributes["deduplication_scope"] == "messageGroup"
    assert fifo_attributes["fifo_throughput_limit"] == "perMessageGroupId"
    key_attributes = queues[encrypted].attributes
    assert key_attributes["kms_master_key_id"] == "alias/aws/sqs"
    assert key_attributes["kms_data_key_reuse_period_seconds"] == 600
    assert key_attributes["sqs_managed_sse_enabled"] is False


def test_a_redrive_allow_policy_moto_does_not_keep_is_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-dlq"
    allow = {"redrivePermission": "byQueue", "sourceQueueArns": [f"arn:aws:sqs:{REGION}:1:a"]}
    answers: dict[str, JsonAnswer] = {
        "ListQueues": {"QueueUrls": [url]},
        "GetQueueAttributes": {
            "Attributes": {
                "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq",
                "VisibilityTimeout": "30",
                "RedriveAllowPolicy": json.dumps(allow),
                "SqsManagedSseEnabled": "true",
            }
        },
        "ListQueueTags": {},
    }
    with recorded_json_aws(monkeypatch, "sqs", answers):
        queues = by_url(observed(scan([REGION], [QUEUE])[(QUEUE, REGION)]))

    attributes = queues[url].attributes
    assert attributes["redrive_allow_policy"] == normalised(allow)
    # Left out by the API: each attribute's zero value, as the provider's attribute map.
    assert (attributes["delay_seconds"], attributes["fifo_queue"]) == (0, False)
    assert attributes["max_message_size"] == 0
    assert attributes["tags"] == {}


# --- SNS topics --------------------------------------------------------------------------------


def test_topics_are_listed_by_arn_with_their_documents_as_normalised_json(boto: Boto) -> None:
    sns = boto("sns")
    delivery = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1}}}
    arn = sns.create_topic(
        Name="alerts",
        Attributes={
            "DisplayName": "Alerts",
            "KmsMasterKeyId": "alias/aws/sns",
            "DeliveryPolicy": json.dumps(delivery),
        },
        Tags=[{"Key": "team", "Value": "ops"}],
    )["TopicArn"]
    fifo_arn = sns.create_topic(
        Name="audit.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"}
    )["TopicArn"]
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])

    topics = observed(scan([REGION], [TOPIC])[(TOPIC, REGION)])

    assert sorted(topics) == sorted([arn, fifo_arn])
    topic = topics[arn]
    assert (topic.type, topic.region, topic.account, topic.is_default) == (
        TOPIC,
        REGION,
        ACCOUNT,
        False,
    )
    assert topic.attributes == {
        "id": arn,
        "arn": arn,
        "name": "alerts",
        "owner": ACCOUNT,
        "display_name": "Alerts",
        "kms_master_key_id": "alias/aws/sns",
        "policy": normalised(policy),
        "delivery_policy": normalised(delivery),
        "archive_policy": "",
        "beginning_archive_time": "",
        "fifo_topic": False,
        "fifo_throughput_scope": "",
        "content_based_deduplication": False,
        "signature_version": 0,
        "tracing_config": "",
        **{
            f"{protocol}_{outcome}_feedback_role_arn": ""
            for protocol in ("application", "firehose", "http", "lambda", "sqs")
            for outcome in ("success", "failure")
        },
        **{
            f"{protocol}_success_feedback_sample_rate": 0
            for protocol in ("application", "firehose", "http", "lambda", "sqs")
        },
        "tags": {"team": "ops"},
    }
    assert topics[fifo_arn].attributes["name"] == "audit.fifo"
    assert topics[fifo_arn].attributes["fifo_topic"] is True
    assert topics[fifo_arn].attributes["content_based_deduplication"] is True


def test_a_denied_tag_lookup_leaves_the_topics_unobserved(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto("sns").create_topic(Name="alerts")
    deny_tags = Fault("deny", service="sns", body_contains=b"Action=ListTagsForResource")
    with FaultProxy(aws, [deny_tags]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        outcomes = scan([REGION], [TOPIC, SUBSCRIPTION])

    topics = outcomes[(TOPIC, REGION)]
    assert topics.resources == []
    assert topics.unobserved_reason is not None
    assert topics.unobserved_reason.startswith("access denied:")
    # Subscriptions need no tags: they are still observed.
    assert observed(outcomes[(SUBSCRIPTION, REGION)]) == {}


# --- SNS subscriptions -------------------------------------------------------------------------


def test_confirmed_subscriptions_are_listed_by_arn_with_their_policies(boto: Boto) -> None:
    sns, sqs = boto("sns"), boto("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sqs.create_queue(QueueName="billing")
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:billing"
    filter_policy = {"event": ["created", "paid"]}
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps(filter_policy, indent=1),
            "FilterPolicyScope": "MessageBody",
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]

    subscriptions = observed(scan([REGION], [SUBSCRIPTION])[(SUBSCRIPTION, REGION)])

    subscription = subscriptions[arn]
    assert (subscription.type, subscription.region, subscription.account) == (
        SUBSCRIPTION,
        REGION,
        ACCOUNT,
    )
    assert subscription.attributes == {
        "id": arn,
        "arn": arn,
        "topic_arn": topic,
        "protocol": "sqs",
        "endpoint": queue_arn,
        "owner_id": ACCOUNT,
        "raw_message_delivery": True,
        "filter_policy": normalised(filter_policy),
        "filter_policy_scope": "MessageBody",
        "delivery_policy": "",
        "redrive_policy": "",
        "replay_policy": "",
        "subscription_role_arn": "",
        "pending_confirmation": False,
        "confirmation_was_authenticated": True,
    }


SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:deploys.fifo"
CONFIRMED_ARN = f"{TOPIC_ARN}:4f0a1c2e-6f3b-4c51-9d0e-2b6c2d1e8a77"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sns-feedback"


def sns_response(action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{SNS_XMLNS}"><{action}Result>{result}</{action}Result>'
        "<ResponseMetadata><RequestId>f3aa9ac9-3c3d-11df-8235-9dab105e9c32</RequestId>"
        f"</ResponseMetadata></{action}Response>"
    )


def entries(attributes: dict[str, str]) -> str:
    members = "".join(
        f"<entry><key>{k}</key><value>{v.replace('&', '&amp;').replace('<', '&lt;')}</value>"
        "</entry>"
        for k, v in attributes.items()
    )
    return f"<Attributes>{members}</Attributes>"


ARCHIVE_POLICY = {"MessageRetentionPeriod": 30}

RECORDED_SNS = {
    "ListTopics": sns_response(
        "ListTopics", f"<Topics><member><TopicArn>{TOPIC_ARN}</TopicArn></member></Topics>"
    ),
    "GetTopicAttributes": sns_response(
        "GetTopicAttributes",
        entries(
            {
                "TopicArn": TOPIC_ARN,
                "Owner": ACCOUNT,
                "DisplayName": "",
                "FifoTopic": "true",
                "ContentBasedDeduplication": "false",
                "FifoThroughputScope": "MessageGroup",
                "ArchivePolicy": json.dumps(ARCHIVE_POLICY, indent=2),
                "BeginningArchiveTime": "2026-01-05T10:00:00.000Z",
                "TracingConfig": "Active",
                "SignatureVersion": "2",
                "SQSSuccessFeedbackRoleArn": ROLE_ARN,
                "SQSFailureFeedbackRoleArn": ROLE_ARN,
                "SQSSuccessFeedbackSampleRate": "25",
                "SubscriptionsConfirmed": "1",
                "SubscriptionsPending": "1",
            }
        ),
    ),
    "ListTagsForResource": sns_response("ListTagsForResource", "<Tags/>"),
    # The email subscription nobody confirmed yet has no ARN to list…
    "ListSubscriptions": sns_response(
        "ListSubscriptions",
        "<Subscriptions>"
        f"<member><TopicArn>{TOPIC_ARN}</TopicArn><Protocol>email</Protocol>"
        "<SubscriptionArn>PendingConfirmation</SubscriptionArn>"
        f"<Owner>{ACCOUNT}</Owner><Endpoint>ops@example.com</Endpoint></member>"
        # Nor does one being removed.
        f"<member><TopicArn>{TOPIC_ARN}</TopicArn><Protocol>https</Protocol>"
        "<SubscriptionArn>Deleted</SubscriptionArn>"
        f"<Owner>{ACCOUNT}</Owner><Endpoint>https://hooks.example.com/</Endpoint></member>"
        f"<member><TopicArn>{TOPIC_ARN}</TopicArn><Protocol>sqs</Protocol>"
        f"<SubscriptionArn>{CONFIRMED_ARN}</SubscriptionArn><Owner>{ACCOUNT}</Owner>"
        f"<Endpoint>arn:aws:sqs:{REGION}:{ACCOUNT}:deploys.fifo</Endpoint></member>"
        "</Subscriptions>",
    ),
    "GetSubscriptionAttributes": sns_response(
        "GetSubscriptionAttributes",
        entries(
            {
                "SubscriptionArn": CONFIRMED_ARN,
                "TopicArn": TOPIC_ARN,
                "Protocol": "sqs",
                "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:deploys.fifo",
                "Owner": ACCOUNT,
                "PendingConfirmation": "false",
                "ConfirmationWasAuthenticated": "true",
                "RawMessageDelivery": "false",
                "ReplayPolicy": '{"PointType": "Timestamp", "StartingPoint": "2026-01-05"}',
                "SubscriptionRoleArn": ROLE_ARN,
            }
        ),
    ),
}


def test_pending_subscriptions_are_left_out_and_unkept_topic_attributes_are_read(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_aws(monkeypatch, RECORDED_SNS) as server:
        outcomes = scan([REGION], [TOPIC, SUBSCRIPTION])

    subscriptions = observed(outcomes[(SUBSCRIPTION, REGION)])
    assert sorted(subscriptions) == [CONFIRMED_ARN]
    assert server.calls()["GetSubscriptionAttributes"] == 1
    subscription = subscriptions[CONFIRMED_ARN].attributes
    assert subscription["replay_policy"] == normalised(
        {"PointType": "Timestamp", "StartingPoint": "2026-01-05"}
    )
    assert subscription["subscription_role_arn"] == ROLE_ARN
    assert subscription["filter_policy"] == ""
    assert subscription["filter_policy_scope"] == ""

    topic = observed(outcomes[(TOPIC, REGION)])[TOPIC_ARN].attributes
    assert topic["name"] == "deploys.fifo"
    assert topic["tracing_config"] == "Active"
    assert topic["signature_version"] == 2
    assert topic["fifo_throughput_scope"] == "MessageGroup"
    assert topic["archive_policy"] == normalised(ARCHIVE_POLICY)
    assert topic["beginning_archive_time"] == "2026-01-05T10:00:00.000Z"
    assert topic["sqs_success_feedback_role_arn"] == ROLE_ARN
    assert topic["sqs_failure_feedback_role_arn"] == ROLE_ARN
    assert topic["sqs_success_feedback_sample_rate"] == 25
    assert topic["http_success_feedback_sample_rate"] == 0
    assert topic["policy"] == ""
    assert topic["tags"] == {}
