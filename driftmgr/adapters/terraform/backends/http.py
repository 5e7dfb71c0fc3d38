"""Terraform's http backend: ``GET`` the address; 404 (or an empty body) means no state.

Basic auth comes from ``TF_HTTP_USERNAME``/``TF_HTTP_PASSWORD``, the names terraform's http
backend reads, and goes only to the origin (scheme, host, port) of ``TF_HTTP_ADDRESS``, the
address terraform reads with them: never to another host, nor after a redirect elsewhere.
TLS trust follows httpx's defaults (``SSL_CERT_FILE``, ``SSL_CERT_DIR``). Which hosts and
addresses may be fetched at all is the source policy's decision (:mod:`.policy`).

Writes speak terraform's http backend protocol: ``LOCK`` the lock address with the lock info
as the body (200: locked; 423 or 409: held, the body names the holder), ``POST`` the new state
to the address with ``?ID=<lock ID>``, ``UNLOCK`` the unlock address with the same body.
Addresses and methods come from the URI's ``lock_address``, ``unlock_address``,
``lock_method``, ``unlock_method`` and ``update_method``; unlike terraform, the lock address
defaults to the address (and the unlock address to the lock address), so that no write goes
out unlocked unless the URI says ``?lock=none``. Every address is checked by the source
policy, and the credentials still go only to the origin of ``TF_HTTP_ADDRESS``. Redirects are
not followed for these requests.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotAllowed,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.policy import (
    TIMEOUT,
    Credential,
    Fetcher,
    SourcePolicy,
    _Refused,
    basic_auth,
)
from driftmgr.adapters.terraform.backends.uri import Source, StateObject
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = [
    "CREDENTIALS_HINT",
    "TIMEOUT",
    "checked_body",
    "credential",
    "expand",
    "fetch",
    "locked",
    "send",
]

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


# --- writing -------------------------------------------------------------------------------


def send(
    fetcher: Fetcher,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    client_chosen: bool,
) -> httpx.Response:
    """One request (no redirects followed) with ``fetcher``'s policy and credential.

    The source policy's :class:`Fetcher` only GETs; this sends any method through the same
    client, so the same hosts and addresses are vetted and the credential stays bound.
    """
    # Reaching into the fetcher: policy.py offers no sender of its own yet.
    policy, src, client = fetcher._policy, fetcher._src, fetcher._client
    target = httpx.URL(url)
    if client_chosen:
        policy.check_host(src, target, first=True)
    elif target.scheme.lower() not in {"http", "https"}:
        raise SourceError(f"{src.display}: only http and https are used")
    sent = dict(headers or {})
    if fetcher._credential is not None and fetcher._credential.applies_to(target):
        sent.update(fetcher._credential.headers)
    request = client.build_request(method, target, headers=sent, content=content)
    try:
        response = client.send(request)
    except _Refused as refused:
        raise SourceNotAllowed(f"{src.display}: its address {refused.reason}") from None
    if response.is_redirect:
        raise SourceError(
            f"{src.display}: the server answered {method} with a redirect "
            f"({response.status_code}); give the final address in the URI"
        )
    return response


@contextmanager
def locked(src: Source, info: LockInfo, policy: SourcePolicy) -> Iterator[_HttpState]:
    address = src.authority + src.path
    lock_address = src.option("lock_address") or address
    unlock_address = src.option("unlock_address") or lock_address
    unlocked = src.option("lock") == "none"
    body = info.to_json()
    with policy.fetcher(src, credential=credential(), client_chosen=True) as fetcher:
        if unlocked:
            yield _HttpState(src, fetcher, address, None)
            return
        response = _call(src, fetcher, src.option("lock_method") or "LOCK", lock_address, body)
        if response.status_code in {409, 423}:
            raise locked_error(src, LockInfo.parse(response.content))
        _expect_ok(src, response, "LOCK", "the lock address")

        def release() -> None:
            method = src.option("unlock_method") or "UNLOCK"
            _expect_ok(
                src, _call(src, fetcher, method, unlock_address, body), method, "the unlock address"
            )

        with held(src, release, info.id):
            yield _HttpState(src, fetcher, address, info.id)


class _HttpState:
    def __init__(self, src: Source, fetcher: Fetcher, address: str, lock_id: str | None):
        self._src = src
        self._fetcher = fetcher
        self._address = address
        self._lock_id = lock_id

    def read(self) -> bytes:
        src = self._src
        try:
            response = self._fetcher.get(self._address)
        except httpx.TransportError as e:
            raise _unreachable(src, e) from None
        if response.status_code in {204, 404}:
            return b""  # no state yet, as terraform reads it
        if response.status_code == 200:
            return response.content
        return checked_body(src, response, CREDENTIALS_HINT, where=src.authority)

    def write(self, data: bytes) -> None:
        url = httpx.URL(self._address)
        if self._lock_id is not None:
            url = url.copy_merge_params({"ID": self._lock_id})
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        headers = {"Content-Type": "application/json", "Content-MD5": digest}
        method = self._src.option("update_method") or "POST"
        response = _call(self._src, self._fetcher, method, str(url), data, headers)
        if response.status_code not in {200, 201, 204}:
            _expect_ok(self._src, response, method, "the address")


def _call(
    src: Source,
    fetcher: Fetcher,
    method: str,
    url: str,
    content: bytes,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    try:
        return send(
            fetcher,
            method,
            url,
            content=content,
            headers=headers or {"Content-Type": "application/json"},
            client_chosen=True,
        )
    except httpx.TransportError as e:
        raise _unreachable(src, e) from None


def _expect_ok(src: Source, response: httpx.Response, method: str, where: str) -> None:
    status = response.status_code
    if status == 200:
        return
    host = urlsplit(str(response.url)).netloc or src.authority
    if status in {401, 403}:
        raise SourceAccessDenied(
            f"{src.display}: {host} refused {method} ({status}); check {CREDENTIALS_HINT}"
        )
    if status in {404, 405, 501} and method in {"LOCK", "UNLOCK"}:
        raise SourceError(
            f"{src.display}: {host} does not support {method} at {where or 'its address'} "
            f"({status}); give the backend's lock_address/unlock_address in the URI, or "
            "?lock=none if it has no locking"
        )
    if status == 429 or status >= 500:
        raise SourceUnreachable(
            f"{src.display}: {host} answered {method} with {status}; retry later"
        )
    raise SourceError(f"{src.display}: {host} answered {method} with {status}")


def _unreachable(src: Source, error: httpx.TransportError) -> SourceUnreachable:
    if isinstance(error, httpx.TimeoutException):
        return SourceUnreachable(f"{src.display}: {src.authority} did not answer in time")
    return SourceUnreachable(
        f"{src.display}: cannot reach {src.authority} ({type(error).__name__}); check the address"
    )
