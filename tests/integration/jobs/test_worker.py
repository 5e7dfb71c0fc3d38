"""Jobs: claimed under a lease, retried with backoff, recovered when a worker dies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.discovery import StartDiscovery, start_discovery
from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
from driftmgr.commands.runs import CancelRun, cancel_run
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.run import CancellationRequest
from driftmgr.errors import Conflict
from driftmgr.jobs.queue import JobQueue
from driftmgr.queries.discoveries import GetDiscoveryStatusQuery, get_discovery_status
from driftmgr.queries.drift_reports import GetDriftRunQuery, get_drift_run
from driftmgr.settings import Settings
from tests.support.fakes import FakeCloud, state_with_vpcs, vpc

CAUSE = Cause(actor="tester")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud([vpc("vpc-1")])


@pytest.fixture
def services(store_settings: Settings, cloud: FakeCloud, clock: Clock) -> Iterator[Services]:
    services = bootstrap(store_settings, providers={"aws": lambda: cloud}, clock=clock)
    yield services
    services.close()


def request_drift_run(services: Services, priority: int = 0) -> Any:
    accepted = detect_drift(
        services.backend,
        DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            priority=priority,
            states=[
                StateInput(
                    source="tfstate:///s.tfstate", content=state_with_vpcs(("vpc-1", "10.0.0.0/16"))
                )
            ],
        ),
        CAUSE,
    )
    services.projections.catch_up()
    return accepted.id


def run(services: Services, run_id: Any) -> DriftRun:
    return services.backend.app.get(DriftRun, run_id)


def test_a_requested_run_is_claimed_started_and_completed(services: Services) -> None:
    run_id = request_drift_run(services)
    assert services.worker.run_pending() == 1
    finished = run(services, run_id)
    assert (finished.status, finished.attempt) == ("completed", 1)
    assert finished.summary is not None and finished.summary.in_sync == 1
    services.projections.catch_up()
    assert services.worker.run_pending() == 0


def test_a_failed_attempt_is_retried_after_its_backoff(
    services: Services, cloud: FakeCloud, clock: Clock
) -> None:
    cloud.fail_scans = 1
    run_id = request_drift_run(services)
    services.worker.run_pending()
    failed = run(services, run_id)
    assert failed.status == "retrying"
    assert "ConnectionResetError" in (failed.error or "")
    services.projections.catch_up()
    assert services.worker.run_pending() == 0  # not before its retry time
    clock.advance(seconds=services.backend.retry_policy.cap_seconds)
    assert services.worker.run_pending() == 1
    assert (run(services, run_id).status, run(services, run_id).attempt) == ("completed", 2)


def test_attempts_are_bounded_and_the_run_then_fails(
    services: Services, cloud: FakeCloud, clock: Clock
) -> None:
    cloud.fail_scans = 99
    run_id = request_drift_run(services)
    for _ in range(services.backend.retry_policy.max_attempts):
        services.projections.catch_up()
        services.worker.run_pending()
        clock.advance(seconds=services.backend.retry_policy.cap_seconds)
    final = run(services, run_id)
    assert (final.status, final.attempt) == ("failed", services.backend.retry_policy.max_attempts)


def test_a_job_whose_worker_died_is_started_again_once_its_lease_expires(
    services: Services, clock: Clock
) -> None:
    run_id = request_drift_run(services)
    queue = JobQueue(services.projections.engine)
    lease = timedelta(minutes=5)
    claim = queue.claim("dead-worker", clock(), lease)
    assert claim is not None and claim.job_id == run_id
    dying = run(services, run_id)
    dying.start(worker="dead-worker", cause=CAUSE)
    services.backend.app.record(dying)  # ... and then the process is killed
    services.projections.catch_up()

    assert services.worker.run_pending() == 0  # the lease still holds
    clock.advance(minutes=6)
    assert services.worker.run_pending() == 1
    recovered = run(services, run_id)
    assert (recovered.status, recovered.attempt) == ("completed", 2)
    events = [type(e).__qualname__ for e in services.backend.app.events.get(run_id)]
    assert events.count("Run.Started") == 2 and "Run.Failed" in events


def test_two_workers_never_hold_the_same_job(services: Services, clock: Clock) -> None:
    request_drift_run(services)
    queue = JobQueue(services.projections.engine)
    first = queue.claim("w1", clock(), timedelta(minutes=5))
    second = queue.claim("w2", clock(), timedelta(minutes=5))
    assert first is not None and second is None


def test_higher_priority_jobs_are_claimed_first(services: Services, clock: Clock) -> None:
    low = request_drift_run(services, priority=0)
    high = request_drift_run(services, priority=5)
    queue = JobQueue(services.projections.engine)
    claims = [queue.claim(f"w{n}", clock(), timedelta(minutes=5)) for n in range(2)]
    assert [c.job_id for c in claims if c] == [high, low]


def test_a_discovery_job_records_one_scan_event_per_type_and_region(
    services: Services, cloud: FakeCloud
) -> None:
    accepted = start_discovery(
        services.backend,
        StartDiscovery(
            provider="aws", regions=["us-east-1", "eu-west-1"], resource_types=["aws_vpc"]
        ),
        CAUSE,
    )
    services.projections.catch_up()
    assert services.worker.run_pending() == 1
    events = [type(e).__qualname__ for e in services.backend.app.events.get(accepted.id)]
    assert events.count("DiscoveryRun.ServiceScanned") == 2
    assert events[-1] == "DiscoveryRun.Completed"


def test_background_threads_project_and_run_work_without_being_asked(
    services: Services,
) -> None:
    services.start()
    accepted = detect_drift(
        services.backend,
        DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            states=[
                StateInput(
                    source="tfstate:///s.tfstate", content=state_with_vpcs(("vpc-1", "10.0.0.0/16"))
                )
            ],
        ),
        CAUSE,
    )
    # Wait the way clients do: on the read models moving, bounded, with no sleep.
    view = asyncio.run(
        get_drift_run(
            services.read,
            GetDriftRunQuery(
                run_id=accepted.id, min_position=accepted.position, wait_until_finished=30
            ),
        )
    )
    assert view.status == "completed"
    assert view.summary is not None and view.summary.in_sync == 1


def test_a_waiting_run_is_cancelled_at_once(services: Services) -> None:
    run_id = request_drift_run(services)
    cancel_run(services.backend, CancelRun(run_id=run_id), CAUSE)
    services.projections.catch_up()
    assert run(services, run_id).status == "cancelled"
    assert services.worker.run_pending() == 0  # nothing left to run


def test_a_running_discovery_stops_at_its_next_step_when_cancelled(
    store_settings: Settings, clock: Clock
) -> None:
    cloud = FakeCloud([vpc("vpc-1")], block_after=1)
    services = bootstrap(store_settings, providers={"aws": lambda: cloud}, clock=clock)
    try:
        services.start()
        accepted = start_discovery(
            services.backend,
            StartDiscovery(
                provider="aws",
                regions=["us-east-1", "eu-west-1", "ap-south-1"],
                resource_types=["aws_vpc"],
            ),
            CAUSE,
        )
        assert cloud.blocked.wait(30)  # the first region is listed; the cloud now hangs
        cancel_run(services.backend, CancelRun(run_id=accepted.id), CAUSE)
        status = asyncio.run(
            get_discovery_status(
                services.read,
                GetDiscoveryStatusQuery(discovery_id=accepted.id, wait_until_finished=30),
            )
        )
        assert status.status == "cancelled", status.error
        assert [s.reason for s in status.scans if not s.observed] == ["cancelled", "cancelled"]
        events = [type(e).__qualname__ for e in services.backend.app.events.get(accepted.id)]
        assert events[-1] == "Run.Cancelled"
        request = CancellationRequest.create_id(accepted.id)
        assert services.backend.app.get(CancellationRequest, request).run_id == accepted.id
    finally:
        services.close()


def test_a_finished_run_cannot_be_cancelled(services: Services) -> None:
    run_id = request_drift_run(services)
    services.worker.run_pending()
    with pytest.raises(Conflict):
        cancel_run(services.backend, CancelRun(run_id=run_id), CAUSE)


def test_a_drift_run_reuses_an_inventory_younger_than_its_limit(
    services: Services, cloud: FakeCloud, clock: Clock
) -> None:
    clock.now = datetime.now(UTC)  # scans are stamped by the event log's own clock
    start_discovery(
        services.backend,
        StartDiscovery(
            provider="aws", regions=["us-east-1"], resource_types=["aws_vpc", "aws_s3_bucket"]
        ),
        CAUSE,
    )
    services.projections.catch_up()
    services.worker.run_pending()
    services.projections.catch_up()
    assert len(cloud.scans) == 1

    def detect(max_age: float) -> DriftRun:
        accepted = detect_drift(
            services.backend,
            DetectDrift(
                provider="aws",
                regions=["us-east-1"],
                max_inventory_age=max_age,
                states=[
                    StateInput(
                        source="tfstate:///s.tfstate",
                        content=state_with_vpcs(("vpc-1", "10.0.0.0/16")),
                    )
                ],
            ),
            CAUSE,
        )
        services.projections.catch_up()
        services.worker.run_pending()
        services.projections.catch_up()
        return run(services, accepted.id)

    clock.advance(minutes=5)
    reused = detect(max_age=600)
    assert len(cloud.scans) == 1  # nothing listed again
    assert {(s.resource_type, s.region) for s in reused.reused_scans} == {
        ("aws_vpc", "us-east-1"),
        ("aws_s3_bucket", "us-east-1"),
    }
    assert reused.summary is not None and reused.summary.in_sync == 1

    clock.advance(minutes=10)
    relisted = detect(max_age=600)  # the cache is now 15 minutes old
    assert len(cloud.scans) == 2 and relisted.reused_scans == []
