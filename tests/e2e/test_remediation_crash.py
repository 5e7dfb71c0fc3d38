"""A worker killed with SIGKILL in the middle of an apply: after a restart the plan
completes, and every action took effect exactly once (moto's requests and the events)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo.aws_drift import REGION, apply, drift_out_of_band, terraform_state

from tests.e2e.conftest import SERVE, Ran, running
from tests.support.fault_proxy import Fault, FaultProxy

MODIFY = b"Action=ModifyInstanceAttribute"


@pytest.mark.slow
def test_a_killed_worker_leaves_an_apply_that_completes_with_each_effect_once(
    aws: str,
    boto: Callable[..., Any],
    driftmgr: Callable[..., Ran],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    world = apply("crash")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    drift_out_of_band(world)
    monkeypatch.setenv("DRIFTMGR_APPROVAL_SEVERITY", "none")

    detected = driftmgr(
        "drift", "detect", "--state", str(state), "--provider", "aws", "--region", REGION,
        "-o", "json",
    )  # fmt: skip
    assert detected.code == 2, detected.stderr
    run_id = detected.json()["run_id"]
    resized = "aws_instance.app[0]"
    planned = driftmgr("remediate", "plan", run_id, "--strategy", "missing=forget", "-o", "json")
    assert planned.code == 0, planned.stderr
    plan = planned.json()
    index = next(a["index"] for a in plan["actions"] if a["address"] == resized)
    token = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json")
    headers = {"Authorization": f"Bearer {token.json()['token']}"}

    with FaultProxy(aws, [Fault("hold", service="ec2", body_contains=MODIFY)]) as proxy:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": proxy.url,
            "DRIFTMGR_JOB_LEASE_SECONDS": "3",
            "DRIFTMGR_STATE_ROOTS": str(tmp_path),  # a server writes only states under these
        }
        with running(SERVE, env) as (process, url):
            started = httpx.post(
                f"{url}/api/v1/remediation-plans/{plan['id']}/apply",
                json={},
                headers=headers,
                timeout=30,
            )
            assert started.status_code == 202, started.text
            assert proxy.holding.wait(timeout=120), "the apply never reached the held call"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        # The call the dead worker made still lands: the cloud changed, no event says so.
        proxy.release()
        with running(SERVE, env) as (_, url):
            view = httpx.get(
                f"{url}/api/v1/remediation-plans/{plan['id']}",
                params={"wait": 60},
                headers=headers,
                timeout=90,
            ).json()
            while view["status"] == "applying":
                view = httpx.get(
                    f"{url}/api/v1/remediation-plans/{plan['id']}",
                    params={"wait": 60},
                    headers=headers,
                    timeout=90,
                ).json()
        modifies = proxy.requests("ec2", operation="ModifyInstanceAttribute")

    assert view["status"] == "applied", json.dumps(view, indent=2)
    assert len(modifies) == 1  # the lost attempt's call; the retry saw it had taken effect
    applied = [
        e
        for e in view["timeline"]
        if e["event"] == "ActionApplied" and f"[{index}]" in e["summary"]
    ]
    assert len(applied) == 1
    instance = boto("ec2").describe_instances(InstanceIds=[world.instance_ids[0]])
    (described,) = instance["Reservations"][0]["Instances"]
    assert described["InstanceType"] == "t3.micro"
    assert described["State"]["Name"] == "running"  # stopped to resize, started again
