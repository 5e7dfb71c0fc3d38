"""KMS: key tags, description, enabled state and rotation, key policy, deletion.

A key is never deleted at once: deletion is scheduled with the longest waiting period
(30 days), during which ``CancelKeyDeletion`` brings it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import (
    api_call,
    flag,
    identifier,
    policy_text,
    value,
)
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__ = ["KMS_DELETION_WINDOW_DAYS"]

_KEY = "aws_kms_key"
#: The longest waiting period KMS allows: a scheduled deletion can be cancelled until then.
KMS_DELETION_WINDOW_DAYS = 30


def _key(target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any]) -> str:
    return identifier(target, actual, desired, "key_id", "id")


@tagger((_KEY,), ("kms:tag_resource", "kms:untag_resource"))
def key_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    key = _key(target, actual, desired)
    calls = []
    if diff.put:
        params = {"KeyId": key, "Tags": tag_list(diff.put, "TagKey", "TagValue")}
        calls.append(api_call(target, "kms", "tag_resource", params))
    if diff.remove:
        params = {"KeyId": key, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "kms", "untag_resource", params))
    return calls


@recipe(_KEY, "description", ("kms:update_key_description",))
def key_description(change: Change) -> list[ApiCall]:
    key = _key(change.target, change.actual, change.desired)
    params = {"KeyId": key, "Description": str(change.desired.get("description") or "")}
    return [api_call(change.target, "kms", "update_key_description", params)]


@recipe(
    _KEY,
    ("is_enabled", "enable_key_rotation"),
    ("kms:enable_key", "kms:enable_key_rotation", "kms:disable_key_rotation", "kms:disable_key"),
)
def key_state(change: Change) -> list[ApiCall]:
    """KMS changes a key's rotation only while the key is enabled: a key being enabled is
    enabled first, one being disabled is disabled last."""
    key = _key(change.target, change.actual, change.desired)
    switch = "is_enabled" in change.attributes
    enabled = flag(value(_KEY, "is_enabled", change.desired))
    calls = []
    if switch and enabled:
        calls.append(api_call(change.target, "kms", "enable_key", {"KeyId": key}))
    if "enable_key_rotation" in change.attributes:
        if not (switch and enabled) and not flag(change.actual.get("is_enabled", True)):
            raise NotRemediable(
                "enable_key_rotation: KMS changes the rotation of enabled keys only"
            )
        rotate = flag(value(_KEY, "enable_key_rotation", change.desired))
        operation = "enable_key_rotation" if rotate else "disable_key_rotation"
        calls.append(api_call(change.target, "kms", operation, {"KeyId": key}))
    if switch and not enabled:
        calls.append(api_call(change.target, "kms", "disable_key", {"KeyId": key}))
    return calls


@recipe(_KEY, "policy", ("kms:put_key_policy",))
def key_policy(change: Change) -> list[ApiCall]:
    key = _key(change.target, change.actual, change.desired)
    document = policy_text(change.desired.get("policy"))
    if not document:
        raise NotRemediable("policy: a KMS key must have a key policy")
    params = {"KeyId": key, "PolicyName": "default", "Policy": document}
    return [api_call(change.target, "kms", "put_key_policy", params)]


@deletion(_KEY, ("kms:schedule_key_deletion",))
def schedule_deletion(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    params = {"KeyId": _key(target, actual, {}), "PendingWindowInDays": KMS_DELETION_WINDOW_DAYS}
    return [api_call(target, "kms", "schedule_key_deletion", params)]
