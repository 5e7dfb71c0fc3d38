"""Crash recovery (issue 13): a dead worker's runs are taken over or cancelled at once, a
drift run's inventory never outlives its attempt, and a stopping worker hands its job back."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.runs import CancelRun, cancel_run
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.jobs.queue import JobQueue, local_owner_is_dead
from driftmgr.settings import Settings
from tests.integration.jobs.test_worker import Clock, request_drift_run
from tests.support.fakes import FakeCloud, vpc

CAUSE = Cause(actor="tester")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(store_settings: Settings, clock: Clock) -> Iterator[Services]:
    cloud = FakeCloud([vpc("vpc-1")])
    services = bootstrap(store_settings, providers={"aws": lambda: cloud}, clock=clock)
    yield services
    services.close()


def dead_worker_name() -> str:
    """A worker name of this host whose process has exited."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}:dead00"


def crash_mid_inventory(services: Services, clock: Clock, worker: str) -> tuple[Any, Any]:
    """A drift run claimed and started by ``worker``, its inventory started, then a kill -9."""
    run_id = request_drift_run(services)
    claim = JobQueue(services.projections.engine).claim(worker, clock(), timedelta(seconds=30))
    assert claim is not None and claim.job_id == run_id
    app = services.backend.app
    drift_run = app.get(DriftRun, run_id)
    drift_run.start(worker=worker, cause=CAUSE)
    discovery = DiscoveryRun.request(
        provider="aws",
        regions=["us-east-1"],
        resource_types=["aws_vpc"],
        drift_run_id=run_id,
        cause=CAUSE,
    )
    discovery.start(worker=f"drift-run:{run_id}", cause=CAUSE)
    drift_run.record_inventory(discovery.id, CAUSE)
    app.record(drift_run, discovery)
    services.projections.catch_up()
    return run_id, discovery.id


def test_only_dead_processes_of_this_host_are_known_dead() -> None:
    assert local_owner_is_dead(dead_worker_name())
    assert not local_owner_is_dead(f"{socket.gethostname()}:{os.getpid()}:alive0")
    assert not local_owner_is_dead(f"{socket.gethostname()}:{os.getppid()}:parent")
    assert not local_owner_is_dead("another-host:1:abc")
    assert not local_owner_is_dead("a-chosen-name")


def test_a_restart_takes_over_a_dead_processs_run_without_waiting_for_its_lease(
    services: Services, clock: Clock
) -> None:
    run_id, discovery_id = crash_mid_inventory(services, clock, dead_worker_name())
    assert services.worker.run_pending() == 0  # the lease still holds ...

    assert JobQueue(services.projections.engine).release_dead_local() == 1  # ... until a start
    assert services.worker.run_pending() == 1
    app = services.backend.app
    recovered = app.get(DriftRun, run_id)
    assert (recovered.status, recovered.attempt) == ("completed", 2)
    # The lost attempt's inventory is ended with its reason, never left running.
    lost = app.get(DiscoveryRun, discovery_id)
    assert lost.status == "failed"
    assert lost.error == "worker stopped responding during attempt 1"
    assert recovered.discovery_run_id != discovery_id


def test_a_run_whose_lease_expired_is_retried_and_its_inventory_failed(
    services: Services, clock: Clock
) -> None:
    run_id, discovery_id = crash_mid_inventory(services, clock, "worker-on-another-host")
    clock.advance(seconds=31)
    assert services.worker.run_pending() == 1
    app = services.backend.app
    assert app.get(DriftRun, run_id).status == "completed"
    assert app.get(DiscoveryRun, discovery_id).status == "failed"


def test_cancelling_an_orphaned_drift_run_cancels_it_and_its_inventory_at_once(
    services: Services, clock: Clock
) -> None:
    run_id, discovery_id = crash_mid_inventory(services, clock, dead_worker_name())
    cancel_run(services.backend, CancelRun(run_id=run_id), CAUSE)
    app = services.backend.app
    assert app.get(DriftRun, run_id).status == "cancelled"
    assert app.get(DiscoveryRun, discovery_id).status == "cancelled"
    services.projections.catch_up()
    assert services.worker.run_pending() == 0  # nothing is retried


def test_cancelling_an_orphaned_inventory_cancels_its_drift_run(
    services: Services, clock: Clock
) -> None:
    run_id, discovery_id = crash_mid_inventory(services, clock, "worker-on-another-host")
    clock.advance(seconds=31)  # the lease ran out: nobody works on it
    cancel_run(services.backend, CancelRun(run_id=discovery_id), CAUSE)
    app = services.backend.app
    assert app.get(DiscoveryRun, discovery_id).status == "cancelled"
    assert app.get(DriftRun, run_id).status == "cancelled"


def test_a_cancellation_asked_while_the_worker_may_live_is_honoured_after_its_lease(
    services: Services, clock: Clock
) -> None:
    run_id, discovery_id = crash_mid_inventory(services, clock, "worker-on-another-host")
    cancel_run(services.backend, CancelRun(run_id=run_id), CAUSE)  # lease still valid
    app = services.backend.app
    assert app.get(DriftRun, run_id).status == "running"  # asked, not yet done
    services.projections.catch_up()
    clock.advance(seconds=31)
    assert services.worker.run_pending() == 1
    assert app.get(DriftRun, run_id).status == "cancelled"
    assert app.get(DiscoveryRun, discovery_id).status == "failed"


def test_a_stopping_worker_hands_its_drift_run_back_for_an_immediate_retry(
    store_settings: Settings,
) -> None:
    cloud = FakeCloud([vpc("vpc-1")], block_after=1)
    services = bootstrap(store_settings, providers={"aws": lambda: cloud})
    try:
        run_id = request_drift_run(services)
        services.start()
        assert cloud.blocked.wait(30)  # listing; the cloud now hangs
        services.stop()  # the worker first, then the projections
        app = services.backend.app
        handed = app.get(DriftRun, run_id)
        assert handed.status == "retrying"
        assert (handed.error or "").startswith("attempt 1 handed back")
        assert handed.discovery_run_id is not None
        assert app.get(DiscoveryRun, handed.discovery_run_id).status == "failed"
        services.projections.catch_up()
        row = JobQueue(services.projections.engine)
        assert row.status(run_id) == "retrying"
        assert row.is_orphaned(run_id, services.backend.clock())  # lease released
        cloud.block_after = None
        assert services.worker.run_pending() == 1  # retried at once, no backoff
        assert app.get(DriftRun, run_id).status == "completed"
    finally:
        services.close()


def test_a_taken_over_run_keeps_its_new_workers_lease_once_projected(
    services: Services, clock: Clock
) -> None:
    # The chaos test's lost jobs: the worker that takes over a lost attempt records its
    # Failed and its own Started in one save. Projected together, the lease must stay with
    # that worker, or a third one takes the run as orphaned while it runs (and one of the
    # two then fails on a conflict).
    run_id, _ = crash_mid_inventory(services, clock, dead_worker_name())
    queue = JobQueue(services.projections.engine)
    assert queue.release_dead_local() == 1
    claim = queue.claim("taker", clock(), timedelta(seconds=30))
    assert claim is not None and claim.status == "running"
    app = services.backend.app
    run = app.get(DriftRun, run_id)
    run.fail(error="worker stopped responding during attempt 1", retry_at=clock(), cause=CAUSE)
    run.start(worker="taker", cause=CAUSE, lease_until=claim.lease_expires_at)
    app.record(run)
    services.projections.catch_up()

    assert queue.claim("third", clock(), timedelta(seconds=30)) is None
    assert queue.renew(run_id, "taker", clock() + timedelta(seconds=30))
