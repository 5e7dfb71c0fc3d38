"""Workflow: discover → detect → plan → wait for approval → apply, as one recorded process.

The definition is checked once, when the workflow starts, and stored in its ``Started``
event; every later event records where the workflow got to. The process manager
(:mod:`driftmgr.commands.workflows`) reads the current step from here to decide what to do
next, so a repeated trigger finds the step already started and starts nothing twice.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate

__all__ = [
    "CONDITIONS",
    "SEVERITIES",
    "STEPS",
    "InvalidWorkflow",
    "StepDefinition",
    "Workflow",
    "WorkflowDefinition",
    "WorkflowNotRunning",
    "WorkflowScope",
    "WorkflowStatus",
    "condition_met",
    "validate_definition",
]

StepName = Literal["discover", "detect", "plan", "approve", "apply"]
STEPS: tuple[str, ...] = ("discover", "detect", "plan", "approve", "apply")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
#: ``when:`` values: a closed vocabulary, so that a typo is refused, not read as "always".
CONDITIONS: tuple[str, ...] = ("always", "drift", *(f"severity >= {s}" for s in SEVERITIES))

WorkflowStatus = Literal["running", "waiting_for_approval", "completed", "failed", "cancelled"]
_TERMINAL = frozenset({"completed", "failed", "cancelled"})


class InvalidWorkflow(DomainError):
    """The definition cannot run as written (steps out of order, an unknown condition …)."""


class WorkflowNotRunning(DomainError):
    """The workflow has ended: it takes no more steps."""


class WorkflowScope(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the detect step compares: the options of ``drift detect``. States are sources the
    server reads when the step runs (URIs, or paths under its ``DRIFTMGR_STATE_ROOTS``)."""

    provider: str = "aws"
    regions: list[str] = []
    states: list[str] = []
    state_ids: list[UUID] = []
    resource_types: list[str] | None = None
    account_roles: list[str] = []
    tags: dict[str, str] = {}
    ignore: list[str] = []
    max_inventory_age: float | None = None


class StepDefinition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    step: StepName
    when: str = "always"
    strategies: dict[str, str] = {}
    """plan: ``KIND``, ``TYPE`` or ``ADDRESS`` → strategy (as ``remediate plan --strategy``)."""
    tf_dir: str | None = None
    """plan: the Terraform directory (needed to recreate)."""
    allow_destroy: bool = False
    continue_on_error: bool = False
    """apply: go on with the other actions after one fails."""


class WorkflowDefinition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    scope: WorkflowScope
    steps: list[StepDefinition]


def validate_definition(definition: WorkflowDefinition) -> WorkflowDefinition:
    """Check what the types cannot: the order of the steps and their conditions."""
    if not definition.name.strip():
        raise InvalidWorkflow("give the workflow a name")
    names: list[str] = [s.step for s in definition.steps]
    if not names:
        raise InvalidWorkflow("list at least one step")
    if len(set(names)) != len(names):
        raise InvalidWorkflow(f"each step runs once; repeated: {_repeated(names)}")
    if names != sorted(names, key=STEPS.index):
        raise InvalidWorkflow(f"steps run in the order {' → '.join(STEPS)}; got {', '.join(names)}")
    needs = {"plan": "detect", "approve": "plan", "apply": "plan"}
    for step in definition.steps:
        if step.step in needs and needs[step.step] not in names:
            raise InvalidWorkflow(f"the {step.step} step needs a {needs[step.step]} step before it")
        if step.when not in CONDITIONS:
            raise InvalidWorkflow(
                f"{step.step}: unknown condition {step.when!r}; use one of {', '.join(CONDITIONS)}"
            )
        if step.when != "always" and ("detect" not in names or step.step in ("discover", "detect")):
            raise InvalidWorkflow(
                f"{step.step}: a condition is decided by the drift found: only steps after "
                "detect can have one"
            )
    if "detect" in names and not (definition.scope.states or definition.scope.state_ids):
        raise InvalidWorkflow("scope: name at least one Terraform state to compare (states:)")
    return definition


def _repeated(names: list[str]) -> str:
    return ", ".join(sorted({n for n in names if names.count(n) > 1}))


def condition_met(when: str, *, drift: bool | None, severity: str | None) -> bool:
    """Whether ``when`` holds for what the detect step found (``severity``: the worst)."""
    if when == "always":
        return True
    if when == "drift":
        return bool(drift)
    wanted = when.removeprefix("severity >= ")
    return severity is not None and SEVERITIES.index(severity) >= SEVERITIES.index(wanted)


