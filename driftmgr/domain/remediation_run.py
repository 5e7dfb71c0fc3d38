"""RemediationRun: the job that applies a plan, or rolls it back.

The job is its own aggregate so that it shares the run machinery (leases, attempts,
backoff, cancellation) with discoveries and drift runs; what it does is recorded on the
plan itself, which is what reviewers read and what rollback replays.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DriftmgrAggregate
from driftmgr.domain.run import Run

__all__ = ["RemediationMode", "RemediationRun"]

RemediationMode = Literal["apply", "rollback"]


class RemediationRun(Run):
    class Requested(DriftmgrAggregate.Created):
        plan_id: UUID
        mode: RemediationMode
        priority: int

    class Completed(DriftmgrAggregate.Event):
        pass

    @classmethod
    def request(
        cls, *, plan_id: UUID, mode: RemediationMode, cause: Cause, priority: int = 10
    ) -> RemediationRun:
        return cls(plan_id=plan_id, mode=mode, priority=priority, **cause.fields())

    @event(Requested)
    def __init__(
        self, plan_id: UUID, mode: RemediationMode, priority: int, actor: str, correlation_id: UUID
    ) -> None:
        self.plan_id = plan_id
        self.mode: RemediationMode = mode
        self._init_run(priority, actor, correlation_id)

    def complete(self, cause: Cause) -> None:
        self.check_is_running()
        self._completed(**cause.fields())

    @event(Completed)
    def _completed(self, actor: str, correlation_id: UUID) -> None:
        self.status = "completed"
