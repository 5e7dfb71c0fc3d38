"""Writing HCP Terraform workspace states as terraform's cloud backend does: lock the
workspace, create a state version, unlock — against a local fake of those API endpoints.

``tests/support/tfcloud.py`` serves the read endpoints; :class:`WritableTerraformCloud` adds
what the API documents for writes: ``POST /workspaces/{id}/actions/lock`` (409 when locked),
``…/actions/unlock`` (409 unless the caller holds it), ``POST /workspaces/{id}/state-versions``
(only by the lock's holder; a higher serial, the same lineage and a matching md5), and
``GET /workspaces/{id}`` with its ``locked-by`` relationship.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceAccessDenied,
    SourceError,
    StateLocked,
    write_state,
)
from driftmgr.domain.state_patch import serial_of
from tests.integration.backends.test_write_local import (
    POLICY,
    Held,
    WriteContract,
    accept,
    seed_state,
)
from tests.support.tfcloud import FakeTerraformCloud

TOKEN = "atlasv1.fake-token-for-tests"
OTHER_TOKEN = "atlasv1.someone-else"
USERS = {TOKEN: "user-alice", OTHER_TOKEN: "user-carol"}
ORG, WORKSPACE = "acme", "network-prod"

_LOCK = re.compile(r"^/api/v2/workspaces/([^/]+)/actions/(lock|unlock)$")
_STATE_VERSIONS = re.compile(r"^/api/v2/workspaces/([^/]+)/state-versions$")
_WORKSPACE_BY_ID = re.compile(r"^/api/v2/workspaces/([^/]+)$")


class WritableTerraformCloud(FakeTerraformCloud):
    def __init__(self, token: str) -> None:
        self.locked_by: dict[str, str] = {}  # workspace id -> user id
        self.created: list[dict[str, Any]] = []  # state-version attributes, as posted
        self._guard = threading.Lock()
        super().__init__(token)

    def state_of(self, workspace_id: str) -> bytes | None:
        return self._states.get(workspace_id)

    def set_state(self, workspace_id: str, data: bytes) -> None:
        self._states[workspace_id] = data

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base: Any = super()._handler()
        fake = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def _user(self) -> str | None:
                auth = self.headers.get("Authorization", "")
                return USERS.get(auth.removeprefix("Bearer "))

            def _conflict(self, status: HTTPStatus, detail: str) -> None:
                error = {"status": str(status.value), "title": status.phrase, "detail": detail}
                self._json(status, {"errors": [error]})

            def _workspace(self, workspace_id: str) -> dict[str, Any]:
                holder = fake.locked_by.get(workspace_id)
                relationships = {
                    "locked-by": {"data": {"id": holder, "type": "users"} if holder else None}
                }
                attributes = {"locked": holder is not None}
                return {
                    "data": {
                        "id": workspace_id,
                        "type": "workspaces",
                        "attributes": attributes,
                        "relationships": relationships,
                    }
                }

            def do_GET(self) -> None:
                match = _WORKSPACE_BY_ID.match(self.path)
                if match and match.group(1) in fake._workspaces.values():
                    if self._user() is None:
                        self._error(HTTPStatus.UNAUTHORIZED)
                    else:
                        self._json(HTTPStatus.OK, self._workspace(match.group(1)))
                    return
                super().do_GET()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                user = self._user()
                if user is None:
                    self._error(HTTPStatus.UNAUTHORIZED)
                elif match := _LOCK.match(self.path):
                    self._lock(match.group(1), match.group(2), user)
                elif match := _STATE_VERSIONS.match(self.path):
                    self._create(match.group(1), user, json.loads(body))
                else:
                    self._error(HTTPStatus.NOT_FOUND)

            def _lock(self, workspace_id: str, action: str, user: str) -> None:
                with fake._guard:
                    holder = fake.locked_by.get(workspace_id)
                    if action == "lock" and holder is None:
                        fake.locked_by[workspace_id] = user
                    elif action == "unlock" and holder == user:
                        del fake.locked_by[workspace_id]
                    elif action == "lock":
                        self._conflict(HTTPStatus.CONFLICT, "Unable to lock workspace")
                        return
                    else:
                        self._conflict(HTTPStatus.CONFLICT, f"Workspace is locked by User {holder}")
                        return
                self._json(HTTPStatus.OK, self._workspace(workspace_id))

            def _create(self, workspace_id: str, user: str, document: dict[str, Any]) -> None:
                attributes = document["data"]["attributes"]
                state = base64.b64decode(attributes["state"])
                with fake._guard:
                    if fake.locked_by.get(workspace_id) != user:
                        self._conflict(
                            HTTPStatus.CONFLICT,
                            "The workspace must be locked by the user creating a state version",
                        )
                        return
                    current = fake._states.get(workspace_id)
                    now = json.loads(current) if current else None
                    if hashlib.md5(state).hexdigest() != attributes["md5"] or (
                        now
                        and (
                            attributes["serial"] <= now["serial"]
                            or attributes["lineage"] != now["lineage"]
                        )
                    ):
                        self._conflict(HTTPStatus.PRECONDITION_FAILED, "serial or lineage")
                        return
                    fake._states[workspace_id] = state
                    fake.created.append(attributes)
                self._json(HTTPStatus.CREATED, {"data": {"id": "sv-new", "type": "state-versions"}})

        return Handler


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("TF_TOKEN_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def tfc(monkeypatch: pytest.MonkeyPatch) -> Iterator[WritableTerraformCloud]:
    with WritableTerraformCloud(token=TOKEN) as fake:
        monkeypatch.setenv("TFE_ADDRESS", fake.url)
        monkeypatch.setenv("TF_TOKEN_127_0_0_1", TOKEN)
        yield fake


class CloudStore:
    def __init__(self, fake: WritableTerraformCloud) -> None:
        self.fake = fake
        self.workspace_id = fake.add_workspace(ORG, WORKSPACE)
        self.uri = f"tfstate+tfcloud://{ORG}/{WORKSPACE}"

    def seed(self, data: bytes) -> None:
        self.fake.set_state(self.workspace_id, data)

    def stored(self) -> bytes | None:
        return self.fake.state_of(self.workspace_id)

    def hold_lock(self) -> Held:
        self.fake.locked_by[self.workspace_id] = "user-carol"  # locked in the UI, say
        return Held(id=f"{ORG}/{WORKSPACE}", who="user user-carol")

    def release_held(self) -> None:
        del self.fake.locked_by[self.workspace_id]

    def lock_left(self) -> bool:
        return bool(self.fake.locked_by)

    def require_conditional_writes(self) -> None:
        pass


class TestCloudWrites(WriteContract):
    @pytest.fixture
    def store(self, tfc: WritableTerraformCloud) -> CloudStore:
        return CloudStore(tfc)


def test_a_state_version_carries_serial_md5_lineage_and_the_state(
    tfc: WritableTerraformCloud,
) -> None:
    store = CloudStore(tfc)
    store.seed(seed_state())

    written = write_state(store.uri, POLICY, accept, who="alice")

    (created,) = tfc.created
    assert created["serial"] == 2
    assert created["lineage"] == json.loads(seed_state())["lineage"]
    assert created["md5"] == hashlib.md5(written.after).hexdigest()
    assert base64.b64decode(created["state"]) == written.after


def test_a_workspace_with_no_state_yet_gets_its_first(tfc: WritableTerraformCloud) -> None:
    store = CloudStore(tfc)

    write_state(store.uri, POLICY, lambda current: seed_state(), who="alice")

    assert store.stored() == seed_state()
    assert serial_of(seed_state()) == tfc.created[0]["serial"]


def test_a_refused_state_version_is_reported_and_the_workspace_unlocked(
    tfc: WritableTerraformCloud,
) -> None:
    # Given: the API refuses the version (here: a newer serial got there first).
    store = CloudStore(tfc)
    store.seed(seed_state())

    def meanwhile(current: bytes) -> bytes:
        store.seed(seed_state(serial=9))  # an HCP Terraform run, say
        return accept(current)

    with pytest.raises(SourceError, match="refused the new state version"):
        write_state(store.uri, POLICY, meanwhile, who="alice")

    assert store.stored() == seed_state(serial=9)
    assert not store.lock_left()


def test_a_lock_held_by_someone_names_them_and_terraform_s_lock_id(
    tfc: WritableTerraformCloud,
) -> None:
    store = CloudStore(tfc)
    store.seed(seed_state())
    store.hold_lock()

    with pytest.raises(StateLocked) as raised:
        write_state(store.uri, POLICY, accept, who="alice")

    assert raised.value.lock_id == f"{ORG}/{WORKSPACE}"
    assert "user user-carol" in str(raised.value)
    assert f"terraform force-unlock {ORG}/{WORKSPACE}" in str(raised.value)


def test_a_token_the_api_refuses_is_told_so_and_nothing_is_written(
    tfc: WritableTerraformCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CloudStore(tfc)
    store.seed(seed_state())
    monkeypatch.setenv("TF_TOKEN_127_0_0_1", "atlasv1.not-a-user")

    with pytest.raises(SourceAccessDenied):
        write_state(store.uri, POLICY, accept, who="alice")

    assert store.stored() == seed_state()
