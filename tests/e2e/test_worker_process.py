"""`driftmgr serve --no-worker` beside a `driftmgr worker` (issue 14, item 3): the API runs no
job; the worker process runs what the API was asked; the queue shows it; SIGTERM ends the
worker cleanly. On PostgreSQL, as in production."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SERVE, Ran, running
from tests.support.fakes import state_with_vpcs

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_job_asked_of_an_api_without_worker_is_run_by_a_worker_process(
    aws: str,
    boto: Callable[..., Any],
    driftmgr: Callable[..., Ran],
    postgres_url: str,
) -> None:
    env = {**os.environ, "DRIFTMGR_DATABASE_URL": postgres_url}
    vpc = boto("ec2").create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    token = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json", env=env)
    assert token.code == 0, token.stderr
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    request = {
        "provider": "aws",
        "regions": ["us-east-1"],
        "resource_types": ["aws_vpc"],
        "states": [
            {
                "source": "tfstate:///srv/w.tfstate",
                "content": state_with_vpcs((vpc, "10.42.0.0/16")),
            }
        ],
    }
    with running([*SERVE, "--no-worker"], env) as (_, url):
        http = httpx.Client(base_url=url, headers=headers, timeout=90)
        accepted = http.post("/api/v1/drift-runs", json=request)
        assert accepted.status_code == 202, accepted.text
        run_id, position = accepted.json()["id"], accepted.json()["position"]
        jobs = http.get("/api/v1/jobs", params={"min_position": position}).json()
        assert [(j["id"], j["status"]) for j in jobs] == [(run_id, "requested")]

        with running(["worker"], env, ready="running jobs") as (worker, _):
            view = http.get(f"/api/v1/drift-runs/{run_id}", params={"wait": 60}).json()
            while view["status"] not in ("completed", "failed", "cancelled"):
                view = http.get(f"/api/v1/drift-runs/{run_id}", params={"wait": 60}).json()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0

        assert view["status"] == "completed", view
        listed = driftmgr(
            "jobs",
            "list",
            "-o",
            "json",
            env={**env, "DRIFTMGR_API_URL": url, "DRIFTMGR_TOKEN": token.json()["token"]},
        )
        assert listed.code == 0, listed.stderr
        (job,) = listed.json()
        assert (job["id"], job["status"], job["attempt"], job["dead_letter"]) == (
            run_id,
            "completed",
            1,
            None,
        )
        assert job["worker"] is None  # released: nobody holds a finished job
