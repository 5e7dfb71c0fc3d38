"""IAM (global): roles, users, groups, customer managed policies, their policy attachments,
and instance profiles.

Attributes are named and shaped as terraform-provider-aws 5.x stores them
(``internal/service/iam``): policy documents as minified JSON with sorted keys, sets as
sorted lists, tags as plain maps. List operations leave out tags, permissions boundaries
and policy descriptions, so every object is read back with its ``Get*`` call, as the
provider does.

Roles' tags, permissions boundaries, inline policies and attached policies, and the
attached policies of users and groups, come from ``GetAccountAuthorizationDetails``: a few
paged calls for the whole account, shared by every IAM listing of the scan, instead of three
or more calls per role at IAM's low rate limit (ListRoles still gives what it leaves out:
description and maximum session duration). Where that call is denied, or misses an object
created after it, each object is read with its own calls, as the provider does.

Attachments have no AWS id; they are keyed ``<role|user|group>-<policy arn>``
(:func:`~driftmgr.domain.drift.identity.policy_attachment_id`). An object deleted between
its listing and its read is gone; any other failed call fails the whole type, which is then
unobserved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import ACCESS_DENIED, error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, rfc3339, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import CloudContext, is_cloud_default
from driftmgr.domain.drift.identity import policy_attachment_id
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__: list[str] = []

T = TypeVar("T")

_SERVICE_ROLE_PATH = "/aws-service-role/"


class _Gone(Exception):
    """The entity was deleted after it was listed: it no longer exists."""


async def _unless_gone(read: Awaitable[T]) -> T | None:
    """``read``'s result, or None when IAM says the entity no longer exists."""
    try:
        return await read
    except _Gone:
        return None
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return None
        raise


def _resource(
    type_: str,
    id_: str,
    account: str | None,
    attributes: dict[str, Any],
    context: CloudContext | None = None,
) -> LiveResource:
    default = is_cloud_default(type_, attributes, context or CloudContext())
    return resource(type_, id_, GLOBAL_REGION, account, attributes, is_default=default)


def _date(value: Any) -> str:
    return rfc3339(value) if isinstance(value, datetime) else ""


async def _listed(scan: Scan, iam: Any, operation: str, key: str, **params: Any) -> list[Response]:
    items: list[Response] = []
    async for page in scan.pages(iam, operation, **params):
        items.extend(page.get(key, []))
    return items


# --- shared listings ------------------------------------------------------------------------


def _roles(scan: Scan, iam: Any) -> Awaitable[list[Response]]:
    return scan.shared("iam:roles", lambda: _listed(scan, iam, "list_roles", "Roles"))


def _users(scan: Scan, iam: Any) -> Awaitable[list[Response]]:
    return scan.shared("iam:users", lambda: _listed(scan, iam, "list_users", "Users"))


def _groups(scan: Scan, iam: Any) -> Awaitable[list[Response]]:
    return scan.shared("iam:groups", lambda: _listed(scan, iam, "list_groups", "Groups"))


#: ``GetAccountAuthorizationDetails`` by kind: ``{kind: {name: detail}}``.
_Details = dict[str, dict[str, Response]]
#: Each kind's list in that answer, and the key naming its entries.
_DETAIL_LISTS = {
    "role": ("RoleDetailList", "RoleName"),
    "user": ("UserDetailList", "UserName"),
    "group": ("GroupDetailList", "GroupName"),
}


def _details(scan: Scan, iam: Any) -> Awaitable[_Details | None]:
    """The account's roles, users and groups with their policies, or None where denied."""

    async def fetch() -> _Details | None:
        by_kind: dict[str, dict[str, Response]] = {kind: {} for kind in _DETAIL_LISTS}
        try:
            async for page in scan.pages(
                iam, "get_account_authorization_details", Filter=["Role", "User", "Group"]
            ):
                for kind, (key, name_key) in _DETAIL_LISTS.items():
                    by_kind[kind].update((d[name_key], d) for d in page.get(key, []))
        except ClientError as exc:
            if error_code(exc) in ACCESS_DENIED:
                return None  # a narrower policy may still allow the per-object reads
            raise
        return by_kind

    return scan.shared("iam:details", fetch)


_ATTACHED = {
    "role": ("list_attached_role_policies", "RoleName"),
    "user": ("list_attached_user_policies", "UserName"),
    "group": ("list_attached_group_policies", "GroupName"),
}


def _arns(policies: list[Response]) -> list[str]:
    return sorted({p["PolicyArn"] for p in policies})


