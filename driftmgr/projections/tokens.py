"""API tokens as the server checks them: by the SHA-256 of the secret, never the secret."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.api_token import ApiToken
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["TokensProjection", "api_tokens_table"]

api_tokens_table = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("hint", sa.String(8), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("revoke_reason", sa.Text),
    sa.Index("api_tokens_name", "name"),
)


class TokensProjection(Projection):
    name = "api_tokens"
    tables = (api_tokens_table,)

    @handles(ApiToken.Issued)
    def issued(self, conn: Connection, event: ApiToken.Issued, position: int) -> None:
        conn.execute(
            api_tokens_table.insert().values(
                id=event.originator_id,
                name=event.name,
                role=event.role,
                secret_sha256=event.secret_sha256,
                hint=event.hint,
                created_at=event.timestamp,
                created_by=event.actor,
            )
        )

    @handles(ApiToken.Revoked)
    def revoked(self, conn: Connection, event: ApiToken.Revoked, position: int) -> None:
        conn.execute(
            api_tokens_table.update()
            .where(api_tokens_table.c.id == event.originator_id)
            .values(revoked_at=event.timestamp, revoked_by=event.actor, revoke_reason=event.reason)
        )
