"""SQS: queues, as terraform-provider-aws 5.x reads them (``internal/service/sqs/queue.go``).

The id is the queue URL, as the provider stores it. Each queue costs two calls, made
together: ``GetQueueAttributes`` (``All``) and ``ListQueueTags``. As the provider's
attribute map does, an attribute the API leaves out reads as its type's zero value, and a
``kms_data_key_reuse_period_seconds`` of 0 as the provider's default, 300. Policies are the
provider's normalised JSON (:func:`~driftmgr.adapters.providers.aws.mapping.policy_json`).

moto 5.2 does not keep ``RedriveAllowPolicy``; it is tested against recorded responses
(``tests/integration/providers/aws/test_messaging.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.drift.identity import sqs_queue_id
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_QUEUE = "aws_sqs_queue"
# The query protocol's and the JSON protocol's names for a queue that does not exist.
_GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
_DEFAULT_KMS_REUSE_SECONDS = 300

#: API attribute → (Terraform attribute, type), as the provider's ``queueAttributeMap``.
_ATTRIBUTES: dict[str, tuple[str, type]] = {
    "ContentBasedDeduplication": ("content_based_deduplication", bool),
    "DeduplicationScope": ("deduplication_scope", str),
    "DelaySeconds": ("delay_seconds", int),
    "FifoQueue": ("fifo_queue", bool),
    "FifoThroughputLimit": ("fifo_throughput_limit", str),
    "KmsDataKeyReusePeriodSeconds": ("kms_data_key_reuse_period_seconds", int),
    "KmsMasterKeyId": ("kms_master_key_id", str),
    "MaximumMessageSize": ("max_message_size", int),
    "MessageRetentionPeriod": ("message_retention_seconds", int),
    "ReceiveMessageWaitTimeSeconds": ("receive_wait_time_seconds", int),
    "SqsManagedSseEnabled": ("sqs_managed_sse_enabled", bool),
    "VisibilityTimeout": ("visibility_timeout_seconds", int),
}
#: JSON documents, stored normalised.
_DOCUMENTS = {
    "Policy": "policy",
    "RedrivePolicy": "redrive_policy",
    "RedriveAllowPolicy": "redrive_allow_policy",
}


@enumerator(_QUEUE, "sqs")
async def list_queues(scan: Scan, sqs: Any, region: str) -> list[LiveResource]:
    urls: list[str] = []
    async for page in scan.pages(sqs, "list_queues", PaginationConfig={"PageSize": 1000}):
        urls.extend(page.get("QueueUrls", []))
    details = await gather(_queue(scan, sqs, url) for url in urls)
    account = await scan.account()
    return [
        _queue_resource(url, found[0], found[1], region, account)
        for url, found in zip(urls, details, strict=True)
        if found is not None  # deleted since the listing
    ]


async def _queue(scan: Scan, sqs: Any, url: str) -> tuple[Response, dict[str, str]] | None:
    try:
        answer, tag_answer = await gather(
            [
                scan.call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=["All"]),
                scan.call(sqs, "list_queue_tags", QueueUrl=url),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    queue_tags = {str(k): str(v) for k, v in (tag_answer.get("Tags") or {}).items()}
    return answer.get("Attributes") or {}, queue_tags


def _queue_resource(
    url: str,
    api: Mapping[str, str],
    queue_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    attributes: dict[str, Any] = {
        "id": url,
        "url": url,
        "name": url.rstrip("/").rsplit("/", 1)[-1],
        "arn": api.get("QueueArn", ""),
    }
    for api_name, (name, kind) in _ATTRIBUTES.items():
        attributes[name] = _value(api.get(api_name), kind)
    if not attributes["kms_data_key_reuse_period_seconds"]:
        attributes["kms_data_key_reuse_period_seconds"] = _DEFAULT_KMS_REUSE_SECONDS
    for api_name, name in _DOCUMENTS.items():
        attributes[name] = policy_json(api.get(api_name) or None)
    attributes["tags"] = queue_tags
    # Matched on account/name: the URL's host depends on the endpoint that answered.
    identity = sqs_queue_id(url) or url
    return resource(
        _QUEUE,
        identity,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_QUEUE, attributes),
    )


def _value(raw: str | None, kind: type) -> Any:
    """An attribute's string value as the Terraform type; absent is the type's zero value."""
    if kind is bool:
        return str(raw).lower() == "true"
    if kind is int:
        return int(raw) if raw not in (None, "") else 0
    return raw or ""
