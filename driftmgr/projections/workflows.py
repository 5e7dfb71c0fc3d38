"""Workflows as ``workflow list`` and ``workflow show`` read them: status and each step's end."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.workflow import Workflow
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["WorkflowsProjection", "workflows_table"]

workflows_table = sa.Table(
    "workflows",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    # One object per defined step: step, when, status (pending, started, completed,
    # skipped, failed), run_id, plan_id, outcome.
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("drift_run_id", sa.Uuid),
    sa.Column("plan_id", sa.Uuid),
    sa.Column("error", sa.Text),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("started_by", sa.String(200), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

_w = workflows_table.c


class WorkflowsProjection(Projection):
    name = "workflows"
    tables = (workflows_table,)

    @handles(Workflow.Started)
    def started(self, conn: Connection, event: Workflow.Started, position: int) -> None:
        steps = [
            {"step": s["step"], "when": s.get("when", "always"), "status": "pending"}
            for s in event.definition.get("steps", [])
        ]
        conn.execute(
            workflows_table.insert().values(
                id=event.originator_id,
                name=event.name,
                definition=event.definition,
                status="running",
                steps=steps,
                started_at=event.timestamp,
                started_by=event.actor,
                updated_at=event.timestamp,
                position=position,
            )
        )

    @handles(Workflow.StepStarted)
    def step_started(self, conn: Connection, event: Workflow.StepStarted, position: int) -> None:
        values: dict[str, Any] = {"status": "running"}
        if event.step == "detect":
            values["drift_run_id"] = event.run_id
        if event.plan_id is not None:
            values["plan_id"] = event.plan_id
        self._step(
            conn, event, position, event.step, values,
            status="started", run_id=_text(event.run_id), plan_id=_text(event.plan_id),
        )  # fmt: skip

    @handles(Workflow.StepCompleted)
    def step_completed(
        self, conn: Connection, event: Workflow.StepCompleted, position: int
    ) -> None:
        self._step(conn, event, position, event.step, {}, status="completed", outcome=event.outcome)

    @handles(Workflow.StepSkipped)
    def step_skipped(self, conn: Connection, event: Workflow.StepSkipped, position: int) -> None:
        self._step(conn, event, position, event.step, {}, status="skipped", outcome=event.reason)

    @handles(Workflow.WaitingForApproval)
    def waiting(self, conn: Connection, event: Workflow.WaitingForApproval, position: int) -> None:
        self._update(conn, event, position, status="waiting_for_approval", plan_id=event.plan_id)

    @handles(Workflow.Completed)
    def completed(self, conn: Connection, event: Workflow.Completed, position: int) -> None:
        self._update(conn, event, position, status="completed")

    @handles(Workflow.Failed)
    def failed(self, conn: Connection, event: Workflow.Failed, position: int) -> None:
        if event.step is not None:
            self._step(conn, event, position, event.step, {}, status="failed", outcome=event.reason)
        self._update(conn, event, position, status="failed", error=event.reason)

    def _step(
        self,
        conn: Connection,
        event: Any,
        position: int,
        step: str,
        values: dict[str, Any],
        **fields: Any,
    ) -> None:
        row = conn.execute(sa.select(_w.steps).where(_w.id == event.originator_id)).one()
        steps = [dict(s) for s in row.steps]
        for s in steps:
            if s["step"] == step:
                s.update({k: v for k, v in fields.items() if v is not None})
        self._update(conn, event, position, steps=steps, **values)

    def _update(self, conn: Connection, event: Any, position: int, **values: Any) -> None:
        conn.execute(
            workflows_table.update()
            .where(_w.id == event.originator_id)
            .values(updated_at=event.timestamp, position=position, **values)
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
