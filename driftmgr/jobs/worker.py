"""The worker: claim a job, run it, record how it ended.

One worker runs one job at a time in its own thread. It holds a lease while it works and
renews it from a heartbeat, so a worker that dies mid-job leaves a lease that expires; the
next worker to claim that job records the loss as a failed attempt and starts it again (or,
when its cancellation was asked for meanwhile, cancels it). A worker starting on a host
first releases the leases of that host's dead worker processes, so a restart after a crash
takes their jobs over at once.

Stopping hands back a drift or discovery job in hand: it stops at its next step and is
recorded failed-to-be-retried-now, with its lease released, so the next worker or restart
starts it again without waiting for the lease. A remediation is left to finish (its steps
change the cloud) until the deadline, then to its lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.adapters.providers.base import ProviderError
from driftmgr.adapters.terraform.state import StateFormatError
from driftmgr.commands.backend import Backend
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.run import TERMINAL, CancellationRequest, Run
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.errors import CommandError
from driftmgr.jobs.discovery import run_discovery
from driftmgr.jobs.drift import run_drift_detection
from driftmgr.jobs.queue import Claim, JobQueue
from driftmgr.jobs.remediation import run_remediation
from driftmgr.jobs.state_analysis import run_state_analysis
from driftmgr.jobs.stopping import HandedBack, StopRequest
from driftmgr.jobs.telemetry import observed_job

__all__ = ["JOB_RUNNERS", "Worker"]

log = logging.getLogger(__name__)

#: ``runner(backend, run, cause, cancel)``: ``cancel`` is set when the run is to stop; the
#: runner checks it between steps and then calls ``run.confirm_cancelled``.
JobRunner = Callable[[Backend, Any, Cause, threading.Event], None]

JOB_RUNNERS: dict[type[Run], JobRunner] = {
    DriftRun: run_drift_detection,
    DiscoveryRun: run_discovery,
    RemediationRun: run_remediation,
    StateAnalysisRun: run_state_analysis,
}

#: Runs that only read the cloud: safe to stop at any step and start again elsewhere.
_HANDED_BACK_KINDS = (DriftRun, DiscoveryRun)

#: Failures that another attempt cannot fix.
_PERMANENT = (DomainError, CommandError, StateFormatError)
#: Failures whose message is already written for a user.
_EXPLAINED = (*_PERMANENT, ProviderError)


def _used_up(attempt: int, max_attempts: int) -> str:
    return f"attempt {attempt} of {max_attempts} failed, the last (DRIFTMGR_JOB_MAX_ATTEMPTS)"


def describe(error: BaseException) -> str:
    if isinstance(error, _EXPLAINED):
        return str(error)
    return f"{type(error).__name__}: {error}"


class Worker:
    def __init__(
        self,
        backend: Backend,
        queue: JobQueue,
        *,
        views_progress: PositionSignal,
        name: str | None = None,
        lease: timedelta = timedelta(seconds=30),
        poll_seconds: float = 1.0,
        shutdown_seconds: float = 20.0,
    ) -> None:
        self._backend = backend
        self._queue = queue
        self._views_progress = views_progress
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._shutdown_seconds = shutdown_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._in_hand: tuple[Claim, StopRequest] | None = None

    def _now(self) -> datetime:
        return self._backend.clock()

    def run_one(self) -> bool:
        """Claim and run one job; False when nothing is runnable now."""
        with self._lock:
            if self._stopping.is_set() and self._thread is not None:
                return False  # shutting down: take no more jobs
            claim = self._queue.claim(self.name, self._now(), self._lease)
            if claim is None:
                return False
            done, cancel = threading.Event(), StopRequest()
            self._in_hand = (claim, cancel)
        heartbeat = threading.Thread(
            target=self._heartbeat, args=(claim, done, cancel), daemon=True
        )
        heartbeat.start()
        try:
            with observed_job(self._backend.app, claim):  # its request's correlation id
                self._execute(claim, cancel)
        finally:
            with self._lock:
                self._in_hand = None
            done.set()
            heartbeat.join()
        return True

    def run_pending(self) -> int:
        """Run jobs until none is runnable; return how many ran."""
        count = 0
        while self.run_one():
            count += 1
        return count

    def _heartbeat(self, claim: Claim, done: threading.Event, cancel: threading.Event) -> None:
        """Renew the lease, and pass a cancellation request on to the running job."""
        renew_every = self._lease.total_seconds() / 3
        renewed = self._now()
        while not done.wait(self._poll_seconds):
            if not cancel.is_set() and self._queue.status(claim.job_id) == "cancelling":
                cancel.set()
            if (self._now() - renewed).total_seconds() >= renew_every:
                renewed = self._now()
                if not self._queue.renew(claim.job_id, self.name, renewed + self._lease):
                    log.warning("lost the lease on job %s", claim.job_id)
                    return

    def _execute(self, claim: Claim, cancel: StopRequest) -> None:
        app = self._backend.app
        run: Any = app.get(Run, claim.job_id)
        if run.status in TERMINAL:
            return  # the view has not caught up yet; it will mark the job done
        cause = Cause(actor=f"worker:{self.name}", correlation_id=run.correlation_id)
        policy = self._backend.retry_policy
        if run.status == "running":
            # Its worker stopped renewing the lease: that attempt is lost.
            lost = f"worker stopped responding during attempt {run.attempt}"
            inventory = self._end_inventory(run, lost, cause)
            if CancellationRequest.create_id(run.id) in app.repository:
                run.confirm_cancelled(cause)  # asked to stop while orphaned: it is over
                app.record(run, *inventory)
                return
            run.fail(
                error=lost,
                retry_at=policy.next_attempt_at(run.attempt, self._now()),
                cause=cause,
                gave_up=_used_up(run.attempt, policy.max_attempts),
            )
            if run.status == "failed":
                app.record(run, *inventory)
                return
        else:
            inventory = []
        run.start(worker=self.name, cause=cause, lease_until=claim.lease_expires_at)
        try:
            app.record(run, *inventory)
        except CommandError:
            return  # another worker started it first
        try:
            JOB_RUNNERS[type(run)](self._backend, run, cause, cancel)
        except HandedBack as error:
            run = app.get(Run, run.id)
            reason = f"attempt {run.attempt} handed back: {error}"
            inventory = self._end_inventory(run, reason, cause)
            # Retried now whatever the attempt count: a shutdown is no failure of the job.
            run.fail(error=reason, retry_at=self._now(), cause=cause)
            app.record(run, *inventory)
        except Exception as error:
            if not isinstance(error, _EXPLAINED):
                log.exception("job %s (%s) failed", run.id, claim.kind)
            run = app.get(Run, run.id)  # drop events the failed step left unsaved
            if run.status != "running":
                return  # its attempt was ended meanwhile (handed back at a deadline, cancelled)
            inventory = self._end_inventory(run, f"its drift run failed: {describe(error)}", cause)
            if cancel.is_set() and not cancel.handing_back:
                run.confirm_cancelled(cause)  # it was asked to stop anyway: no retry
                app.record(run, *inventory)
                return
            permanent = isinstance(error, _PERMANENT)
            retry_at = None if permanent else policy.next_attempt_at(run.attempt, self._now())
            gave_up = (
                "a permanent error: another attempt would fail the same way"
                if permanent
                else _used_up(run.attempt, policy.max_attempts)
            )
            run.fail(error=describe(error), retry_at=retry_at, cause=cause, gave_up=gave_up)
            app.record(run, *inventory)

    def _end_inventory(self, run: Any, reason: str, cause: Cause) -> list[DiscoveryRun]:
        """Fail the discovery a drift run's attempt left running (unsaved; record it with
        the run). It has no job of its own: nothing else would ever end it."""
        discovery_id = getattr(run, "discovery_run_id", None) if isinstance(run, DriftRun) else None
        if discovery_id is None:
            return []
        discovery = self._backend.app.get(DiscoveryRun, discovery_id)
        if discovery.status != "running":
            return []
        discovery.fail(error=reason, retry_at=None, cause=cause)
        return [discovery]

    # Background operation -------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        try:
            released = self._queue.release_dead_local()
        except Exception:
            log.exception("worker %s could not release dead workers' leases", self.name)
        else:
            if released:
                log.info("took over %d job(s) of worker processes that died", released)
        self._thread = threading.Thread(target=self._run, name=f"worker-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming jobs; hand back a drift or discovery job in hand, and wait up to
        ``timeout`` seconds (the worker's shutdown deadline by default) for it to end.

        A job still running then is released: the thread is a daemon, and the next worker
        to claim the job starts it again (a remediation only once its lease expires).
        """
        deadline = self._shutdown_seconds if timeout is None else timeout
        with self._lock:
            self._stopping.set()
            in_hand = self._in_hand
        if in_hand is not None and in_hand[0].kind in {k.__name__ for k in _HANDED_BACK_KINDS}:
            in_hand[1].hand_back()
        self._views_progress.poke()
        if self._thread is not None:
            self._thread.join(deadline)
            if self._thread.is_alive():
                self._give_up(in_hand)
            self._thread = None

    def _give_up(self, in_hand: tuple[Claim, StopRequest] | None) -> None:
        """The deadline passed with the job still in a step (a call that does not return):
        end its attempt from here, so it shows retrying, not running, and release it."""
        if in_hand is not None and in_hand[1].handing_back:
            claim = in_hand[0]
            app = self._backend.app
            try:
                run: Any = app.get(Run, claim.job_id)
                if run.status == "running":
                    cause = Cause(actor=f"worker:{self.name}", correlation_id=run.correlation_id)
                    reason = (
                        f"attempt {run.attempt} handed back: the worker shut down before its "
                        f"step ended ({self._shutdown_seconds:g} s)"
                    )
                    inventory = self._end_inventory(run, reason, cause)
                    run.fail(error=reason, retry_at=self._now(), cause=cause)
                    app.record(run, *inventory)
            except CommandError:
                pass  # the job itself recorded something just now: its lease says the rest
            self._queue.release(claim.job_id, self.name)
            log.warning("worker %s stopped before its job ended; handed it back", self.name)
        else:
            log.warning(
                "worker %s stopped with a job still running; it is retried once its lease expires",
                self.name,
            )

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self.run_one():
                    continue
            except Exception:
                log.exception("worker %s could not claim a job", self.name)
            self._views_progress.wait_beyond(
                self._views_progress.position, self._wait_seconds(), until=self._stopping.is_set
            )

    def _wait_seconds(self) -> float:
        due = self._queue.next_due()
        if due is None:
            return self._poll_seconds
        # A floor keeps a due-but-leased retry from turning this into a busy loop.
        return max(0.05, min(self._poll_seconds, (due - self._now()).total_seconds()))
