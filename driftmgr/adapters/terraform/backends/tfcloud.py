"""HCP Terraform / Terraform Enterprise: a workspace's current state version, over its API.

The host is ``TFE_ADDRESS`` (default ``https://app.terraform.io``). The token is what
terraform itself would use: ``TF_TOKEN_<host>`` (dots as ``_``, hyphens as ``__``), else the
``credentials`` map of ``~/.terraform.d/credentials.tfrc.json`` that ``terraform login`` writes.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path
from typing import TypeVar

import httpx
import msgspec

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.http import TIMEOUT, checked_body
from driftmgr.adapters.terraform.backends.uri import Source, StateObject

__all__ = ["expand", "fetch"]

DEFAULT_ADDRESS = "https://app.terraform.io"
_MEDIA_TYPE = "application/vnd.api+json"

T = TypeVar("T")


class _Resource(msgspec.Struct):
    id: str


class _ResourceDocument(msgspec.Struct):
    data: _Resource


class _StateVersionAttributes(msgspec.Struct):
    download_url: str | None = msgspec.field(default=None, name="hosted-state-download-url")


class _StateVersion(msgspec.Struct):
    attributes: _StateVersionAttributes


class _StateVersionDocument(msgspec.Struct):
    data: _StateVersion


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    # The URI already names one HCP Terraform workspace; there is no layout of others.
    return [src.state_object()]


def fetch(src: Source) -> bytes:
    address = _address()
    host = urllib.parse.urlsplit(address).netloc
    token = _token(address)
    if token is None:
        hostname = urllib.parse.urlsplit(address).hostname or host
        raise SourceAccessDenied(
            f"{src.display}: no API token for {host}; set {_token_variable(hostname)} or run "
            f"`terraform login {host}`"
        )
    org, name = src.authority, src.path
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": _MEDIA_TYPE,
        "Content-Type": _MEDIA_TYPE,
    }
    # follow_redirects stays off for the API: a redirect must not carry the token elsewhere.
    with httpx.Client(base_url=address, headers=headers, timeout=TIMEOUT) as api:
        workspace = _get(src, api, f"/api/v2/organizations/{org}/workspaces/{name}")
        if workspace.status_code == 404:
            raise SourceNotFound(
                f"{src.display}: no workspace {name!r} in organization {org!r} on {host} "
                "(or the token cannot see it)"
            )
        workspace_id = _decode(src, workspace, _ResourceDocument).data.id
        current = _get(src, api, f"/api/v2/workspaces/{workspace_id}/current-state-version")
        if current.status_code == 404:
            raise SourceNotFound(f"{src.display}: the workspace has no state version yet")
        download_url = _decode(src, current, _StateVersionDocument).data.attributes.download_url
        if not download_url:
            raise SourceNotFound(
                f"{src.display}: the current state version is not uploaded yet; retry later"
            )
        url = urllib.parse.urljoin(address + "/", download_url)
        # The token goes to the API host only; elsewhere (archivist) the URL is pre-signed.
        same_origin = _origin(url) == _origin(address)
        download_headers = headers if same_origin else {"Accept": "application/json"}
        try:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
                state = client.get(url, headers=download_headers)
        except httpx.TransportError as e:
            raise _unreachable(src, _origin(url), e) from None
        return checked_body(src, state, _credentials_hint(address))


def _get(src: Source, api: httpx.Client, path: str) -> httpx.Response:
    try:
        response = api.get(path)
    except httpx.TransportError as e:
        raise _unreachable(src, str(api.base_url).rstrip("/"), e) from None
    if response.status_code in {401, 403}:
        raise SourceAccessDenied(
            f"{src.display}: {api.base_url.host} refused the token ({response.status_code}); "
            f"{_credentials_hint(str(api.base_url))}"
        )
    if response.status_code == 429 or response.status_code >= 500:
        raise SourceUnreachable(
            f"{src.display}: {api.base_url.host} answered {response.status_code}; retry later"
        )
    if response.status_code not in {200, 404}:
        raise SourceError(
            f"{src.display}: {api.base_url.host} answered {response.status_code} to {path}"
        )
    return response


def _decode(src: Source, response: httpx.Response, type_: type[T]) -> T:
    try:
        return msgspec.json.decode(response.content, type=type_)
    except msgspec.DecodeError as e:
        raise SourceError(
            f"{src.display}: unexpected response from {response.url.host}: {e}"
        ) from None


def _unreachable(src: Source, endpoint: str, error: httpx.TransportError) -> SourceUnreachable:
    what = (
        "did not answer in time" if isinstance(error, httpx.TimeoutException) else "is unreachable"
    )
    return SourceUnreachable(f"{src.display}: {endpoint} {what}; check TFE_ADDRESS and the network")


def _address() -> str:
    address = os.environ.get("TFE_ADDRESS") or DEFAULT_ADDRESS
    if "://" not in address:
        address = "https://" + address
    return address.rstrip("/")


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _token_variable(hostname: str) -> str:
    return "TF_TOKEN_" + hostname.replace("-", "__").replace(".", "_")


def _credentials_hint(address: str) -> str:
    parts = urllib.parse.urlsplit(address)
    return (
        f"set {_token_variable(parts.hostname or parts.netloc)} or run "
        f"`terraform login {parts.netloc}` with a token that can read state versions"
    )


def _token(address: str) -> str | None:
    parts = urllib.parse.urlsplit(address)
    hostname = parts.hostname or parts.netloc
    token = os.environ.get(_token_variable(hostname))
    if token:
        return token
    path = Path.home() / ".terraform.d" / "credentials.tfrc.json"
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    credentials = document.get("credentials") if isinstance(document, dict) else None
    if not isinstance(credentials, dict):
        return None
    for host in (parts.netloc, hostname):
        entry = credentials.get(host)
        if isinstance(entry, dict) and isinstance(entry.get("token"), str):
            return str(entry["token"])
    return None
