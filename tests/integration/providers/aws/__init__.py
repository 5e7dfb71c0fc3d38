"""Per-service tests of the AWS enumerators, and what they share.

Most tests seed the session's moto server with boto3 and scan it with
:class:`~driftmgr.adapters.providers.aws.AwsProvider`. What moto cannot serve is tested
against recorded AWS answers: :class:`RecordedAws` answers query-protocol requests (EC2,
ELBv2, SNS, RDS, IAM, STS …) named by their ``Action`` with recorded XML, and forwards every
request it has no answer for to the moto server, counting them all.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.domain.resources import LiveResource, ScanOutcome, StateResource
from tests.support.fault_proxy import HOP_BY_HOP

__all__ = [
    "ACCOUNT",
    "REGION",
    "Answer",
    "Params",
    "RecordedAws",
    "ec2_error",
    "ec2_response",
    "observed",
    "recorded_aws",
    "scan",
    "state_resource",
]

#: moto's account, and the region the ``aws`` fixture makes the default.
ACCOUNT = "123456789012"
REGION = "us-east-1"

#: A query-protocol request's parameters, as ``urllib.parse.parse_qs`` gives them.
Params = dict[str, list[str]]
#: A recorded answer: the XML document, or a function of the request's parameters giving
#: the document or an (HTTP status, document) pair.
Answer = str | Callable[[Params], str | tuple[int, str]]

_EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
_REQUEST_ID = "4f0c1e7a-2b3d-4c5e-8f90-a1b2c3d4e5f6"


def scan(
    regions: Sequence[str], types: Sequence[str], provider: AwsProvider | None = None
) -> dict[tuple[str, str], ScanOutcome]:
    """One scan, its outcomes by (type, region)."""
    outcomes = asyncio.run((provider or AwsProvider()).scan(regions, types))
    by_key = {(o.type, o.region): o for o in outcomes}
    assert len(by_key) == len(outcomes), "one outcome per (type, region)"
    return by_key


def observed(outcome: ScanOutcome) -> dict[str, LiveResource]:
    """An observed outcome's resources by id (fails on an unobserved one, with its reason)."""
    assert outcome.unobserved_reason is None, outcome.unobserved_reason
    return {r.id: r for r in outcome.resources}


def ec2_response(action: str, body: str) -> str:
    """An EC2 answer document around ``body``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{_EC2_XMLNS}">'
        f"<requestId>{_REQUEST_ID}</requestId>{body}</{action}Response>"
    )


def ec2_error(code: str, message: str) -> str:
    """An EC2 error document."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
        f"<RequestID>{_REQUEST_ID}</RequestID></Response>"
    )


class RecordedAws:
    """A loopback server answering query-protocol requests with recorded documents.

    A request is named by its ``Action`` (from the form body or the query string), else by
    its ``X-Amz-Target`` operation, else by ``"<METHOD> <path>"``. Named requests with a
    recorded answer get it; all others are forwarded unchanged to ``upstream`` (or, without
    one, answered with HTTP 400 ``NoRecordedAnswer``). Every request is counted.
    """

    def __init__(self, answers: Mapping[str, Answer], upstream: str | None = None) -> None:
        self._answers = dict(answers)
        self._upstream = urlsplit(upstream) if upstream else None
        self._lock = threading.Lock()
        self.requests: list[tuple[str, Params]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def calls(self) -> Counter[str]:
        """How many requests of each name arrived (answered or forwarded)."""
        with self._lock:
            return Counter(name for name, _ in self.requests)

    def params_of(self, name: str) -> list[Params]:
        """The parameters of every request of that name, in arrival order."""
        with self._lock:
            return [params for n, params in self.requests if n == name]

    def __enter__(self) -> RecordedAws:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _recorded(self, name: str, params: Params) -> tuple[int, str] | None:
        with self._lock:
            self.requests.append((name, params))
        answer = self._answers.get(name)
        if answer is None:
            return None
        given = answer(params) if callable(answer) else answer
        return given if isinstance(given, tuple) else (200, given)

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = self._upstream
        if upstream is None:
            document = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>NoRecordedAnswer</Code>"
                f"<Message>no recorded answer for {method} {path}</Message></Error>"
                f"<RequestId>{_REQUEST_ID}</RequestId></ErrorResponse>"
            )
            return 400, [("Content-Type", "text/xml")], document.encode()
        connection = http.client.HTTPConnection(upstream.netloc, timeout=30)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, kept, data
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorded = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                name, params = _name(self.command, self.path, self.headers, body)
                answer = recorded._recorded(name, params)
                if answer is not None:
                    status, document = answer
                    data = document.encode()
                    headers = [("Content-Type", "text/xml")]
                else:
                    forwarded = [
                        (k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
                    ]
                    status, headers, data = recorded._forward(
                        self.command, self.path, forwarded, body
                    )
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _name(method: str, target: str, headers: Any, body: bytes) -> tuple[str, Params]:
    url = urlsplit(target)
    params: Params = parse_qs(url.query, keep_blank_values=True)
    content_type = str(headers.get("Content-Type") or "")
    if body and "x-www-form-urlencoded" in content_type:
        params.update(parse_qs(body.decode(), keep_blank_values=True))
    if "Action" in params:
        return params["Action"][0], params
    amz_target = headers.get("X-Amz-Target")
    if amz_target:
        return str(amz_target).rsplit(".", 1)[-1], params
    return f"{method} {url.path}", params


@contextmanager
def recorded_aws(
    monkeypatch: pytest.MonkeyPatch,
    answers: Mapping[str, Answer] | None = None,
    *,
    upstream: str | None = None,
) -> Iterator[RecordedAws]:
    """Point every SDK client (``AWS_ENDPOINT_URL``) at a :class:`RecordedAws`.

    Requests without a recorded answer go on to ``upstream``, by default the endpoint the
    SDKs used before (the moto server, after the ``aws`` fixture).
    """
    target = upstream or os.environ.get("AWS_ENDPOINT_URL")
    with RecordedAws(answers or {}, target) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


def state_resource(type_: str, name: str, attributes: dict[str, Any]) -> StateResource:
    """A managed resource as terraform-provider-aws would have recorded it in a state."""
    ident = attributes.get("id")
    return StateResource(
        address=f"{type_}.{name}",
        mode="managed",
        type=type_,
        name=name,
        provider="aws",
        provider_config='provider["registry.terraform.io/hashicorp/aws"]',
        id=None if ident is None else str(ident),
        attributes=attributes,
    )
