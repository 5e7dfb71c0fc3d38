"""RemediationPlan: what will bring the cloud and the state back together, and what it did.

A plan's life, one event each: ``Planned`` (one action per finding, each with the steps it
would take) → ``Approved``/``Rejected`` → ``ApplyRequested`` → ``SnapshotTaken`` (every
target observed again, every state's version) → per action ``ActionApplied(before, after)``,
``ActionFailed`` or ``ActionAborted`` → ``ApplyFinished``; then possibly
``RollbackRequested`` → per action ``ActionRolledBack``/``RollbackActionFailed`` →
``RollbackFinished``. Rollback reads the targets' previous values from the plan *as it was at
its snapshot* (``repository.get(plan_id, version=snapshot_version)``).

The plan holds what the run observed and what the state said (``observed``/``desired``):
the store is encrypted, and read models show only the redacted ``changes`` and previews.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate
from driftmgr.domain.drift.report import DriftChange, DriftKind, Severity
from driftmgr.domain.remediation import (
    ApiCall,
    CodePatch,
    StatePatch,
    Strategy,
    Target,
    TerraformRun,
)

__all__ = [
    "SEVERITY_RANK",
    "ActionOutcome",
    "ActionSnapshot",
    "ApprovalRefused",
    "NothingToRemediate",
    "PlanNotApplicable",
    "PlanStatus",
    "RemediationAction",
    "RemediationPlan",
    "StateSnapshot",
]

PlanStatus = Literal[
    "planned",
    "approved",
    "rejected",
    "applying",
    "applied",
    "failed",
    "rolling_back",
    "rolled_back",
    "rollback_failed",
]

SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

#: Strategies whose effect no compensation can undo.
_IRREVERSIBLE: frozenset[str] = frozenset({"delete", "recreate"})


class NothingToRemediate(DomainError):
    """The drift run found nothing that an action could fix."""


class ApprovalRefused(DomainError):
    """The principal may not approve or reject this plan (e.g. they requested it)."""


class PlanNotApplicable(DomainError):
    """The plan's status does not allow what was asked (apply twice, approve after apply …)."""


