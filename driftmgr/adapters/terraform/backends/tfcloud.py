"""HCP Terraform / Terraform Enterprise: a workspace's current state version, over its API.

The host is ``TFE_ADDRESS`` (default ``https://app.terraform.io``). The token is what
terraform itself would use: ``TF_TOKEN_<host>`` (dots as ``_``, hyphens as ``__``), else the
``credentials`` map of ``~/.terraform.d/credentials.tfrc.json`` that ``terraform login`` writes.
A client names only the organization and the workspace, never the host; the token goes only
to the origin of ``TFE_ADDRESS``, whatever the API or a redirect points at.
"""

from __future__ import annotations

import json
import os
import re
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
from driftmgr.adapters.terraform.backends.http import checked_body
from driftmgr.adapters.terraform.backends.policy import Credential, Fetcher, SourcePolicy
from driftmgr.adapters.terraform.backends.uri import Source, StateObject

__all__ = ["expand", "fetch"]

DEFAULT_ADDRESS = "https://app.terraform.io"
_MEDIA_TYPE = "application/vnd.api+json"
_API_HEADERS = {"Accept": _MEDIA_TYPE, "Content-Type": _MEDIA_TYPE}
_ID = re.compile(r"[A-Za-z0-9_-]+")

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


def fetch(src: Source, policy: SourcePolicy) -> bytes:
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
    # The token is bound to the API's origin: it goes to no other host, on no redirect. The
    # host is the operator's (TFE_ADDRESS), so only addresses are checked, not the host list.
    token_header = {"Authorization": f"Bearer {token}"}
    bound = Credential.bound_to(address, token_header)
    if bound is None:
        raise SourceAccessDenied(f"{src.display}: TFE_ADDRESS is not an http(s) URL")
    with policy.fetcher(
        src, credential=bound, operator_hosts=[address], client_chosen=False
    ) as fetcher:
        workspace = _get(src, fetcher, address, f"/api/v2/organizations/{org}/workspaces/{name}")
        if workspace.status_code == 404:
            raise SourceNotFound(
                f"{src.display}: no workspace {name!r} in organization {org!r} on {host} "
                "(or the token cannot see it)"
            )
        workspace_id = _decode(src, workspace, _ResourceDocument, host).data.id
        if not _ID.fullmatch(workspace_id):
            raise SourceError(f"{src.display}: unexpected response from {host}: bad workspace id")
        current = _get(
            src, fetcher, address, f"/api/v2/workspaces/{workspace_id}/current-state-version"
        )
        if current.status_code == 404:
            raise SourceNotFound(f"{src.display}: the workspace has no state version yet")
        document = _decode(src, current, _StateVersionDocument, host)
        download_url = document.data.attributes.download_url
        if not download_url:
            raise SourceNotFound(
                f"{src.display}: the current state version is not uploaded yet; retry later"
            )
        url = urllib.parse.urljoin(address + "/", download_url)
        # Elsewhere than the API (archivist) the URL is pre-signed and gets no token.
        try:
            state = fetcher.get(url, headers=_API_HEADERS)
        except httpx.TransportError as e:
            raise _unreachable(src, "the state download URL", e) from None
        return checked_body(src, state, _credentials_hint(address), where="the state download URL")


def _get(src: Source, fetcher: Fetcher, address: str, path: str) -> httpx.Response:
    host = urllib.parse.urlsplit(address).netloc
    try:
        response = fetcher.get(address + path, headers=_API_HEADERS)
    except httpx.TransportError as e:
        raise _unreachable(src, address, e) from None
    if response.status_code in {401, 403}:
        raise SourceAccessDenied(
            f"{src.display}: {host} refused the token ({response.status_code}); "
            f"{_credentials_hint(address)}"
        )
    if response.status_code == 429 or response.status_code >= 500:
        raise SourceUnreachable(
            f"{src.display}: {host} answered {response.status_code}; retry later"
        )
    if response.status_code not in {200, 404}:
        raise SourceError(f"{src.display}: {host} answered {response.status_code}")
    return response


def _decode(src: Source, response: httpx.Response, type_: type[T], host: str) -> T:
    try:
        return msgspec.json.decode(response.content, type=type_)
    except msgspec.DecodeError:
        # msgspec's message can quote the document; name only what was expected.
        raise SourceError(
            f"{src.display}: unexpected response from {host}: not the JSON:API document "
            "HCP Terraform sends"
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
