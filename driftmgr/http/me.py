"""Who the caller is: a client (the dashboard) shows only what its caller may do."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, get

from driftmgr.domain.roles import ROLE_PERMISSIONS, Permission, Role
from driftmgr.http.context import principal_of

__all__ = ["Me", "me", "role_of"]


class Me(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    """As recorded for what the caller does (``token:NAME``, ``oidc:…``, a local user)."""
    permissions: list[Permission]
    """Sorted."""
    via: Literal["local", "token", "oidc"]
    role: Role | None
    """The role granting exactly these permissions; None when none does."""


def role_of(permissions: frozenset[Permission]) -> Role | None:
    """The one role whose permissions are exactly ``permissions``, else None (a caller's
    permissions are what it may do; a role is only a name for a usual set of them)."""
    roles = [role for role, granted in ROLE_PERMISSIONS.items() if granted == permissions]
    return roles[0] if len(roles) == 1 else None


@get(
    "/api/v1/me", permission="read", tags=["access"], summary="The caller: actor, permissions, role"
)
async def me(request: Request[Any, Any, Any]) -> Me:
    principal = principal_of(request)
    return Me(
        actor=principal.actor,
        permissions=sorted(principal.permissions),
        via=principal.via,
        role=role_of(principal.permissions),
    )
