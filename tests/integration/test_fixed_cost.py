"""What a one-resource check costs, behaviour only (benchmarks/fixed_cost.py has the numbers).

- every AWS client of a scan shares one TLS context: the CA bundle is loaded once, not once
  per client (it used to cost more than a small account's API calls);
- the scan's callback runs off the event loop, on one thread, once per outcome;
- ``drift detect -v`` says on stderr where the run's time went.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aioboto3
import pytest
from botocore.config import Config

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.adapters.providers.aws import scan as scan_module
from driftmgr.adapters.providers.aws.resilience import Resilience
from driftmgr.adapters.providers.aws.scan import Scan, SharedTlsSession
from driftmgr.cli import main
from driftmgr.domain.resources import ScanOutcome


def test_every_client_of_a_scan_shares_one_tls_context(aws: str) -> None:
    scan_module._tls_context.cache_clear()

    async def run() -> list[Any]:
        config = Config(retries={"mode": "standard", "total_max_attempts": 1})
        async with Scan(aioboto3.Session, config, Resilience(), home_region="us-east-1") as scan:
            calls = {"s3": "list_buckets", "sqs": "list_queues", "iam": "list_roles"}
            clients = []
            for service, operation in calls.items():
                client = await scan.client(service, "us-east-1")
                await scan.call(client, operation)  # a connector comes with the first request
                clients.append(client)
            return clients

    clients = asyncio.run(run())

    assert all(isinstance(c._endpoint.http_session, SharedTlsSession) for c in clients)
    loads = scan_module._tls_context.cache_info()
    assert loads.currsize == 1, "one context for the CA bundle, whatever the client count"
    assert loads.misses == 1 and loads.hits >= len(clients) - 1  # (and the account lookup)


def test_a_callers_own_http_session_class_is_kept() -> None:
    from aiobotocore.config import AioConfig
    from aiobotocore.httpxsession import HttpxSession

    mine = AioConfig(http_session_cls=HttpxSession)
    assert scan_module._client_config(mine, 4).http_session_cls is HttpxSession
    plain = scan_module._client_config(Config(connect_timeout=3), 4)
    assert plain.http_session_cls is SharedTlsSession
    assert (plain.max_pool_connections, plain.connect_timeout) == (4, 3)


def test_on_scanned_runs_off_the_event_loop_one_outcome_at_a_time(
    aws: str, boto: Callable[..., Any]
) -> None:
    boto("s3").create_bucket(Bucket="fixed-cost")
    threads: set[str] = set()
    inside = threading.Lock()
    seen: list[ScanOutcome] = []

    def on_scanned(outcome: ScanOutcome) -> None:
        assert inside.acquire(blocking=False), "two callbacks at once"
        try:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop()
                pytest.fail("the callback ran on the event loop")
            threads.add(threading.current_thread().name)
            seen.append(outcome)
        finally:
            inside.release()

    types = ["aws_s3_bucket", "aws_sqs_queue", "aws_vpc", "aws_iam_role"]
    outcomes = asyncio.run(AwsProvider().scan(["us-east-1"], types, on_scanned))

    assert sorted(seen, key=id) == sorted(outcomes, key=id)
    assert len(threads) == 1


def test_a_failing_callback_still_fails_the_scan(aws: str) -> None:
    def on_scanned(outcome: ScanOutcome) -> None:
        raise RuntimeError("the store is gone")

    with pytest.raises(RuntimeError, match="the store is gone"):
        asyncio.run(AwsProvider().scan(["us-east-1"], ["aws_sqs_queue"], on_scanned))


def test_drift_detect_verbose_says_where_the_time_went(
    aws: str, boto: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTMGR_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("DRIFTMGR_ACTOR", "tester")
    monkeypatch.delenv("DRIFTMGR_API_URL", raising=False)
    boto("s3").create_bucket(Bucket="fixed-cost")
    attributes = {"id": "fixed-cost", "bucket": "fixed-cost", "tags": {}, "tags_all": {}}
    state = tmp_path / "one.tfstate"
    state.write_text(
        json.dumps(
            {
                "version": 4,
                "terraform_version": "1.11.4",
                "serial": 1,
                "lineage": "6f1c0ad2-1b7e-4d43-9a55-9e0f3a1c2b01",
                "outputs": {},
                "resources": [
                    {
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "one",
                        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                        "instances": [{"schema_version": 0, "attributes": attributes}],
                    }
                ],
            }
        )
    )
    args = ["drift", "detect", "--state", str(state), "--provider", "aws"]
    args += ["--region", "us-east-1", "--type", "aws_s3_bucket", "-o", "json", "-v"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        pytest.raises(SystemExit) as exited,
    ):
        main(args)

    assert exited.value.code == 0, stderr.getvalue()
    assert json.loads(stdout.getvalue())["summary"]["in_sync"] == 1  # stdout: the report only
    timing = [line for line in stderr.getvalue().splitlines() if line.startswith("timing: ")]
    assert len(timing) == 3, stderr.getvalue()
    overall, run, by_service = timing
    for phase in ("start-up", "submit", "run", "report", "shutdown"):
        assert f"{phase} " in overall
    assert "listing" in run and "comparison" in run
    assert by_service.startswith("timing: listing by service") and " s3 " in by_service


def test_without_verbose_no_timing_is_printed(
    aws: str, boto: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTMGR_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("DRIFTMGR_ACTOR", "tester")
    monkeypatch.delenv("DRIFTMGR_API_URL", raising=False)
    state = tmp_path / "empty.tfstate"
    state.write_text(
        json.dumps({"version": 4, "serial": 1, "lineage": "l", "outputs": {}, "resources": []})
    )
    args = ["drift", "detect", "--state", str(state), "--provider", "aws"]
    args += ["--region", "us-east-1", "--type", "aws_sqs_queue", "-o", "json"]
    stderr = io.StringIO()
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(stderr),
        pytest.raises(SystemExit),
    ):
        main(args)

    assert "timing:" not in stderr.getvalue()
