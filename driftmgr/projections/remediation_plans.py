"""Remediation plans as proposed, with their actions and dry-run preview."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.domain.drift.diff import redact
from driftmgr.domain.drift.report import DriftChange
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = ["RemediationPlansProjection", "remediation_plans_table"]

remediation_plans_table = sa.Table(
    "remediation_plans",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("drift_run_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("actions", sa.JSON, nullable=False),
    sa.Column("preview", sa.JSON, nullable=False),
    sa.Column("planned_at", UTCDateTime, nullable=False),
    sa.Column("planned_by", sa.String(200), nullable=False),
)


class RemediationPlansProjection(Projection):
    name = "remediation_plans"
    tables = (remediation_plans_table,)

    @handles(RemediationPlan.Planned)
    def planned(self, conn: Connection, event: Any, position: int) -> None:
        conn.execute(
            remediation_plans_table.insert().values(
                id=event.originator_id,
                drift_run_id=event.drift_run_id,
                status="planned",
                actions=_redacted(msgspec.to_builtins(event.actions)),
                preview=event.preview,
                planned_at=event.timestamp,
                planned_by=event.actor,
            )
        )


def _redacted(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The plan copies the report's changes; an older report may have hidden less than
    # today's rules do (idempotent on what is already hidden).
    out = []
    for action in actions:
        changes = msgspec.convert(action.get("changes") or [], list[DriftChange])
        hidden = redact(changes, (), action.get("type"))
        out.append({**action, "changes": msgspec.to_builtins(hidden)})
    return out
