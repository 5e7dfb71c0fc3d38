"""Who is asking, what they may do, and from where: one guard in front of every route.

Every route handler declares the permission it needs (``permission="read"`` in its
decorator, i.e. ``opt["permission"]``); :func:`check_declared` makes building an app with a
route that declares none fail. The guard then, in this order:

1. (``serve``) refuses a ``Host`` the server does not answer to (DNS rebinding);
2. lets ``public`` routes through (``/healthz``, ``/readyz``);
3. authenticates the caller: in :class:`ServerAuth` mode by ``Authorization: Bearer``, an
   API token or an OIDC JWT (401 otherwise); in :class:`LocalTrust` mode (the CLI running
   the app in-process, which never listens on a socket) everyone is the local user;
4. checks the role's permissions (403);
5. for state-changing methods, accepts only ``Content-Type: application/json`` (415) and
   no foreign ``Origin`` (403): a browser cannot send JSON cross-site without a CORS
   preflight, and preflights are answered only for ``DRIFTMGR_CORS_ORIGINS``.

The principal is put in the request scope (``request.user``); ``cause_of`` records it as
the actor. Nothing a client writes in a header can name another actor.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import anyio.to_thread
from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute, WebSocketRoute
from litestar.types import Guard

from driftmgr.domain.api_token import TOKEN_PREFIX
from driftmgr.domain.roles import PERMISSIONS, permissions_of
from driftmgr.http.context import Principal, services_of
from driftmgr.http.oidc import OidcRejected, OidcVerifier
from driftmgr.queries.tokens import find_active_token
from driftmgr.settings import Settings

__all__ = [
    "PERMISSION_KEY",
    "AuthConfig",
    "LocalTrust",
    "RoutePermission",
    "ServerAuth",
    "auth_guard",
    "check_declared",
    "is_loopback",
    "serve_hosts",
]

PERMISSION_KEY = "permission"
RoutePermission = Literal["public", "read", "command", "approve", "audit", "admin"]
_ROUTE_PERMISSIONS: frozenset[str] = frozenset(get_args(RoutePermission))
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_VERBS: dict[str, str] = {
    "read": "read",
    "command": "run commands",
    "approve": "approve or reject remediation",
    "audit": "read the audit log",
    "admin": "administer driftmgr",
}
_CHALLENGE = 'Bearer realm="driftmgr"'


@dataclass(frozen=True, kw_only=True)
class LocalTrust:
    """The CLI on the embedded store, in-process: the local user, with every permission.

    As git trusts ``user.name``: whoever can run the CLI can open the store files anyway.
    Never used for an app that listens on a socket.
    """

    actor: str


@dataclass(frozen=True, kw_only=True)
class ServerAuth:
    """``driftmgr serve``: every request authenticates with a bearer token."""

    oidc: OidcVerifier | None = None
    allowed_hosts: frozenset[str] | None = None
    """``Host`` header values answered (lower case); None answers any (in-process tests)."""
    cors_origins: tuple[str, ...] = field(default=())
    """Browser origins allowed to call (CORS) and to send commands; none by default."""


AuthConfig = LocalTrust | ServerAuth


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a ``--host`` value) only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_hosts(settings: Settings, *, host: str, port: int) -> frozenset[str]:
    """The ``Host`` values ``serve`` answers: the bound address and the loopback names with
    the bound port, and ``DRIFTMGR_SERVE_HOSTS`` (a name without a port: on any port)."""
    names = {"localhost", "127.0.0.1", "[::1]"}
    try:
        address = ipaddress.ip_address(host.strip("[]"))
        if not address.is_unspecified:
            names.add(f"[{address}]" if address.version == 6 else str(address))
    except ValueError:
        names.add(host.lower())
    allowed = {f"{name}:{port}" for name in names}
    if port == 80:
        allowed |= names
    for entry in settings.serve_hosts:
        allowed.add(entry)
        if ":" not in entry.rsplit("]", 1)[-1]:  # no port given: any port
            allowed.add(f"{entry}:*")
    return frozenset(allowed)


def _host_allowed(host: str, allowed: frozenset[str]) -> bool:
    host = host.lower()
    if host in allowed:
        return True
    name, sep, port = host.rpartition(":")
    return bool(sep) and port.isdigit() and f"{name}:*" in allowed


def check_declared(app: Litestar) -> None:
    """Refuse an app with a route handler that declares no (or an unknown) permission.

    Litestar's automatic ``OPTIONS`` handlers (an empty 204 with ``Allow``) need ``read``
    like the rest: only health answers strangers. (CORS preflights are answered before
    routing, by the CORS middleware, for the configured origins only.)
    """
    for route in app.routes:
        if isinstance(route, WebSocketRoute):  # live events (http/events.py)
            handlers: list[BaseRouteHandler] = [route.route_handler]
        elif isinstance(route, HTTPRoute):
            handlers = list(route.route_handlers)
        else:
            raise TypeError(f"{route.path}: only HTTP and WebSocket routes are expected")
        for handler in handlers:
            methods: set[str] = getattr(handler, "http_methods", {"WEBSOCKET"})
            if methods == {"OPTIONS"} and handler.handler_name == "options_handler":
                handler.opt.setdefault(PERMISSION_KEY, "read")
            declared = handler.opt.get(PERMISSION_KEY)
            if declared not in _ROUTE_PERMISSIONS:
                verbs = ",".join(sorted(methods))
                raise TypeError(
                    f"route {verbs} {route.path} ({handler.handler_name}) declares "
                    f"permission={declared!r}; declare one of {sorted(_ROUTE_PERMISSIONS)}"
                )


def auth_guard(auth: AuthConfig) -> Guard:
    """The app-level guard for ``auth``."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if isinstance(auth, ServerAuth) and auth.allowed_hosts is not None:
            host = connection.headers.get("host", "")
            if not _host_allowed(host, auth.allowed_hosts):
                raise HTTPException(
                    status_code=400,
                    detail=f"this server does not answer to Host {host[:100]!r}; "
                    "add the name to DRIFTMGR_SERVE_HOSTS",
                )
        required = handler.opt.get(PERMISSION_KEY)
        if required == "public":
            return
        if required not in PERMISSIONS:  # check_declared makes this unreachable
            raise PermissionDeniedException(detail="this route declares no permission")
        if isinstance(auth, LocalTrust):
            principal = Principal(actor=auth.actor, permissions=frozenset(PERMISSIONS), via="local")
        else:
            principal = await _authenticate(connection, auth)
        connection.scope["user"] = principal
        if required not in principal.permissions:
            allowed: list[str] = sorted(principal.permissions) or ["nothing"]
            raise PermissionDeniedException(
                detail=f"{principal.actor} may not {_VERBS[required]} "
                f"(it needs the {required!r} permission; it may: {', '.join(allowed)})"
            )
        if connection.scope.get("method", "GET") not in _SAFE_METHODS:
            _check_same_site(connection, auth)

    return guard


