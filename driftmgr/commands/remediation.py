"""StartRemediation: plan how to resolve a drift run's findings (planning only, for now)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.diff import redact_items
from driftmgr.domain.drift.report import ReportBody
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_plan import NothingToRemediate, RemediationPlan
from driftmgr.errors import Conflict, InvalidCommand

__all__ = ["StartRemediation", "start_remediation"]


class StartRemediation(msgspec.Struct, frozen=True, kw_only=True):
    drift_run_id: UUID


def start_remediation(backend: Backend, command: StartRemediation, cause: Cause) -> Accepted:
    run = backend.app.get(DriftRun, command.drift_run_id)
    if run.status != "completed" or run.report_sha256 is None:
        raise Conflict(
            f"drift run {run.id} is {run.status}; a plan can be made once it has completed"
        )
    body = msgspec.json.decode(backend.blobs.get(run.report_sha256), type=ReportBody)
    try:
        # Redacted again (idempotent): a report an older driftmgr stored may hide less.
        drifts = redact_items(body.drifts)
        plan = RemediationPlan.plan(drift_run_id=run.id, drifts=drifts, cause=cause)
    except NothingToRemediate as e:
        raise InvalidCommand(str(e)) from None
    return Accepted(id=plan.id, position=backend.app.record(plan))
