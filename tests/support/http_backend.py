"""A local server speaking terraform's http backend protocol, for reading state over HTTP.

``GET address`` answers the state or 404; ``POST address`` stores one (as ``terraform apply``
would); ``LOCK``/``UNLOCK`` answer 200 so terraform itself could use it. With ``credentials``
set, every request needs that HTTP basic auth, else 401. ``redirects`` maps a path to the
``Location`` a GET there answers with (302); ``connections`` counts accepted connections, and
``requests`` records what each request carried.
"""

from __future__ import annotations

import base64
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class HttpBackend:
    """``with HttpBackend() as backend:`` serves ``backend.states`` at ``backend.url + path``."""

    def __init__(
        self, credentials: tuple[str, str] | None = None, *, host: str = "127.0.0.1"
    ) -> None:
        self.states: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.credentials = credentials
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        self.connections = 0
        self._server = _CountingServer((host, 0), self._handler(), self)
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so every test using the fake) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

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

    def _authorised(self, header: str | None) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header == f"Basic {expected}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _begin(self) -> bool:
                auth = self.headers.get("Authorization")
                backend.requests.append((self.command, self.path, auth))
                if backend._authorised(auth):
                    return True
                self._send(HTTPStatus.UNAUTHORIZED, b"unauthorized", {"WWW-Authenticate": "Basic"})
                return False

            def _send(
                self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if not self._begin():
                    return
                location = backend.redirects.get(self.path.split("?", 1)[0])
                if location is not None:
                    self._send(HTTPStatus.FOUND, b"", {"Location": location})
                    return
                state = backend.states.get(self.path.split("?", 1)[0])
                if state is None:
                    self._send(HTTPStatus.NOT_FOUND, b"not found")
                else:
                    self._send(HTTPStatus.OK, state, {"Content-Type": "application/json"})

            def do_POST(self) -> None:
                if not self._begin():
                    return
                length = int(self.headers.get("Content-Length", "0"))
                backend.states[self.path.split("?", 1)[0]] = self.rfile.read(length)
                self._send(HTTPStatus.OK)

            def do_LOCK(self) -> None:
                if self._begin():
                    self._send(HTTPStatus.OK)

            def do_UNLOCK(self) -> None:
                if self._begin():
                    self._send(HTTPStatus.OK)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        return Handler


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        backend: HttpBackend,
    ) -> None:
        super().__init__(address, handler)
        self._backend = backend

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self._backend.connections += 1  # every accepted connection, before it is read
        return True
