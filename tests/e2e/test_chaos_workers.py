"""Chaos: three `driftmgr worker` processes on one PostgreSQL database run 200 drift jobs
against moto while workers are killed with SIGKILL twenty times (issue 14, acceptance 1).

Every job must complete exactly once, counted in the events themselves: one ``Completed``
per drift run, none lost, none left running; the killed attempts are visible as retries.
Workers are replaced as they die, as a process supervisor would.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.utils import get_topic

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.run import Run
from driftmgr.projections.jobs import jobs_table
from driftmgr.settings import Settings
from tests.e2e.conftest import DRIFTMGR
from tests.support.fakes import state_with_vpcs

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

JOBS = 200
WORKERS = 3
KILLS = 20
SEED = 14


class Workers:
    """`driftmgr worker` processes, each started and awaited until it says it runs jobs."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self._env = env
        self._log_dir = log_dir
        self.live: dict[int, subprocess.Popen[str]] = {}
        self._started = 0

    def start(self) -> None:
        self._started += 1
        log = self._log_dir / f"worker-{self._started}.log"
        process = subprocess.Popen(
            [DRIFTMGR, "worker"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=self._env,
        )
        assert process.stderr is not None
        line = process.stderr.readline()  # blocks until the worker announces itself
        assert "running jobs" in line, line
        # Keep draining its stderr into a log, so that the pipe never fills and blocks it.
        threading.Thread(target=_drain, args=(process.stderr, log), daemon=True).start()
        self.live[process.pid] = process

    def kill(self, pid: int) -> None:
        process = self.live.pop(pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> list[int]:
        for process in self.live.values():
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=90) for process in self.live.values()]


def _drain(stream: IO[str], path: Path) -> None:
    with path.open("w") as log:
        for line in stream:
            log.write(line)


@pytest.fixture
def settings(postgres_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DRIFTMGR_DATABASE_URL", postgres_url)
    return Settings.from_env()


@pytest.fixture
def observer(settings: Settings) -> Iterator[Services]:
    """The test's own view of the store: it submits jobs and reads counts, and neither runs
    jobs nor feeds the read models (the workers do); NOTIFYs wake its waits."""
    services = bootstrap(settings)
    assert services.wakeups is not None
    services.wakeups.start()
    yield services
    services.close()


def counts(services: Services) -> Counter[str]:
    jobs = jobs_table.c
    query = sa.select(jobs.status, sa.func.count()).group_by(jobs.status)
    with services.projections.engine.connect() as conn:
        return Counter({status: n for status, n in conn.execute(query).all()})


def running_owners(services: Services) -> list[str]:
    jobs = jobs_table.c
    query = sa.select(jobs.lease_owner).where(
        jobs.status == "running", jobs.lease_owner.is_not(None)
    )
    with services.projections.engine.connect() as conn:
        return [row.lease_owner for row in conn.execute(query)]


def wait_for(services: Services, done: Callable[[Counter[str]], bool], timeout: float) -> None:
    """Block until ``done(counts)`` holds, re-reading whenever the read models move."""
    deadline = time.monotonic() + timeout
    progress = services.projections.progress
    while not done(found := counts(services)):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting; jobs by status: {dict(found)}"
        progress.wait_beyond(progress.position, min(remaining, 2.0))


def test_every_job_completes_exactly_once_through_twenty_sigkills(
    aws: str,
    boto: Callable[..., Any],
    settings: Settings,
    observer: Services,
    tmp_path: Path,
) -> None:
    vpc = boto("ec2").create_vpc(CidrBlock="10.14.0.0/16")["Vpc"]["VpcId"]
    state = state_with_vpcs((vpc, "10.14.0.0/16"))
    cause = Cause(actor="chaos@test")
    run_ids: list[UUID] = []
    for index in range(JOBS):
        command = DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            resource_types=["aws_vpc"],
            states=[StateInput(source=f"tfstate:///srv/chaos-{index % 10}.tfstate", content=state)],
        )
        run_ids.append(detect_drift(observer.backend, command, cause).id)

    env = {
        **os.environ,
        "DRIFTMGR_JOB_LEASE_SECONDS": "10",
        # Twenty kills may land on one job more than three times in the worst case; the
        # point here is that none is lost, not the attempt budget (tested elsewhere).
        "DRIFTMGR_JOB_MAX_ATTEMPTS": "25",
    }
    workers = Workers(env, tmp_path)
    rng = random.Random(SEED)
    began = time.monotonic()
    for _ in range(WORKERS):
        workers.start()
    kills_in_flight = 0  # approximate: the view may lag behind the workers
    try:
        for kill in range(KILLS):
            # Spread the kills over the run: the k-th once k/(KILLS+2) of the jobs are done.
            target = (kill + 1) * JOBS // (KILLS + 2)
            wait_for(observer, lambda c, t=target: c["completed"] >= t, timeout=600)
            holding = [
                pid
                for owner in running_owners(observer)
                if (pid := int(owner.split(":")[1])) in workers.live
            ]
            victim = rng.choice(holding) if holding else rng.choice(list(workers.live))
            kills_in_flight += bool(holding)
            workers.kill(victim)
            workers.start()  # its replacement, as a supervisor would
        wait_for(observer, lambda c: c["completed"] + c["failed"] >= JOBS, timeout=900)
        took = time.monotonic() - began
    finally:
        codes = workers.stop_all()
    assert codes == [0] * len(codes), "workers exit 0 on SIGTERM"

    app = observer.backend.app
    runs = [app.get(DriftRun, run_id) for run_id in run_ids]
    statuses = Counter(run.status for run in runs)
    completions = Counter(
        n.originator_id
        for n in app.recorder.select_notifications(
            start=0, limit=1_000_000, topics=[get_topic(DriftRun.Completed)]
        )
    )
    starts = Counter(
        n.originator_id
        for n in app.recorder.select_notifications(
            start=0, limit=1_000_000, topics=[get_topic(Run.Started)]
        )
        if n.originator_id in set(run_ids)
    )
    ids = set(run_ids)
    failures = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(
            start=0, limit=1_000_000, topics=[get_topic(Run.Failed)]
        )
        if n.originator_id in ids
    ]
    lost = sum(1 for f in failures if f.error.startswith("worker stopped responding"))
    retried = sum(1 for run_id in run_ids if starts[run_id] > 1)
    print(
        f"chaos: {JOBS} drift jobs, {WORKERS} workers, {KILLS} SIGKILLs "
        f"({kills_in_flight} of workers the jobs view showed busy) in {took:.1f} s "
        f"({JOBS / took * 60:.0f} jobs/min); {lost} attempts lost to a kill, {retried} runs "
        f"retried, {sum(starts.values())} attempts in all"
    )
    assert statuses == Counter({"completed": JOBS}), [
        (run.status, run.attempt, run.error) for run in runs if run.status != "completed"
    ]
    assert {run_id: completions[run_id] for run_id in run_ids} == dict.fromkeys(run_ids, 1)
    assert sum(completions.values()) == JOBS, "no completion of anything else, none twice"
    assert all(run.attempt == starts[run.id] for run in runs)
    assert counts(observer) == Counter({"completed": JOBS})
    # Every extra attempt is one a kill took (none failed for another reason, such as two
    # workers on one run), and the kills did land on running jobs.
    assert [f.error for f in failures if not f.error.startswith("worker stopped")] == []
    assert sum(starts.values()) - JOBS == lost > 0
