"""CancelRun: stop a discovery or drift run — at once if it waits, at the next step if it runs."""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause
from driftmgr.domain.run import TERMINAL, CancellationRequest, Run
from driftmgr.errors import Conflict

__all__ = ["CancelRun", "cancel_run"]


class CancelRun(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID


def cancel_run(backend: Backend, command: CancelRun, cause: Cause) -> Accepted:
    run = backend.app.get(Run, command.run_id)
    if run.status in TERMINAL:
        raise Conflict(f"{run.kind} {run.id} is already {run.status}")
    if run.status != "running":
        run.cancel(cause)
        return Accepted(id=run.id, position=backend.app.record(run))
    request_id = CancellationRequest.create_id(run.id)
    if request_id in backend.app.repository:
        return Accepted(id=run.id, position=backend.app.position())  # already asked
    request = CancellationRequest(run_id=run.id, **cause.fields())
    return Accepted(id=run.id, position=backend.app.record(request))
