"""Roles and what they permit: the access model of a driftmgr server (no dependencies)."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["PERMISSIONS", "ROLES", "ROLE_PERMISSIONS", "Permission", "Role", "permissions_of"]

Role = Literal["viewer", "operator", "approver", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

Permission = Literal["read", "command", "approve", "audit", "admin"]
PERMISSIONS: tuple[Permission, ...] = get_args(Permission)

#: What each role may do. ``approver`` may not run commands: whoever approves a remediation
#: is not the one who planned it (separation of duties). ``audit`` (the whole event log: who
#: did what, when) is the auditor's and the admin's, not every reader's. ``admin`` may do
#: everything.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "viewer": frozenset({"read"}),
    "operator": frozenset({"read", "command"}),
    "approver": frozenset({"read", "approve"}),
    "auditor": frozenset({"read", "audit"}),
    "admin": frozenset(PERMISSIONS),
}

_PERMISSIONS_BY_NAME: dict[str, frozenset[Permission]] = {r: p for r, p in ROLE_PERMISSIONS.items()}


def permissions_of(role: str) -> frozenset[Permission]:
    """What a role may do; nothing for a name that is not a role."""
    return _PERMISSIONS_BY_NAME.get(role, frozenset())
