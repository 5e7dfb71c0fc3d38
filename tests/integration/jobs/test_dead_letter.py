"""Dead letters: a job whose last attempt failed is parked with the reason no attempt is left,
listed as such, and can be given one more attempt (issue 14, item 3)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import msgspec
import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.runs import RetryRun, retry_run
from driftmgr.domain.base import Cause
from driftmgr.errors import Conflict, InvalidCommand
from driftmgr.queries.jobs import ListJobsQuery, list_jobs
from driftmgr.settings import Settings
from tests.integration.jobs.test_worker import Clock, request_drift_run, run
from tests.support.fakes import FakeCloud, vpc

CAUSE = Cause(actor="tester")
ATTEMPTS = 2


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud([vpc("vpc-1")])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(store_settings: Settings, cloud: FakeCloud, clock: Clock) -> Iterator[Services]:
    settings = msgspec.structs.replace(store_settings, job_max_attempts=ATTEMPTS)
    services = bootstrap(settings, providers={"aws": lambda: cloud}, clock=clock)
    yield services
    services.close()


def jobs(services: Services, **filters: object) -> list[tuple[str, str, int, str | None]]:
    services.projections.catch_up()
    views = asyncio.run(list_jobs(services.read, ListJobsQuery(**filters)))  # type: ignore[arg-type]
    return [(str(v.id), v.status, v.attempt, v.dead_letter) for v in views]


def exhaust(services: Services, clock: Clock) -> None:
    for _ in range(ATTEMPTS):
        services.projections.catch_up()
        services.worker.run_pending()
        clock.advance(seconds=services.backend.retry_policy.cap_seconds)


def test_a_job_out_of_attempts_is_dead_lettered_with_the_reason(
    services: Services, cloud: FakeCloud, clock: Clock
) -> None:
    cloud.fail_scans = 99
    run_id = request_drift_run(services)
    exhaust(services, clock)

    assert services.backend.retry_policy.max_attempts == ATTEMPTS  # the setting reached it
    ((job_id, status, attempt, reason),) = jobs(services, dead_letter=True)
    assert (job_id, status, attempt) == (str(run_id), "failed", ATTEMPTS)
    assert reason is not None and f"attempt {ATTEMPTS} of {ATTEMPTS}" in reason
    assert run(services, run_id).gave_up == reason
    assert jobs(services, dead_letter=False) == []


def test_a_permanent_error_is_dead_lettered_at_once_saying_so(
    store_settings: Settings, cloud: FakeCloud, clock: Clock
) -> None:
    broken = False

    def provider(**_: object) -> FakeCloud:
        if broken:  # the request was accepted; the job then finds the provider unusable
            raise InvalidCommand("the provider's configuration was removed")
        return cloud

    services = bootstrap(store_settings, providers={"aws": provider}, clock=clock)
    try:
        run_id = request_drift_run(services)
        broken = True
        services.worker.run_pending()
        ((job_id, status, attempt, reason),) = jobs(services, dead_letter=True)
    finally:
        services.close()
    assert (job_id, status, attempt) == (str(run_id), "failed", 1)
    assert reason is not None and reason.startswith("a permanent error")


def test_retrying_a_dead_letter_gives_it_one_more_attempt(
    services: Services, cloud: FakeCloud, clock: Clock
) -> None:
    cloud.fail_scans = ATTEMPTS  # fails every attempt it has, and would pass the next one
    run_id = request_drift_run(services)
    exhaust(services, clock)
    assert run(services, run_id).status == "failed"

    retry_run(services.backend, RetryRun(run_id=run_id), CAUSE)
    assert jobs(services, dead_letter=True) == []
    assert services.worker.run_pending() == 1
    final = run(services, run_id)
    assert (final.status, final.attempt) == ("completed", ATTEMPTS + 1)
    ((_, status, _, reason),) = jobs(services)
    assert (status, reason) == ("completed", None)


def test_only_a_failed_run_can_be_retried(services: Services) -> None:
    run_id = request_drift_run(services)
    with pytest.raises(Conflict, match="only a failed run can be retried"):
        retry_run(services.backend, RetryRun(run_id=run_id), CAUSE)
    services.worker.run_pending()
    with pytest.raises(Conflict, match="completed"):
        retry_run(services.backend, RetryRun(run_id=run_id), CAUSE)
