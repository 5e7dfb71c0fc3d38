"""StateAnalysisRun: the analysis of one large state version, as a job.

Analysing tens of thousands of resources (counts, the dependency graph and its cycles) takes
seconds; an import of such a state records this run instead, in the same transaction as the
import, and answers at once. A worker then records the analysis on the state file, unless a
newer version became current meanwhile: its own analysis supersedes this one.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DriftmgrAggregate
from driftmgr.domain.run import Run

__all__ = ["ANALYSIS_PRIORITY", "StateAnalysisRun"]

_NAMESPACE = UUID("3f6e2a51-9c0d-4b7e-8a1f-616e616c7973")

#: Above drift runs (0, by default; scheduled ones too), below remediations (10). An analysis
#: takes seconds and someone who just imported is waiting to read it, so it should not wait
#: behind a backlog of drift runs that take minutes each; a remediation changes the cloud
#: while a reviewer watches, and goes first.
ANALYSIS_PRIORITY = 5


class StateAnalysisRun(Run):
    class Requested(DriftmgrAggregate.Created):
        state_id: UUID
        content_sha256: str
        resource_count: int
        priority: int

    class Completed(DriftmgrAggregate.Event):
        analysis_sha256: str | None
        """The analysis blob; None when it was not computed (the version was superseded)."""
        recorded: bool
        """Whether it was recorded on the state file (``StateFile.Analyzed``)."""
        outcome: str
        """What happened, in words: recorded, or why not."""

    @staticmethod
    def create_id(state_id: UUID, content_sha256: str) -> UUID:
        """One run per content of a state: importing that content again queues nothing new."""
        return uuid5(_NAMESPACE, f"{state_id}:{content_sha256}")

    @classmethod
    def request(
        cls,
        *,
        state_id: UUID,
        content_sha256: str,
        resource_count: int,
        cause: Cause,
        priority: int = ANALYSIS_PRIORITY,
    ) -> StateAnalysisRun:
        return cls(
            state_id=state_id,
            content_sha256=content_sha256,
            resource_count=resource_count,
            priority=priority,
            **cause.fields(),
        )

    @event(Requested)
    def __init__(
        self,
        state_id: UUID,
        content_sha256: str,
        resource_count: int,
        priority: int,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.state_id = state_id
        self.content_sha256 = content_sha256
        self.resource_count = resource_count
        self._init_run(priority, actor, correlation_id)
        self.analysis_sha256: str | None = None
        self.recorded = False
        self.outcome: str | None = None

    def complete(
        self, *, analysis_sha256: str | None, recorded: bool, outcome: str, cause: Cause
    ) -> None:
        self.check_is_running()
        self._completed(
            analysis_sha256=analysis_sha256, recorded=recorded, outcome=outcome, **cause.fields()
        )

    @event(Completed)
    def _completed(
        self,
        analysis_sha256: str | None,
        recorded: bool,
        outcome: str,
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.status = "completed"
        self.analysis_sha256 = analysis_sha256
        self.recorded = recorded
        self.outcome = outcome
