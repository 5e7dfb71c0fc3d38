"""SQS: queue tags, queue attributes (one ``SetQueueAttributes`` for all of them), deletion.

A queue is named by its URL, as the provider's id is; the LiveResource id is
``ACCOUNT/NAME`` (the URL's host depends on the endpoint), so the URL is read from the
attributes (``url``, then ``id``). Attribute values are strings in the API; a policy set
to "" is removed.
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
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tagger
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__: list[str] = []

_QUEUE = "aws_sqs_queue"

#: Terraform attribute → SQS attribute, for those SetQueueAttributes can change (FIFO-only
#: ones included: the API refuses them on a standard queue, and says so).
_ATTRIBUTES = {
    "visibility_timeout_seconds": "VisibilityTimeout",
    "message_retention_seconds": "MessageRetentionPeriod",
    "delay_seconds": "DelaySeconds",
    "max_message_size": "MaximumMessageSize",
    "receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
    "kms_master_key_id": "KmsMasterKeyId",
    "kms_data_key_reuse_period_seconds": "KmsDataKeyReusePeriodSeconds",
    "sqs_managed_sse_enabled": "SqsManagedSseEnabled",
    "content_based_deduplication": "ContentBasedDeduplication",
    "deduplication_scope": "DeduplicationScope",
    "fifo_throughput_limit": "FifoThroughputLimit",
    "policy": "Policy",
    "redrive_policy": "RedrivePolicy",
    "redrive_allow_policy": "RedriveAllowPolicy",
}
_DOCUMENTS = frozenset({"policy", "redrive_policy", "redrive_allow_policy"})


def _url(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    url = identifier(target, actual, desired, "url", "id")
    if not url.startswith(("https://", "http://")):
        raise NotRemediable(f"the URL of queue {target.id} is not known")
    return url


def _text(found: Any) -> str:
    if isinstance(found, bool):
        return "true" if found else "false"
    return "" if found is None else str(found)


@tagger((_QUEUE,), ("sqs:tag_queue", "sqs:untag_queue"))
def queue_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    url = _url(target, actual, desired)
    calls = []
    if diff.put:
        calls.append(api_call(target, "sqs", "tag_queue", {"QueueUrl": url, "Tags": diff.put}))
    if diff.remove:
        params = {"QueueUrl": url, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "sqs", "untag_queue", params))
    return calls


@recipe(_QUEUE, tuple(_ATTRIBUTES), ("sqs:set_queue_attributes",))
def queue_attributes(change: Change) -> list[ApiCall]:
    attributes = {}
    for name in change.attributes:
        found = value(_QUEUE, name, change.desired)
        text = policy_text(found) if name in _DOCUMENTS else _text(found)
        attributes[_ATTRIBUTES[name]] = text
    params = {
        "QueueUrl": _url(change.target, change.actual, change.desired),
        "Attributes": attributes,
    }
    return [api_call(change.target, "sqs", "set_queue_attributes", params)]


@deletion(_QUEUE, ("sqs:delete_queue",))
def delete_queue(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    return [api_call(target, "sqs", "delete_queue", {"QueueUrl": _url(target, actual, {})})]
