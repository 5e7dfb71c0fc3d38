"""The workflow process manager: on the bus, it moves workflows on when what they wait for ends.

It reacts to a workflow's own ``Started`` and to the end of runs and plan decisions. Each
reaction only finds the workflow concerned and calls :func:`advance`, which decides from the
workflow's current step; so a repeated delivery (the bus is at-least-once) changes nothing,
and after a crash the undelivered events resume the workflow where it stopped.

Runs find their workflow by correlation id: every command a workflow issues carries the
workflow's id as its correlation id, and a run's job records its events under it. A plan's
decision is made by a person, under their own correlation id: it is traced to the workflow
through the drift run the plan was made from.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from driftmgr.commands.backend import Backend
from driftmgr.commands.workflows import advance
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.run import Run
from driftmgr.domain.workflow import Workflow
from driftmgr.errors import NotFound
from driftmgr.events.bus import EventBus

__all__ = ["WorkflowManager"]

_RUN_ENDINGS: tuple[type[Any], ...] = (
    Run.Failed,
    Run.Cancelled,
    DiscoveryRun.Completed,
    DriftRun.Completed,
    RemediationRun.Completed,
)
_DECISIONS: tuple[type[Any], ...] = (RemediationPlan.Approved, RemediationPlan.Rejected)


class WorkflowManager:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe_to_type(Workflow.Started, self.on_started)
        for event_type in _RUN_ENDINGS:
            bus.subscribe_to_type(event_type, self.on_run_ended)
        for event_type in _DECISIONS:
            bus.subscribe_to_type(event_type, self.on_plan_decided)

    def on_started(self, event: Workflow.Started, position: int) -> None:
        advance(self.backend, event.originator_id)

    def on_run_ended(self, event: Any, position: int) -> None:
        self._advance_if_workflow(event.correlation_id)

    def on_plan_decided(self, event: Any, position: int) -> None:
        try:
            plan = self.backend.app.get(RemediationPlan, event.originator_id)
            run = self.backend.app.get(DriftRun, plan.drift_run_id)
        except NotFound:
            return
        self._advance_if_workflow(run.correlation_id)

    def _advance_if_workflow(self, correlation_id: UUID) -> None:
        # Most runs belong to no workflow: advance() returns at once when there is none.
        advance(self.backend, correlation_id)
