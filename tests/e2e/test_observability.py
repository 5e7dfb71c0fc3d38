"""`driftmgr serve` as operations see it: /metrics, /readyz, and JSON logs that tie a
request to the job it started by one correlation id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import DRIFTMGR, Ran


@dataclass
class Served:
    url: str
    headers: dict[str, str]
    stderr: list[str] = field(default_factory=list)
    """Every stderr line, complete once the server has stopped."""


@pytest.fixture
def served_json(aws: str, data_dir: Path, driftmgr: Callable[..., Ran]) -> Iterator[Served]:
    """`driftmgr serve -v --log-format json` with an operator token; its stderr is read by a
    thread (a full pipe would stall the server) and kept for the test to inspect."""
    created = driftmgr("token", "create", "--name", "ops", "--role", "operator", "-o", "json")
    assert created.code == 0, created.stderr
    process = subprocess.Popen(
        [DRIFTMGR, "serve", "--port", "0", "-v", "--log-format", "json"],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stderr is not None
    lines: list[str] = []
    for line in process.stderr:  # blocks until the server announces itself (uvicorn, with
        lines.append(line)  # -v, says it started first)
        announced = json.loads(line)  # in JSON mode even the announcement is a record
        if "listening on" in announced["message"]:
            break
    else:
        pytest.fail("".join(lines))
    served = Served(
        url=announced["url"],
        headers={"Authorization": f"Bearer {created.json()['token']}"},
        stderr=lines,
    )
    reader = threading.Thread(target=lambda: served.stderr.extend(process.stderr or ()))
    reader.start()
    try:
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        reader.join()


def metric_families(text: str) -> dict[str, Any]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_metrics_count_requests_by_route_template_and_need_a_token(served_json: Served) -> None:
    with httpx.Client(base_url=served_json.url, headers=served_json.headers) as client:
        state_id = uuid4()
        assert client.get(f"/api/v1/states/{state_id}").status_code == 404
        assert client.get("/no/such/path").status_code == 404

        assert httpx.get(f"{served_json.url}/metrics").status_code == 401
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = metric_families(scraped.text)
    assert {
        "driftmgr_http_request_duration_seconds",
        "driftmgr_jobs",
        "driftmgr_job_queue_depth",
        "driftmgr_job_queue_oldest_age_seconds",
        "driftmgr_projection_lag_events",
        "driftmgr_events_appended",
        "driftmgr_provider_calls",
        "driftmgr_provider_throttles",
        "driftmgr_provider_retries",
        "driftmgr_state_fetch_bytes",
    } <= set(families)

    counts = {
        (s.labels["route"], s.labels["method"], s.labels["status"]): s.value
        for s in families["driftmgr_http_request_duration_seconds"].samples
        if s.name.endswith("_count")
    }
    # Under the route's template, never its raw path (one series per route, not per id).
    assert counts[("/api/v1/states/{state_id}", "GET", "4xx")] == 1
    assert counts[("unmatched", "GET", "4xx")] == 1
    assert not any(str(state_id) in route or "/no/such" in route for route, _, _ in counts)
    assert families["driftmgr_events_appended"].samples[0].value > 0  # the token's events


def test_a_requests_log_lines_and_its_jobs_share_its_correlation_id(served_json: Served) -> None:
    correlation_id = str(uuid4())
    with httpx.Client(base_url=served_json.url, headers=served_json.headers) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"

        accepted = client.post(
            "/api/v1/discoveries",
            json={"provider": "aws", "regions": ["us-east-1"], "resource_types": ["aws_sqs_queue"]},
            headers={"X-Request-ID": correlation_id},
        )
        assert accepted.status_code == 202, accepted.text
        assert accepted.headers["x-correlation-id"] == correlation_id
        run_id = accepted.json()["id"]
        finished = client.get(
            f"/api/v1/discoveries/{run_id}",
            params={"wait": 60, "min_position": accepted.json()["position"]},
        )
        assert finished.json()["status"] == "completed", finished.text

        # A malformed id is not taken over: the server makes its own and says which.
        other = client.get("/healthz", headers={"X-Correlation-Id": "not-a-uuid"})
        assert other.headers["x-correlation-id"] not in ("", correlation_id)

        families = metric_families(client.get("/metrics").text)
    jobs = {
        (s.labels["kind"], s.labels["outcome"]): s.value for s in families["driftmgr_jobs"].samples
    }
    assert jobs[("DiscoveryRun", "completed")] == 1
    calls = {s.labels["service"]: s.value for s in families["driftmgr_provider_calls"].samples}
    assert calls.get("sqs", 0) >= 1

    records = [json.loads(line) for line in served_json.stderr]  # every line is one object
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    ours = [r for r in records if r.get("correlation_id") == correlation_id]
    loggers = {r["logger"] for r in ours}
    # The request's own access line (uvicorn) and the lines its job wrote in the worker.
    assert "uvicorn.access" in loggers, ours
    job_lines = [r for r in ours if r["logger"] == "driftmgr.jobs"]
    assert {r["message"].split(": ")[-1] for r in job_lines} >= {"completed"}, ours
    assert all(r.get("job_id") == run_id for r in job_lines)