class Workflow(DriftmgrAggregate):
    class Started(DriftmgrAggregate.Created):
        name: str
        definition: dict[str, Any]

    class StepStarted(DriftmgrAggregate.Event):
        step: str
        run_id: UUID | None = None
        plan_id: UUID | None = None

    class StepCompleted(DriftmgrAggregate.Event):
        step: str
        outcome: str
        drift: bool | None = None
        severity: str | None = None

    class StepSkipped(DriftmgrAggregate.Event):
        step: str
        reason: str

    class WaitingForApproval(DriftmgrAggregate.Event):
        plan_id: UUID

    class Completed(DriftmgrAggregate.Event):
        pass

    class Failed(DriftmgrAggregate.Event):
        step: str | None
        reason: str

    @classmethod
    def start(cls, definition: WorkflowDefinition, cause: Cause) -> Workflow:
        validate_definition(definition)
        return cls(
            name=definition.name, definition=msgspec.to_builtins(definition), **cause.fields()
        )

    @event(Started)
    def __init__(
        self, name: str, definition: dict[str, Any], actor: str, correlation_id: UUID
    ) -> None:
        self.name = name
        self.definition = definition
        self.started_by = actor
        self.status: WorkflowStatus = "running"
        self.index = 0
        """The current step's place in ``definition.steps`` (their count once all are done)."""
        self.step_started = False
        self.run_id: UUID | None = None
        """The current step's run (discovery, drift run, remediation job)."""
        self.drift_run_id: UUID | None = None
        self.plan_id: UUID | None = None
        self.drift: bool | None = None
        self.severity: str | None = None
        self.error: str | None = None

    @property
    def steps(self) -> list[StepDefinition]:
        return msgspec.convert(self.definition["steps"], list[StepDefinition])

    @property
    def scope(self) -> WorkflowScope:
        return msgspec.convert(self.definition["scope"], WorkflowScope)

    @property
    def current(self) -> StepDefinition | None:
        """The step to start or to finish; None once every step is done."""
        steps = self.steps
        return steps[self.index] if self.index < len(steps) else None

    @property
    def is_over(self) -> bool:
        return self.status in _TERMINAL

    def check_step(self, step: str, *, started: bool) -> None:
        if self.is_over:
            raise WorkflowNotRunning(f"workflow {self.id} is {self.status}")
        current = self.current
        if current is None or current.step != step:
            raise InvalidWorkflow(f"workflow {self.id} is not at its {step} step")
        if self.step_started != started:
            state = "already started" if self.step_started else "not started"
            raise InvalidWorkflow(f"the {step} step of workflow {self.id} is {state}")

    def start_step(
        self, step: str, cause: Cause, *, run_id: UUID | None = None, plan_id: UUID | None = None
    ) -> None:
        self.check_step(step, started=False)
        self._step_started(step=step, run_id=run_id, plan_id=plan_id, **cause.fields())

    @event(StepStarted)
    def _step_started(
        self,
        step: str,
        actor: str,
        correlation_id: UUID,
        run_id: UUID | None = None,
        plan_id: UUID | None = None,
    ) -> None:
        self.step_started = True
        self.status = "running"
        self.run_id = run_id
        if step == "detect":
            self.drift_run_id = run_id
        if plan_id is not None:
            self.plan_id = plan_id

    def complete_step(
        self,
        step: str,
        outcome: str,
        cause: Cause,
        *,
        drift: bool | None = None,
        severity: str | None = None,
    ) -> None:
        self.check_step(step, started=True)
        if severity is not None and severity not in SEVERITIES:
            raise InvalidWorkflow(f"unknown severity {severity!r}")
        self._step_completed(
            step=step, outcome=outcome, drift=drift, severity=severity, **cause.fields()
        )

    @event(StepCompleted)
    def _step_completed(
        self,
        step: str,
        outcome: str,
        actor: str,
        correlation_id: UUID,
        drift: bool | None = None,
        severity: str | None = None,
    ) -> None:
        if step == "detect":
            self.drift = drift
            self.severity = severity
        self._next()

    def reason_to_skip(self) -> str | None:
        """Why the current step must not run (its condition, or no plan to act on), or None."""
        current = self.current
        if current is None:
            return None
        if current.step in ("approve", "apply") and self.plan_id is None:
            return "no remediation plan was made"
        if not condition_met(current.when, drift=self.drift, severity=self.severity):
            found = "no drift" if not self.drift else f"worst severity {self.severity or 'none'}"
            return f"condition {current.when!r} not met: {found}"
        return None

    def skip_step(self, step: str, cause: Cause) -> str:
        """Skip the current step because it must not run; return the reason."""
        self.check_step(step, started=False)
        reason = self.reason_to_skip()
        if reason is None:
            raise InvalidWorkflow(f"the {step} step's condition holds: run it")
        self._step_skipped(step=step, reason=reason, **cause.fields())
        return reason

    @event(StepSkipped)
    def _step_skipped(self, step: str, reason: str, actor: str, correlation_id: UUID) -> None:
        self._next()

    def _next(self) -> None:
        self.index += 1
        self.step_started = False
        self.run_id = None

    def wait_for_approval(self, plan_id: UUID, cause: Cause) -> None:
        """Record that a person must approve ``plan_id`` first; once only."""
        if self.is_over:
            raise WorkflowNotRunning(f"workflow {self.id} is {self.status}")
        if self.status == "waiting_for_approval":
            return
        self._waiting_for_approval(plan_id=plan_id, **cause.fields())

    @event(WaitingForApproval)
    def _waiting_for_approval(self, plan_id: UUID, actor: str, correlation_id: UUID) -> None:
        self.status = "waiting_for_approval"
        self.plan_id = plan_id

    def complete(self, cause: Cause) -> None:
        if self.is_over:
            raise WorkflowNotRunning(f"workflow {self.id} is {self.status}")
        if self.current is not None:
            raise InvalidWorkflow(f"workflow {self.id} still has its {self.current.step} step")
        self._completed(**cause.fields())

    @event(Completed)
    def _completed(self, actor: str, correlation_id: UUID) -> None:
        self.status = "completed"

    def fail(self, reason: str, cause: Cause) -> None:
        if self.is_over:
            raise WorkflowNotRunning(f"workflow {self.id} is {self.status}")
        current = self.current
        self._failed(step=current.step if current else None, reason=reason[:1000], **cause.fields())

    @event(Failed)
    def _failed(self, step: str | None, reason: str, actor: str, correlation_id: UUID) -> None:
        self.status = "failed"
        self.error = reason
