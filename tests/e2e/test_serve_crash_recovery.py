"""`driftmgr serve` killed (SIGKILL) or stopped (SIGTERM) with a drift run in flight
against moto: its runs never stay `running` without a worker (issue 13, item 2)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.testing import TestClient

from driftmgr.bootstrap import bootstrap
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.http.app import create_app
from driftmgr.http.auth import LocalTrust
from driftmgr.settings import Settings
from tests.e2e.conftest import SERVE, Ran, running
from tests.support.fakes import state_with_vpcs
from tests.support.fault_proxy import Fault, FaultProxy

LEASE = 10.0
DESCRIBE_VPCS = b"Action=DescribeVpcs"


@pytest.fixture
def setup(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran]
) -> tuple[dict[str, str], dict[str, Any]]:
    vpc = boto("ec2").create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    token = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json")
    assert token.code == 0, token.stderr
    request = {
        "provider": "aws",
        "regions": ["us-east-1"],
        "resource_types": ["aws_vpc"],
        "states": [
            {
                "source": "tfstate:///srv/crash.tfstate",
                "content": state_with_vpcs((vpc, "10.40.0.0/16")),
            }
        ],
    }
    return {"Authorization": f"Bearer {token.json()['token']}"}, request


def until_finished(http: httpx.Client, path: str) -> dict[str, Any]:
    view: dict[str, Any] = http.get(path, params={"wait": 60}, timeout=90).json()
    while view["status"] not in ("completed", "failed", "cancelled"):
        view = http.get(path, params={"wait": 60}, timeout=90).json()
    return view


def start_held_run(proxy: FaultProxy, http: httpx.Client, request: dict[str, Any]) -> str:
    accepted = http.post("/api/v1/drift-runs", json=request, timeout=60)
    assert accepted.status_code == 202, accepted.text
    assert proxy.holding.wait(timeout=120), "the run never reached the held call"
    return str(accepted.json()["id"])


@pytest.mark.slow
def test_after_a_kill_and_a_restart_the_run_and_its_discovery_end_within_two_leases(
    aws: str, setup: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, request = setup
    with FaultProxy(aws, [Fault("hold", service="ec2", body_contains=DESCRIBE_VPCS)]) as proxy:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": proxy.url,
            "DRIFTMGR_JOB_LEASE_SECONDS": str(LEASE),
        }
        with running(SERVE, env) as (process, url):
            http = httpx.Client(base_url=url, headers=headers)
            run_id = start_held_run(proxy, http, request)
            killed_discovery = http.get(f"/api/v1/drift-runs/{run_id}", timeout=30).json()[
                "discovery_run_id"
            ]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        proxy.set_faults([])
        proxy.release()

        with running(SERVE, env) as (_, url):
            restarted = time.monotonic()
            http = httpx.Client(base_url=url, headers=headers)
            run = until_finished(http, f"/api/v1/drift-runs/{run_id}")
            took = time.monotonic() - restarted
            retried = http.get(f"/api/v1/discoveries/{run['discovery_run_id']}", timeout=30)
            first = until_finished(http, f"/api/v1/discoveries/{killed_discovery}")

    print(f"drift run completed {took:.1f} s after the restart (lease {LEASE:g} s)")
    assert run["status"] == "completed", run
    assert run["attempt"] == 2
    assert took < 2 * LEASE
    assert retried.json()["status"] == "completed"
    # The killed attempt's discovery ended with its reason, not left running.
    assert run["discovery_run_id"] != killed_discovery
    assert (first["status"], first["error"]) == (
        "failed",
        "worker stopped responding during attempt 1",
    )


@pytest.mark.slow
def test_cancelling_a_run_orphaned_by_a_kill_takes_effect_at_once(
    aws: str, setup: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, request = setup
    with FaultProxy(aws, [Fault("hold", service="ec2", body_contains=DESCRIBE_VPCS)]) as proxy:
        # A lease of 10 minutes: nothing but the cancel itself can end the run in this test.
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "DRIFTMGR_JOB_LEASE_SECONDS": "600"}
        with running(SERVE, env) as (process, url):
            http = httpx.Client(base_url=url, headers=headers)
            run_id = start_held_run(proxy, http, request)
            discovery_id = http.get(f"/api/v1/drift-runs/{run_id}", timeout=30).json()[
                "discovery_run_id"
            ]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        proxy.release()

        # The API without a worker of its own (as on another machine) is asked to cancel the
        # dead process's inventory: it used to answer 202 and change nothing.
        services = bootstrap(Settings.from_env())
        try:
            app = create_app(services, auth=LocalTrust(actor="ops@test"), run_background=False)
            with TestClient(app) as client:
                cancelled = client.post(f"/api/v1/discoveries/{discovery_id}/cancel", json={})
            assert cancelled.status_code == 202, cancelled.text
            drift_run = services.backend.app.get(DriftRun, UUID(run_id))
            discovery = services.backend.app.get(DiscoveryRun, UUID(discovery_id))
            assert (drift_run.status, discovery.status) == ("cancelled", "cancelled")
        finally:
            services.close()

        with running(SERVE, env) as (_, url):  # the restart finds nothing left to do
            http = httpx.Client(base_url=url, headers=headers)
            run = until_finished(http, f"/api/v1/drift-runs/{run_id}")
            shown = until_finished(http, f"/api/v1/discoveries/{discovery_id}")

    assert (run["status"], run["attempt"]) == ("cancelled", 1)
    assert shown["status"] == "cancelled"


@pytest.mark.slow
def test_sigterm_hands_a_running_job_back_and_exits_0_within_the_deadline(
    aws: str, setup: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, request = setup
    with FaultProxy(aws, [Fault("hold", service="ec2", body_contains=DESCRIBE_VPCS)]) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url, "DRIFTMGR_JOB_LEASE_SECONDS": "600"}
        with running(SERVE, env) as (process, url):
            http = httpx.Client(base_url=url, headers=headers)
            run_id = start_held_run(proxy, http, request)
            http.close()
            asked = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
            took = time.monotonic() - asked
        print(f"serve exited {code} {took:.1f} s after SIGTERM")
        assert code == 0
        assert took < 30  # the worker's 20 s deadline, and a margin for a loaded machine
        proxy.set_faults([])
        proxy.release()

        with running(SERVE, env) as (_, url):
            http = httpx.Client(base_url=url, headers=headers)
            # Handed back, not left running under a 10-minute lease: the restart runs it.
            run = until_finished(http, f"/api/v1/drift-runs/{run_id}")

    assert run["status"] == "completed", run
    assert run["attempt"] == 2
