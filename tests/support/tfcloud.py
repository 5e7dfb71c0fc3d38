"""A local stand-in for the HCP Terraform / TFE API endpoints that read a workspace's state.

It serves, as JSON:API documents and only with ``Authorization: Bearer <token>``:

- ``GET /api/v2/organizations/{org}/workspaces/{name}`` → the workspace (``data.id``);
- ``GET /api/v2/workspaces/{id}/current-state-version`` → its state version, whose
  ``hosted-state-download-url`` points back at this server;
- ``GET /api/state-versions/{id}/hosted_state`` → the raw state.

Errors are JSON:API ``errors`` documents with the status HCP Terraform uses (401, 404).
``download_host`` puts the download URL on another origin (e.g. ``localhost`` while the API is
addressed as ``127.0.0.1``), the way app.terraform.io hands out pre-signed archivist URLs.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

MEDIA_TYPE = "application/vnd.api+json"

_WORKSPACE = re.compile(r"^/api/v2/organizations/([^/]+)/workspaces/([^/]+)$")
_CURRENT = re.compile(r"^/api/v2/workspaces/([^/]+)/current-state-version$")
_DOWNLOAD = re.compile(r"^/api/state-versions/([^/]+)/hosted_state$")


@dataclass
class Seen:
    """One request as the fake received it."""

    host: str
    path: str
    authorization: str | None
    accept: str | None


class FakeTerraformCloud:
    """``with FakeTerraformCloud(token="t") as tfc: tfc.add_workspace("org", "ws", state)``."""

    def __init__(self, token: str, *, download_host: str | None = None) -> None:
        self.token = token
        self.download_host = download_host
        self.requests: list[Seen] = []
        self._workspaces: dict[tuple[str, str], str] = {}  # (org, name) -> workspace id
        self._states: dict[str, bytes] = {}  # workspace id -> current state
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so every test using the fake) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_workspace(self, org: str, name: str, state: bytes | None = None) -> str:
        """Create a workspace, with a current state version unless ``state`` is None."""
        workspace_id = f"ws-{len(self._workspaces) + 1:016d}"
        self._workspaces[(org, name)] = workspace_id
        if state is not None:
            self._states[workspace_id] = state
        return workspace_id

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
        self._thread.join()

    def _state_version(self, workspace_id: str) -> dict[str, Any]:
        version_id = "sv-" + workspace_id.removeprefix("ws-")
        host = self.download_host or "127.0.0.1"
        download = f"http://{host}:{self.port}/api/state-versions/{version_id}/hosted_state"
        return {
            "data": {
                "id": version_id,
                "type": "state-versions",
                "attributes": {
                    "serial": 1,
                    "status": "finalized",
                    "hosted-state-download-url": download,
                    "hosted-json-state-download-url": download + "?json=1",
                },
                "relationships": {"workspace": {"data": {"id": workspace_id}}},
            }
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: HTTPStatus, document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", MEDIA_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: HTTPStatus) -> None:
                error = {"status": str(status.value), "title": status.phrase.lower()}
                self._json(status, {"errors": [error]})

            def do_GET(self) -> None:
                auth = self.headers.get("Authorization")
                fake.requests.append(
                    Seen(self.headers.get("Host", ""), self.path, auth, self.headers.get("Accept"))
                )
                if (download := _DOWNLOAD.match(self.path)) and fake.download_host:
                    # A pre-signed URL: the signature is the credential, no token is needed.
                    self._download(download.group(1))
                elif auth != f"Bearer {fake.token}":
                    self._error(HTTPStatus.UNAUTHORIZED)
                elif match := _WORKSPACE.match(self.path):
                    workspace_id = fake._workspaces.get((match.group(1), match.group(2)))
                    if workspace_id is None:
                        self._error(HTTPStatus.NOT_FOUND)
                    else:
                        attributes = {"name": match.group(2)}
                        data = {"id": workspace_id, "type": "workspaces", "attributes": attributes}
                        self._json(HTTPStatus.OK, {"data": data})
                elif match := _CURRENT.match(self.path):
                    if match.group(1) in fake._states:
                        self._json(HTTPStatus.OK, fake._state_version(match.group(1)))
                    else:
                        self._error(HTTPStatus.NOT_FOUND)
                elif download:
                    self._download(download.group(1))
                else:
                    self._error(HTTPStatus.NOT_FOUND)

            def _download(self, version_id: str) -> None:
                state = fake._states.get("ws-" + version_id.removeprefix("sv-"))
                if state is None:
                    self._error(HTTPStatus.NOT_FOUND)
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state)))
                self.end_headers()
                self.wfile.write(state)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        return Handler
