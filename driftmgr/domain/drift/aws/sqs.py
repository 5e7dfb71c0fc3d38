"""How SQS queues and queue policies compare (terraform-provider-aws 5.x, ``internal/service/sqs``).

A queue is keyed by ``ACCOUNT/NAME`` (:func:`~driftmgr.domain.drift.identity.sqs_queue_identity`:
the URL's host depends on the endpoint that answered) and imports by its URL, as does its
policy. ``aws_sqs_queue.policy`` is Optional+Computed, so the live policy object belongs to
the queue (:func:`~driftmgr.domain.drift.aws._common.policy_hooks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
    policy_hooks,
)
from driftmgr.domain.drift.identity import (
    sqs_queue_id,
    sqs_queue_identity,
)
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__: list[str] = []


def _queue_of(attributes: Mapping[str, Any]) -> str | None:
    url = attributes.get("queue_url") or attributes.get("url") or attributes.get("id")
    return sqs_queue_id(str(url)) if url else None


def _claims(resource: StateResource) -> list[Key]:
    """A state holding a ``policy`` claims the live policy object (see :func:`policy_hooks`)."""
    ident = _queue_of(resource.attributes)
    if ident and drop_empty(resource.attributes.get("policy")) is not None:
        return [("aws_sqs_queue_policy", ident)]
    return []


aws(
    "aws_sqs_queue",
    TypeRules(
        import_id="{url}",
        policies=frozenset({"policy", "redrive_policy", "redrive_allow_policy"}),
        defaults={
            "delay_seconds": 0,
            "max_message_size": 262144,
            "message_retention_seconds": 345600,
            "receive_wait_time_seconds": 0,
            "visibility_timeout_seconds": 30,
            "fifo_queue": False,
            "content_based_deduplication": False,
            "kms_data_key_reuse_period_seconds": 300,
            "kms_master_key_id": "",
        },
        # The policy may be managed by a separate aws_sqs_queue_policy.
        absent_when_empty=frozenset({"policy"}),
        ignored=frozenset({"url", "name_prefix"}),
        # The URL's host depends on the endpoint that answered (legacy, FIPS, VPC):
        # account and name identify the queue.
        identity=sqs_queue_identity,
        claims=_claims,
        claimed_types=frozenset({"aws_sqs_queue_policy"}),
        severity={"kms_master_key_id": "high", "policy": "high", "sqs_managed_sse_enabled": "high"},
    ),
)

aws(
    "aws_sqs_queue_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        import_id="{queue_url}",
        ignored=frozenset({"queue_url"}),
        **policy_hooks("aws_sqs_queue", _queue_of),
        severity={"policy": "high"},
        access=True,
        taggable=False,
    ),
)
