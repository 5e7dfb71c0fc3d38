"""Writing through terraform's http backend protocol, to a local server that locks for real.

``tests/support/http_backend.py`` answers every LOCK with 200; :class:`LockingBackend` extends
it into what GitLab's or any real http backend does: LOCK takes the lock or answers 423 with
the holder's lock info, POST needs ``?ID=`` of the lock held, UNLOCK needs the same lock info.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceError,
    SourceNotAllowed,
    SourcePolicy,
    write_state,
)
from driftmgr.domain.state_patch import serial_of
from tests.integration.backends.test_write_local import (
    HOLDER_CREATED,
    HOLDER_WHO,
    POLICY,
    Held,
    WriteContract,
    accept,
    seed_state,
    terraform_lock_info,
)
from tests.support.http_backend import HttpBackend

STATE = "/state/prod"


class LockingBackend(HttpBackend):
    """An http backend with real locks; ``lock_paths`` maps a state path to its lock path."""

    def __init__(self, credentials: tuple[str, str] | None = None, *, host: str = "127.0.0.1"):
        self.locks: dict[str, bytes] = {}  # lock path -> the holder's lock info
        self.lock_paths: dict[str, str] = {}
        self.supports_lock = True
        self.checks_lock_id = True  # False: the lock lives on another server
        self.bad_posts: list[str] = []
        self._guard = threading.Lock()
        super().__init__(credentials, host=host)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base: Any = super()._handler()
        backend = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def _body(self) -> bytes:
                return bytes(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

            def do_LOCK(self) -> None:
                if not self._begin():
                    return
                body, path = self._body(), urlsplit(self.path).path
                if not backend.supports_lock:
                    self._send(HTTPStatus.METHOD_NOT_ALLOWED)
                    return
                with backend._guard:
                    held = backend.locks.get(path)
                    if held is None:
                        backend.locks[path] = body
                if held is None:
                    self._send(HTTPStatus.OK)
                else:
                    self._send(HTTPStatus.LOCKED, held, {"Content-Type": "application/json"})

            def do_UNLOCK(self) -> None:
                if not self._begin():
                    return
                body, path = self._body(), urlsplit(self.path).path
                with backend._guard:
                    held = backend.locks.get(path)
                    ours = held is not None and json.loads(held)["ID"] == json.loads(body)["ID"]
                    if ours:
                        del backend.locks[path]
                self._send(HTTPStatus.OK if ours else HTTPStatus.CONFLICT)

            do_PUT = do_LOCK  # GitLab-style: PUT/DELETE on a lock address
            do_DELETE = do_UNLOCK

            def do_POST(self) -> None:
                if not self._begin():
                    return
                parts = urlsplit(self.path)
                body = self._body()
                lock_id = parse_qs(parts.query).get("ID", [None])[0]
                digest = base64.b64encode(hashlib.md5(body).digest()).decode()
                with backend._guard:
                    held = backend.locks.get(backend.lock_paths.get(parts.path, parts.path))
                    stale = held is None or json.loads(held)["ID"] != lock_id
                    if backend.checks_lock_id and stale:
                        backend.bad_posts.append(self.path)
                        self._send(HTTPStatus.CONFLICT)
                        return
                    if self.headers.get("Content-MD5") != digest:
                        backend.bad_posts.append(self.path)
                        self._send(HTTPStatus.BAD_REQUEST)
                        return
                    backend.states[parts.path] = body
                self._send(HTTPStatus.OK)

        return Handler


class HttpStore:
    def __init__(self, backend: LockingBackend) -> None:
        self.backend = backend
        self.uri = f"tfstate+{backend.url}{STATE}"

    def seed(self, data: bytes) -> None:
        self.backend.states[STATE] = data

    def stored(self) -> bytes | None:
        return self.backend.states.get(STATE)

    def hold_lock(self) -> Held:
        lock_id = "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716"
        self.backend.locks[STATE] = terraform_lock_info(lock_id, "")
        return Held(id=lock_id, who=HOLDER_WHO, created=HOLDER_CREATED)

    def release_held(self) -> None:
        del self.backend.locks[STATE]

    def lock_left(self) -> bool:
        return bool(self.backend.locks)

    def require_conditional_writes(self) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[LockingBackend]:
    with LockingBackend() as server:
        yield server


class TestHttpWrites(WriteContract):
    @pytest.fixture
    def store(self, backend: LockingBackend) -> HttpStore:
        return HttpStore(backend)


def test_the_state_is_posted_with_the_lock_id_between_lock_and_unlock(
    backend: LockingBackend,
) -> None:
    backend.states[STATE] = seed_state()

    write_state(f"tfstate+{backend.url}{STATE}", POLICY, accept, who="alice")

    methods = [(method, urlsplit(path).path) for method, path, _ in backend.requests]
    assert methods == [("LOCK", STATE), ("GET", STATE), ("POST", STATE), ("UNLOCK", STATE)]
    post = backend.requests[2][1]
    assert parse_qs(urlsplit(post).query)["ID"][0]  # the lock's ID
    assert backend.bad_posts == []


def test_lock_and_unlock_go_where_and_how_the_uri_says(backend: LockingBackend) -> None:
    backend.states[STATE] = seed_state()
    backend.lock_paths[STATE] = "/locks/prod"
    query = (
        f"?lock_address={backend.url}/locks/prod&unlock_address={backend.url}/locks/prod"
        "&lock_method=PUT&unlock_method=DELETE"
    )

    write_state(f"tfstate+{backend.url}{STATE}{query}", POLICY, accept, who="alice")

    methods = [(method, urlsplit(path).path) for method, path, _ in backend.requests]
    assert methods == [
        ("PUT", "/locks/prod"),
        ("GET", STATE),
        ("POST", STATE),
        ("DELETE", "/locks/prod"),
    ]
    assert serial_of(backend.states[STATE]) == 2
    assert backend.locks == {}


def test_a_server_without_locking_is_refused_unless_lock_none_says_so(
    backend: LockingBackend,
) -> None:
    backend.states[STATE] = seed_state()
    backend.supports_lock = False
    backend.lock_paths[STATE] = "/nowhere"  # POST accepts nothing without ?lock=none's ID

    with pytest.raises(SourceError, match=r"does not support LOCK .*\?lock=none"):
        write_state(f"tfstate+{backend.url}{STATE}", POLICY, accept, who="alice")
    assert backend.states[STATE] == seed_state()

    backend.locks["/nowhere"] = json.dumps({"ID": None}).encode()  # a POST without ?ID
    write_state(f"tfstate+{backend.url}{STATE}?lock=none", POLICY, accept, who="alice")
    assert [m for m, _, _ in backend.requests][-2:] == ["GET", "POST"]
    assert serial_of(backend.states[STATE]) == 2


def test_the_address_own_query_is_kept_and_the_options_are_not_sent(
    backend: LockingBackend,
) -> None:
    backend.states[STATE] = seed_state()

    write_state(f"tfstate+{backend.url}{STATE}?project=7&lock_method=LOCK", POLICY, accept, who="a")

    posted = next(path for method, path, _ in backend.requests if method == "POST")
    assert parse_qs(urlsplit(posted).query).keys() == {"project", "ID"}


def test_a_server_policy_checks_every_address_it_would_contact(backend: LockingBackend) -> None:
    backend.states[STATE] = seed_state()
    server = SourcePolicy(allowed_hosts=frozenset({f"127.0.0.1:{backend.port}"}))
    elsewhere = f"http://localhost:{backend.port}/locks/prod"

    with pytest.raises(SourceNotAllowed, match="DRIFTMGR_ALLOWED_HOSTS"):
        write_state(
            f"tfstate+{backend.url}{STATE}?lock_address={elsewhere}", server, accept, who="a"
        )

    assert backend.requests == []
    write_state(f"tfstate+{backend.url}{STATE}", server, accept, who="a")  # listed exactly
    assert serial_of(backend.states[STATE]) == 2


def test_credentials_go_only_to_the_origin_they_are_bound_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with (
        LockingBackend(credentials=("tf", "s3cret")) as state_server,
        LockingBackend() as lock_server,
    ):
        state_server.states[STATE] = seed_state()
        state_server.checks_lock_id = False  # the lock is on the other server
        monkeypatch.setenv("TF_HTTP_ADDRESS", state_server.url + STATE)
        monkeypatch.setenv("TF_HTTP_USERNAME", "tf")
        monkeypatch.setenv("TF_HTTP_PASSWORD", "s3cret")
        uri = f"tfstate+{state_server.url}{STATE}?lock_address={lock_server.url}/locks/prod"

        write_state(uri, POLICY, accept, who="alice")

        assert [(m, auth) for m, _, auth in lock_server.requests] == [
            ("LOCK", None),
            ("UNLOCK", None),
        ]
        assert [m for m, _, _ in state_server.requests] == ["GET", "POST"]
        assert all(auth and auth.startswith("Basic ") for _, _, auth in state_server.requests)
        assert serial_of(state_server.states[STATE]) == 2
        assert lock_server.locks == {}
