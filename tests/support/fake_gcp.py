"""A local stand-in for Cloud Asset Inventory's ``ListAssets`` (v1 REST), for the real
google-cloud-asset client and the real google-auth.

It answers ``GET /v1/{parent}/assets?assetTypes=…&contentType=RESOURCE&pageSize=…&pageToken=…``
with ``{"assets": [...], "readTime": …, "nextPageToken": …}`` as the API reference documents
it, at most ``page_size`` assets a page (2 by default, so every listing has pages to follow).
Requests must carry a bearer token: a self-signed JWT from the service-account key
:meth:`FakeGcp.write_key` writes (verified against its public key, as Google does), or an
access token the fake's own ``token_uri`` handed out. Errors are Google's JSON error body
(``{"error": {"code", "message", "status"}}``).

Faults, switchable per asset type: :meth:`deny` (403 ``PERMISSION_DENIED``), :meth:`throttle`
(429 ``RESOURCE_EXHAUSTED`` with ``Retry-After``), :meth:`fail` (503 ``UNAVAILABLE`` or any
5xx); and ``reject_all`` (401 ``UNAUTHENTICATED`` for everything).
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

__all__ = ["FakeGcp", "Fault", "Listing"]

_KEY_ID = "fake-key-1"
_STATUS = {
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass
class Fault:
    status: int
    times: int | None
    """How many requests it answers (None: all of them)."""
    retry_after: str | None = None


@dataclass
class Listing:
    """One ListAssets request as the fake received it."""

    parent: str
    asset_types: list[str]
    content_type: str
    page_size: int
    page_token: str
    status: int = 200


@dataclass
class _State:
    assets: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(project, asset) in insertion order."""
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[Listing] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)


