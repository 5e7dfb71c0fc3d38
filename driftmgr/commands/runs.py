"""CancelRun: stop a discovery or drift run — at once if it waits, at the next step if it runs.

A run whose worker died (a ``kill -9``) is orphaned: nobody would see a request to stop, so
it is cancelled at once instead. A drift run's own inventory has no job of its own: asking
to cancel it asks its drift run to stop, or, once that drift run has moved on, ends it.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_run import RemediationRun
from driftmgr.domain.run import TERMINAL, CancellationRequest, Run, RunNotRunnable
from driftmgr.errors import Conflict, InvalidCommand
from driftmgr.jobs.queue import JobQueue

__all__ = ["CancelRun", "RetryRun", "cancel_run", "retry_run"]


class CancelRun(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID


def cancel_run(backend: Backend, command: CancelRun, cause: Cause) -> Accepted:
    run = backend.app.get(Run, command.run_id)
    if run.status in TERMINAL:
        raise Conflict(f"{run.kind} {run.id} is already {run.status}")
    if run.status != "running":
        run.cancel(cause)
        return Accepted(id=run.id, position=backend.app.record(run))
    drift_run_id = run.drift_run_id if isinstance(run, DiscoveryRun) else None
    if drift_run_id is not None:
        drift_run = backend.app.get(DriftRun, drift_run_id)
        if drift_run.status == "running" and drift_run.discovery_run_id == run.id:
            position = _stop(backend, drift_run, cause, orphaned=_is_orphaned(backend, drift_run))
        else:
            position = _stop(backend, run, cause, orphaned=True)  # its drift run moved on
    else:
        position = _stop(backend, run, cause, orphaned=_is_orphaned(backend, run))
    return Accepted(id=run.id, position=position)


def _is_orphaned(backend: Backend, run: Run) -> bool:
    if backend.views is None:
        return False  # no jobs view to tell: leave it to the worker
    return JobQueue(backend.views).is_orphaned(run.id, backend.clock())


def _stop(backend: Backend, run: Run, cause: Cause, *, orphaned: bool) -> int:
    if orphaned:
        # No worker will see a request: cancel it now (with a drift run's inventory).
        run.confirm_cancelled(cause)
        ended: list[Run] = [run]
        inventory_id = run.discovery_run_id if isinstance(run, DriftRun) else None
        if inventory_id is not None:
            inventory = backend.app.get(DiscoveryRun, inventory_id)
            if inventory.status == "running":
                inventory.confirm_cancelled(cause)
                ended.append(inventory)
        return backend.app.record(*ended)
    request_id = CancellationRequest.create_id(run.id)
    if request_id in backend.app.repository:
        return backend.app.position()  # already asked
    request = CancellationRequest(run_id=run.id, **cause.fields())
    return backend.app.record(request)


class RetryRun(msgspec.Struct, frozen=True, kw_only=True):
    run_id: UUID


def retry_run(backend: Backend, command: RetryRun, cause: Cause) -> Accepted:
    """Give a dead-lettered run (failed for good) one more attempt, now."""
    run = backend.app.get(Run, command.run_id)
    if isinstance(run, DiscoveryRun) and run.drift_run_id is not None:
        raise InvalidCommand(
            f"discovery {run.id} is the inventory of drift run {run.drift_run_id}: retry that"
        )
    if isinstance(run, RemediationRun):
        # Some of its calls may have changed the cloud: a blind retry is not for a queue.
        raise InvalidCommand(
            f"remediation {run.id} is not retried from the queue: start the plan again "
            "(`driftmgr remediate apply`) or roll it back"
        )
    try:
        run.requeue(cause)
    except RunNotRunnable as e:
        raise Conflict(str(e)) from None
    return Accepted(id=run.id, position=backend.app.record(run))
