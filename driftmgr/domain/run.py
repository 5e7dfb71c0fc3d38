"""Run: what every long-running piece of work shares — attempts, failure, retry decisions.

A run (a discovery, a drift detection) is the aggregate of its job. Workers only call
``start``/``fail``; whether and when to retry is decided here, from the attempt count.
``Started`` and ``Failed`` are recorded under this class's topics for every kind of run,
so the jobs view follows all of them with one rule.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate

__all__ = [
    "TERMINAL",
    "CancellationRequest",
    "RetryPolicy",
    "Run",
    "RunNotRunnable",
    "RunStatus",
]

_CANCELLATION_NAMESPACE = UUID("8a1c4d0e-3f2b-4c6d-9e8f-63616e63656c")

RunStatus = Literal["requested", "running", "retrying", "completed", "failed", "cancelled"]

TERMINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


class RunNotRunnable(DomainError):
    """A run was asked to do something its status does not allow (e.g. start twice)."""


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Exponential backoff with jitter, capped, for a bounded number of attempts."""

    max_attempts: int = 3
    base_seconds: float = 2.0
    cap_seconds: float = 300.0

    def next_attempt_at(
        self, attempt: int, now: datetime, rng: random.Random | None = None
    ) -> datetime | None:
        """When attempt ``attempt + 1`` may start, or None when attempts are used up."""
        if attempt >= self.max_attempts:
            return None
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        delay = (rng or random).uniform(ceiling / 2, ceiling)
        return now + timedelta(seconds=delay)


class Run(DriftmgrAggregate):
    """Base of run aggregates.

    Subclasses define the ``Requested`` creation event and call :meth:`_init_run` from it.
    (No class-level annotations here: eventsourcing would turn them into event fields.)
    """

    class Started(DriftmgrAggregate.Event):
        attempt: int
        worker: str
        lease_until: datetime | None = None
        """Until when ``worker`` holds the job (its claim), so that the jobs view keeps
        the lease when this attempt follows a lost one in the same save (ADR 0019)."""

    class Failed(DriftmgrAggregate.Event):
        error: str
        retry_at: datetime | None
        gave_up: str | None = None
        """Why there is no further attempt (retry_at None): the job is dead-lettered."""

    class Requeued(DriftmgrAggregate.Event):
        """Someone asked a dead-lettered run for one more attempt."""

    class Cancelled(DriftmgrAggregate.Event):
        pass

    def _init_run(self, priority: int, actor: str, correlation_id: UUID) -> None:
        self.requested_by = actor
        self.correlation_id = correlation_id
        """Events recorded while working on this run carry the request's correlation id."""
        self.status: RunStatus = "requested"
        self.attempt = 0
        self.priority = priority
        self.error: str | None = None
        self.gave_up: str | None = None
        """Why a failed run is not retried (dead-lettered); None while it may be."""

    @property
    def kind(self) -> str:
        return type(self).__name__

    def check_is_running(self) -> None:
        if self.status != "running":
            raise RunNotRunnable(f"{self.kind} {self.id} is {self.status}, not running")

    def start(self, *, worker: str, cause: Cause, lease_until: datetime | None = None) -> None:
        if self.status not in ("requested", "retrying"):
            raise RunNotRunnable(f"{self.kind} {self.id} is {self.status}; it cannot start")
        self._started(
            attempt=self.attempt + 1, worker=worker, lease_until=lease_until, **cause.fields()
        )

    @event(Started)
    def _started(
        self,
        attempt: int,
        worker: str,
        actor: str,
        correlation_id: UUID,
        lease_until: datetime | None = None,
    ) -> None:
        self.status = "running"
        self.attempt = attempt
        self.error = None
        self.on_started()

    def on_started(self) -> None:
        """Reset what a new attempt recomputes. Runs inside the Started event: assign only."""

    def fail(
        self,
        *,
        error: str,
        retry_at: datetime | None,
        cause: Cause,
        gave_up: str | None = None,
    ) -> None:
        """End this attempt: retried at ``retry_at``, or never (dead-lettered, ``gave_up``
        saying why: a permanent error, the attempts used up)."""
        if self.status in TERMINAL:
            raise RunNotRunnable(f"{self.kind} {self.id} is already {self.status}")
        if retry_at is None and gave_up is None:
            gave_up = "not retried"
        self._failed(
            error=error,
            retry_at=retry_at,
            gave_up=None if retry_at is not None else gave_up,
            **cause.fields(),
        )

    @event(Failed)
    def _failed(
        self,
        error: str,
        retry_at: datetime | None,
        actor: str,
        correlation_id: UUID,
        gave_up: str | None = None,
    ) -> None:
        self.error = error
        self.status = "retrying" if retry_at is not None else "failed"
        self.gave_up = gave_up

    def requeue(self, cause: Cause) -> None:
        """One more attempt for a dead-lettered run (failed for good), now; should it
        fail again, it is dead-lettered again (its attempts stay used up)."""
        if self.status != "failed":
            raise RunNotRunnable(
                f"{self.kind} {self.id} is {self.status}: only a failed run can be retried"
            )
        self._requeued(**cause.fields())

    @event(Requeued)
    def _requeued(self, actor: str, correlation_id: UUID) -> None:
        self.status = "retrying"
        self.gave_up = None

    def cancel(self, cause: Cause) -> None:
        """Cancel a run that is not running; a running one is stopped by its worker, which
        then calls :meth:`confirm_cancelled` (see :class:`CancellationRequest`)."""
        if self.status in TERMINAL:
            raise RunNotRunnable(f"{self.kind} {self.id} is already {self.status}")
        if self.status == "running":
            raise RunNotRunnable(f"{self.kind} {self.id} is running: request its cancellation")
        self._cancelled(**cause.fields())

    def confirm_cancelled(self, cause: Cause) -> None:
        self.check_is_running()
        self._cancelled(**cause.fields())

    @event(Cancelled)
    def _cancelled(self, actor: str, correlation_id: UUID) -> None:
        self.status = "cancelled"


class CancellationRequest(DriftmgrAggregate):
    """Someone asked a running run to stop.

    A separate aggregate, because while a run runs only its worker writes to it: the
    request cannot collide with the worker's own events, and the worker, seeing it through
    the jobs view, stops at its next step and records ``Cancelled`` on the run itself.
    """

    class Requested(DriftmgrAggregate.Created):
        run_id: UUID

    @staticmethod
    def create_id(run_id: UUID) -> UUID:
        return uuid5(_CANCELLATION_NAMESPACE, str(run_id))

    @event(Requested)
    def __init__(self, run_id: UUID, actor: str, correlation_id: UUID) -> None:
        self.run_id = run_id
