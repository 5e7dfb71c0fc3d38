"""The state endpoints over HTTP; every response body is checked for sensitive values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings
from tests.e2e.conftest import guard_responses

STATES = Path(__file__).parents[1] / "data" / "terraform" / "states"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    # A server (the default source policy) whose operator lets it read under tmp_path.
    settings = Settings(data_dir=tmp_path / "store", state_roots=(tmp_path,))
    services: Services = bootstrap(settings)
    app = create_app(services, auth=LocalTrust(actor="api@test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield guard_responses(client)
    services.close()


def imported(client: TestClient[Any], name: str) -> dict[str, Any]:
    body = {
        "source": f"tfstate:///srv/{name}.tfstate",
        "content": (STATES / f"{name}.tfstate").read_text(),
    }
    accepted = client.post("/api/v1/states", json=body)
    assert accepted.status_code == 202, accepted.text
    result: dict[str, Any] = accepted.json()
    assert result["ids"] == [result["id"]]
    return result


def test_every_state_endpoint_answers_without_a_sensitive_value(
    client: TestClient[Any], tmp_path: Path
) -> None:
    default, staging = imported(client, "default"), imported(client, "staging")
    wait = {"min_position": staging["position"]}

    listed = client.get("/api/v1/states", params=wait).json()
    assert {s["source"] for s in listed} == {
        "tfstate:///srv/default.tfstate",
        "tfstate:///srv/staging.tfstate",
    }
    shown = client.get(f"/api/v1/states/{default['id']}").json()
    assert shown["summary"]["serial"] == 10
    assert {o["name"]: o["value"] for o in shown["outputs"]}["db_password"] == "(sensitive)"
    versions = client.get(f"/api/v1/states/{default['id']}/versions").json()
    assert [v["serial"] for v in versions] == [10]

    analysis = client.get(f"/api/v1/states/{default['id']}/analysis").json()
    assert analysis["resource_count"] == 9
    dot = client.get(f"/api/v1/states/{default['id']}/graph", params={"format": "dot"})
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert dot.text.startswith("digraph")
    mermaid = client.get(f"/api/v1/states/{default['id']}/graph", params={"format": "mermaid"})
    assert mermaid.text.startswith("flowchart")
    graph = client.get(f"/api/v1/states/{default['id']}/graph", params={"format": "json"})
    assert set(graph.json()) == {"nodes", "edges", "cycles"}
    radius = client.get(
        f"/api/v1/states/{default['id']}/blast-radius", params={"address": "aws_vpc.main"}
    ).json()
    assert "aws_subnet.main" in radius["dependents"]

    totals = client.get("/api/v1/states/analysis").json()
    assert (totals["state_count"], totals["resource_count"]) == (2, 18)
    only_default = client.get("/api/v1/states/analysis", params={"ids": [default["id"]]})
    assert only_default.json()["resource_count"] == 9

    comparison = client.get(
        "/api/v1/states/compare", params={"a": default["id"], "b": staging["id"]}
    ).json()
    outputs = {c["path"]: c for c in comparison["output_changes"]}
    assert outputs["db_password"]["expected"] == "(sensitive)"

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "terraform.tfstate").write_text((STATES / "default.tfstate").read_text())
    found = client.post("/api/v1/states/discover", json={"path": str(tree)})
    assert found.status_code == 200, found.text
    assert [s["kind"] for s in found.json()["sources"]] == ["state_file"]


def test_state_errors_are_problem_json(client: TestClient[Any], tmp_path: Path) -> None:
    missing = client.post("/api/v1/states/discover", json={"path": str(tmp_path / "no/dir")})
    assert missing.status_code == 422 and "no such directory" in missing.json()["detail"]
    outside = client.post("/api/v1/states/discover", json={"path": "/no/such/dir"})
    assert outside.status_code == 422 and "DRIFTMGR_STATE_ROOTS" in outside.json()["detail"]
    bad_ref = client.get("/api/v1/states/compare", params={"a": "x", "b": "y"})
    assert bad_ref.status_code == 400 and "STATE_ID@SERIAL" in bad_ref.json()["detail"]
    unknown = client.get("/api/v1/states/00000000-0000-0000-0000-000000000001/analysis")
    assert unknown.status_code == 404
    bad_glob = client.post(
        "/api/v1/states", json={"source": f"tfstate://{tmp_path}/nothing/**/*.tfstate"}
    )
    assert bad_glob.status_code == 422 and "no state matches" in bad_glob.json()["detail"]
    not_allowed = client.post("/api/v1/states", json={"source": "tfstate:///nothing/**/*.tfstate"})
    assert not_allowed.status_code == 422 and "DRIFTMGR_STATE_ROOTS" in not_allowed.json()["detail"]
    not_state = client.post(
        "/api/v1/states", json={"source": "tfstate:///x.tfstate", "content": json.dumps({"a": 1})}
    )
    assert not_state.status_code == 422