async def _authenticate(
    connection: ASGIConnection[Any, Any, Any, Any], auth: ServerAuth
) -> Principal:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise NotAuthorizedException(
            detail="authentication required: send Authorization: Bearer <token> "
            "(create a token with `driftmgr token create` on the server's store)",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    invalid = {"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'}
    if credentials.startswith(TOKEN_PREFIX) or auth.oidc is None:
        token = await find_active_token(services_of(connection.app.state).read, credentials)
        if token is None:
            raise NotAuthorizedException(
                detail="the bearer token is unknown or revoked", headers=invalid
            )
        return Principal(
            actor=f"token:{token.name}",
            permissions=permissions_of(token.role),
            via="token",
        )
    try:
        identity = await anyio.to_thread.run_sync(auth.oidc.verify, credentials)
    except OidcRejected as e:
        raise NotAuthorizedException(
            detail=f"the OIDC token was refused: {e}", headers=invalid
        ) from None
    return Principal(actor=identity.actor, permissions=identity.permissions, via="oidc")


def _check_same_site(connection: ASGIConnection[Any, Any, Any, Any], auth: AuthConfig) -> None:
    content_type = connection.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise HTTPException(
            status_code=415,
            detail="commands accept only Content-Type: application/json",
        )
    origin = connection.headers.get("origin")
    if origin is None:
        return
    same_origin = f"{connection.url.scheme}://{connection.headers.get('host', '')}".lower()
    allowed = auth.cors_origins if isinstance(auth, ServerAuth) else ()
    if origin.lower() != same_origin and origin.lower() not in allowed:
        raise PermissionDeniedException(
            detail=f"cross-origin request from {origin[:100]!r} refused; "
            "allow the origin with DRIFTMGR_CORS_ORIGINS"
        )
