"""Remediation plans as reviewers read them: actions, preview, decisions, outcomes, timeline.

Everything shown is redacted here, once: the plan's events hold the observed and desired
values (the store is encrypted); the views hold only what any reader may see.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.drift.diff import redact
from driftmgr.domain.remediation import ApiCall
from driftmgr.domain.remediation_plan import RemediationAction, RemediationPlan
from driftmgr.domain.run import Run
from driftmgr.domain.secrets import redact_attributes
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = [
    "RemediationPlansProjection",
    "plan_events_table",
    "plans_table",
    "preview_lines",
]

plans_table = sa.Table(
    "remediation_plan_views",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("drift_run_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("requires_approval", sa.Boolean, nullable=False),
    sa.Column("planned_at", UTCDateTime, nullable=False),
    sa.Column("planned_by", sa.String(200), nullable=False),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("decision_reason", sa.Text),
    sa.Column("run_id", sa.Uuid),
    sa.Column("run_error", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("actions", sa.JSON, nullable=False),
)

plan_events_table = sa.Table(
    "remediation_plan_events",
    metadata,
    sa.Column("plan_id", sa.Uuid, primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)


def preview_lines(action: RemediationAction) -> list[str]:
    """Every step the action takes, one line each, secrets hidden."""
    steps = [call.describe() for call in action.calls]
    if action.state_patch is not None:
        steps.append(action.state_patch.describe(action.target.type))
    steps += [code.describe() for code in action.code]
    if action.terraform is not None:
        steps.append(action.terraform.describe())
    return steps


def _action_view(action: RemediationAction) -> dict[str, Any]:
    return {
        "index": action.index,
        "strategy": action.strategy,
        "drift_kind": action.drift_kind,
        "address": action.address,
        "target": msgspec.to_builtins(action.target),
        "severity": action.severity,
        "changes": msgspec.to_builtins(redact(action.changes, (), action.target.type)),
        "attributes": action.attributes,
        "description": action.description,
        "reversible": action.reversible,
        "steps": preview_lines(action),
        "code": [msgspec.to_builtins(c) for c in action.code],
        "outcome": None,
        "rollback": None,
    }


def _shown_values(resource_type: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else redact_attributes(resource_type, values)


def _calls(calls: list[ApiCall]) -> list[str]:
    return [call.describe() for call in calls]


_ActionEvent = (
    RemediationPlan.ActionApplied
    | RemediationPlan.ActionFailed
    | RemediationPlan.ActionAborted
    | RemediationPlan.ActionRolledBack
    | RemediationPlan.RollbackActionFailed
)


class RemediationPlansProjection(Projection):
    name = "remediation_plans"
    tables = (plans_table, plan_events_table)

    # --- helpers ---------------------------------------------------------------------------

    def _log(
        self, conn: Connection, event: DriftmgrAggregate.Event, position: int, summary: str
    ) -> None:
        conn.execute(
            plan_events_table.insert().values(
                plan_id=event.originator_id,
                position=position,
                at=event.timestamp,
                actor=event.actor,
                event=type(event).__qualname__.split(".")[-1],
                summary=summary,
            )
        )

    def _update(self, conn: Connection, event: DriftmgrAggregate.Event, **values: Any) -> None:
        conn.execute(
            plans_table.update()
            .where(plans_table.c.id == event.originator_id)
            .values(updated_at=event.timestamp, **values)
        )

    def _set_outcome(
        self, conn: Connection, event: _ActionEvent, key: str, outcome: dict[str, Any]
    ) -> dict[str, Any]:
        row = conn.execute(
            sa.select(plans_table.c.actions).where(plans_table.c.id == event.originator_id)
        ).one()
        actions = list(row.actions)
        action = dict(actions[event.index])
        target_type = action["target"]["type"]
        for side in ("before", "after"):
            if side in outcome:
                outcome[side] = _shown_values(target_type, outcome[side])
        action[key] = {**outcome, "at": event.timestamp.isoformat(), "actor": event.actor}
        actions[event.index] = action
        self._update(conn, event, actions=actions)
        return action

    # --- rules ---------------------------------------------------------------------------

    @handles(RemediationPlan.Planned)
    def planned(self, conn: Connection, event: RemediationPlan.Planned, position: int) -> None:
        actions = [_action_view(a) for a in event.actions]
        conn.execute(
            plans_table.insert().values(
                id=event.originator_id,
                drift_run_id=event.drift_run_id,
                status="planned",
                requires_approval=event.requires_approval,
                planned_at=event.timestamp,
                planned_by=event.actor,
                updated_at=event.timestamp,
                actions=actions,
            )
        )
        approval = "needs approval" if event.requires_approval else "no approval needed"
        self._log(conn, event, position, f"planned {len(actions)} actions ({approval})")

    @handles(RemediationPlan.Approved)
    def approved(self, conn: Connection, event: RemediationPlan.Approved, position: int) -> None:
        self._update(
            conn,
            event,
            status="approved",
            decided_by=event.actor,
            decided_at=event.timestamp,
            decision_reason=event.reason,
        )
        self._log(conn, event, position, "approved" + (f": {event.reason}" if event.reason else ""))

    @handles(RemediationPlan.Rejected)
    def rejected(self, conn: Connection, event: RemediationPlan.Rejected, position: int) -> None:
        self._update(
            conn,
            event,
            status="rejected",
            decided_by=event.actor,
            decided_at=event.timestamp,
            decision_reason=event.reason,
        )
        self._log(conn, event, position, f"rejected: {event.reason}")

    @handles(RemediationPlan.ApplyRequested)
    def apply_requested(
        self, conn: Connection, event: RemediationPlan.ApplyRequested, position: int
    ) -> None:
        self._update(conn, event, status="applying", run_id=event.run_id, run_error=None)
        self._log(conn, event, position, f"apply requested (job {event.run_id})")

    @handles(RemediationPlan.SnapshotTaken)
    def snapshot_taken(
        self, conn: Connection, event: RemediationPlan.SnapshotTaken, position: int
    ) -> None:
        states = ", ".join(f"{s.source} serial {s.serial}" for s in event.states)
        summary = f"snapshot of {len(event.targets)} targets" + (f"; {states}" if states else "")
        self._log(conn, event, position, summary)

    @handles(RemediationPlan.ActionApplied)
    def action_applied(
        self, conn: Connection, event: RemediationPlan.ActionApplied, position: int
    ) -> None:
        outcome = {
            "status": "applied",
            "calls": _calls(event.calls),
            "before": event.before,
            "after": event.after,
            "state_serial": event.state_serial,
        }
        action = self._set_outcome(conn, event, "outcome", outcome)
        self._log(conn, event, position, f"[{event.index}] applied {_name(action)}")

    @handles(RemediationPlan.ActionFailed)
    def action_failed(
        self, conn: Connection, event: RemediationPlan.ActionFailed, position: int
    ) -> None:
        outcome = {"status": "failed", "calls": _calls(event.calls), "reason": event.error}
        action = self._set_outcome(conn, event, "outcome", outcome)
        self._log(conn, event, position, f"[{event.index}] failed {_name(action)}: {event.error}")

    @handles(RemediationPlan.ActionAborted)
    def action_aborted(
        self, conn: Connection, event: RemediationPlan.ActionAborted, position: int
    ) -> None:
        action = self._set_outcome(
            conn, event, "outcome", {"status": "aborted", "reason": event.reason}
        )
        self._log(conn, event, position, f"[{event.index}] aborted {_name(action)}: {event.reason}")

    @handles(RemediationPlan.ApplyFinished, RemediationPlan.RollbackFinished)
    def finished(
        self,
        conn: Connection,
        event: RemediationPlan.ApplyFinished | RemediationPlan.RollbackFinished,
        position: int,
    ) -> None:
        self._update(conn, event, status=event.status)
        self._log(conn, event, position, event.status.replace("_", " "))

    @handles(RemediationPlan.RollbackRequested)
    def rollback_requested(
        self, conn: Connection, event: RemediationPlan.RollbackRequested, position: int
    ) -> None:
        self._update(conn, event, status="rolling_back", run_id=event.run_id, run_error=None)
        self._log(conn, event, position, f"rollback requested (job {event.run_id})")

    @handles(RemediationPlan.ActionRolledBack)
    def action_rolled_back(
        self, conn: Connection, event: RemediationPlan.ActionRolledBack, position: int
    ) -> None:
        outcome = {
            "status": "skipped" if event.skipped else "rolled_back",
            "calls": _calls(event.calls),
            "before": event.before,
            "after": event.after,
            "reason": event.reason,
            "state_serial": event.state_serial,
        }
        action = self._set_outcome(conn, event, "rollback", outcome)
        verb = "skipped rollback of" if event.skipped else "rolled back"
        self._log(conn, event, position, f"[{event.index}] {verb} {_name(action)}")

    @handles(RemediationPlan.RollbackActionFailed)
    def rollback_failed(
        self, conn: Connection, event: RemediationPlan.RollbackActionFailed, position: int
    ) -> None:
        outcome = {"status": "rollback_failed", "calls": _calls(event.calls), "reason": event.error}
        action = self._set_outcome(conn, event, "rollback", outcome)
        self._log(
            conn, event, position, f"[{event.index}] rollback failed {_name(action)}: {event.error}"
        )

    @handles(Run.Failed)
    def run_failed(self, conn: Connection, event: Run.Failed, position: int) -> None:
        # A remediation job's failed attempt shows on its plan (other runs match no plan).
        conn.execute(
            plans_table.update()
            .where(plans_table.c.run_id == event.originator_id)
            .values(run_error=event.error, updated_at=event.timestamp)
        )


def _name(action: dict[str, Any]) -> str:
    target = action["target"]
    return f"{action['strategy']} {action['address'] or target['type'] + ' ' + target['id']}"
