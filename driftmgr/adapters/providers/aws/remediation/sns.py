"""SNS: topic tags, topic attributes (``SetTopicAttributes`` takes one per call), deletion.

A topic's id is its ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    identifier,
    policy_text,
    value,
)
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, Target

__all__: list[str] = []

_TOPIC = "aws_sns_topic"

#: Terraform attribute → SNS attribute, for those SetTopicAttributes can change.
_ATTRIBUTES = {
    "display_name": "DisplayName",
    "policy": "Policy",
    "delivery_policy": "DeliveryPolicy",
    "archive_policy": "ArchivePolicy",
    "kms_master_key_id": "KmsMasterKeyId",
    "signature_version": "SignatureVersion",
    "tracing_config": "TracingConfig",
    "content_based_deduplication": "ContentBasedDeduplication",
    "fifo_throughput_scope": "FifoThroughputScope",
    **{
        f"{kind}_{outcome}_feedback_role_arn": f"{api}{outcome.capitalize()}FeedbackRoleArn"
        for kind, api in (
            ("application", "Application"),
            ("firehose", "Firehose"),
            ("http", "HTTP"),
            ("lambda", "Lambda"),
            ("sqs", "SQS"),
        )
        for outcome in ("success", "failure")
    },
    **{
        f"{kind}_success_feedback_sample_rate": f"{api}SuccessFeedbackSampleRate"
        for kind, api in (
            ("application", "Application"),
            ("firehose", "Firehose"),
            ("http", "HTTP"),
            ("lambda", "Lambda"),
            ("sqs", "SQS"),
        )
    },
}
_DOCUMENTS = frozenset({"policy", "delivery_policy", "archive_policy"})


def _arn(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    return identifier(target, actual, desired, "arn", "id")


@tagger((_TOPIC,), ("sns:tag_resource", "sns:untag_resource"))
def topic_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    arn = _arn(target, actual, desired)
    calls = []
    if diff.put:
        params = {"ResourceArn": arn, "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "sns", "tag_resource", params))
    if diff.remove:
        params = {"ResourceArn": arn, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "sns", "untag_resource", params))
    return calls


def _text(name: str, found: Any) -> str:
    if name in _DOCUMENTS:
        return policy_text(found)
    if isinstance(found, bool):
        return "true" if found else "false"
    return "" if found is None else str(found)


@recipe(_TOPIC, tuple(_ATTRIBUTES), ("sns:set_topic_attributes",))
def topic_attributes(change: Change) -> list[ApiCall]:
    arn = _arn(change.target, change.actual, change.desired)
    return [
        api_call(
            change.target,
            "sns",
            "set_topic_attributes",
            {
                "TopicArn": arn,
                "AttributeName": _ATTRIBUTES[name],
                "AttributeValue": _text(name, value(_TOPIC, name, change.desired)),
            },
        )
        for name in change.attributes
    ]


@deletion(_TOPIC, ("sns:delete_topic",))
def delete_topic(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    return [api_call(target, "sns", "delete_topic", {"TopicArn": _arn(target, actual, {})})]
