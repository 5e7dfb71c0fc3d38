"""Live events from `driftmgr serve` (issue 14, acceptance 2): an SSE client follows a drift
run against moto, drops the connection midway and resumes from its last id, missing and
repeating nothing; open streams hold up neither /healthz nor a graceful stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DRIFTMGR, Ran, assert_no_secrets
from tests.support.fakes import state_with_vpcs

TERMINAL = {"Completed", "Failed", "Cancelled"}


class Sse:
    """The messages of one streamed response, read as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.iter_lines()

    def __iter__(self) -> Iterator[dict[str, str]]:
        fields: dict[str, str] = {}
        for line in self._lines:
            assert_no_secrets(line, "GET /api/v1/events")
            if not line:
                if fields:
                    yield fields
                fields = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                fields[key] = fields.get(key, "") + value.removeprefix(" ")


@pytest.fixture
def served(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran]
) -> Iterator[tuple[subprocess.Popen[str], str, dict[str, str], dict[str, Any]]]:
    vpc = boto("ec2").create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    token = driftmgr("token", "create", "--name", "ops", "--role", "admin", "-o", "json")
    assert token.code == 0, token.stderr
    request = {
        "provider": "aws",
        "regions": ["us-east-1"],
        "resource_types": ["aws_vpc"],
        "states": [
            {
                "source": "tfstate:///srv/live.tfstate",
                "content": state_with_vpcs((vpc, "10.41.0.0/16")),
            }
        ],
    }
    process = subprocess.Popen(
        [DRIFTMGR, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()  # blocks until the server announces itself
        assert "listening on" in line, line
        url = line.split("listening on ", 1)[1].split()[0]
        yield process, url, {"Authorization": f"Bearer {token.json()['token']}"}, request
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_sse_client_follows_a_drift_run_and_resumes_without_gap_or_repeat(
    served: tuple[subprocess.Popen[str], str, dict[str, str], dict[str, Any]],
) -> None:
    process, url, headers, request = served
    timeout = httpx.Timeout(10, read=120)
    with httpx.Client(base_url=url, headers=headers, timeout=timeout) as http:
        start = http.get("/healthz").json()["log_position"]
        received: list[dict[str, str]] = []
        with http.stream("GET", "/api/v1/events", params={"after": start}) as first:
            assert first.status_code == 200
            assert first.headers["content-type"].startswith("text/event-stream")
            accepted = http.post("/api/v1/drift-runs", json=request)
            assert accepted.status_code == 202, accepted.text
            run_id = str(accepted.json()["id"])
            # Midway: leave as soon as the run has been requested, long before it ends.
            for message in Sse(first):
                received.append(message)
                if json.loads(message["data"])["aggregate_id"] == run_id:
                    break
        assert not any(json.loads(m["data"])["event_type"] in TERMINAL for m in received)

        last_id = received[-1]["id"]
        with http.stream("GET", "/api/v1/events", headers={"Last-Event-ID": last_id}) as resumed:
            assert resumed.status_code == 200
            # A live stream holds up nothing else.
            assert http.get("/healthz").status_code == 200
            for message in Sse(resumed):
                received.append(message)
                event = json.loads(message["data"])
                if event["aggregate_id"] == run_id and event["event_type"] in TERMINAL:
                    break
        assert event["event_type"] == "Completed", event

        # Exactly the log's events since `start`, each once, as the audit log shows them.
        end = int(received[-1]["id"])
        audit = http.get("/api/v1/audit/events", params={"after": start, "limit": 1000}).json()
        logged = [e for e in audit["events"] if e["position"] <= end]
        positions = [int(m["id"]) for m in received]
        assert positions == [e["position"] for e in logged]
        for message, record in zip(received, logged, strict=True):
            event = json.loads(message["data"])
            assert event["data"] == record["payload"]
            assert event["event_type"] == record["event_type"]
            assert event["aggregate_type"] == record["aggregate_type"]
        assert any(e["aggregate_type"] == "DriftRun" for e in logged)

        # A graceful stop does not wait for an open, idle stream.
        with http.stream("GET", "/api/v1/events", params={"after": end}) as idle:
            assert idle.status_code == 200
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            assert list(Sse(idle)) == []
