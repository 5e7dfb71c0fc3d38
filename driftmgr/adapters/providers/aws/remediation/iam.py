"""IAM (global): tags of roles, users, policies and instance profiles; a role's trust
policy, description, session duration, permissions boundary, managed and inline policies;
role deletion.

IAM is global: its calls go to the home region of the partition the object's ARN names.
Managed policies and inline policies are sets: only the difference is attached, detached,
put or deleted, so policies nobody changed are never detached, not even for a moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.aws.remediation.calls import api_call, identifier, policy_text
from driftmgr.adapters.providers.aws.remediation.registry import Change, deletion, recipe
from driftmgr.adapters.providers.aws.remediation.tags import TagChange, tag_list, tagger
from driftmgr.domain.drift.normalise import canonical_policy
from driftmgr.domain.remediation import ApiCall, NotRemediable, Target

__all__: list[str] = []

_ROLE = "aws_iam_role"
_USER = "aws_iam_user"

#: type → (what the tagging calls name the entity by, the attribute holding it, noun).
_TAGGED = {
    _ROLE: ("RoleName", "name", "role"),
    _USER: ("UserName", "name", "user"),
    "aws_iam_policy": ("PolicyArn", "arn", "policy"),
    "aws_iam_instance_profile": ("InstanceProfileName", "name", "instance_profile"),
}


@tagger(
    tuple(_TAGGED),
    tuple(f"iam:{verb}_{noun}" for _, _, noun in _TAGGED.values() for verb in ("tag", "untag")),
)
def iam_tags(
    target: Target, actual: Mapping[str, Any], desired: Mapping[str, Any], diff: TagChange
) -> list[ApiCall]:
    parameter, attribute, noun = _TAGGED[target.type]
    entity = {parameter: identifier(target, actual, desired, attribute, "id")}
    maps = (actual, desired)
    calls = []
    if diff.put:
        params = {**entity, "Tags": tag_list(diff.put)}
        calls.append(api_call(target, "iam", f"tag_{noun}", params, attributes=maps))
    if diff.remove:
        params = {**entity, "TagKeys": list(diff.remove)}
        calls.append(api_call(target, "iam", f"untag_{noun}", params, attributes=maps))
    return calls


def _call(change: Change, operation: str, params: dict[str, Any]) -> ApiCall:
    return api_call(
        change.target, "iam", operation, params, attributes=(change.actual, change.desired)
    )


def _role(change: Change) -> str:
    return identifier(change.target, change.actual, change.desired, "name", "id")


@recipe(_ROLE, "assume_role_policy", ("iam:update_assume_role_policy",))
def trust_policy(change: Change) -> list[ApiCall]:
    document = policy_text(change.desired.get("assume_role_policy"))
    if not document:
        raise NotRemediable("assume_role_policy: a role must have a trust policy")
    params = {"RoleName": _role(change), "PolicyDocument": document}
    return [_call(change, "update_assume_role_policy", params)]


@recipe(_ROLE, ("description", "max_session_duration"), ("iam:update_role",))
def role_settings(change: Change) -> list[ApiCall]:
    params: dict[str, Any] = {"RoleName": _role(change)}
    if "description" in change.attributes:
        params["Description"] = str(change.desired.get("description") or "")
    if "max_session_duration" in change.attributes:
        params["MaxSessionDuration"] = int(change.desired.get("max_session_duration") or 3600)
    return [_call(change, "update_role", params)]


@recipe(
    (_ROLE, _USER),
    "permissions_boundary",
    (
        "iam:put_role_permissions_boundary",
        "iam:delete_role_permissions_boundary",
        "iam:put_user_permissions_boundary",
        "iam:delete_user_permissions_boundary",
    ),
)
def permissions_boundary(change: Change) -> list[ApiCall]:
    kind = "role" if change.target.type == _ROLE else "user"
    entity = {f"{kind.capitalize()}Name": _role(change)}
    boundary = str(change.desired.get("permissions_boundary") or "")
    if not boundary:
        return [_call(change, f"delete_{kind}_permissions_boundary", entity)]
    params = {**entity, "PermissionsBoundary": boundary}
    return [_call(change, f"put_{kind}_permissions_boundary", params)]


def _arns(found: Any) -> set[str]:
    return {str(a) for a in found if a} if isinstance(found, list) else set()


@recipe(_ROLE, "managed_policy_arns", ("iam:detach_role_policy", "iam:attach_role_policy"))
def managed_policies(change: Change) -> list[ApiCall]:
    role = _role(change)
    wanted = _arns(change.desired.get("managed_policy_arns"))
    have = _arns(change.actual.get("managed_policy_arns"))
    calls = [
        _call(change, "detach_role_policy", {"RoleName": role, "PolicyArn": arn})
        for arn in sorted(have - wanted)
    ]
    calls += [
        _call(change, "attach_role_policy", {"RoleName": role, "PolicyArn": arn})
        for arn in sorted(wanted - have)
    ]
    return calls


def _inline(found: Any) -> dict[str, str]:
    """Inline policies by name (the provider stores one empty block for none)."""
    policies = {}
    for member in found if isinstance(found, list) else []:
        if isinstance(member, Mapping) and member.get("name"):
            policies[str(member["name"])] = policy_text(member.get("policy"))
    return policies


@recipe(_ROLE, "inline_policy", ("iam:delete_role_policy", "iam:put_role_policy"))
def inline_policies(change: Change) -> list[ApiCall]:
    role = _role(change)
    wanted = _inline(change.desired.get("inline_policy"))
    have = _inline(change.actual.get("inline_policy"))
    calls = [
        _call(change, "delete_role_policy", {"RoleName": role, "PolicyName": name})
        for name in sorted(set(have) - set(wanted))
    ]
    for name, document in sorted(wanted.items()):
        if name in have and canonical_policy(have[name]) == canonical_policy(document):
            continue
        if not document:
            raise NotRemediable(f"inline_policy: the desired policy {name!r} is empty")
        params = {"RoleName": role, "PolicyName": name, "PolicyDocument": document}
        calls.append(_call(change, "put_role_policy", params))
    return calls


@deletion(_ROLE, ("iam:detach_role_policy", "iam:delete_role_policy", "iam:delete_role"))
def delete_role(target: Target, actual: Mapping[str, Any]) -> list[ApiCall]:
    """Its policies first: IAM refuses to delete a role that still has any."""
    role = identifier(target, actual, {}, "name", "id")
    maps = (actual,)
    calls = [
        api_call(
            target,
            "iam",
            "detach_role_policy",
            {"RoleName": role, "PolicyArn": arn},
            attributes=maps,
        )
        for arn in sorted(_arns(actual.get("managed_policy_arns")))
    ]
    calls += [
        api_call(
            target,
            "iam",
            "delete_role_policy",
            {"RoleName": role, "PolicyName": name},
            attributes=maps,
        )
        for name in sorted(_inline(actual.get("inline_policy")))
    ]
    calls.append(api_call(target, "iam", "delete_role", {"RoleName": role}, attributes=maps))
    return calls
