"""HCP Terraform / Terraform Enterprise: a workspace's current state version, over its API.

The host is ``TFE_ADDRESS`` (default ``https://app.terraform.io``). The token is what
terraform itself would use: ``TF_TOKEN_<host>`` (dots as ``_``, hyphens as ``__``), else the
``credentials`` map of ``~/.terraform.d/credentials.tfrc.json`` that ``terraform login`` writes.
A client names only the organization and the workspace, never the host; the token goes only
to the origin of ``TFE_ADDRESS``, whatever the API or a redirect points at.

Writes lock as terraform's cloud backend does: lock the workspace
(``POST /workspaces/{id}/actions/lock``; 409 means someone holds it), create a state version
(``POST /workspaces/{id}/state-versions`` with serial, md5, lineage and the base64 state),
unlock (``POST /workspaces/{id}/actions/unlock``). Terraform names such a lock ``ORG/WORKSPACE``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.http import checked_body, send
from driftmgr.adapters.terraform.backends.policy import Credential, Fetcher, SourcePolicy
from driftmgr.adapters.terraform.backends.uri import Source, StateObject
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = ["expand", "fetch", "locked"]

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
    with _session(src, policy) as api:
        state = _current_state(api, _workspace_id(api))
    if state is None:
        raise SourceNotFound(f"{src.display}: the workspace has no state version yet")
    return state


@dataclasses.dataclass(frozen=True, slots=True)
class _Api:
    src: Source
    fetcher: Fetcher
    address: str
    """``TFE_ADDRESS``: scheme and host, no trailing slash."""

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.address).netloc


@contextmanager
def _session(src: Source, policy: SourcePolicy) -> Iterator[_Api]:
    address = _address()
    host = urllib.parse.urlsplit(address).netloc
    token = _token(address)
    if token is None:
        hostname = urllib.parse.urlsplit(address).hostname or host
        raise SourceAccessDenied(
            f"{src.display}: no API token for {host}; set {_token_variable(hostname)} or run "
            f"`terraform login {host}`"
        )
    # The token is bound to the API's origin: it goes to no other host, on no redirect. The
    # host is the operator's (TFE_ADDRESS), so only addresses are checked, not the host list.
    token_header = {"Authorization": f"Bearer {token}"}
    bound = Credential.bound_to(address, token_header)
    if bound is None:
        raise SourceAccessDenied(f"{src.display}: TFE_ADDRESS is not an http(s) URL")
    with policy.fetcher(
        src, credential=bound, operator_hosts=[address], client_chosen=False
    ) as fetcher:
        yield _Api(src, fetcher, address)


def _workspace_id(api: _Api) -> str:
    src, host = api.src, api.host
    org, name = src.authority, src.path
    workspace = _get(
        src, api.fetcher, api.address, f"/api/v2/organizations/{org}/workspaces/{name}"
    )
    if workspace.status_code == 404:
        raise SourceNotFound(
            f"{src.display}: no workspace {name!r} in organization {org!r} on {host} "
            "(or the token cannot see it)"
        )
    workspace_id = _decode(src, workspace, _ResourceDocument, host).data.id
    if not _ID.fullmatch(workspace_id):
        raise SourceError(f"{src.display}: unexpected response from {host}: bad workspace id")
    return workspace_id


def _current_state(api: _Api, workspace_id: str) -> bytes | None:
    """The workspace's current state; None when it has no state version yet."""
    src, address, fetcher = api.src, api.address, api.fetcher
    current = _get(
        src, fetcher, address, f"/api/v2/workspaces/{workspace_id}/current-state-version"
    )
    if current.status_code == 404:
        return None
    document = _decode(src, current, _StateVersionDocument, api.host)
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


# --- writing -------------------------------------------------------------------------------


