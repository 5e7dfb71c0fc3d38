"""`driftmgr serve` as a team's server: tokens from `driftmgr token`, and nothing without one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVE, Ran, running

STATE = (
    Path(__file__).parents[1] / "data" / "terraform" / "states" / "default.tfstate"
).read_text()


def create_token(driftmgr: Callable[..., Ran], name: str, role: str) -> dict[str, Any]:
    created = driftmgr("token", "create", "--name", name, "--role", role, "-o", "json")
    assert created.code == 0, created.stderr
    result: dict[str, Any] = created.json()
    assert set(result) == {"token", "id", "name", "role"}
    return result


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_serve_refuses_a_public_address_until_authentication_is_configured(
    driftmgr: Callable[..., Ran],
) -> None:
    refused = driftmgr("serve", "--host", "0.0.0.0", "--port", "0", timeout=60)
    assert refused.code == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert "refusing to serve on 0.0.0.0 without authentication" in lines[0]
    assert "driftmgr token create" in lines[0]

    create_token(driftmgr, "ops", "admin")
    with running([*SERVE, "--host", "0.0.0.0"], check_exit=True) as (_, url):
        port = url.rsplit(":", 1)[1]
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert health.status_code == 200


def test_a_served_api_answers_only_tokens_and_records_their_names(
    driftmgr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = create_token(driftmgr, "e2e", "operator")["token"]
    viewer = create_token(driftmgr, "watcher", "viewer")["token"]
    with (
        running(SERVE, check_exit=True) as (_, url),
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 200
        anonymous = http.get("/api/v1/states")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert http.get("/schema/openapi.json").status_code == 401

        forged = http.get("/api/v1/states", headers={**bearer(token), "Host": "evil.example"})
        assert forged.status_code == 400, forged.text

        body = {"source": "tfstate:///srv/served.tfstate", "content": STATE}
        as_viewer = http.post("/api/v1/states", json=body, headers=bearer(viewer))
        assert as_viewer.status_code == 403
        cross_site = http.post(
            "/api/v1/states",
            content=httpx.Request("POST", url, json=body).content,
            headers={**bearer(token), "Content-Type": "text/plain"},
        )
        assert cross_site.status_code == 415
        foreign = http.post(
            "/api/v1/states", json=body, headers={**bearer(token), "Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403

        accepted = http.post(
            "/api/v1/states", json=body, headers={**bearer(token), "X-Driftmgr-Actor": "mallory"}
        )
        assert accepted.status_code == 202, accepted.text
        shown = http.get(
            f"/api/v1/states/{accepted.json()['id']}",
            params={"min_position": accepted.json()["position"]},
            headers=bearer(viewer),
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["summary"]["imported_by"] == "token:e2e"

        # The CLI: without DRIFTMGR_TOKEN one line says what to do; with it, it works.
        monkeypatch.delenv("DRIFTMGR_TOKEN", raising=False)
        without = driftmgr("--api-url", url, "state", "list")
        assert without.code == 1
        assert len(without.stderr.strip().splitlines()) == 1
        assert "DRIFTMGR_TOKEN" in without.stderr and "driftmgr token create" in without.stderr
        monkeypatch.setenv("DRIFTMGR_TOKEN", token)
        listed = driftmgr("--api-url", url, "state", "list", "-o", "json")
        assert listed.code == 0, listed.stderr
        assert [s["imported_by"] for s in listed.json()] == ["token:e2e"]

        # Revoked on the store while the server runs: refused from the moment it returns.
        revoked = driftmgr("token", "revoke", "e2e", "--reason", "rotated")
        assert revoked.code == 0, revoked.stderr
        assert http.get("/api/v1/states", headers=bearer(token)).status_code == 401
        stale = driftmgr("--api-url", url, "state", "list")
        assert stale.code == 1 and "refused DRIFTMGR_TOKEN" in stale.stderr


def test_token_commands_show_a_secret_once_and_never_again(
    driftmgr: Callable[..., Ran],
) -> None:
    created = driftmgr("token", "create", "--name", "ci", "--role", "viewer")
    assert created.code == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("dmt_") and "\n" not in secret
    assert "shown this once" in created.stderr and "cannot be recovered" in created.stderr

    twice = driftmgr("token", "create", "--name", "ci", "--role", "admin")
    assert twice.code == 1 and "already named 'ci'" in twice.stderr
    bad = driftmgr("token", "create", "--name", "no spaces", "--role", "viewer")
    assert bad.code == 1 and "token name" in bad.stderr

    listed = driftmgr("token", "list", "-o", "json")
    assert listed.code == 0, listed.stderr
    assert secret not in listed.stdout
    (entry,) = listed.json()
    assert (entry["name"], entry["role"], entry["hint"]) == ("ci", "viewer", secret[-4:])
    assert entry["created_by"] == "e2e@test"
    table = driftmgr("token", "list")
    assert "ci" in table.stdout and secret not in table.stdout

    by_id = driftmgr("token", "revoke", entry["id"])
    assert by_id.code == 0, by_id.stderr
    assert driftmgr("token", "list", "-o", "json").json() == []
    (gone,) = driftmgr("token", "list", "--all", "-o", "json").json()
    assert gone["revoked_at"] and gone["revoked_by"] == "e2e@test"
    again = driftmgr("token", "revoke", "ci")
    assert again.code == 1 and "no active token named 'ci'" in again.stderr

    remote = driftmgr("--api-url", "http://127.0.0.1:9", "token", "list")
    assert remote.code == 1 and "works on the store itself" in remote.stderr
