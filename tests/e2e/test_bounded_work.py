"""A hostile client cannot hold `driftmgr serve` (issue 13, item 1: bounded work per request).

Each abuse is sent to a real server while another client checks that ``/healthz`` still
answers within a second; each answer is a 4xx/503 problem that says what to do, never a 500.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVE, Ran, running

MAX_STATE_BYTES = 1 << 20  # the smallest limit DRIFTMGR_MAX_STATE_BYTES accepts
BLOCKING_SLOTS = 8  # driftmgr.http.limits.BLOCKING_SLOTS, stated here as the contract
HEALTH_SECONDS = 1.0
RSS_GROWTH_BOUND = 64 << 20  # a 2 GB body must not raise the server's peak RSS by this much


@dataclass
class Server:
    url: str
    pid: int
    headers: dict[str, str]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=120)


@pytest.fixture
def roots(tmp_path: Path) -> Path:
    path = tmp_path / "roots"
    path.mkdir()
    return path


@pytest.fixture
def start_server(driftmgr: Callable[..., Ran], roots: Path) -> Iterator[Callable[..., Server]]:
    """Start `driftmgr serve` (once per test) with these limits and an admin token."""
    with ExitStack() as stack:

        def start(fetch_deadline: int = 300) -> Server:
            created = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json")
            assert created.code == 0, created.stderr
            env = {
                # /dev is a root, so that /dev/zero passes the source policy to the reader.
                "DRIFTMGR_STATE_ROOTS": f"{roots}:/dev",
                "DRIFTMGR_ALLOWED_HOSTS": "127.0.0.1",  # listed exactly: loopback consented
                "DRIFTMGR_MAX_STATE_BYTES": str(MAX_STATE_BYTES),
                "DRIFTMGR_FETCH_DEADLINE": str(fetch_deadline),
            }
            process, url = stack.enter_context(running(SERVE, {**os.environ, **env}))
            pid = process.pid
            token = created.json()["token"]
            return Server(
                url=url,
                pid=pid,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )

        yield start


@pytest.fixture
def server(start_server: Callable[..., Server]) -> Server:
    return start_server()


def health_round_trip(server: Server) -> float:
    """Seconds one ``GET /healthz`` takes, on a fresh connection; it must answer 200."""
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/healthz").status_code == 200
    return time.monotonic() - started


@contextmanager
def in_flight(call: Callable[[], httpx.Response]) -> Iterator[Future[httpx.Response]]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(call)


def assert_problem(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    for fragment in fragments:
        assert fragment in body["detail"], body
    return body


def peak_rss(pid: int) -> int:
    """The process's peak resident set (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


