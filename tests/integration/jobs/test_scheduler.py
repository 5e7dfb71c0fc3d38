"""Schedules: each period fires exactly once, however many schedulers share the store.

Three services on one store (SQLite, and PostgreSQL with DRIFTMGR_TEST_DATABASE_URL) stand
for three worker processes; a fake clock stands for time, so periods pass without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.drift import DetectDrift, StateInput
from driftmgr.commands.schedules import (
    AddSchedule,
    RemoveSchedule,
    add_schedule,
    remove_schedule,
)
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.schedule import Schedule
from driftmgr.errors import InvalidCommand
from driftmgr.settings import Settings
from tests.integration.jobs.test_worker import Clock
from tests.support.fakes import FakeCloud, state_with_vpcs, vpc

CAUSE = Cause(actor="tester")


@pytest.fixture
def state_root(tmp_path: Path) -> Path:
    root = tmp_path / "states"
    root.mkdir()
    (root / "net.tfstate").write_text(state_with_vpcs(("vpc-1", "10.0.0.0/16")))
    return root


@pytest.fixture
def cluster(store_settings: Settings, state_root: Path) -> Iterator[list[Services]]:
    """Three processes' services on one store, their schedulers driven by the test."""
    settings = msgspec.structs.replace(store_settings, state_roots=(state_root,))
    cloud, clock = FakeCloud([vpc("vpc-1")]), Clock()
    members = [
        bootstrap(
            settings,
            providers={"aws": lambda: cloud},
            clock=clock,
            worker_name=f"w{i}",
            scheduler_poll_seconds=None,
        )
        for i in range(3)
    ]
    yield members
    for services in members:
        services.close()


def clock_of(services: Services) -> Clock:
    clock = services.backend.clock
    assert isinstance(clock, Clock)
    return clock


def detect(state_root: Path) -> DetectDrift:
    return DetectDrift(
        provider="aws",
        regions=["us-east-1"],
        states=[StateInput(source=str(state_root / "net.tfstate"))],
    )


def fire_together(cluster: list[Services]) -> list[UUID]:
    """Every scheduler's pass at once (released together by a barrier); the runs requested."""
    barrier = threading.Barrier(len(cluster))
    requested: list[list[UUID]] = [[] for _ in cluster]

    def fire(i: int) -> None:
        barrier.wait()
        requested[i] = cluster[i].scheduler.run_due()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(cluster))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [run_id for runs in requested for run_id in runs]


def recorded(services: Services, schedule_id: UUID) -> list[Schedule.Fired]:
    events = services.backend.app.events.get(schedule_id)
    return [e for e in events if isinstance(e, Schedule.Fired)]


def drift_runs_in_log(services: Services) -> list[UUID]:
    app = services.backend.app
    return [
        n.originator_id
        for n in app.recorder.select_notifications(start=1, limit=1_000_000)
        if n.topic.endswith(":DriftRun.Requested")
    ]


def test_with_three_schedulers_each_period_fires_once(
    cluster: list[Services], state_root: Path
) -> None:
    first = cluster[0]
    command = AddSchedule(every_seconds=1.0, detect=detect(state_root))
    schedule_id = add_schedule(first.backend, command, CAUSE).id
    periods = 5
    for period in range(periods):
        first.projections.catch_up()
        requested = fire_together(cluster)
        assert len(requested) == 1, f"period {period}: {requested}"
        first.projections.catch_up()
        assert fire_together(cluster) == []  # nothing more is due within the period
        clock_of(first).advance(seconds=1)

    fired = recorded(first, schedule_id)
    assert [e.period for e in fired] == list(range(periods))
    runs = drift_runs_in_log(first)
    assert len(runs) == periods
    assert sorted(runs, key=str) == sorted((e.drift_run_id for e in fired), key=str)
    # Each period's run is a real one, run by a worker like any other.
    assert first.worker.run_pending() == periods
    assert {first.backend.app.get(DriftRun, r).status for r in runs} == {"completed"}


def test_after_downtime_only_the_latest_missed_period_fires(
    cluster: list[Services], state_root: Path
) -> None:
    services = cluster[0]
    command = AddSchedule(every_seconds=60.0, detect=detect(state_root))
    schedule_id = add_schedule(services.backend, command, CAUSE).id
    services.projections.catch_up()
    assert len(services.scheduler.run_due()) == 1  # period 0, at once

    clock_of(services).advance(minutes=10, seconds=30)  # periods 1 to 10 were missed
    services.projections.catch_up()
    assert len(services.scheduler.run_due()) == 1
    services.projections.catch_up()
    assert services.scheduler.run_due() == []
    assert [e.period for e in recorded(services, schedule_id)] == [0, 10]

    clock_of(services).advance(seconds=30)  # period 11 is due at 11 minutes
    services.projections.catch_up()
    assert len(services.scheduler.run_due()) == 1
    assert [e.period for e in recorded(services, schedule_id)] == [0, 10, 11]


def test_a_removed_schedule_fires_no_more(cluster: list[Services], state_root: Path) -> None:
    services = cluster[0]
    command = AddSchedule(every_seconds=1.0, detect=detect(state_root))
    schedule_id = add_schedule(services.backend, command, CAUSE).id
    remove_schedule(services.backend, RemoveSchedule(schedule_id=schedule_id), CAUSE)
    services.projections.catch_up()
    clock_of(services).advance(seconds=5)
    assert services.scheduler.run_due() == []
    assert recorded(services, schedule_id) == []


def test_a_period_whose_state_cannot_be_read_fires_with_the_reason(
    cluster: list[Services], state_root: Path
) -> None:
    services = cluster[0]
    command = AddSchedule(every_seconds=1.0, detect=detect(state_root))
    schedule_id = add_schedule(services.backend, command, CAUSE).id
    (state_root / "net.tfstate").write_text("not a state")
    services.projections.catch_up()
    assert services.scheduler.run_due() == []
    [fired] = recorded(services, schedule_id)
    assert fired.drift_run_id is None and "net.tfstate" in (fired.error or "")
    services.projections.catch_up()
    assert services.scheduler.run_due() == []  # the period fired: it is not retried


def test_a_schedule_refuses_state_content_and_sources_outside_the_roots(
    cluster: list[Services], state_root: Path, tmp_path: Path
) -> None:
    backend = cluster[0].backend
    content = state_with_vpcs(("vpc-1", "10.0.0.0/16"))
    with_content = DetectDrift(
        provider="aws", states=[StateInput(source="tfstate:///s.tfstate", content=content)]
    )
    with pytest.raises(InvalidCommand, match="not content"):
        add_schedule(backend, AddSchedule(every_seconds=60, detect=with_content), CAUSE)
    outside = DetectDrift(provider="aws", states=[StateInput(source=str(tmp_path / "x.tfstate"))])
    with pytest.raises(InvalidCommand):
        add_schedule(backend, AddSchedule(every_seconds=60, detect=outside), CAUSE)
    too_often = AddSchedule(every_seconds=0.5, detect=detect(state_root))
    with pytest.raises(InvalidCommand, match="every 1 s or more"):
        add_schedule(backend, too_often, CAUSE)
