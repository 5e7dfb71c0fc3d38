"""IAM (global): inline policies of roles, users and groups — ``aws_iam_role_policy``,
``aws_iam_user_policy`` and ``aws_iam_group_policy``.

As terraform-provider-aws 5.x stores them (``internal/service/iam/{role,user,group}_policy.go``):
the id is ``<principal>:<policy name>`` (what ``terraform import`` takes), the document
minified JSON with sorted keys. The documents come from ``GetAccountAuthorizationDetails``,
shared with :mod:`driftmgr.adapters.providers.aws.iam`; where that call is denied or misses a
principal created after it, each principal's policies are listed and read one by one, as the
provider does. A principal or policy deleted between listing and reading is gone.
"""

from __future__ import annotations

import asyncio
from typing import Any

from driftmgr.adapters.providers.aws.iam import (
    _details,
    _groups,
    _listed,
    _resource,
    _roles,
    _unless_gone,
    _users,
)
from driftmgr.adapters.providers.aws.mapping import policy_json
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

#: Kind → (its details' inline policy list, ListXPolicies, GetXPolicy, the name parameter).
_INLINE = {
    "role": ("RolePolicyList", "list_role_policies", "get_role_policy", "RoleName"),
    "user": ("UserPolicyList", "list_user_policies", "get_user_policy", "UserName"),
    "group": ("GroupPolicyList", "list_group_policies", "get_group_policy", "GroupName"),
}


def inline_policy_id(principal: str, name: str) -> str:
    """The provider's id of an inline policy, and its import id: ``principal:name``."""
    return f"{principal}:{name}"


async def _inline(scan: Scan, iam: Any, kind: str, principals: list[str]) -> list[LiveResource]:
    details = await _details(scan, iam)
    detail_key, list_operation, get_operation, parameter = _INLINE[kind]

    async def documents(principal: str) -> list[tuple[str, str]]:
        detail = details[kind].get(principal) if details else None
        if detail is not None:
            return [
                (p["PolicyName"], policy_json(p.get("PolicyDocument")))
                for p in detail.get(detail_key, [])
            ]
        names = await _listed(scan, iam, list_operation, "PolicyNames", **{parameter: principal})

        async def read(name: str) -> tuple[str, str] | None:
            async def get() -> Response:
                response: Response = await scan.call(
                    iam, get_operation, **{parameter: principal}, PolicyName=name
                )
                return response

            response = await _unless_gone(get())
            if response is None:
                return None
            return name, policy_json(response.get("PolicyDocument"))

        found = await gather(read(n) for n in sorted({str(n) for n in names}))
        return [f for f in found if f is not None]

    by_principal = await gather(_unless_gone(documents(p)) for p in principals)
    account = await scan.account()
    live = []
    for principal, policies in zip(principals, by_principal, strict=True):
        for name, document in sorted(policies or []):
            id_ = inline_policy_id(principal, name)
            attributes = {"id": id_, kind: principal, "name": name, "policy": document}
            live.append(_resource(f"aws_iam_{kind}_policy", id_, account, attributes))
    return live


@enumerator("aws_iam_role_policy", "iam")
async def list_role_policies(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    roles, _ = await asyncio.gather(_roles(scan, iam), _details(scan, iam))
    return await _inline(scan, iam, "role", [r["RoleName"] for r in roles])


@enumerator("aws_iam_user_policy", "iam")
async def list_user_policies(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    users = await _users(scan, iam)
    return await _inline(scan, iam, "user", [u["UserName"] for u in users])


@enumerator("aws_iam_group_policy", "iam")
async def list_group_policies(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    groups = await _groups(scan, iam)
    return await _inline(scan, iam, "group", [g["GroupName"] for g in groups])