# --- a state server that misbehaves ---------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: Misbehaving

    def do_GET(self) -> None:
        self.server.arrived.put(self.path)
        with suppress(OSError):  # driftmgr hung up: what the test wants
            self.server.answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Misbehaving(ThreadingHTTPServer):
    daemon_threads = True
    # How a GET is answered: a function of the handler.
    answer: Callable[[Handler], None]

    def __init__(self, answer: Callable[[Handler], None]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answer = answer
        self.stop = threading.Event()
        self.arrived: queue.Queue[str] = queue.Queue()

    @property
    def base(self) -> str:
        return f"tfstate+http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def misbehaving(answer: Callable[[Handler], None]) -> Iterator[Misbehaving]:
    httpd = Misbehaving(answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.stop.set()  # ends every trickle, so driftmgr's fetches end too
        httpd.shutdown()
        httpd.server_close()


def trickle(handler: Handler) -> None:
    """Headers at once, then the body one byte a second until the test is over."""
    handler.send_response(200)
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    while not handler.server.stop.wait(1):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def trickle_headers(handler: Handler) -> None:
    """The status line a byte a second: only a total deadline ends this."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 10_000:
        if handler.server.stop.wait(1):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def endless(declare_length: bool) -> Callable[[Handler], None]:
    """A 2 GB body generated on the fly, chunked or with its length declared."""
    size, chunk = 2 << 30, b"x" * (1 << 16)

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        if declare_length:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        for _ in range(size // len(chunk)):
            handler.wfile.write(chunk)

    return answer


def just_over_the_limit(handler: Handler) -> None:
    """One byte more than the limit, without a Content-Length (read until the connection
    closes), so that the server has to count."""
    handler.protocol_version = "HTTP/1.0"
    handler.send_response(200)
    handler.end_headers()
    handler.wfile.write(b" " * (MAX_STATE_BYTES + 1))
    handler.close_connection = True


# --- the abuses -----------------------------------------------------------------------------


def test_a_glob_with_many_wildcards_is_answered_at_once(server: Server, roots: Path) -> None:
    # A name the pattern almost matches: the worst case of a backtracking matcher.
    (roots / ("a" * 60)).write_text("{}")
    source = f"{roots}/" + "*a" * 25 + "b"
    with (
        server.client() as http,
        in_flight(lambda: http.post("/api/v1/states", json={"source": source})) as abusive,
    ):
        assert health_round_trip(server) < HEALTH_SECONDS
        assert_problem(abusive.result(), 422, "no state matches")


def test_a_glob_matching_too_many_states_is_refused(server: Server, roots: Path) -> None:
    for n in range(1001):
        (roots / f"{n}.tfstate").touch()
    with server.client() as http:
        refused = http.post("/api/v1/states", json={"source": f"{roots}/*.tfstate"})
    assert_problem(refused, 422, "matches 1001 states, more than the 1000", "narrow the glob")


@pytest.mark.parametrize("make", ["device", "fifo"])
def test_only_regular_files_are_read(server: Server, roots: Path, make: str) -> None:
    if make == "device":
        source = "/dev/zero"  # endless: it used to be read until memory ran out
    else:
        source = str(roots / "pipe.tfstate")  # opening it used to wait for a writer
        os.mkfifo(source)
    with (
        server.client() as http,
        in_flight(lambda: http.post("/api/v1/states", json={"source": source})) as abusive,
    ):
        assert health_round_trip(server) < HEALTH_SECONDS
        assert_problem(abusive.result(), 422, "is not a regular file", "name a state file")


def test_a_file_larger_than_the_limit_is_refused(server: Server, roots: Path) -> None:
    big = roots / "big.tfstate"
    big.write_bytes(b" " * (MAX_STATE_BYTES + 1))
    with server.client() as http:
        refused = http.post("/api/v1/states", json={"source": str(big)})
    assert_problem(refused, 422, f"larger than {MAX_STATE_BYTES} bytes", "DRIFTMGR_MAX_STATE_BYTES")


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "chunked"])
def test_a_2gb_remote_state_is_refused_without_buffering_it(
    server: Server, declare_length: bool
) -> None:
    before = peak_rss(server.pid)
    with (
        misbehaving(endless(declare_length)) as remote,
        server.client() as http,
        in_flight(
            lambda: http.post("/api/v1/states", json={"source": f"{remote.base}/big.tfstate"})
        ) as abusive,
    ):
        remote.arrived.get(timeout=60)  # the fetch is under way
        assert health_round_trip(server) < HEALTH_SECONDS
        assert_problem(abusive.result(), 422, f"larger than {MAX_STATE_BYTES} bytes")
    assert peak_rss(server.pid) - before < RSS_GROWTH_BOUND


def test_a_body_one_byte_over_the_limit_is_refused(server: Server) -> None:
    with misbehaving(just_over_the_limit) as remote, server.client() as http:
        refused = http.post("/api/v1/states", json={"source": f"{remote.base}/s.tfstate"})
    assert_problem(refused, 422, f"larger than {MAX_STATE_BYTES} bytes")


def test_a_server_trickling_its_answer_is_cut_at_the_fetch_deadline(
    start_server: Callable[..., Server],
) -> None:
    # A per-read timeout alone would wait for hours: a byte comes every second.
    server = start_server(fetch_deadline=3)
    with misbehaving(trickle_headers) as remote, server.client() as http:
        refused = http.post("/api/v1/states", json={"source": f"{remote.base}/s.tfstate"})
    assert_problem(refused, 422, "not fetched within 3 s", "DRIFTMGR_FETCH_DEADLINE")


def test_slow_imports_fill_a_bounded_pool_and_the_rest_are_told_to_retry(
    server: Server,
) -> None:
    requests = 45
    answers: queue.Queue[httpx.Response] = queue.Queue()

    def send(n: int) -> None:
        with server.client() as http:
            answers.put(http.post("/api/v1/states", json={"source": f"{remote.base}/{n}"}))

    with misbehaving(trickle) as remote:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(requests)]
        for thread in threads:
            thread.start()
        # Every slot holds a fetch from the slow server; every other request is refused.
        for _ in range(BLOCKING_SLOTS):
            remote.arrived.get(timeout=60)
        busy = [answers.get(timeout=60) for _ in range(requests - BLOCKING_SLOTS)]
        for response in busy:
            body = assert_problem(response, 503, "retry in")
            assert body["title"] == "Server busy"
            assert int(response.headers["Retry-After"]) > 0
        assert remote.arrived.empty()  # no fetch beyond the pool's slots
        # Health and queries answer while the slow fetches hold their slots.
        assert health_round_trip(server) < HEALTH_SECONDS
        with server.client() as http:
            started = time.monotonic()
            assert http.get("/api/v1/states").status_code == 200
            assert time.monotonic() - started < HEALTH_SECONDS
    # The slow server hung up: the held fetches end, and say why.
    for thread in threads:
        thread.join(timeout=60)
    for _ in range(BLOCKING_SLOTS):
        assert answers.get(timeout=1).status_code == 422


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/states",
        "/api/v1/states/discover",
        "/api/v1/discoveries",
        "/api/v1/drift-runs",
        "/api/v1/remediation-plans",
        "/api/v1/tokens",
    ],
)
def test_a_deeply_nested_body_is_refused_before_it_is_decoded(server: Server, path: str) -> None:
    with server.client() as http:
        for body in (DEEP, b'{"source": ' + DEEP + b"}", b"{" * 100_000):
            with in_flight(partial(http.post, path, content=body)) as abusive:
                assert health_round_trip(server) < HEALTH_SECONDS
                assert_problem(abusive.result(), 400, "more than 64 levels deep")


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/states?offset=99999999999999999999",
        "/api/v1/states?limit=0",
        "/api/v1/states?min_position=-1",
        "/api/v1/resources?offset=99999999999999999999",
        "/api/v1/resources?min_position=1e400",
        "/api/v1/drift-runs/00000000-0000-0000-0000-000000000000?wait=nan",
        "/api/v1/drift-runs/00000000-0000-0000-0000-000000000000?wait=inf",
        "/api/v1/discoveries/00000000-0000-0000-0000-000000000000?wait=-1",
        "/api/v1/discoveries/00000000-0000-0000-0000-000000000000?after_scans=1e99",
        "/api/v1/remediation-plans?limit=99999999999999999999",
        "/api/v1/audit/events?after=99999999999999999999",
    ],
)
def test_query_parameters_out_of_range_are_a_400(server: Server, query: str) -> None:
    with server.client() as http:
        started = time.monotonic()
        answer = http.get(query)
    assert time.monotonic() - started < HEALTH_SECONDS * 5  # answered, not held for minutes
    body = assert_problem(answer, 400)
    assert body.get("errors"), body  # which parameter, and what it expects


@pytest.mark.parametrize("path", ["/api/v1/discoveries", "/api/v1/drift-runs"])
def test_a_role_arn_with_a_newline_is_refused(server: Server, path: str) -> None:
    role = "arn:aws:iam::123456789012:role/ops\nX-Injected: 1"
    with server.client() as http:
        refused = http.post(path, json={"provider": "aws", "account_roles": [role]})
    body = assert_problem(refused, 422, "account_roles[0] contains a control character")
    assert "X-Injected" not in json.dumps(body)
