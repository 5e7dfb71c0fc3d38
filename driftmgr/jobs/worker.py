"""The worker: claim a job, run it, record how it ended.

One worker runs one job at a time in its own thread. It holds a lease while it works and
renews it from a heartbeat, so a worker that dies mid-job leaves a lease that expires; the
next worker to claim that job records the loss as a failed attempt and starts it again.
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
from driftmgr.domain.run import TERMINAL, Run
from driftmgr.errors import CommandError
from driftmgr.jobs.discovery import run_discovery
from driftmgr.jobs.drift import run_drift_detection
from driftmgr.jobs.queue import Claim, JobQueue
from driftmgr.jobs.remediation import run_remediation

__all__ = ["JOB_RUNNERS", "Worker"]

log = logging.getLogger(__name__)

#: ``runner(backend, run, cause, cancel)``: ``cancel`` is set when the run is to stop; the
#: runner checks it between steps and then calls ``run.confirm_cancelled``.
JobRunner = Callable[[Backend, Any, Cause, threading.Event], None]

JOB_RUNNERS: dict[type[Run], JobRunner] = {
    DriftRun: run_drift_detection,
    DiscoveryRun: run_discovery,
    RemediationRun: run_remediation,
}

#: Failures that another attempt cannot fix.
_PERMANENT = (DomainError, CommandError, StateFormatError)
#: Failures whose message is already written for a user.
_EXPLAINED = (*_PERMANENT, ProviderError)


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
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 1.0,
    ) -> None:
        self._backend = backend
        self._queue = queue
        self._views_progress = views_progress
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _now(self) -> datetime:
        return self._backend.clock()

    def run_one(self) -> bool:
        """Claim and run one job; False when nothing is runnable now."""
        claim = self._queue.claim(self.name, self._now(), self._lease)
        if claim is None:
            return False
        done, cancel = threading.Event(), threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat, args=(claim, done, cancel), daemon=True
        )
        heartbeat.start()
        try:
            self._execute(claim, cancel)
        finally:
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

    def _execute(self, claim: Claim, cancel: threading.Event) -> None:
        app = self._backend.app
        run: Any = app.get(Run, claim.job_id)
        if run.status in TERMINAL:
            return  # the view has not caught up yet; it will mark the job done
        cause = Cause(actor=f"worker:{self.name}", correlation_id=run.correlation_id)
        policy = self._backend.retry_policy
        if run.status == "running":
            # Its worker stopped renewing the lease: that attempt is lost.
            run.fail(
                error=f"worker stopped responding during attempt {run.attempt}",
                retry_at=policy.next_attempt_at(run.attempt, self._now()),
                cause=cause,
            )
            if run.status == "failed":
                app.record(run)
                return
        run.start(worker=self.name, cause=cause)
        try:
            app.record(run)
        except CommandError:
            return  # another worker started it first
        try:
            JOB_RUNNERS[type(run)](self._backend, run, cause, cancel)
        except Exception as error:
            if not isinstance(error, _EXPLAINED):
                log.exception("job %s (%s) failed", run.id, claim.kind)
            run = app.get(Run, run.id)  # drop events the failed step left unsaved
            if cancel.is_set():
                run.confirm_cancelled(cause)  # it was asked to stop anyway: no retry
                app.record(run)
                return
            retry_at = (
                None
                if isinstance(error, _PERMANENT)
                else policy.next_attempt_at(run.attempt, self._now())
            )
            run.fail(error=describe(error), retry_at=retry_at, cause=cause)
            app.record(run)

    # Background operation -------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"worker-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop claiming jobs, and wait up to ``timeout`` seconds for the one in hand.

        A job still running then is left to its lease: the thread is a daemon, and the next
        worker to claim the job after the lease expires starts it again.
        """
        self._stopping.set()
        self._views_progress.poke()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning(
                    "worker %s stopped with a job still running; it is retried once its "
                    "lease expires",
                    self.name,
                )
            self._thread = None

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
