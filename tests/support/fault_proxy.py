"""A fault-injecting HTTP proxy between the AWS SDK and the moto server, on loopback.

Point the SDK at it with ``AWS_ENDPOINT_URL=proxy.url``. Each request is either forwarded
to moto unchanged or answered by the proxy itself with an AWS error in the wire format the
caller's protocol expects:

========== ================================================ ===== ==================
protocol   throttle                                         500   deny (403)
========== ================================================ ===== ==================
EC2        ``<Response><Errors><Error><Code>``              500   ``UnauthorizedOp…``
           ``RequestLimitExceeded`` (HTTP 503)
S3         ``<Error><Code>SlowDown`` (503)                  500   ``AccessDenied``
query/XML  ``<ErrorResponse>…<Code>Throttling`` (400)       500   ``AccessDenied``
JSON       ``{"__type": "ThrottlingException"}`` (400)      500   ``AccessDenied…``
REST-JSON  ``TooManyRequestsException`` (429)               500   ``AccessDenied…``
========== ================================================ ===== ==================

Which requests: :class:`Fault` rules, matched on the service and region of the request's
SigV4 credential scope (``Credential=…/<date>/<region>/<service>/aws4_request``) and
optionally on a byte string in the body. One seeded random draw per request picks the rule:
rules' shares are stacked, so ``[Fault("throttle", .3), Fault("error", .1)]`` throttles 30%
of requests and fails 10% with HTTP 500; ``share=1`` always applies. The draws come from
``random.Random(seed)`` in arrival order: the same sequence of verdicts every run.

``Fault("hold")`` keeps its requests waiting, unanswered, until :meth:`FaultProxy.release`
(``holding`` is set once one waits): a cloud that hangs mid-scan, at a moment the test chose.
"""

from __future__ import annotations

import http.client
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