class FakeGcp:
    """``with FakeGcp() as gcp: gcp.add(project, asset); gcp.write_key(path)``."""

    def __init__(
        self, *, page_size: int = 2, client_email: str = "driftmgr@acme.iam.gserviceaccount.com"
    ) -> None:
        self.page_size = page_size
        self.client_email = client_email
        self.reject_all = False
        self.on_request: Callable[[Listing], None] | None = None
        """Called with each ListAssets request as it arrives (tests act at that point)."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self._state = _State()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- set-up ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def write_key(self, path: Path, project: str) -> Path:
        """A service-account key file (as the console downloads it) whose ``token_uri`` is
        this fake's."""
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": project,
                    "private_key_id": _KEY_ID,
                    "private_key": pem,
                    "client_email": self.client_email,
                    "client_id": "100000000000000000001",
                    "auth_uri": f"{self.url}/auth",
                    "token_uri": f"{self.url}/token",
                }
            )
        )
        return path

    def environment(self, key_dir: Path, project: str) -> dict[str, str]:
        """What driftmgr reads to list ``project`` here: a key file, the scope, the endpoint."""
        key = self.write_key(key_dir / "service-account.json", project)
        return {
            "GOOGLE_APPLICATION_CREDENTIALS": str(key),
            "DRIFTMGR_GCP_SCOPE": f"projects/{project}",
            "DRIFTMGR_GCP_ASSET_ENDPOINT": self.url,
        }

    def add(self, project: str, asset: dict[str, Any]) -> None:
        """An asset as ListAssets returns it (``name``, ``assetType``, ``resource``)."""
        with self._lock:
            self._state.assets.append((project, copy.deepcopy(asset)))

    def load(self, path: Path) -> None:
        """Every ``{"project": …, "asset": …}`` entry of a JSON list."""
        for entry in json.loads(path.read_text()):
            self.add(entry["project"], entry["asset"])

    def remove(self, name: str) -> None:
        with self._lock:
            self._state.assets = [(p, a) for p, a in self._state.assets if a["name"] != name]

    def update(self, name: str, **changes: Any) -> None:
        """Set fields of an asset's ``resource.data``."""
        with self._lock:
            for _, asset in self._state.assets:
                if asset["name"] == name:
                    asset["resource"]["data"].update(copy.deepcopy(changes))
                    return
        raise KeyError(name)

    def deny(self, asset_type: str) -> None:
        self._fault(asset_type, Fault(403, None))

    def throttle(self, asset_type: str, times: int | None, retry_after: str | None = "0") -> None:
        self._fault(asset_type, Fault(429, times, retry_after))

    def fail(self, asset_type: str, times: int | None, status: int = 503) -> None:
        self._fault(asset_type, Fault(status, times))

    def _fault(self, asset_type: str, fault: Fault) -> None:
        with self._lock:
            self._state.faults[asset_type] = fault

    @property
    def requests(self) -> list[Listing]:
        with self._lock:
            return list(self._state.requests)

    def listings_of(self, asset_type: str) -> list[Listing]:
        return [r for r in self.requests if asset_type in r.asset_types]

    # --- serving -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _authorised(self, header: str | None) -> bool:
        if self.reject_all or not header or not header.startswith("Bearer "):
            return False
        token = header.removeprefix("Bearer ")
        with self._lock:
            if token in self._state.tokens:
                return True
        try:
            claims = jwt.decode(token, certs={_KEY_ID: self._public_pem}, verify=True)
        except ValueError:
            return False
        return bool(claims.get("iss") == self.client_email)

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        assertion = (form.get("assertion") or [""])[0]
        try:
            jwt.decode(
                assertion,
                certs={_KEY_ID: self._public_pem},
                verify=True,
                audience=f"{self.url}/token",
            )
        except ValueError:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if self.reject_all:
            return 400, {"error": "invalid_grant", "error_description": "account not found"}
        token = f"ya29.fake-{secrets.token_hex(8)}"
        with self._lock:
            self._state.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _list(
        self, path: str, query: dict[str, list[str]], authorised: bool
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        parent = path.removeprefix("/v1/").removesuffix("/assets")
        types = query.get("assetTypes", [])
        token = (query.get("pageToken") or [""])[0]
        size = int((query.get("pageSize") or ["0"])[0] or 0) or 100
        listing = Listing(parent, types, (query.get("contentType") or [""])[0], size, token)
        if self.on_request is not None:
            self.on_request(listing)
        with self._lock:
            self._state.requests.append(listing)
            if not authorised:
                listing.status = 401
                return (*_error(401, "Request had invalid authentication credentials."), {})
            for asset_type in types:
                fault = self._state.faults.get(asset_type)
                if fault is None:
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                listing.status = fault.status
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                message = {
                    403: f"The caller does not have permission to list {asset_type} in {parent}",
                    429: "Quota exceeded for quota metric 'List Assets requests'",
                }.get(fault.status, "The service is currently unavailable.")
                return (*_error(fault.status, message), headers)
            wanted = [
                a
                for project, a in self._state.assets
                if (not types or a["assetType"] in types)
                and (not parent.startswith("projects/") or parent == f"projects/{project}")
            ]
        start = int(token or 0)
        page = wanted[start : start + min(size, self.page_size)]
        body: dict[str, Any] = {"assets": page, "readTime": "2026-01-01T00:00:00Z"}
        if start + len(page) < len(wanted):
            body["nextPageToken"] = str(start + len(page))
        return 200, body, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if not (url.path.startswith("/v1/") and url.path.endswith("/assets")):
                    self._send(*_error(404, f"no such method: {url.path}"))
                    return
                authorised = fake._authorised(self.headers.get("Authorization"))
                status, body, headers = fake._list(url.path, parse_qs(url.query), authorised)
                self._send(status, body, headers)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if urlsplit(self.path).path != "/token":
                    self._send(*_error(404, "not found"))
                    return
                self._send(*fake._token(form))

        return Handler


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    name = _STATUS.get(status, HTTPStatus(status).phrase.upper().replace(" ", "_"))
    return status, {"error": {"code": status, "message": message, "status": name}}
