"""The reads a dashboard is built on, over HTTP with real tokens on a real SQLite store:
drift runs listed, a report's findings a filtered page at a time, who the caller is, and
the server's check of its own log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from litestar.testing import TestClient

from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.report import (
    CloudObject,
    DriftChange,
    DriftItem,
    DriftScope,
    ReportBody,
    summarise,
)
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.roles import ROLES
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from tests.support.story import Story, story

RUNS = "/api/v1/drift-runs"
TESTER = Cause(actor="tester")

# One report with findings of every kind, three providers, two AWS accounts, and a secret
# the stored body must not give away.
DRIFTS = [
    DriftItem(
        kind="modified",
        address="aws_vpc.main",
        type="aws_vpc",
        id="vpc-1",
        provider="aws",
        region="us-east-1",
        severity="high",
        changes=[DriftChange(path="cidr_block", expected="10.0.0.0/16", actual="10.1.0.0/16")],
        cloud=CloudObject(type="aws_vpc", id="arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1"),
    ),
    DriftItem(
        kind="unmanaged",
        address=None,
        type="aws_s3_bucket",
        id="logs",
        provider="aws",
        region="us-east-1",
        severity="low",
        import_id="logs",
    ),
    DriftItem(
        kind="missing",
        address="module.iam.aws_iam_role.Deploy",
        type="aws_iam_role",
        id="deploy",
        provider="aws",
        region=None,
        severity="critical",
        cloud=CloudObject(type="aws_iam_role", id="arn:aws:iam::222222222222:role/deploy"),
    ),
    DriftItem(
        kind="modified",
        address="azurerm_virtual_network.net",
        type="azurerm_virtual_network",
        id="/subscriptions/sub-a/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/net",
        provider="azurerm",
        region="westeurope",
        severity="medium",
    ),
    DriftItem(
        kind="unobserved",
        address="google_compute_network.default",
        type="google_compute_network",
        id="projects/proj-x/global/networks/default",
        provider="google",
        region=None,
        severity="low",
        reason="no permission to list compute networks",
    ),
    DriftItem(
        kind="modified",
        address="aws_db_instance.db",
        type="aws_db_instance",
        id="arn:aws:rds:eu-west-1:111111111111:db:db",
        provider="aws",
        region="eu-west-1",
        severity="high",
        changes=[DriftChange(path="password", expected="hunter2", actual="hunter3")],
    ),
]
ACCOUNTS = ["111111111111", None, "222222222222", "sub-a", "proj-x", "111111111111"]


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Story]:
    with story(tmp_path / "store") as told:
        yield told


@pytest.fixture
def tokens(day: Story) -> dict[str, str]:
    secrets = {}
    for role in ROLES:
        issued = create_token(day.services.backend, CreateToken(name=role, role=role), TESTER)
        secrets[role] = issued.token
    day.settle()
    return secrets


@pytest.fixture
def client(day: Story, tokens: dict[str, str]) -> Iterator[TestClient[Any]]:
    # No background threads: each step settles the read models before it asks.
    app = create_app(day.services, auth=ServerAuth(), run_background=False)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000") as c:
        yield c


def as_role(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def record_report(day: Story, drifts: list[DriftItem]) -> UUID:
    """A drift run completed with this report, recorded as the drift job records one."""
    run = DriftRun.request(
        state_ids=[uuid4()],
        provider="aws",
        regions=["us-east-1"],
        resource_types=None,
        cause=TESTER,
        providers=["azurerm", "google"],
    )
    run.start(worker="test", cause=TESTER)
    summary = summarise(drifts, in_sync=3)
    scope = DriftScope(providers=["aws", "azurerm", "google"], regions=["us-east-1"])
    body = ReportBody(sources=[], scope=scope, summary=summary, drifts=drifts)
    digest = day.services.backend.blobs.put(msgspec.json.encode(body))
    run.complete(report_sha256=digest, summary=summary, cause=TESTER)
    day.services.backend.app.record(run)
    day.settle()
    return run.id


# --- GET /api/v1/drift-runs --------------------------------------------------------------


def test_drift_runs_are_listed_newest_first_filtered_and_paged(
    day: Story, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    viewer = as_role(tokens, "viewer")
    assert client.get(RUNS, headers=viewer).json() == []
    day.import_states()
    first = day.detect()
    day.failed_detection()
    last = record_report(day, DRIFTS)

    runs = client.get(RUNS, headers=viewer)
    assert runs.status_code == 200, runs.text
    listed = runs.json()
    assert len(listed) == 3
    assert listed[0]["id"] == str(last) and listed[-1]["id"] == str(first)
    assert [r["requested_at"] for r in listed] == sorted(
        (r["requested_at"] for r in listed), reverse=True
    )
    assert [r["status"] for r in listed] == ["completed", "failed", "completed"]
    # Each with its summary (from the stored report) and no findings.
    assert listed[0]["summary"]["modified"] == 3 and listed[0]["summary"]["in_sync"] == 3
    assert listed[2]["summary"]["unmanaged"] == 1
    assert listed[1]["summary"] is None and listed[1]["error"]
    assert all("drifts" not in r for r in listed)
    # The same view as the run's own route.
    assert listed[2] == client.get(f"{RUNS}/{first}", headers=viewer).json()

    completed = client.get(RUNS, params={"status": "completed"}, headers=viewer).json()
    assert [r["id"] for r in completed] == [str(last), str(first)]
    failed = client.get(RUNS, params={"status": "failed"}, headers=viewer).json()
    assert [r["status"] for r in failed] == ["failed"]
    assert client.get(RUNS, params={"status": "running"}, headers=viewer).json() == []

    page = client.get(RUNS, params={"limit": 1, "offset": 1}, headers=viewer).json()
    assert [r["id"] for r in page] == [listed[1]["id"]]
    assert client.get(RUNS, params={"offset": 3}, headers=viewer).json() == []
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"status": "retrying"}):
        assert client.get(RUNS, params=bad, headers=viewer).status_code == 400, bad
    assert client.get(RUNS).status_code == 401


# --- GET /api/v1/drift-runs/{run_id}/findings ---------------------------------------------


def findings(client: TestClient[Any], tokens: dict[str, str], run_id: UUID, **params: Any) -> Any:
    answer = client.get(
        f"{RUNS}/{run_id}/findings", params=params, headers=as_role(tokens, "viewer")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_findings_come_a_page_at_a_time_with_their_index_account_and_facets(
    day: Story, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    run_id = record_report(day, DRIFTS)
    page = findings(client, tokens, run_id)
    assert (page["run_id"], page["status"]) == (str(run_id), "completed")
    assert (page["total"], page["offset"], page["limit"]) == (6, 0, 100)
    assert [f["index"] for f in page["items"]] == list(range(6))
    assert [f["account"] for f in page["items"]] == ACCOUNTS
    # Every field of the report's finding is there, as the report has it.
    report = client.get(f"{RUNS}/{run_id}/report", headers=as_role(tokens, "viewer")).json()
    for finding, drift in zip(page["items"], report["drifts"], strict=True):
        assert {k: v for k, v in finding.items() if k not in ("index", "account")} == drift
    # Stored redacted, answered redacted.
    assert "hunter" not in str(page)
    assert page["items"][5]["changes"][0]["sensitive"] is True
    assert page["facets"] == {
        "kind": {"missing": 1, "modified": 3, "unmanaged": 1, "unobserved": 1},
        "severity": {"critical": 1, "high": 2, "low": 2, "medium": 1},
        "type": {
            "aws_db_instance": 1,
            "aws_iam_role": 1,
            "aws_s3_bucket": 1,
            "aws_vpc": 1,
            "azurerm_virtual_network": 1,
            "google_compute_network": 1,
        },
        "provider": {"aws": 4, "azurerm": 1, "google": 1},
        "account": {"111111111111": 2, "222222222222": 1, "proj-x": 1, "sub-a": 1},
        "region": {"eu-west-1": 1, "us-east-1": 2, "westeurope": 1},
    }

    # Pages keep each finding's place in the report.
    second = findings(client, tokens, run_id, limit=4, offset=4)
    assert [f["index"] for f in second["items"]] == [4, 5]
    assert (second["total"], second["limit"], second["offset"]) == (6, 4, 4)
    filtered = findings(client, tokens, run_id, provider="aws", limit=2, offset=2)
    assert [f["index"] for f in filtered["items"]] == [2, 5]
    assert filtered["total"] == 4
    assert filtered["facets"] == page["facets"]  # the whole report's, whatever the filter


@pytest.mark.parametrize(
    ("params", "indexes"),
    [
        ({"kind": "modified"}, [0, 3, 5]),
        ({"kind": "missing,unobserved"}, [2, 4]),
        ({"severity": "low"}, [1, 4]),
        ({"severity": "critical, high"}, [0, 2, 5]),
        ({"type": "aws_vpc"}, [0]),
        ({"type": "aws_vpc,aws_s3_bucket,"}, [0, 1]),
        ({"provider": "azurerm,google"}, [3, 4]),
        ({"account": "111111111111"}, [0, 5]),
        ({"account": "sub-a,proj-x"}, [3, 4]),
        ({"region": "us-east-1"}, [0, 1]),
        ({"region": "eu-west-1,westeurope"}, [3, 5]),
        ({"q": "DEPLOY"}, [2]),  # the address, ignoring case
        ({"q": "vpc"}, [0]),  # the id and the type
        ({"q": "proj-x/global"}, [4]),
        ({"q": "S3_"}, [1]),
        ({"kind": "modified", "provider": "aws", "region": "eu-west-1"}, [5]),
        ({"kind": "modified", "q": "net"}, [3]),
        ({"kind": "drifted"}, []),  # no finding has it: none match
        ({"kind": ","}, [0, 1, 2, 3, 4, 5]),  # no value given: no filter
    ],
)
def test_findings_are_filtered_by_each_dimension_several_values_and_text(
    day: Story,
    client: TestClient[Any],
    tokens: dict[str, str],
    params: dict[str, str],
    indexes: list[int],
) -> None:
    run_id = record_report(day, DRIFTS)
    page = findings(client, tokens, run_id, **params)
    assert [f["index"] for f in page["items"]] == indexes
    assert page["total"] == len(indexes)


def test_findings_of_a_real_drift_check_and_of_unknown_or_unfinished_runs(
    day: Story, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    viewer = as_role(tokens, "viewer")
    day.import_states()
    run_id = day.detect()
    page = findings(client, tokens, run_id)
    assert {(f["kind"], f["id"]) for f in page["items"]} == {
        ("modified", "vpc-1"),
        ("unmanaged", "vpc-9"),
    }
    assert page["facets"]["provider"] == {"aws": 2}
    assert page["facets"]["region"] == {"us-east-1": 2}

    # 404 like the report; a run without a report has no findings.
    unknown = client.get(f"{RUNS}/{uuid4()}/findings", headers=viewer)
    assert unknown.status_code == 404, unknown.text
    assert client.get(f"{RUNS}/{uuid4()}/report", headers=viewer).status_code == 404
    day.failed_detection()
    failed = client.get(RUNS, params={"status": "failed"}, headers=viewer).json()[0]["id"]
    empty = findings(client, tokens, UUID(failed))
    assert (empty["status"], empty["total"], empty["items"]) == ("failed", 0, [])
    assert empty["facets"] == {name: {} for name in page["facets"]}
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        answer = client.get(f"{RUNS}/{run_id}/findings", params=bad, headers=viewer)
        assert answer.status_code == 400, bad


# --- GET /api/v1/me --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "permissions"),
    [
        ("viewer", ["read"]),
        ("operator", ["command", "read"]),
        ("approver", ["approve", "read"]),
        ("auditor", ["audit", "read"]),
        ("admin", ["admin", "approve", "audit", "command", "read"]),
    ],
)
def test_me_names_the_caller_its_permissions_and_its_role(
    client: TestClient[Any], tokens: dict[str, str], role: str, permissions: list[str]
) -> None:
    answer = client.get("/api/v1/me", headers=as_role(tokens, role))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "actor": f"token:{role}",
        "permissions": permissions,
        "via": "token",
        "role": role,
    }
    assert client.get("/api/v1/me").status_code == 401


# --- GET /api/v1/audit/verify ---------------------------------------------------------------


def test_the_server_verifies_its_own_log_and_sees_a_changed_row(
    day: Story, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    day.import_states()
    day.detect()
    position = day.services.backend.app.position()

    intact = client.get("/api/v1/audit/verify", headers=as_role(tokens, "auditor"))
    assert intact.status_code == 200, intact.text
    verdict = intact.json()
    assert verdict["ok"] is True
    assert (verdict["events"], verdict["head_position"]) == (position, position)
    assert verdict["signatures_checked"] is True  # the store's key signs its checkpoints
    assert verdict["broken_at"] is None and verdict["problem"] is None
    assert len(verdict["head_hash"]) == 64 and verdict["checked_at"]
    for role in ("viewer", "operator", "approver"):
        refused = client.get("/api/v1/audit/verify", headers=as_role(tokens, role))
        assert refused.status_code == 403, (role, refused.text)

    # Someone with the database file changes one stored event's bytes.
    events = sqlite3.connect(day.services.settings.data_dir / "events.sqlite3")
    try:
        with events:
            (state,) = events.execute("SELECT state FROM stored_events WHERE rowid = 3").fetchone()
            changed = bytes([state[0] ^ 1]) + bytes(state[1:])
            events.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", (changed,))
    finally:
        events.close()
    broken = client.get("/api/v1/audit/verify", headers=as_role(tokens, "admin")).json()
    assert (broken["ok"], broken["broken_at"], broken["problem"]) == (False, 3, "changed")
    assert broken["events"] == 2