async def _attached(scan: Scan, iam: Any, kind: str, name: str) -> list[str]:
    """The ARNs of the managed policies attached to one role, user or group, sorted."""
    details = await _details(scan, iam)
    detail = details[kind].get(name) if details else None
    if detail is not None:
        return _arns(detail.get("AttachedManagedPolicies", []))
    operation, parameter = _ATTACHED[kind]

    async def fetch() -> list[str]:
        return _arns(await _listed(scan, iam, operation, "AttachedPolicies", **{parameter: name}))

    # Listed once per scan: a role's own listing and its attachments' both ask.
    return await scan.shared(f"iam:{kind}-attached:{name}", fetch)


# --- roles ----------------------------------------------------------------------------------


@enumerator("aws_iam_role", "iam")
async def list_roles(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    # Both are shared lookups (shielded tasks): plain asyncio.gather cannot orphan them.
    listed, details = await asyncio.gather(_roles(scan, iam), _details(scan, iam))
    account = await scan.account()

    async def read(listing: Response) -> LiveResource | None:
        name = listing["RoleName"]
        detail = details["role"].get(name) if details else None
        if detail is not None:
            inline = sorted(
                (
                    {"name": p["PolicyName"], "policy": policy_json(p.get("PolicyDocument"))}
                    for p in detail.get("RolePolicyList", [])
                ),
                key=lambda p: p["name"],
            )
            attached = _arns(detail.get("AttachedManagedPolicies", []))
            # The details leave out what the listing has: description, session duration.
            return _role_resource({**listing, **detail}, inline, attached, account)
        reads: list[Awaitable[Any]] = [
            _get_role(scan, iam, name),
            _inline_policies(scan, iam, name),
            _attached(scan, iam, "role", name),
        ]
        role, inline, attached = await gather(reads)
        return _role_resource(role, inline, attached, account)

    roles = await gather(_unless_gone(read(r)) for r in listed)
    return [role for role in roles if role is not None]


async def _get_role(scan: Scan, iam: Any, name: str) -> Response:
    # ListRoles leaves out Tags and PermissionsBoundary; GetRole carries both.
    response = await scan.call(iam, "get_role", RoleName=name)
    role: Response = response["Role"]
    return role


async def _inline_policies(scan: Scan, iam: Any, role: str) -> list[dict[str, str]]:
    names: list[str] = []
    async for page in scan.pages(iam, "list_role_policies", RoleName=role):
        names.extend(page.get("PolicyNames", []))

    async def document(name: str) -> dict[str, str]:
        response = await scan.call(iam, "get_role_policy", RoleName=role, PolicyName=name)
        return {"name": name, "policy": policy_json(response.get("PolicyDocument"))}

    return sorted(await gather(document(n) for n in sorted(set(names))), key=lambda p: p["name"])


def _role_resource(
    role: Response, inline: list[dict[str, str]], attached: list[str], account: str | None
) -> LiveResource:
    name: str = role["RoleName"]
    attributes = {
        "id": name,
        "name": name,
        "arn": role.get("Arn", ""),
        "unique_id": role.get("RoleId", ""),
        "path": role.get("Path", "/"),
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "assume_role_policy": policy_json(role.get("AssumeRolePolicyDocument")),
        "permissions_boundary": role.get("PermissionsBoundary", {}).get(
            "PermissionsBoundaryArn", ""
        ),
        "create_date": _date(role.get("CreateDate")),
        "inline_policy": inline,
        "managed_policy_arns": attached,
        "tags": tags(role.get("Tags")),
    }
    return _resource("aws_iam_role", name, account, attributes)


# --- users, groups --------------------------------------------------------------------------


@enumerator("aws_iam_user", "iam")
async def list_users(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    listed = await _users(scan, iam)

    async def read(name: str) -> Response:
        # ListUsers leaves out Tags and PermissionsBoundary; GetUser carries both.
        response = await scan.call(iam, "get_user", UserName=name)
        user: Response = response["User"]
        return user

    users = await gather(_unless_gone(read(u["UserName"])) for u in listed)
    account = await scan.account()
    return [_user_resource(user, account) for user in users if user is not None]


def _user_resource(user: Response, account: str | None) -> LiveResource:
    name: str = user["UserName"]
    attributes = {
        "id": name,
        "name": name,
        "arn": user.get("Arn", ""),
        "unique_id": user.get("UserId", ""),
        "path": user.get("Path", "/"),
        "permissions_boundary": user.get("PermissionsBoundary", {}).get(
            "PermissionsBoundaryArn", ""
        ),
        "tags": tags(user.get("Tags")),
    }
    return _resource("aws_iam_user", name, account, attributes)


@enumerator("aws_iam_group", "iam")
async def list_groups(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    groups = await _groups(scan, iam)
    account = await scan.account()
    live = []
    for group in groups:
        name: str = group["GroupName"]
        attributes = {
            "id": name,
            "name": name,
            "arn": group.get("Arn", ""),
            "unique_id": group.get("GroupId", ""),
            "path": group.get("Path", "/"),
        }
        live.append(_resource("aws_iam_group", name, account, attributes))
    return live


# --- customer managed policies --------------------------------------------------------------


@enumerator("aws_iam_policy", "iam")
async def list_policies(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    # Scope=Local: customer managed policies only; AWS managed ones cannot be Terraform's.
    listed = await _listed(scan, iam, "list_policies", "Policies", Scope="Local")

    async def read(summary: Response) -> LiveResource:
        arn = summary["Arn"]
        # ListPolicies leaves out Description and Tags; GetPolicy carries both.
        version_id = summary["DefaultVersionId"]
        described, version = await gather(
            [
                scan.call(iam, "get_policy", PolicyArn=arn),
                scan.call(iam, "get_policy_version", PolicyArn=arn, VersionId=version_id),
            ]
        )
        return _policy_resource(described["Policy"], version["PolicyVersion"], await scan.account())

    policies = await gather(_unless_gone(read(p)) for p in listed)
    return [policy for policy in policies if policy is not None]


def _policy_resource(policy: Response, version: Response, account: str | None) -> LiveResource:
    arn: str = policy["Arn"]
    attributes = {
        "id": arn,
        "arn": arn,
        "name": policy.get("PolicyName", ""),
        "path": policy.get("Path", "/"),
        "description": policy.get("Description", ""),
        "policy_id": policy.get("PolicyId", ""),
        "attachment_count": policy.get("AttachmentCount", 0),
        "policy": policy_json(version.get("Document")),
        "tags": tags(policy.get("Tags")),
    }
    return _resource("aws_iam_policy", arn, account, attributes)


# --- policy attachments ---------------------------------------------------------------------


async def _attachments(
    scan: Scan,
    iam: Any,
    kind: str,
    principals: list[str],
    context: CloudContext | None = None,
) -> list[LiveResource]:
    type_ = f"aws_iam_{kind}_policy_attachment"
    attached = await gather(_unless_gone(_attached(scan, iam, kind, p)) for p in principals)
    account = await scan.account()
    live = []
    for principal, arns in zip(principals, attached, strict=True):
        for arn in arns or []:
            id_ = policy_attachment_id(principal, arn)
            attributes = {"id": id_, kind: principal, "policy_arn": arn}
            live.append(_resource(type_, id_, account, attributes, context))
    return live


@enumerator("aws_iam_role_policy_attachment", "iam")
async def list_role_policy_attachments(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    roles = await _roles(scan, iam)
    service_linked = frozenset(
        r["RoleName"] for r in roles if r.get("Path", "").startswith(_SERVICE_ROLE_PATH)
    )
    context = CloudContext(service_linked_role_names=service_linked)
    return await _attachments(scan, iam, "role", [r["RoleName"] for r in roles], context)


@enumerator("aws_iam_user_policy_attachment", "iam")
async def list_user_policy_attachments(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    users = await _users(scan, iam)
    return await _attachments(scan, iam, "user", [u["UserName"] for u in users])


@enumerator("aws_iam_group_policy_attachment", "iam")
async def list_group_policy_attachments(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    groups = await _groups(scan, iam)
    return await _attachments(scan, iam, "group", [g["GroupName"] for g in groups])


# --- instance profiles ----------------------------------------------------------------------


@enumerator("aws_iam_instance_profile", "iam")
async def list_instance_profiles(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    listed = await _listed(scan, iam, "list_instance_profiles", "InstanceProfiles")

    async def read(name: str) -> Response:
        # ListInstanceProfiles leaves out Tags; GetInstanceProfile carries them.
        response = await scan.call(iam, "get_instance_profile", InstanceProfileName=name)
        profile: Response = response["InstanceProfile"]
        return profile

    profiles = await gather(_unless_gone(read(p["InstanceProfileName"])) for p in listed)
    account = await scan.account()
    return [_profile_resource(p, account) for p in profiles if p is not None]


def _profile_resource(profile: Response, account: str | None) -> LiveResource:
    name: str = profile["InstanceProfileName"]
    roles = profile.get("Roles") or []
    attributes = {
        "id": name,
        "name": name,
        "arn": profile.get("Arn", ""),
        "unique_id": profile.get("InstanceProfileId", ""),
        "path": profile.get("Path", "/"),
        "create_date": _date(profile.get("CreateDate")),
        # An instance profile holds at most one role.
        "role": roles[0].get("RoleName", "") if roles else "",
        "tags": tags(profile.get("Tags")),
    }
    return _resource("aws_iam_instance_profile", name, account, attributes)
