"""How SNS topics, subscriptions and topic policies compare (terraform-provider-aws 5.x,
``internal/service/sns``). ``aws_sns_topic.policy`` is Optional+Computed, so the live policy
object belongs to the topic (:func:`~driftmgr.domain.drift.aws._common.policy_hooks`); it is
keyed and imported by the topic ARN.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
    policy_hooks,
)
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__: list[str] = []


def _default_topic_policy(a: Mapping[str, Any], c: CloudContext) -> bool:
    """The policy SNS gives a topic it creates: id ``__default_policy_ID``, one
    ``__default_statement_ID`` statement."""
    try:
        policy = json.loads(str(a.get("policy") or ""))
    except json.JSONDecodeError:
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return (
        isinstance(policy, dict)
        and policy.get("Id") == "__default_policy_ID"
        and isinstance(statements, list)
        and all(
            isinstance(s, dict) and s.get("Sid") == "__default_statement_ID" for s in statements
        )
    )


def _topic_of(attributes: Mapping[str, Any]) -> str | None:
    arn = attributes.get("arn") or attributes.get("id")
    return str(arn) if arn else None


def _claims(resource: StateResource) -> list[Key]:
    """A state holding a ``policy`` claims the live policy object (see :func:`policy_hooks`)."""
    ident = _topic_of(resource.attributes)
    if ident and drop_empty(resource.attributes.get("policy")) is not None:
        return [("aws_sns_topic_policy", ident)]
    return []


aws(
    "aws_sns_topic",
    TypeRules(
        policies=frozenset({"policy", "delivery_policy", "archive_policy"}),
        defaults={
            "fifo_topic": False,
            "content_based_deduplication": False,
            "kms_master_key_id": "",
            "display_name": "",
        },
        absent_when_empty=frozenset({"policy", "delivery_policy"}),
        ignored=frozenset({"name_prefix", "owner", "beginning_archive_time"}),
        claims=_claims,
        claimed_types=frozenset({"aws_sns_topic_policy"}),
        severity={"kms_master_key_id": "high", "policy": "high"},
    ),
)

aws(
    "aws_sns_topic_subscription",
    TypeRules(
        policies=frozenset({"filter_policy", "delivery_policy", "redrive_policy", "replay_policy"}),
        defaults={"raw_message_delivery": False, "filter_policy_scope": ""},
        ignored=frozenset(
            {
                "confirmation_timeout_in_minutes",
                "endpoint_auto_confirms",
                "confirmation_was_authenticated",
                "pending_confirmation",
                "owner_id",
            }
        ),
        taggable=False,
    ),
)

aws(
    "aws_sns_topic_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        import_id="{arn}",
        # `owner` is the topic's account, computed.
        ignored=frozenset({"owner"}),
        **policy_hooks("aws_sns_topic", _topic_of),
        cloud_default=_default_topic_policy,
        severity={"policy": "high"},
        access=True,
        taggable=False,
    ),
)
