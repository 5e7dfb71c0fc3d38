"""API tokens: list them (never their secrets) and find the active one a secret belongs to.

The CLI reads through a synchronous engine on the store (``driftmgr token list``); the
server through its asynchronous read engine.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.domain.api_token import looks_like_token, secret_digest
from driftmgr.projections.tokens import api_tokens_table
from driftmgr.queries.base import ReadModels

__all__ = [
    "ActiveToken",
    "ListTokensQuery",
    "TokenView",
    "count_active_tokens",
    "find_active_token",
    "list_tokens",
    "list_tokens_now",
]

_tokens = api_tokens_table.c


class TokenView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    role: str
    hint: str
    """The secret's last four characters, to tell tokens apart; never the secret."""
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None


class ListTokensQuery(msgspec.Struct, frozen=True, kw_only=True):
    min_position: int | None = None
    include_revoked: bool = False


class ActiveToken(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    role: str


def _select(include_revoked: bool) -> sa.Select[Any]:
    query = sa.select(
        _tokens.id,
        _tokens.name,
        _tokens.role,
        _tokens.hint,
        _tokens.created_at,
        _tokens.created_by,
        _tokens.revoked_at,
        _tokens.revoked_by,
        _tokens.revoke_reason,
    ).order_by(_tokens.created_at, _tokens.name)
    if not include_revoked:
        query = query.where(_tokens.revoked_at.is_(None))
    return query


def _view(row: Any) -> TokenView:
    return TokenView(
        id=row.id,
        name=row.name,
        role=row.role,
        hint=row.hint,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
    )


async def list_tokens(read: ReadModels, query: ListTokensQuery) -> list[TokenView]:
    await read.wait_for(query.min_position)
    return [_view(row) for row in await read.all(_select(query.include_revoked))]


def list_tokens_now(engine: sa.Engine, *, include_revoked: bool = False) -> list[TokenView]:
    """The tokens as the read model holds them now (the caller brings it up to date)."""
    with engine.connect() as conn:
        return [_view(row) for row in conn.execute(_select(include_revoked))]


def count_active_tokens(engine: sa.Engine) -> int:
    query = sa.select(sa.func.count()).select_from(api_tokens_table)
    with engine.connect() as conn:
        return int(conn.execute(query.where(_tokens.revoked_at.is_(None))).scalar_one())


async def find_active_token(read: ReadModels, secret: str) -> ActiveToken | None:
    """The active token whose secret this is, or None (malformed, unknown or revoked)."""
    if not looks_like_token(secret):
        return None
    digest = secret_digest(secret)
    # Asked afresh on every request, never remembered: a token revoked by another process
    # (`driftmgr token revoke` on the store) is refused from the moment that command returns.
    row = await read.one(
        sa.select(_tokens.id, _tokens.name, _tokens.role, _tokens.secret_sha256).where(
            _tokens.secret_sha256 == digest, _tokens.revoked_at.is_(None)
        )
    )
    if row is None or not hmac.compare_digest(row.secret_sha256, digest):
        return None
    return ActiveToken(id=row.id, name=row.name, role=row.role)
