"""CreateToken and RevokeToken: API tokens for a driftmgr server.

Run by ``driftmgr token …`` on the store itself (like a database's ``createuser``) and by
admins over HTTP. Names are unique among active tokens through the ``TokenName`` aggregate,
saved atomically with the token: no read model is consulted, so two concurrent creators of
one name cannot both win.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.api_token import ApiToken, InvalidToken, TokenConflict, TokenName
from driftmgr.domain.base import Cause
from driftmgr.domain.roles import Role
from driftmgr.errors import Conflict, InvalidCommand, NotFound

__all__ = ["CreateToken", "IssuedToken", "RevokeToken", "create_token", "revoke_token"]


class CreateToken(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """Unique among active tokens; the actor recorded for its requests is ``token:<name>``."""
    role: Role


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to CreateToken: the only time the secret is ever shown."""

    id: UUID
    position: int
    name: str
    role: str
    token: str


class RevokeToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    """The token's id, or the name of an active token."""
    reason: str = ""


def _name_of(backend: Backend, name: str, cause: Cause) -> TokenName:
    name_id = TokenName.create_id(name)
    if name_id in backend.app.repository:
        return backend.app.get(TokenName, name_id)
    return TokenName(name=name, **cause.fields())


def create_token(backend: Backend, command: CreateToken, cause: Cause) -> IssuedToken:
    try:
        token, secret = ApiToken.issue(name=command.name, role=command.role, cause=cause)
        name = _name_of(backend, command.name, cause)
        name.claim(token.id, cause)
    except InvalidToken as e:
        raise InvalidCommand(str(e)) from None
    except TokenConflict as e:
        raise Conflict(str(e)) from None
    position = backend.app.record(token, name)
    return IssuedToken(
        id=token.id, position=position, name=token.name, role=token.role, token=secret
    )


def _find(backend: Backend, ref: str) -> ApiToken:
    try:
        token_id = UUID(ref)
    except ValueError:
        name_id = TokenName.create_id(ref)
        holder = (
            backend.app.get(TokenName, name_id).holder
            if name_id in backend.app.repository
            else None
        )
        if holder is None:
            raise NotFound(f"no active token named {ref!r}") from None
        token_id = holder
    return backend.app.get(ApiToken, token_id)


def revoke_token(backend: Backend, command: RevokeToken, cause: Cause) -> Accepted:
    token = _find(backend, command.token)
    name = backend.app.get(TokenName, TokenName.create_id(token.name))
    try:
        token.revoke(reason=command.reason, cause=cause)
    except TokenConflict as e:
        raise Conflict(str(e)) from None
    name.release(token.id, cause)
    return Accepted(id=token.id, position=backend.app.record(token, name))
