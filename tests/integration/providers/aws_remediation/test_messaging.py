"""Queue and topic attributes against moto."""

from __future__ import annotations

import json

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto, Subject, operations, round_trip


def policy(arn: str, action: str) -> str:
    statement = {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": arn}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_queue_and_topic_attributes_go_back(boto: Boto, remediator: AwsRemediator) -> None:
    sqs, sns = boto("sqs"), boto("sns")
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:jobs"
    url = sqs.create_queue(
        QueueName="jobs",
        Attributes={"VisibilityTimeout": "30", "Policy": policy(queue_arn, "sqs:SendMessage")},
    )["QueueUrl"]
    topic = sns.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"]

    def drift() -> None:
        sqs.set_queue_attributes(
            QueueUrl=url,
            Attributes={
                "VisibilityTimeout": "120",
                "DelaySeconds": "5",
                "Policy": policy(queue_arn, "sqs:*"),
            },
        )
        sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Spam")
        sns.set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=policy(topic, "sns:*")
        )

    queue_attributes = ("visibility_timeout_seconds", "delay_seconds", "policy")
    (queue, queue_back), (topic_calls, _) = round_trip(
        remediator,
        [
            Subject("aws_sqs_queue", "123456789012/jobs", queue_attributes),
            Subject("aws_sns_topic", topic, ("display_name", "policy")),
        ],
        drift,
    )

    # Every queue attribute in one call, as the strings the API takes.
    assert operations(queue) == operations(queue_back) == ["set_queue_attributes"]
    assert {k: v for k, v in queue[0].params["Attributes"].items() if k != "Policy"} == {
        "VisibilityTimeout": "30",
        "DelaySeconds": "0",
    }
    # A topic takes one attribute per call.
    assert [c.params["AttributeName"] for c in topic_calls] == ["DisplayName", "Policy"]
