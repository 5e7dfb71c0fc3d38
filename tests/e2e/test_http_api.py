"""The same drift check over HTTP: litestar's TestClient, and `driftmgr serve` + --api-url."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest
from demo.aws_drift import REGION, apply, drift_out_of_band, terraform_state
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust, ServerAuth
from driftmgr.settings import Settings
from tests.e2e.conftest import DRIFTMGR, Ran, assert_matches_contract, guard_responses, kinds

#: A client cannot name its actor: the server records the token's name instead.
HEADERS = {"X-Driftmgr-Actor": "mallory"}


@pytest.fixture
def services(aws: str, tmp_path: Path) -> Iterator[Services]:
    services = bootstrap(Settings(data_dir=tmp_path / "store"))
    yield services
    services.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient[Any]]:
    """The server's app (bearer tokens required), as an operator token named ``api``."""
    issued = create_token(
        services.backend, CreateToken(name="api", role="operator"), Cause(actor="test")
    )
    services.projections.wait(issued.position)
    app = create_app(services, auth=ServerAuth())
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {issued.token}"
        yield guard_responses(client)


def test_drift_check_over_http_matches_the_contract_and_plans_a_remediation(
    client: TestClient[Any],
) -> None:
    world = apply("http")
    expected = drift_out_of_band(world)  # the state predates the out-of-band changes
    state = {
        "source": "tfstate:///srv/prod/terraform.tfstate",
        "content": json.dumps(terraform_state_before(world)),
    }

    accepted = client.post(
        "/api/v1/drift-runs",
        headers=HEADERS,
        json={"provider": "aws", "regions": [REGION], "states": [state]},
    )
    assert accepted.status_code == 202, accepted.text
    run = accepted.json()
    assert set(run) == {"id", "position"}

    status = client.get(
        f"/api/v1/drift-runs/{run['id']}", params={"min_position": run["position"], "wait": 30}
    ).json()
    assert status["status"] == "completed", status
    assert status["requested_by"] == "token:api"

    report = assert_matches_contract(client.get(f"/api/v1/drift-runs/{run['id']}/report").json())
    assert kinds(report) == expected
    assert report["summary"] == status["summary"]

    planned = client.post(
        "/api/v1/remediation-plans", headers=HEADERS, json={"drift_run_id": run["id"]}
    )
    assert planned.status_code == 202, planned.text
    plan = client.get(
        f"/api/v1/remediation-plans/{planned.json()['id']}",
        params={"min_position": planned.json()["position"]},
    ).json()
    # The default strategy of each kind (modified, missing, unmanaged).
    assert {a["strategy"] for a in plan["actions"]} == {"revert", "forget", "import"}
    assert len(plan["preview"]) == len(report["drifts"])

    resources = client.get("/api/v1/resources", params={"type": "aws_instance"}).json()
    assert resources["total"] == 2
    assert all(r["age_seconds"] >= 0 for r in resources["resources"])


def terraform_state_before(world: Any) -> dict[str, Any]:
    """The state as Terraform wrote it before anyone touched the account."""
    document = terraform_state(world)
    for resource in document["resources"]:
        for instance in resource["instances"]:
            attributes = instance["attributes"]
            if resource["type"] == "aws_instance" and instance.get("index_key") == 0:
                attributes["instance_type"] = "t3.micro"
            if resource["type"] == "aws_vpc":
                attributes["tags"]["Owner"] = attributes["tags_all"]["Owner"] = "platform"
            if resource["type"] == "aws_security_group":
                attributes["ingress"] = [r for r in attributes["ingress"] if r["from_port"] != 22]
    document["resources"].append(
        {
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "data",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {
                    "index_key": "assets",
                    "schema_version": 0,
                    "attributes": {
                        "id": world.buckets["assets"],
                        "bucket": world.buckets["assets"],
                        "arn": f"arn:aws:s3:::{world.buckets['assets']}",
                        "region": REGION,
                        "tags": {"Data": "assets"},
                        "tags_all": {"Data": "assets"},
                    },
                }
            ],
        }
    )
    return document


def test_errors_are_problem_json_with_a_status_that_says_what_went_wrong(
    client: TestClient[Any], services: Services
) -> None:
    start = services.backend.app.position()  # the client's token
    malformed = client.post("/api/v1/states", json={"source": "tfstate:///x", "content": "{"})
    assert malformed.status_code == 422
    assert malformed.headers["content-type"].startswith("application/problem+json")
    assert "not valid JSON" in malformed.json()["detail"]

    unknown = client.post(
        "/api/v1/drift-runs", json={"provider": "oracle", "regions": ["x"], "states": []}
    )
    assert unknown.status_code == 422 and "unknown provider 'oracle'" in unknown.json()["detail"]

    shapeless = client.post(
        "/api/v1/drift-runs", content=b"[1, 2]", headers={"Content-Type": "application/json"}
    )
    assert shapeless.status_code == 400 and shapeless.json()["title"] == "Malformed request"

    missing = client.get("/api/v1/drift-runs/00000000-0000-0000-0000-000000000000/report")
    assert missing.status_code == 404

    # A position no command returned (beyond the log) is refused at once, not waited for.
    beyond = client.get(
        "/api/v1/drift-runs/00000000-0000-0000-0000-000000000000", params={"min_position": 10**9}
    )
    assert beyond.status_code == 409 and "beyond the newest event" in beyond.json()["detail"]
    assert services.backend.app.position() == start  # nothing above recorded anything


