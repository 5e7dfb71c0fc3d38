"""OIDC bearer tokens: JWTs from an identity provider the operator configured.

The signing keys come from a JWKS file, read once at start, or from an https URL the server
fetches itself (the operator chose it) and caches. A token is accepted when its signature,
``iss``, ``aud``, ``exp`` and ``nbf`` check out; its role claim (a string or a list) names
driftmgr roles, and its actor claim (``sub`` if absent) is who the audit trail records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
import msgspec

from driftmgr.domain.roles import ROLE_PERMISSIONS, ROLES, Permission, Role
from driftmgr.settings import ConfigurationError, Settings

__all__ = ["OidcIdentity", "OidcRejected", "OidcVerifier"]

log = logging.getLogger(__name__)

#: Signature algorithms with a public key: a JWKS never holds a shared secret we would trust.
_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_LEEWAY_SECONDS = 30


class OidcRejected(Exception):
    """The bearer token is not a valid token of the configured issuer for this audience."""


class OidcIdentity(msgspec.Struct, frozen=True, kw_only=True):
    actor: str
    roles: tuple[Role, ...]
    permissions: frozenset[Permission]


def _signing_keys(jwks: jwt.PyJWKSet, origin: str) -> list[jwt.PyJWK]:
    keys = [
        k
        for k in jwks.keys
        if k.algorithm_name in _ASYMMETRIC and k.public_key_use in (None, "sig")
    ]
    if not keys:
        raise ConfigurationError(
            f"DRIFTMGR_OIDC_JWKS: {origin} holds no public signing key (RSA, EC or OKP)"
        )
    return keys


class OidcVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: str,
        role_claim: str = "driftmgr_role",
        actor_claim: str = "email",
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.actor_claim = actor_claim
        self._keys: list[jwt.PyJWK] | None = None
        self._client: jwt.PyJWKClient | None = None
        if jwks.startswith("https://"):
            self._client = jwt.PyJWKClient(jwks, cache_jwk_set=True, lifespan=300, timeout=10)
        else:
            try:
                text = Path(jwks).read_text(encoding="utf-8")
                keys = jwt.PyJWKSet.from_json(text)
            except OSError as e:
                raise ConfigurationError(
                    f"DRIFTMGR_OIDC_JWKS: cannot read {jwks}: {e.strerror}"
                ) from None
            except (jwt.PyJWKSetError, jwt.InvalidKeyError, ValueError) as e:
                raise ConfigurationError(f"DRIFTMGR_OIDC_JWKS: {jwks} is not a JWKS: {e}") from None
            self._keys = _signing_keys(keys, jwks)

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier | None:
        if not settings.oidc_enabled:
            return None
        assert settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks=settings.oidc_jwks,
            role_claim=settings.oidc_role_claim,
            actor_claim=settings.oidc_actor_claim,
        )

    def _key_for(self, token: str) -> jwt.PyJWK:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise OidcRejected(f"not a JWT: {e}") from None
        kid = header.get("kid")
        if self._client is not None:
            try:
                key = self._client.get_signing_key_from_jwt(token)
            except jwt.PyJWKClientError as e:
                log.warning("OIDC signing key not available: %s", e)
                raise OidcRejected("no signing key of the issuer matches the token") from None
            if key.algorithm_name not in _ASYMMETRIC:
                raise OidcRejected("the issuer's key for this token is not a public key")
            return key
        assert self._keys is not None
        if kid is None and len(self._keys) == 1:
            return self._keys[0]
        for key in self._keys:
            if key.key_id == kid:
                return key
        raise OidcRejected("no signing key of the issuer matches the token")

    def verify(self, token: str) -> OidcIdentity:
        """The identity a valid token carries; :class:`OidcRejected` otherwise.

        Blocking (a JWKS URL may be fetched): call it from a worker thread.
        """
        key = self._key_for(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as e:
            raise OidcRejected(str(e)) from None
        actor = claims.get(self.actor_claim) or claims.get("sub")
        if not isinstance(actor, str) or not actor:
            raise OidcRejected(f"the token has neither a {self.actor_claim!r} nor a 'sub' claim")
        roles = _roles(claims.get(self.role_claim))
        permissions: frozenset[Permission] = frozenset().union(
            *(ROLE_PERMISSIONS[r] for r in roles)
        )
        return OidcIdentity(actor=actor[:200], roles=roles, permissions=permissions)


def _roles(value: Any) -> tuple[Role, ...]:
    """The driftmgr roles a claim names: its value, or any element of a list."""
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    named = {item for item in items if isinstance(item, str)}
    return tuple(r for r in ROLES if r in named)