class RemediationAction(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One finding and what the plan does about it, with every step it would take."""

    index: int
    strategy: Strategy
    drift_kind: DriftKind
    address: str | None
    target: Target
    severity: Severity
    changes: list[DriftChange] = msgspec.field(default_factory=list)
    """The finding's changes as the report shows them (redacted)."""
    attributes: list[str] = msgspec.field(default_factory=list)
    """Top-level attributes the action changes: what apply verifies, what rollback restores."""
    calls: list[ApiCall] = msgspec.field(default_factory=list)
    """The cloud calls, as planned from the drift run's observation (the preview)."""
    state_patch: StatePatch | None = None
    code: list[CodePatch] = msgspec.field(default_factory=list)
    terraform: TerraformRun | None = None
    observed: dict[str, Any] | None = None
    """The drift run's observation of the target (None: it did not exist)."""
    desired: dict[str, Any] | None = None
    """What the target should look like (revert: the state's attributes)."""
    description: str = ""

    @property
    def reversible(self) -> bool:
        return self.strategy not in _IRREVERSIBLE

    @property
    def touches_cloud(self) -> bool:
        return self.strategy in ("revert", "quarantine", "delete", "recreate")


class ActionSnapshot(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One target as observed just before the first call of an apply."""

    index: int
    exists: bool
    attributes: dict[str, Any] | None = None
    unobserved: str | None = None
    """Why it could not be observed: the action is then aborted, never applied blind."""


class StateSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One tracked state as read from its backend just before an apply wrote to it."""

    state_id: UUID
    source: str
    serial: int | None
    lineage: str | None
    content_sha256: str


class ActionOutcome(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What one action (or its compensation) did, as recorded."""

    status: Literal["applied", "failed", "aborted", "rolled_back", "rollback_failed", "skipped"]
    calls: list[ApiCall] = msgspec.field(default_factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    state_serial: int | None = None
    reason: str | None = None


# The one-word actions of plans recorded before strategies existed (``Planned`` v1).
_OLD_ACTIONS: dict[str, Strategy] = {"update": "revert", "recreate": "recreate", "import": "import"}


class RemediationPlan(DriftmgrAggregate):
    class Planned(DriftmgrAggregate.Created):
        class_version = 2

        drift_run_id: UUID
        actions: list[RemediationAction]
        requires_approval: bool
        tf_dir: str | None
        plan_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Plans recorded before strategies existed (planning only, one ``action`` word
            and a text preview per finding) read as plans of the matching strategy with no
            steps."""
            state.pop("preview", None)
            state["requires_approval"] = True
            state.setdefault("tf_dir", None)
            state.setdefault("plan_id", None)
            actions = []
            for index, old in enumerate(state.get("actions") or []):
                actions.append(
                    {
                        "index": index,
                        "strategy": _OLD_ACTIONS.get(old.get("action"), "revert"),
                        "drift_kind": old["drift_kind"],
                        "address": old.get("address"),
                        "target": {
                            "provider": "aws",
                            "type": old["type"],
                            "id": old.get("id") or "",
                            "region": old.get("region") or "",
                        },
                        "severity": old["severity"],
                        "changes": old.get("changes") or [],
                        "description": old.get("description") or "",
                    }
                )
            state["actions"] = actions

    class Approved(DriftmgrAggregate.Event):
        reason: str | None

    class Rejected(DriftmgrAggregate.Event):
        reason: str

    class ApplyRequested(DriftmgrAggregate.Event):
        run_id: UUID
        continue_on_error: bool

    class SnapshotTaken(DriftmgrAggregate.Event):
        targets: list[ActionSnapshot]
        states: list[StateSnapshot]

    class ActionApplied(DriftmgrAggregate.Event):
        index: int
        calls: list[ApiCall]
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        state_id: UUID | None
        state_serial: int | None

    class ActionFailed(DriftmgrAggregate.Event):
        index: int
        error: str
        calls: list[ApiCall]

    class ActionAborted(DriftmgrAggregate.Event):
        index: int
        reason: str

    class ApplyFinished(DriftmgrAggregate.Event):
        status: PlanStatus

    class RollbackRequested(DriftmgrAggregate.Event):
        run_id: UUID
        acknowledge_irreversible: bool

    class ActionRolledBack(DriftmgrAggregate.Event):
        index: int
        calls: list[ApiCall]
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        reason: str | None
        skipped: bool
        state_id: UUID | None
        state_serial: int | None

    class RollbackActionFailed(DriftmgrAggregate.Event):
        index: int
        error: str
        calls: list[ApiCall]

    class RollbackFinished(DriftmgrAggregate.Event):
        status: PlanStatus

    @classmethod
    def plan(
        cls,
        *,
        drift_run_id: UUID,
        actions: list[RemediationAction],
        approval_threshold: Severity | None,
        cause: Cause,
        plan_id: UUID | None = None,
        tf_dir: str | None = None,
    ) -> RemediationPlan:
        """A plan for ``actions``. It needs a second person's approval when an action's
        severity reaches ``approval_threshold`` (None: never) or it deletes anything."""
        if not actions:
            raise NothingToRemediate(f"drift run {drift_run_id} found no drift to remediate")
        needs = any(a.strategy == "delete" for a in actions)
        if approval_threshold is not None:
            floor = SEVERITY_RANK[approval_threshold]
            needs = needs or any(SEVERITY_RANK[a.severity] >= floor for a in actions)
        return cls(
            plan_id=plan_id or uuid4(),
            drift_run_id=drift_run_id,
            actions=actions,
            requires_approval=needs,
            tf_dir=tf_dir,
            **cause.fields(),
        )

    @staticmethod
    def create_id(plan_id: UUID) -> UUID:
        # Chosen before the plan exists: quarantine tags carry it in their planned calls.
        return plan_id

    @event(Planned)
    def __init__(
        self,
        drift_run_id: UUID,
        actions: list[RemediationAction],
        actor: str,
        correlation_id: UUID,
        requires_approval: bool = True,
        tf_dir: str | None = None,
        plan_id: UUID | None = None,
    ) -> None:
        self.drift_run_id = drift_run_id
        self.actions = actions
        self.requires_approval = requires_approval
        self.tf_dir = tf_dir
        self.planned_by = actor
        self.status: PlanStatus = "planned"
        self.approved_by: str | None = None
        self.decision_reason: str | None = None
        self.run_id: UUID | None = None
        self.continue_on_error = False
        self.snapshot: dict[int, ActionSnapshot] = {}
        self.states: dict[UUID, StateSnapshot] = {}
        self.snapshot_version: int | None = None
        self.outcomes: dict[int, ActionOutcome] = {}
        self.rollback: dict[int, ActionOutcome] = {}
        self.written_serials: dict[UUID, int] = {}
        """The serial each state has after this plan's last write to it."""

    # --- decisions ---------------------------------------------------------------------

    def check_can_decide(self, actor: str) -> None:
        if self.status != "planned":
            raise PlanNotApplicable(f"plan {self.id} is {self.status}; it can no longer be decided")
        if actor == self.planned_by:
            raise ApprovalRefused(
                f"{actor} requested plan {self.id}: another person must approve or reject it"
            )

    def approve(self, *, reason: str | None, cause: Cause) -> None:
        self.check_can_decide(cause.actor)
        self._approved(reason=reason, **cause.fields())

    @event(Approved)
    def _approved(self, reason: str | None, actor: str, correlation_id: UUID) -> None:
        self.status = "approved"
        self.approved_by = actor
        self.decision_reason = reason

    def reject(self, *, reason: str, cause: Cause) -> None:
        self.check_can_decide(cause.actor)
        if not reason.strip():
            raise PlanNotApplicable("say why the plan is rejected (a reason is required)")
        self._rejected(reason=reason, **cause.fields())

    @event(Rejected)
    def _rejected(self, reason: str, actor: str, correlation_id: UUID) -> None:
        self.status = "rejected"
        self.decision_reason = reason

    # --- apply ---------------------------------------------------------------------------

    def request_apply(self, *, run_id: UUID, continue_on_error: bool, cause: Cause) -> None:
        if self.status == "planned" and self.requires_approval:
            raise PlanNotApplicable(
                f"plan {self.id} needs approval by someone other than {self.planned_by} "
                "before it can be applied"
            )
        if self.status not in ("planned", "approved"):
            raise PlanNotApplicable(f"plan {self.id} is {self.status}; it cannot be applied")
        self._apply_requested(run_id=run_id, continue_on_error=continue_on_error, **cause.fields())

    @event(ApplyRequested)
    def _apply_requested(
        self, run_id: UUID, continue_on_error: bool, actor: str, correlation_id: UUID
    ) -> None:
        self.status = "applying"
        self.run_id = run_id
        self.continue_on_error = continue_on_error

    def take_snapshot(
        self, *, targets: list[ActionSnapshot], states: list[StateSnapshot], cause: Cause
    ) -> None:
        self._check_status("applying")
        if self.snapshot_version is not None:
            raise PlanNotApplicable(f"plan {self.id} already has its snapshot")
        self._snapshot_taken(targets=targets, states=states, **cause.fields())

    @event(SnapshotTaken)
    def _snapshot_taken(
        self,
        targets: list[ActionSnapshot],
        states: list[StateSnapshot],
        actor: str,
        correlation_id: UUID,
    ) -> None:
        self.snapshot = {t.index: t for t in targets}
        self.states = {s.state_id: s for s in states}
        # The library sets the new version after this method: this event's is the next one.
        self.snapshot_version = self.version + 1

    def pending(self) -> list[RemediationAction]:
        """Actions this apply has not settled yet, in order."""
        return [a for a in self.actions if a.index not in self.outcomes]

    def record_applied(
        self,
        index: int,
        *,
        calls: list[ApiCall],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        state_id: UUID | None = None,
        state_serial: int | None = None,
        cause: Cause,
    ) -> None:
        self._check_pending(index)
        self._action_applied(
            index=index,
            calls=calls,
            before=before,
            after=after,
            state_id=state_id,
            state_serial=state_serial,
            **cause.fields(),
        )

    @event(ActionApplied)
    def _action_applied(
        self,
        index: int,
        calls: list[ApiCall],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        actor: str,
        correlation_id: UUID,
        state_id: UUID | None = None,
        state_serial: int | None = None,
    ) -> None:
        self.outcomes[index] = ActionOutcome(
            status="applied", calls=calls, before=before, after=after, state_serial=state_serial
        )
        if state_id is not None and state_serial is not None:
            self.written_serials[state_id] = state_serial

    def record_failed(self, index: int, *, error: str, calls: list[ApiCall], cause: Cause) -> None:
        self._check_pending(index)
        self._action_failed(index=index, error=error, calls=calls, **cause.fields())

    @event(ActionFailed)
    def _action_failed(
        self, index: int, error: str, calls: list[ApiCall], actor: str, correlation_id: UUID
    ) -> None:
        self.outcomes[index] = ActionOutcome(status="failed", calls=calls, reason=error)

    def record_aborted(self, index: int, *, reason: str, cause: Cause) -> None:
        self._check_pending(index)
        self._action_aborted(index=index, reason=reason, **cause.fields())

    @event(ActionAborted)
    def _action_aborted(self, index: int, reason: str, actor: str, correlation_id: UUID) -> None:
        self.outcomes[index] = ActionOutcome(status="aborted", reason=reason)

    def should_stop(self) -> bool:
        """After a failure the rest is not applied, unless asked to continue on error."""
        failed = any(o.status == "failed" for o in self.outcomes.values())
        return failed and not self.continue_on_error

    def finish_apply(self, cause: Cause) -> None:
        self._check_status("applying")
        # Anything short of every action applied is a failure a person must look at.
        failed = any(
            (o := self.outcomes.get(a.index)) is None or o.status != "applied" for a in self.actions
        )
        self._apply_finished(status="failed" if failed else "applied", **cause.fields())

    @event(ApplyFinished)
    def _apply_finished(self, status: PlanStatus, actor: str, correlation_id: UUID) -> None:
        self.status = status

    # --- rollback -------------------------------------------------------------------------

    def applied_actions(self) -> list[RemediationAction]:
        return [
            a
            for a in self.actions
            if (o := self.outcomes.get(a.index)) is not None and o.status == "applied"
        ]

    def irreversible_applied(self) -> list[RemediationAction]:
        return [a for a in self.applied_actions() if not a.reversible]

    def request_rollback(
        self, *, run_id: UUID, acknowledge_irreversible: bool, cause: Cause
    ) -> None:
        if self.status not in ("applied", "failed", "rollback_failed"):
            raise PlanNotApplicable(f"plan {self.id} is {self.status}; it cannot be rolled back")
        if not self.applied_actions():
            raise PlanNotApplicable(
                f"plan {self.id} changed nothing: there is nothing to roll back"
            )
        blocked = self.irreversible_applied()
        if blocked and not acknowledge_irreversible:
            names = ", ".join(a.address or a.target.label for a in blocked)
            raise PlanNotApplicable(
                f"plan {self.id} did what cannot be undone ({names}); acknowledge it to roll "
                "back the rest"
            )
        self._rollback_requested(
            run_id=run_id, acknowledge_irreversible=acknowledge_irreversible, **cause.fields()
        )

    @event(RollbackRequested)
    def _rollback_requested(
        self, run_id: UUID, acknowledge_irreversible: bool, actor: str, correlation_id: UUID
    ) -> None:
        self.status = "rolling_back"
        self.run_id = run_id

    def rollback_pending(self) -> list[RemediationAction]:
        """Applied actions not yet compensated, newest first."""
        return [a for a in reversed(self.applied_actions()) if a.index not in self.rollback]

    def record_rolled_back(
        self,
        index: int,
        *,
        calls: list[ApiCall],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None = None,
        skipped: bool = False,
        state_id: UUID | None = None,
        state_serial: int | None = None,
        cause: Cause,
    ) -> None:
        self._check_status("rolling_back")
        self._action_rolled_back(
            index=index,
            calls=calls,
            before=before,
            after=after,
            reason=reason,
            skipped=skipped,
            state_id=state_id,
            state_serial=state_serial,
            **cause.fields(),
        )

    @event(ActionRolledBack)
    def _action_rolled_back(
        self,
        index: int,
        calls: list[ApiCall],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        actor: str,
        correlation_id: UUID,
        reason: str | None = None,
        skipped: bool = False,
        state_id: UUID | None = None,
        state_serial: int | None = None,
    ) -> None:
        self.rollback[index] = ActionOutcome(
            status="skipped" if skipped else "rolled_back",
            calls=calls,
            before=before,
            after=after,
            reason=reason,
            state_serial=state_serial,
        )
        if state_id is not None and state_serial is not None:
            self.written_serials[state_id] = state_serial

    def record_rollback_failed(
        self, index: int, *, error: str, calls: list[ApiCall], cause: Cause
    ) -> None:
        self._check_status("rolling_back")
        self._rollback_action_failed(index=index, error=error, calls=calls, **cause.fields())

    @event(RollbackActionFailed)
    def _rollback_action_failed(
        self, index: int, error: str, calls: list[ApiCall], actor: str, correlation_id: UUID
    ) -> None:
        self.rollback[index] = ActionOutcome(status="rollback_failed", calls=calls, reason=error)

    def rollback_should_stop(self) -> bool:
        return any(o.status == "rollback_failed" for o in self.rollback.values())

    def finish_rollback(self, cause: Cause) -> None:
        self._check_status("rolling_back")
        done = all(
            (o := self.rollback.get(a.index)) is not None and o.status != "rollback_failed"
            for a in self.applied_actions()
        )
        self._rollback_finished(
            status="rolled_back" if done else "rollback_failed", **cause.fields()
        )

    @event(RollbackFinished)
    def _rollback_finished(self, status: PlanStatus, actor: str, correlation_id: UUID) -> None:
        self.status = status

    # --- guards ----------------------------------------------------------------------------

    def _check_status(self, status: PlanStatus) -> None:
        if self.status != status:
            raise PlanNotApplicable(f"plan {self.id} is {self.status}, not {status}")

    def _check_pending(self, index: int) -> None:
        self._check_status("applying")
        if index in self.outcomes:
            raise PlanNotApplicable(f"action {index} of plan {self.id} is already settled")
