"""Terraform's http backend: ``GET`` the address; 404 (or an empty body) means no state.

Basic auth comes from ``TF_HTTP_USERNAME``/``TF_HTTP_PASSWORD``, the names terraform's http
backend reads; TLS trust follows httpx's defaults (``SSL_CERT_FILE``, ``SSL_CERT_DIR``).
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
from driftmgr.adapters.terraform.backends.uri import Source, StateObject

__all__ = ["TIMEOUT", "expand", "fetch"]

TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    # One address is one state: the http backend has no workspaces.
    return [src.state_object()]


def fetch(src: Source) -> bytes:
    username = os.environ.get("TF_HTTP_USERNAME")
    password = os.environ.get("TF_HTTP_PASSWORD")
    auth = httpx.BasicAuth(username or "", password or "") if username or password else None
    # httpx drops the Authorization header on redirects to another origin.
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=True, auth=auth) as client:
            response = client.get(src.authority + src.path)
    except httpx.TimeoutException:
        raise SourceUnreachable(
            f"{src.display}: {src.authority} did not answer in time; check the address"
        ) from None
    except httpx.TransportError as e:
        raise SourceUnreachable(
            f"{src.display}: cannot reach {src.authority} ({type(e).__name__}); check the address"
        ) from None
    return checked_body(src, response, "TF_HTTP_USERNAME and TF_HTTP_PASSWORD")


def checked_body(src: Source, response: httpx.Response, credentials: str) -> bytes:
    """The body of a successful response; otherwise the SourceError its status stands for."""
    status = response.status_code
    origin = f"{response.url.scheme}://{response.url.netloc.decode()}"
    if status in {401, 403}:
        raise SourceAccessDenied(f"{src.display}: {origin} answered {status}; check {credentials}")
    if status == 404:
        raise SourceNotFound(f"{src.display}: no state at this address (404)")
    if status == 429 or status >= 500:
        raise SourceUnreachable(f"{src.display}: {origin} answered {status}; retry later")
    if status == 204 or (status == 200 and not response.content):
        raise SourceNotFound(f"{src.display}: the address holds no state (empty body)")
    if status != 200:
        raise SourceError(f"{src.display}: {origin} answered {status}, expected 200")
    return response.content