def test_planning_a_run_that_has_not_finished_is_a_conflict(
    client: TestClient[Any], services: Services
) -> None:
    services.stop()  # no worker: the run stays requested
    world = apply("conflict")
    accepted = client.post(
        "/api/v1/drift-runs",
        json={
            "provider": "aws",
            "regions": [REGION],
            "states": [{"source": "tfstate:///c", "content": json.dumps(terraform_state(world))}],
        },
    )
    plan = client.post("/api/v1/remediation-plans", json={"drift_run_id": accepted.json()["id"]})
    assert plan.status_code == 409
    assert "requested" in plan.json()["detail"]


def test_openapi_schema_and_health_are_served(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json").json()
    for path in (
        "/api/v1/drift-runs",
        "/api/v1/drift-runs/{run_id}/report",
        "/api/v1/states",
        "/api/v1/discoveries",
        "/api/v1/resources",
        "/api/v1/remediation-plans",
    ):
        assert path in schema["paths"], path
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["projection_error"] is None


@pytest.fixture
def server(
    aws: str, data_dir: Path, driftmgr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """`driftmgr serve` in a subprocess on a free port; yields its URL once it says so.

    A token is created on the store first, and the CLI sends it (DRIFTMGR_TOKEN)."""
    created = driftmgr("token", "create", "--name", "e2e", "--role", "operator", "-o", "json")
    assert created.code == 0, created.stderr
    monkeypatch.setenv("DRIFTMGR_TOKEN", created.json()["token"])
    process = subprocess.Popen(
        [DRIFTMGR, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # blocks until the server announces itself
    assert "listening on" in line, line
    yield line.split("listening on ", 1)[1].split()[0]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_cli_against_a_running_server_gives_the_same_report(
    server: str, driftmgr: Callable[..., Ran], tmp_path: Path, data_dir: Path
) -> None:
    world = apply("served")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    expected = drift_out_of_band(world)
    result = driftmgr(
        "--api-url",
        server,
        "drift",
        "detect",
        "--state",
        str(state),
        "--provider",
        "aws",
        "--region",
        REGION,
        "--output",
        "json",
    )
    assert result.code == 2, result.stderr
    report = result.report()
    assert kinds(report) == expected
    again = driftmgr("--api-url", server, "drift", "report", report["run_id"], "--output", "json")
    assert again.report() == report


def test_report_cli_table_and_http_show_the_same_numbers_for_one_run(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path, data_dir: Path
) -> None:
    import re

    from driftmgr.domain.drift_run import DriftRun

    world = apply("numbers")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    drift_out_of_band(world)
    cli = driftmgr(
        "drift",
        "detect",
        "--state",
        str(state),
        "--provider",
        "aws",
        "--region",
        REGION,
        "--output",
        "json",
    )
    report = cli.report()
    summary = report["summary"]

    table = driftmgr("drift", "report", report["run_id"]).stdout
    counts = re.search(
        r"(\d+) resources: (\d+) in sync, (\d+) modified, (\d+) missing, "
        r"(\d+) unmanaged, (\d+) unobserved \((\d+) ignored\)",
        table,
    )
    scores = re.search(r"Coverage ([\d.]+)%, compliance score ([\d.]+)", table)
    assert counts and scores, table
    assert [int(n) for n in counts.groups()] == [
        summary[k]
        for k in ("total", "in_sync", "modified", "missing", "unmanaged", "unobserved", "ignored")
    ]
    assert [float(n) for n in scores.groups()] == [summary["coverage"], summary["compliance_score"]]

    services = bootstrap(Settings(data_dir=data_dir))
    try:
        app = create_app(services, auth=LocalTrust(actor="e2e@test"))
        with TestClient(app, raise_server_exceptions=False) as client:
            over_http = assert_matches_contract(
                client.get(f"/api/v1/drift-runs/{report['run_id']}/report").json()
            )
            run_view = client.get(f"/api/v1/drift-runs/{report['run_id']}").json()
        assert over_http == report
        assert run_view["summary"] == summary
        recorded = services.backend.app.get(DriftRun, UUID(report["run_id"]))
        assert msgspec.to_builtins(recorded.summary) == summary
    finally:
        services.close()
