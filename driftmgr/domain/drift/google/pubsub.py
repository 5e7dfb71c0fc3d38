"""How Pub/Sub topics and subscriptions compare (terraform-provider-google 6.x,
``services/pubsub``).

Ids are ``projects/{project}/topics/{name}`` and ``projects/{project}/subscriptions/{name}``;
both are global. ``name`` and a subscription's ``topic`` may be short names or full paths
(the provider's ``compareSelfLinkOrResourceName``): they compare by name. Durations are the
API's ``"86400s"`` strings on both sides.
"""

from __future__ import annotations

from driftmgr.domain.drift.google._common import (
    LABELS,
    blocks_of,
    google,
    identity_from,
    short_name,
)
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

google(
    "google_pubsub_topic",
    TypeRules(
        identity=identity_from("projects/{project}/topics/{name}"),
        is_global=True,
        normalisers={
            "name": short_name,
            "message_storage_policy": blocks_of({"allowed_persistence_regions": None}),
        },
        sets=frozenset({"message_storage_policy.allowed_persistence_regions"}),
        defaults={"kms_key_name": "", "message_retention_duration": ""},
        ignored=LABELS,
        severity={"kms_key_name": "high", "effective_labels": "low"},
        taggable=False,
    ),
)

google(
    "google_pubsub_subscription",
    TypeRules(
        identity=identity_from("projects/{project}/subscriptions/{name}"),
        is_global=True,
        normalisers={
            "name": short_name,
            "topic": short_name,
            "push_config": blocks_of({"push_endpoint": None, "attributes": None}),
            "expiration_policy": blocks_of({"ttl": None}),
            "retry_policy": blocks_of({"minimum_backoff": None, "maximum_backoff": None}),
            "dead_letter_policy": blocks_of(
                {"dead_letter_topic": short_name, "max_delivery_attempts": None}
            ),
        },
        defaults={
            "ack_deadline_seconds": 10,
            "message_retention_duration": "604800s",
            "retain_acked_messages": False,
            "enable_message_ordering": False,
            "enable_exactly_once_delivery": False,
            "filter": "",
        },
        ignored=LABELS,
        severity={"push_config": "high", "effective_labels": "low"},
        taggable=False,
    ),
)