FaultKind = Literal["throttle", "error", "deny", "hold", "html"]

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_ACTION = re.compile(rb"(?:^|[?&])Action=([A-Za-z0-9]+)")
# Signing names of services whose protocol is REST-JSON (no X-Amz-Target header).
_REST_JSON = frozenset({"lambda", "apigateway", "execute-api", "eks", "elasticfilesystem"})
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hung up (a cancelled scan) is expected; anything else is not.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    share: float = 1.0
    """Fraction of the matching requests this rule answers."""
    service: str | None = None
    """SigV4 signing name (``ec2``, ``s3``, ``iam``, ``sts``, ``logs`` …); None: any."""
    region: str | None = None
    body_contains: bytes | None = None
    limit: int | None = None
    """At most this many requests answered by this rule (None: no limit): with share 1.0 and
    limit 1, the first matching request surely draws the fault, and its retry goes through."""


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and what it did with it."""

    service: str
    region: str
    operation: str
    """``Action`` of query requests, the ``X-Amz-Target`` operation, or ``METHOD /path``."""
    body: bytes
    fault: FaultKind | None


class FaultProxy:
    """``with FaultProxy(moto_url, [Fault("throttle", 0.3)]) as proxy: …``"""

    def __init__(
        self, upstream: str, faults: Sequence[Fault] = (), *, seed: int = 1, latency: float = 0.0
    ) -> None:
        target = urlsplit(upstream)
        self._latency = latency
        """Seconds added to every forwarded request: a network between client and cloud."""
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults = tuple(faults)
        self._answered: Counter[int] = Counter()
        """Requests each rule (by index) has answered, for ``Fault.limit``."""
        self.seen: list[Seen] = []
        self.holding = threading.Event()
        """Set once a ``hold`` fault has caught a request."""
        self._released = threading.Event()
        self._in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        """Most requests forwarded at once, per service and in total (key ``*``)."""
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_faults(self, faults: Sequence[Fault], *, seed: int = 1) -> None:
        with self._lock:
            self._faults = tuple(faults)
            self._answered = Counter()
            self._rng = random.Random(seed)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def release(self) -> None:
        """Let held requests (and later ones) through to moto."""
        self._released.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what happened ---------------------------------------------------------------------

    def requests(
        self, service: str | None = None, *, region: str | None = None, operation: str | None = None
    ) -> list[Seen]:
        """The requests seen so far, optionally only those of one service/region/operation."""
        with self._lock:
            return [
                s
                for s in self.seen
                if service in (None, s.service)
                and region in (None, s.region)
                and operation in (None, s.operation)
            ]

    def injected(self) -> Counter[tuple[str, FaultKind]]:
        with self._lock:
            return Counter((s.service, s.fault) for s in self.seen if s.fault is not None)

    def services(self) -> set[str]:
        with self._lock:
            return {s.service for s in self.seen}

    # --- the proxy -------------------------------------------------------------------------

    def _decide(self, service: str, region: str, operation: str, body: bytes) -> FaultKind | None:
        with self._lock:
            draw = self._rng.random()
            stacked = 0.0
            verdict: FaultKind | None = None
            for index, fault in enumerate(self._faults):
                if fault.service not in (None, service) or fault.region not in (None, region):
                    continue
                if fault.body_contains is not None and fault.body_contains not in body:
                    continue
                if fault.limit is not None and self._answered[index] >= fault.limit:
                    continue
                stacked += fault.share
                if draw < stacked:
                    verdict = fault.kind
                    self._answered[index] += 1
                    break
            self.seen.append(Seen(service, region, operation, body, verdict))
            return verdict

    def _track(self, service: str, change: int) -> None:
        with self._lock:
            for key in (service, "*"):
                self._in_flight[key] += change
                self.max_in_flight[key] = max(self.max_in_flight[key], self._in_flight[key])

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' pools expect

            def do_GET(self) -> None:
                self._handle()

            do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

            def _handle(self) -> None:
                body = self._read_body()
                match = _SCOPE.search(self.headers.get("Authorization", ""))
                service = match["service"] if match else "unsigned"
                region = match["region"] if match else ""
                fault = proxy._decide(service, region, self._operation(body), body)
                if fault == "hold":
                    proxy.holding.set()
                    proxy._released.wait(timeout=120)
                    fault = None
                if fault is None:
                    proxy._track(service, +1)
                    if proxy._latency:
                        time.sleep(proxy._latency)  # modelled network round trip, not a wait
                    try:
                        status, headers, payload = self._forward(body)
                    finally:
                        proxy._track(service, -1)
                else:
                    status, headers, payload = _error(fault, service, self.headers)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if self.command == "HEAD":
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _operation(self, body: bytes) -> str:
                target = self.headers.get("X-Amz-Target")
                if target:
                    return str(target).rsplit(".", 1)[-1]
                action = _ACTION.search(body) or _ACTION.search(self.path.encode())
                if action:
                    return action[1].decode()
                return f"{self.command} {self.path.split('?', 1)[0]}"

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks: list[bytes] = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
                connection = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    headers["Content-Length"] = str(len(body))
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    kept = [
                        (k, v)
                        for k, v in response.getheaders()
                        if k.lower() not in HOP_BY_HOP
                        or (self.command == "HEAD" and k.lower() == "content-length")
                    ]
                    return response.status, kept, payload
                finally:
                    connection.close()

        return Handler


def _error(
    fault: FaultKind, service: str, request_headers: Message
) -> tuple[int, list[tuple[str, str]], bytes]:
    if fault == "html":  # an overloaded server's or a proxy's page, not the service's error
        page = b"<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Overloaded</h1>\n"
        return 500, [("Content-Type", "text/html; charset=utf-8")], page
    request_id = str(uuid.uuid4())
    target = request_headers.get("X-Amz-Target")
    content_type = request_headers.get("Content-Type", "") or ""
    if service == "ec2":
        status, code, message = {
            "throttle": (503, "RequestLimitExceeded", "Request limit exceeded."),
            "error": (500, "InternalError", "An internal error has occurred."),
            "deny": (403, "UnauthorizedOperation", "You are not authorized to perform this."),
        }[fault]
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}'
            f"</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body.encode()
    if service == "s3":
        status, code, message = {
            "throttle": (503, "SlowDown", "Please reduce your request rate."),
            "error": (500, "InternalError", "We encountered an internal error."),
            "deny": (403, "AccessDenied", "Access Denied"),
        }[fault]
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return status, [("Content-Type", "application/xml")], body.encode()
    if target or "x-amz-json" in content_type or service in _REST_JSON:
        rest = not target and "x-amz-json" not in content_type
        status, code, message = {
            "throttle": (
                429 if rest else 400,
                "TooManyRequestsException" if rest else "ThrottlingException",
                "Rate exceeded",
            ),
            "error": (500, "InternalFailure", "An internal error occurred."),
            "deny": (403 if rest else 400, "AccessDeniedException", "not authorized"),
        }[fault]
        media = content_type if "x-amz-json" in content_type else "application/json"
        payload = f'{{"__type":"{code}","message":"{message}"}}'.encode()
        return (
            status,
            [
                ("Content-Type", media),
                ("x-amzn-ErrorType", code),
                ("x-amzn-RequestId", request_id),
            ],
            payload,
        )
    # Query (IAM, STS, SNS, RDS, ELBv2 …) and REST-XML (Route 53) share this shape.
    status, kind, code, message = {
        "throttle": (400, "Sender", "Throttling", "Rate exceeded"),
        "error": (500, "Receiver", "InternalFailure", "An internal error occurred."),
        "deny": (403, "Sender", "AccessDenied", "User is not authorized to perform this."),
    }[fault]
    body = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
        "</ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml")], body.encode()
