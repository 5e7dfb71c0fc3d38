"""The audit log and untracking over HTTP with real tokens: who may read the log, what bad
parameters get (400 problem+json), and untracking's answers (202, 404, 409)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.settings import Settings

STATE = (
    Path(__file__).parents[2] / "data" / "terraform" / "states" / "default.tfstate"
).read_text()
ROLES = ("viewer", "operator", "approver", "auditor", "admin")
EVENTS = "/api/v1/audit/events"


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(sqlite_settings)
    yield services
    services.close()


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    secrets, position = {}, 0
    for role in ROLES:
        issued = create_token(
            services.backend, CreateToken(name=role, role=role), Cause(actor="tester")
        )
        secrets[role], position = issued.token, issued.position
    services.projections.wait(position)
    return secrets


@pytest.fixture
def client(services: Services, tokens: dict[str, str]) -> Iterator[TestClient[Any]]:
    app = create_app(services, auth=ServerAuth())
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000") as c:
        yield c


def as_role(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[role]}"}


def test_only_auditors_and_admins_read_the_audit_log(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    for role in ROLES:
        response = client.get(EVENTS, headers=as_role(tokens, role))
        if role in ("auditor", "admin"):
            assert response.status_code == 200, (role, response.text)
            issued = [e for e in response.json()["events"] if e["event_type"] == "Issued"]
            assert len(issued) == len(ROLES)
            assert all(e["actor"] == "tester" for e in issued)
            # Token events name the token and role; never the secret or its digest.
            assert all(e["payload"]["secret_sha256"] == "(sensitive)" for e in issued)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["detail"] == (
                f"token:{role} may not read the audit log (it needs the 'audit' permission; "
                f"it may: {', '.join(sorted(_permissions(role)))})"
            )
    assert client.get(EVENTS).status_code == 401


def _permissions(role: str) -> set[str]:
    return {"viewer": {"read"}, "operator": {"read", "command"}, "approver": {"read", "approve"}}[
        role
    ]


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"after": -1}, "after"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"aggregate_id": "not-a-uuid"}, "aggregate_id"),
        ({"correlation_id": "42"}, "correlation_id"),
        ({"aggregate_type": "Nope"}, "unknown aggregate type 'Nope'"),
        ({"event_type": "Nope"}, "unknown event type 'Nope'"),
    ],
)
def test_bad_parameters_are_400_problems(
    client: TestClient[Any], tokens: dict[str, str], params: dict[str, Any], mentions: str
) -> None:
    response = client.get(EVENTS, params=params, headers=as_role(tokens, "auditor"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert mentions in response.text


def test_untracking_answers_202_then_409_and_404_for_an_unknown_state(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    operator = as_role(tokens, "operator")
    body = {"source": "tfstate:///srv/net.tfstate", "content": STATE}
    imported = client.post("/api/v1/states", json=body, headers=operator)
    assert imported.status_code == 202, imported.text
    state_id = imported.json()["id"]

    untracked = client.post(
        f"/api/v1/states/{state_id}/untrack", json={"reason": "moved"}, headers=operator
    )
    assert untracked.status_code == 202, untracked.text
    position = untracked.json()["position"]
    listed = client.get("/api/v1/states", params={"min_position": position}, headers=operator)
    assert [s["id"] for s in listed.json()] == []
    shown = client.get(
        f"/api/v1/states/{state_id}", params={"min_position": position}, headers=operator
    )
    assert shown.status_code == 404

    again = client.post(f"/api/v1/states/{state_id}/untrack", json={}, headers=operator)
    assert again.status_code == 409, again.text
    assert "is not tracked" in again.json()["detail"]
    unknown = client.post(f"/api/v1/states/{uuid4()}/untrack", json={}, headers=operator)
    assert unknown.status_code == 404, unknown.text
    viewer = client.post(
        f"/api/v1/states/{state_id}/untrack", json={}, headers=as_role(tokens, "viewer")
    )
    assert viewer.status_code == 403

    # The history stays in the log, and the log says who untracked it.
    log = client.get(
        EVENTS, params={"aggregate_id": state_id}, headers=as_role(tokens, "auditor")
    ).json()
    assert [e["event_type"] for e in log["events"]] == [
        "Tracked",
        "Imported",
        "Analyzed",
        "Untracked",
    ]
    assert log["events"][-1]["actor"] == "token:operator"
    assert log["events"][-1]["summary"] == (
        f"token:operator stopped tracking state {state_id[:8]}…: moved"
    )
    assert log["next"] is None

    # An untracked state is not compared any more, until it is imported again.
    detect = {"provider": "aws", "regions": ["us-east-1"], "state_ids": [state_id]}
    refused = client.post("/api/v1/drift-runs", json=detect, headers=operator)
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"state {state_id} is not tracked: import it again to compare it"
    )

    # Importing it again tracks it afresh.
    reimported = client.post("/api/v1/states", json=body, headers=operator)
    assert reimported.status_code == 202
    listed = client.get(
        "/api/v1/states",
        params={"min_position": reimported.json()["position"]},
        headers=operator,
    )
    assert [(s["id"], s["version_count"]) for s in listed.json()] == [(state_id, 1)]