@contextmanager
def locked(src: Source, info: LockInfo, policy: SourcePolicy) -> Iterator[_CloudState]:
    with _session(src, policy) as api:
        workspace_id = _workspace_id(api)
        lock_id = f"{src.authority}/{src.path}"  # what terraform calls this lock
        actions = f"/api/v2/workspaces/{workspace_id}/actions"
        reason = f"{info.operation} by {info.who} ({info.version})"
        response = _post(api, f"{actions}/lock", {"reason": reason})
        if response.status_code == 409:
            raise _held_by(api, workspace_id, lock_id)
        _expect(api, response, {200}, "lock the workspace")

        def release() -> None:
            _expect(api, _post(api, f"{actions}/unlock", None), {200}, "unlock the workspace")

        with held(src, release, lock_id):
            yield _CloudState(api, workspace_id)


class _CloudState:
    def __init__(self, api: _Api, workspace_id: str) -> None:
        self._api = api
        self._workspace_id = workspace_id

    def read(self) -> bytes:
        return _current_state(self._api, self._workspace_id) or b""

    def write(self, data: bytes) -> None:
        document = json.loads(data)  # parsed already by write_state's checks
        attributes = {
            "serial": document["serial"],
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "lineage": document["lineage"],
            "state": base64.b64encode(data).decode("ascii"),
        }
        body = {"data": {"type": "state-versions", "attributes": attributes}}
        path = f"/api/v2/workspaces/{self._workspace_id}/state-versions"
        response = _post(self._api, path, body)
        if response.status_code in {409, 412, 422}:
            raise SourceError(
                f"{self._api.src.display}: {self._api.host} refused the new state version "
                f"({response.status_code}: {_first_error(response)}); nothing was written"
            )
        _expect(self._api, response, {200, 201}, "create a state version")


def _post(api: _Api, path: str, body: dict[str, Any] | None) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else None
    try:
        return send(
            api.fetcher,
            "POST",
            api.address + path,
            content=content,
            headers=_API_HEADERS,
            client_chosen=False,
        )
    except httpx.TransportError as e:
        raise _unreachable(api.src, api.address, e) from None


def _expect(api: _Api, response: httpx.Response, ok: set[int], what: str) -> None:
    status = response.status_code
    if status in ok:
        return
    src, host = api.src, api.host
    if status in {401, 403, 404}:
        raise SourceAccessDenied(
            f"{src.display}: {host} did not let the token {what} ({status}); use a token "
            "that can lock the workspace and write state versions"
        )
    if status == 429 or status >= 500:
        raise SourceUnreachable(f"{src.display}: {host} answered {status}; retry later")
    raise SourceError(f"{src.display}: {host} answered {status} to {what}")


class _LockedBy(msgspec.Struct):
    id: str = ""
    type: str = ""


class _LockedByRelation(msgspec.Struct):
    data: _LockedBy | None = None


class _WorkspaceRelationships(msgspec.Struct):
    locked_by: _LockedByRelation | None = msgspec.field(default=None, name="locked-by")


class _LockedWorkspace(msgspec.Struct):
    relationships: _WorkspaceRelationships | None = None


class _LockedWorkspaceDocument(msgspec.Struct):
    data: _LockedWorkspace


def _held_by(api: _Api, workspace_id: str, lock_id: str) -> SourceError:
    """:class:`StateLocked` naming who holds the workspace lock, as far as the API says."""
    holder = ""
    try:
        response = api.fetcher.get(api.address + f"/api/v2/workspaces/{workspace_id}", _API_HEADERS)
        if response.status_code == 200:
            document = msgspec.json.decode(response.content, type=_LockedWorkspaceDocument)
            relationships = document.data.relationships
            by = relationships.locked_by.data if relationships and relationships.locked_by else None
            if by is not None and _ID.fullmatch(by.id) and _ID.fullmatch(by.type):
                holder = f"{by.type.removesuffix('s')} {by.id}"
    except (httpx.TransportError, msgspec.DecodeError):
        pass
    info = LockInfo(
        id=lock_id,
        operation="",
        info="",
        who=holder or f"another user, team or run of {api.host}",
        version="",
        created="",
    )
    return locked_error(api.src, info)


def _first_error(response: httpx.Response) -> str:
    try:
        errors = json.loads(response.content).get("errors") or []
        first = errors[0] if errors else {}
        text = str(first.get("detail") or first.get("title") or "")
    except (ValueError, AttributeError, TypeError):
        text = ""
    return " ".join(text.split())[:200] or "no detail"
