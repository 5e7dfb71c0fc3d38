"""IAM: roles (global)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, rfc3339, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__: list[str] = []


@enumerator("aws_iam_role", "iam", is_global=True)
async def list_roles(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    names: list[str] = []
    async for page in scan.pages(iam, "list_roles"):
        names.extend(role["RoleName"] for role in page.get("Roles", []))

    async def get_role(name: str) -> Response | None:
        # ListRoles leaves out Tags and PermissionsBoundary; GetRole carries both.
        try:
            response = await scan.call(iam, "get_role", RoleName=name)
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":  # deleted since the listing
                return None
            raise
        role: Response = response["Role"]
        return role

    roles = await gather(get_role(name) for name in names)
    account = await scan.account()
    return [_role_resource(role, account) for role in roles if role is not None]


def _role_resource(role: Response, account: str | None) -> LiveResource:
    name: str = role["RoleName"]
    path: str = role.get("Path", "/")
    created = role.get("CreateDate")
    attributes = {
        "id": name,
        "name": name,
        "arn": role.get("Arn", ""),
        "unique_id": role.get("RoleId", ""),
        "path": path,
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "assume_role_policy": policy_json(role.get("AssumeRolePolicyDocument")),
        "permissions_boundary": role.get("PermissionsBoundary", {}).get(
            "PermissionsBoundaryArn", ""
        ),
        "create_date": rfc3339(created) if isinstance(created, datetime) else "",
        "tags": tags(role.get("Tags")),
    }
    return resource(
        "aws_iam_role",
        name,
        GLOBAL_REGION,
        account,
        attributes,
        # Service-linked roles are created and owned by AWS services, not by users.
        is_default=path.startswith("/aws-service-role/"),
    )
