"""ApiToken: a named, role-bearing secret that lets a client act on a driftmgr server.

The secret is shown once, when issued; the log and the read models keep only its SHA-256
(enough for a random 256-bit secret: there is nothing to guess that a slow hash would
protect). A token is ``Issued`` and may later be ``Revoked``; it is never re-activated.

Names are unique among active tokens. The :class:`TokenName` aggregate, keyed by the name,
records which token holds a name: issuing and revoking save it together with the token, so
two concurrent issues of one name cannot both succeed (optimistic concurrency on the name).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from uuid import UUID, uuid5

from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate
from driftmgr.domain.roles import ROLES

__all__ = [
    "TOKEN_PREFIX",
    "ApiToken",
    "InvalidToken",
    "TokenConflict",
    "TokenName",
    "looks_like_token",
    "new_secret",
    "secret_digest",
]

TOKEN_PREFIX = "dmt_"  # noqa: S105 (a prefix that marks tokens, not a secret)
_SECRET_BYTES = 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")
_NAME_NAMESPACE = UUID("0c6f1f3e-5a7d-4b8e-9c2d-746f6b656e73")


class InvalidToken(DomainError):
    """A token cannot be issued as asked (a malformed name, an unknown role)."""


class TokenConflict(DomainError):
    """The name is held by an active token, or the token is already revoked."""


def new_secret() -> str:
    """A fresh token: the recognisable prefix and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def looks_like_token(value: str) -> bool:
    """Whether ``value`` has the shape of a driftmgr token (not whether it is valid)."""
    return _TOKEN.fullmatch(value) is not None


def secret_digest(secret: str) -> str:
    """What is stored of a token: the hex SHA-256 of its text."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(DriftmgrAggregate):
    class Issued(DriftmgrAggregate.Created):
        name: str
        role: str
        secret_sha256: str
        hint: str

    class Revoked(DriftmgrAggregate.Event):
        reason: str

    @classmethod
    def issue(cls, *, name: str, role: str, cause: Cause) -> tuple[ApiToken, str]:
        """A new token and its secret, which exists nowhere else afterwards."""
        if not _NAME.fullmatch(name):
            raise InvalidToken(
                f"token name {name!r} must be 1-100 letters, digits or ._@+- "
                "and start with a letter or digit"
            )
        if role not in ROLES:
            raise InvalidToken(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        secret = new_secret()
        token = cls(
            name=name,
            role=role,
            secret_sha256=secret_digest(secret),
            hint=secret[-4:],
            **cause.fields(),
        )
        return token, secret

    @event(Issued)
    def __init__(
        self,
        name: str,
        role: str,
        secret_sha256: str,
        hint: str,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.name = name
        self.role = role
        self.secret_sha256 = secret_sha256
        self.hint = hint
        self.revoked = False

    def revoke(self, *, reason: str, cause: Cause) -> None:
        if self.revoked:
            raise TokenConflict(f"token {self.name!r} ({self.id}) is already revoked")
        self._revoked(reason=reason[:500], **cause.fields())

    @event(Revoked)
    def _revoked(self, reason: str, actor: str, correlation_id: UUID) -> None:
        self.revoked = True


class TokenName(DriftmgrAggregate):
    """Which active token holds a name (none once it is revoked)."""

    class Registered(DriftmgrAggregate.Created):
        name: str

    class Claimed(DriftmgrAggregate.Event):
        token_id: UUID

    class Released(DriftmgrAggregate.Event):
        token_id: UUID

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(_NAME_NAMESPACE, name)

    @event(Registered)
    def __init__(self, name: str, actor: str, correlation_id: UUID) -> None:
        self.name = name
        self.holder: UUID | None = None

    def claim(self, token_id: UUID, cause: Cause) -> None:
        if self.holder is not None:
            raise TokenConflict(
                f"an active token is already named {self.name!r}: revoke it or choose another name"
            )
        self._claimed(token_id=token_id, **cause.fields())

    @event(Claimed)
    def _claimed(self, token_id: UUID, actor: str, correlation_id: UUID) -> None:
        self.holder = token_id

    def release(self, token_id: UUID, cause: Cause) -> None:
        if self.holder == token_id:
            self._released(token_id=token_id, **cause.fields())

    @event(Released)
    def _released(self, token_id: UUID, actor: str, correlation_id: UUID) -> None:
        self.holder = None
