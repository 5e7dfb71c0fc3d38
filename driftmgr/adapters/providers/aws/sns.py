"""SNS: topics and topic subscriptions, as terraform-provider-aws 5.x reads them
(``internal/service/sns/topic.go``, ``topic_subscription.go``).

Both read everything from one attributes call (``GetTopicAttributes``,
``GetSubscriptionAttributes``), mapped by the provider's attribute maps: an attribute the
API leaves out reads as its type's zero value. JSON documents (``policy``,
``delivery_policy``, ``archive_policy``, ``filter_policy``, ``redrive_policy``,
``replay_policy``) are the provider's normalised JSON. A topic's tags cost one
``ListTagsForResource``; subscriptions have none.

A subscription not confirmed yet is listed with the ARN ``PendingConfirmation`` (and one
being removed may be listed as ``Deleted``): it has no id Terraform could hold, so it is
left out. moto 5.2 confirms every subscription at once,
so that case is tested against recorded responses
(``tests/integration/providers/aws/test_messaging.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_TOPIC = "aws_sns_topic"
_SUBSCRIPTION = "aws_sns_topic_subscription"
_GONE = ("NotFound", "NotFoundException")

#: API attribute → (Terraform attribute, type), as the provider's ``topicAttributeMap``.
_TOPIC_ATTRIBUTES: dict[str, tuple[str, type]] = {
    "ApplicationFailureFeedbackRoleArn": ("application_failure_feedback_role_arn", str),
    "ApplicationSuccessFeedbackRoleArn": ("application_success_feedback_role_arn", str),
    "ApplicationSuccessFeedbackSampleRate": ("application_success_feedback_sample_rate", int),
    "ArchivePolicy": ("archive_policy", dict),
    "BeginningArchiveTime": ("beginning_archive_time", str),
    "ContentBasedDeduplication": ("content_based_deduplication", bool),
    "DeliveryPolicy": ("delivery_policy", dict),
    "DisplayName": ("display_name", str),
    "FifoThroughputScope": ("fifo_throughput_scope", str),
    "FifoTopic": ("fifo_topic", bool),
    "FirehoseFailureFeedbackRoleArn": ("firehose_failure_feedback_role_arn", str),
    "FirehoseSuccessFeedbackRoleArn": ("firehose_success_feedback_role_arn", str),
    "FirehoseSuccessFeedbackSampleRate": ("firehose_success_feedback_sample_rate", int),
    "HTTPFailureFeedbackRoleArn": ("http_failure_feedback_role_arn", str),
    "HTTPSuccessFeedbackRoleArn": ("http_success_feedback_role_arn", str),
    "HTTPSuccessFeedbackSampleRate": ("http_success_feedback_sample_rate", int),
    "KmsMasterKeyId": ("kms_master_key_id", str),
    "LambdaFailureFeedbackRoleArn": ("lambda_failure_feedback_role_arn", str),
    "LambdaSuccessFeedbackRoleArn": ("lambda_success_feedback_role_arn", str),
    "LambdaSuccessFeedbackSampleRate": ("lambda_success_feedback_sample_rate", int),
    "Owner": ("owner", str),
    "Policy": ("policy", dict),
    "SignatureVersion": ("signature_version", int),
    "SQSFailureFeedbackRoleArn": ("sqs_failure_feedback_role_arn", str),
    "SQSSuccessFeedbackRoleArn": ("sqs_success_feedback_role_arn", str),
    "SQSSuccessFeedbackSampleRate": ("sqs_success_feedback_sample_rate", int),
    "TracingConfig": ("tracing_config", str),
}

#: API attribute → (Terraform attribute, type), as the provider's ``subscriptionAttributeMap``.
_SUBSCRIPTION_ATTRIBUTES: dict[str, tuple[str, type]] = {
    "ConfirmationWasAuthenticated": ("confirmation_was_authenticated", bool),
    "DeliveryPolicy": ("delivery_policy", dict),
    "Endpoint": ("endpoint", str),
    "FilterPolicy": ("filter_policy", dict),
    "FilterPolicyScope": ("filter_policy_scope", str),
    "Owner": ("owner_id", str),
    "PendingConfirmation": ("pending_confirmation", bool),
    "Protocol": ("protocol", str),
    "RawMessageDelivery": ("raw_message_delivery", bool),
    "RedrivePolicy": ("redrive_policy", dict),
    "ReplayPolicy": ("replay_policy", dict),
    "SubscriptionRoleArn": ("subscription_role_arn", str),
    "TopicArn": ("topic_arn", str),
}


@enumerator(_TOPIC, "sns")
async def list_topics(scan: Scan, sns: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(sns, "list_topics"):
        arns.extend(topic["TopicArn"] for topic in page.get("Topics", []))
    details = await gather(_topic(scan, sns, arn) for arn in arns)
    account = await scan.account()
    return [
        _topic_resource(arn, found[0], found[1], region, account)
        for arn, found in zip(arns, details, strict=True)
        if found is not None  # deleted since the listing
    ]


@enumerator(_SUBSCRIPTION, "sns")
async def list_subscriptions(scan: Scan, sns: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(sns, "list_subscriptions"):
        arns.extend(
            str(s["SubscriptionArn"])
            for s in page.get("Subscriptions", [])
            # Not an ARN: "PendingConfirmation" (not confirmed yet) or "Deleted".
            if str(s.get("SubscriptionArn", "")).startswith("arn:")
        )
    details = await gather(_subscription(scan, sns, arn) for arn in arns)
    account = await scan.account()
    return [
        _subscription_resource(arn, found, region, account)
        for arn, found in zip(arns, details, strict=True)
        if found is not None  # unsubscribed since the listing
    ]


async def _topic(scan: Scan, sns: Any, arn: str) -> tuple[Response, dict[str, str]] | None:
    try:
        answer, tag_answer = await gather(
            [
                scan.call(sns, "get_topic_attributes", TopicArn=arn),
                scan.call(sns, "list_tags_for_resource", ResourceArn=arn),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return answer.get("Attributes") or {}, tags(tag_answer.get("Tags"))


async def _subscription(scan: Scan, sns: Any, arn: str) -> Response | None:
    try:
        answer = await scan.call(sns, "get_subscription_attributes", SubscriptionArn=arn)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    found: Response = answer.get("Attributes") or {}
    return found


def _topic_resource(
    arn: str,
    api: Mapping[str, str],
    topic_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": arn.rsplit(":", 1)[-1],
        **_mapped(api, _TOPIC_ATTRIBUTES),
        "tags": topic_tags,
    }
    return resource(
        _TOPIC, arn, region, account, attributes, is_default=is_cloud_default(_TOPIC, attributes)
    )


def _subscription_resource(
    arn: str, api: Mapping[str, str], region: str, account: str | None
) -> LiveResource:
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        **_mapped(api, _SUBSCRIPTION_ATTRIBUTES),
    }
    return resource(
        _SUBSCRIPTION,
        arn,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_SUBSCRIPTION, attributes),
    )


def _mapped(api: Mapping[str, str], names: dict[str, tuple[str, type]]) -> dict[str, Any]:
    """Terraform attributes from the API's string map; a ``dict`` type is a JSON document."""
    mapped: dict[str, Any] = {}
    for api_name, (name, kind) in names.items():
        raw = api.get(api_name)
        if kind is dict:
            mapped[name] = policy_json(raw or None)
        elif kind is bool:
            mapped[name] = str(raw).lower() == "true"
        elif kind is int:
            mapped[name] = int(raw) if raw not in (None, "") else 0
        else:
            mapped[name] = raw or ""
    return mapped
