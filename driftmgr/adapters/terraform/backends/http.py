"""Terraform's http backend: ``GET`` the address; 404 (or an empty body) means no state.

Basic auth comes from ``TF_HTTP_USERNAME``/``TF_HTTP_PASSWORD``, the names terraform's http
backend reads, and goes only to the origin (scheme, host, port) of ``TF_HTTP_ADDRESS``, the
address terraform reads with them: never to another host, nor after a redirect elsewhere.
TLS trust follows httpx's defaults (``SSL_CERT_FILE``, ``SSL_CERT_DIR``). Which hosts and
addresses may be fetched at all is the source policy's decision (:mod:`.policy`).
"""

from __future__ import annotations

import os

import httpx

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.policy import (
    TIMEOUT,
    Credential,
    SourcePolicy,
    basic_auth,
)
from driftmgr.adapters.terraform.backends.uri import Source, StateObject

__all__ = ["CREDENTIALS_HINT", "TIMEOUT", "checked_body", "credential", "expand", "fetch"]

CREDENTIALS_HINT = (
    "TF_HTTP_USERNAME and TF_HTTP_PASSWORD (sent only to the scheme, host and port of "
    "TF_HTTP_ADDRESS)"
)


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    # One address is one state: the http backend has no workspaces.
    return [src.state_object()]


def credential() -> Credential | None:
    """``TF_HTTP_USERNAME``/``TF_HTTP_PASSWORD`` bound to ``TF_HTTP_ADDRESS``; None without all."""
    username = os.environ.get("TF_HTTP_USERNAME")
    password = os.environ.get("TF_HTTP_PASSWORD")
    address = os.environ.get("TF_HTTP_ADDRESS")
    if not (username or password) or not address:
        return None
    return Credential.bound_to(address, basic_auth(username or "", password or ""))


def fetch(src: Source, policy: SourcePolicy) -> bytes:
    try:
        with policy.fetcher(src, credential=credential(), client_chosen=True) as fetcher:
            response = fetcher.get(src.authority + src.path)
    except httpx.TimeoutException:
        raise SourceUnreachable(
            f"{src.display}: {src.authority} did not answer in time; check the address"
        ) from None
    except httpx.TransportError as e:
        raise SourceUnreachable(
            f"{src.display}: cannot reach {src.authority} ({type(e).__name__}); check the address"
        ) from None
    return checked_body(src, response, CREDENTIALS_HINT, where=src.authority)


def checked_body(src: Source, response: httpx.Response, credentials: str, *, where: str) -> bytes:
    """The body of a successful response; otherwise the SourceError its status stands for.

    ``where`` names the server as the operator or client gave it: never the URL of a redirect,
    which the server chose. Nothing of the body is quoted.
    """
    status = response.status_code
    if status in {401, 403}:
        raise SourceAccessDenied(f"{src.display}: {where} answered {status}; check {credentials}")
    if status == 404:
        raise SourceNotFound(f"{src.display}: no state at this address (404)")
    if status == 429 or status >= 500:
        raise SourceUnreachable(f"{src.display}: {where} answered {status}; retry later")
    if status == 204 or (status == 200 and not response.content):
        raise SourceNotFound(f"{src.display}: the address holds no state (empty body)")
    if status != 200:
        raise SourceError(f"{src.display}: {where} answered {status}, expected 200")
    return response.content
