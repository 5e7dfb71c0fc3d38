"""API tokens, for admins: create (the secret is shown once), list, revoke.

``driftmgr token …`` does the same on the store directly, without a server.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.results import Accepted
from driftmgr.commands.tokens import (
    CreateToken,
    IssuedToken,
    RevokeToken,
    create_token,
    revoke_token,
)
from driftmgr.http.context import cause_of, services_of
from driftmgr.http.limits import Position
from driftmgr.queries.tokens import ListTokensQuery, TokenView, list_tokens

__all__ = ["TokensController"]


class RevokeReason(msgspec.Struct, frozen=True, kw_only=True):
    reason: str = ""


class TokensController(Controller):
    path = "/api/v1/tokens"
    tags = ["access"]

    @post(
        status_code=201,
        permission="admin",
        summary="Issue an API token (CreateToken)",
        refusals=(503,),
    )
    async def create(
        self, data: JSONBody[CreateToken], state: State, request: Request[Any, Any, Any]
    ) -> IssuedToken:
        """The answer holds the secret, which is never shown again. The token works as soon
        as this answers: the read models have caught up with it."""
        services = services_of(state)
        cause = cause_of(request)
        issued = await anyio.to_thread.run_sync(create_token, services.backend, data, cause)
        await services.read.wait_for(issued.position)
        return issued

    @get(permission="admin", summary="API tokens, never their secrets (ListTokensQuery)")
    async def list_tokens(
        self,
        state: State,
        include_revoked: FromQuery[bool] = False,
        min_position: Position = None,
    ) -> list[TokenView]:
        query = ListTokensQuery(min_position=min_position, include_revoked=include_revoked)
        return await list_tokens(services_of(state).read, query)

    @post(
        "/{token_id:uuid}/revoke",
        status_code=202,
        permission="admin",
        summary="Revoke an API token (RevokeToken)",
        refusals=(503,),
    )
    async def revoke(
        self,
        token_id: FromPath[UUID],
        data: JSONBody[RevokeReason],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        """Refused from the moment this answers: the read models have caught up with it."""
        services = services_of(state)
        command = RevokeToken(token=str(token_id), reason=data.reason)
        cause = cause_of(request)
        accepted = await anyio.to_thread.run_sync(revoke_token, services.backend, command, cause)
        await services.read.wait_for(accepted.position)
        return accepted
