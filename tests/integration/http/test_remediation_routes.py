"""Remediation over HTTP with real tokens: who may plan, approve and apply, and the answers
(403 for approving one's own plan or without the permission, 409 for an unapproved apply)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.domain.roles import ROLES
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.settings import Settings
from tests.support.fakes import FakeCloud, FakeRemediator, FakeStates, state_with_vpcs, tagged_vpc

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud([tagged_vpc("vpc-1", {"Owner": "mallory"})])


@pytest.fixture
def services(sqlite_settings: Settings, cloud: FakeCloud) -> Iterator[Services]:
    services = bootstrap(
        sqlite_settings,
        providers={"aws": lambda: cloud},
        remediators={"aws": FakeRemediator(cloud)},
        state_writer=FakeStates(),
    )
    services.backend.approval_threshold = "low"
    yield services
    services.close()


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    secrets = {}
    for role in ROLES:
        issued = create_token(
            services.backend, CreateToken(name=role, role=role), Cause(actor="tester")
        )
        secrets[role] = issued.token
    return secrets


@pytest.fixture
def client(services: Services, tokens: dict[str, str]) -> Iterator[TestClient[Any]]:
    app = create_app(services, auth=ServerAuth())
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000") as c:
        yield c


def as_role(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {**JSON, "Authorization": f"Bearer {tokens[role]}"}


def drift_run(client: TestClient[Any], tokens: dict[str, str]) -> str:
    body = {
        "provider": "aws",
        "regions": ["us-east-1"],
        "states": [
            {
                "source": "tfstate:///s/net.tfstate",
                "content": state_with_vpcs(("vpc-1", "10.0.0.0/16")),
            }
        ],
    }
    accepted = client.post("/api/v1/drift-runs", json=body, headers=as_role(tokens, "operator"))
    assert accepted.status_code == 202, accepted.text
    run = client.get(
        f"/api/v1/drift-runs/{accepted.json()['id']}",
        params={"min_position": accepted.json()["position"], "wait": 30},
        headers=as_role(tokens, "viewer"),
    ).json()
    assert run["status"] == "completed", run
    return str(run["id"])


def test_plans_are_approved_by_someone_else_with_the_permission_and_only_then_applied(
    client: TestClient[Any], services: Services, tokens: dict[str, str], cloud: FakeCloud
) -> None:
    run_id = drift_run(client, tokens)
    planned = client.post(
        "/api/v1/remediation-plans",
        json={"drift_run_id": run_id},
        headers=as_role(tokens, "admin"),
    )
    assert planned.status_code == 202, planned.text
    plan = f"/api/v1/remediation-plans/{planned.json()['id']}"

    # Fail to approve - an operator may not approve at all.
    assert (
        client.post(f"{plan}/approve", json={}, headers=as_role(tokens, "operator")).status_code
        == 403
    )
    # Fail to approve - the admin planned it: 403 with the reason, nothing recorded.
    own = client.post(f"{plan}/approve", json={}, headers=as_role(tokens, "admin"))
    assert own.status_code == 403
    assert "another person must approve" in own.json()["detail"]
    # Fail to apply - it awaits approval.
    early = client.post(f"{plan}/apply", json={}, headers=as_role(tokens, "operator"))
    assert early.status_code == 409, early.text
    assert "needs approval" in early.json()["detail"]

    approved = client.post(
        f"{plan}/approve", json={"reason": "ticket 7"}, headers=as_role(tokens, "approver")
    )
    assert approved.status_code == 202, approved.text
    applied = client.post(f"{plan}/apply", json={}, headers=as_role(tokens, "operator"))
    assert applied.status_code == 202, applied.text
    again = client.post(f"{plan}/apply", json={}, headers=as_role(tokens, "operator"))
    assert again.status_code == 409  # one apply per plan

    view = client.get(
        plan,
        params={"min_position": applied.json()["position"], "wait": 30},
        headers=as_role(tokens, "viewer"),
    ).json()
    assert view["status"] == "applied"
    assert (view["planned_by"], view["decided_by"]) == ("token:admin", "token:approver")
    assert [e["event"] for e in view["timeline"]] == [
        "Planned",
        "Approved",
        "ApplyRequested",
        "SnapshotTaken",
        "ActionApplied",
        "ApplyFinished",
    ]
    assert cloud.resources[0].attributes["tags"] == {}
