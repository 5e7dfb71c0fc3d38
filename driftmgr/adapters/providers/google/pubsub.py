"""Pub/Sub topics and subscriptions as terraform-provider-google 6.x reads them
(``services/pubsub``): the Pub/Sub v1 resources, whose ``name`` is the provider's id."""

from __future__ import annotations

from driftmgr.adapters.providers.google.mapping import Asset, integers, labels, live, short_name
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@mapper("google_pubsub_topic", "pubsub.googleapis.com/Topic")
def topic(asset: Asset) -> LiveResource:
    data = asset.data
    name = str(data.get("name") or asset.relative_name)
    policy = data.get("messageStoragePolicy") or {}
    attributes = {
        "name": short_name(name),
        "kms_key_name": data.get("kmsKeyName", ""),
        "message_retention_duration": data.get("messageRetentionDuration", ""),
        "message_storage_policy": (
            [{"allowed_persistence_regions": list(policy["allowedPersistenceRegions"])}]
            if policy.get("allowedPersistenceRegions")
            else []
        ),
        "effective_labels": labels(data),
    }
    return live("google_pubsub_topic", name, asset, attributes)


@mapper("google_pubsub_subscription", "pubsub.googleapis.com/Subscription")
def subscription(asset: Asset) -> LiveResource:
    data = asset.data
    name = str(data.get("name") or asset.relative_name)
    push = data.get("pushConfig") or {}
    expiration = data.get("expirationPolicy")
    retry = data.get("retryPolicy")
    dead_letter = data.get("deadLetterPolicy")
    attributes = {
        "name": short_name(name),
        "topic": data.get("topic", ""),
        "ack_deadline_seconds": integers(data.get("ackDeadlineSeconds", 10)),
        "message_retention_duration": data.get("messageRetentionDuration", ""),
        "retain_acked_messages": bool(data.get("retainAckedMessages", False)),
        "enable_message_ordering": bool(data.get("enableMessageOrdering", False)),
        "enable_exactly_once_delivery": bool(data.get("enableExactlyOnceDelivery", False)),
        "filter": data.get("filter", ""),
        "push_config": (
            [
                {
                    "push_endpoint": push["pushEndpoint"],
                    "attributes": dict(push.get("attributes") or {}),
                }
            ]
            if push.get("pushEndpoint")
            else []
        ),
        "expiration_policy": [{"ttl": expiration.get("ttl", "")}] if expiration is not None else [],
        "retry_policy": (
            [
                {
                    "minimum_backoff": retry.get("minimumBackoff", ""),
                    "maximum_backoff": retry.get("maximumBackoff", ""),
                }
            ]
            if retry
            else []
        ),
        "dead_letter_policy": (
            [
                {
                    "dead_letter_topic": dead_letter.get("deadLetterTopic", ""),
                    "max_delivery_attempts": integers(dead_letter.get("maxDeliveryAttempts")),
                }
            ]
            if dead_letter
            else []
        ),
        "effective_labels": labels(data),
    }
    return live("google_pubsub_subscription", name, asset, attributes)
