"""DetectDrift: compare Terraform states with the cloud, as a background job."""

from __future__ import annotations

from uuid import UUID

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.commands.state import prepare_states, stage_import
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_file import StateFile
from driftmgr.errors import Conflict, InvalidCommand

__all__ = ["DetectDrift", "StateInput", "detect_drift", "request_drift"]


class StateInput(msgspec.Struct, frozen=True, kw_only=True):
    """A state to import in the same transaction: a local state sent with its content, or
    a source URI (or glob) the server fetches."""

    source: str
    content: str | None = None
    workspaces: bool = False


class DetectDrift(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    regions: list[str] = []
    """Regions to compare; empty means every region enabled in the account(s)."""
    account_roles: list[str] = []
    """Roles to assume, one more account each (AWS: role ARNs)."""
    tags: dict[str, str] = {}
    """Only resources carrying these tags (an empty value: any value of the key)."""
    state_ids: list[UUID] = []
    """States imported earlier."""
    states: list[StateInput] = []
    """States to import now; a malformed one refuses the whole command."""
    resource_types: list[str] | None = None
    priority: int = 0
    ignore: list[str] = []
    """``.driftignore`` lines (driftctl syntax): resources and attribute paths to ignore."""
    max_inventory_age: float | None = None
    """Seconds: reuse cached scans younger than this instead of listing again."""


def detect_drift(backend: Backend, command: DetectDrift, cause: Cause) -> Accepted:
    run, staged = request_drift(backend, command, cause)
    # The imports and the request are one transaction: all recorded, or none.
    return Accepted(id=run.id, position=backend.app.record(*staged, run))


def request_drift(
    backend: Backend, command: DetectDrift, cause: Cause
) -> tuple[DriftRun, list[StateFile | StateAnalysisRun]]:
    """The drift run and the state imports it needs (with their analysis jobs), checked but
    not saved: the caller saves them together (with a schedule's firing, for one)."""
    provider = backend.providers.get(command.provider, account_roles=command.account_roles)
    backend.providers.check_types(provider, command.resource_types)
    prepared = {
        p.source.uri: p
        for s in command.states
        for p in prepare_states(
            s.source, s.content, workspaces=s.workspaces, policy=backend.source_policy
        )
    }
    for state_id in command.state_ids:
        if not backend.app.get(StateFile, state_id).is_tracked:
            raise Conflict(f"state {state_id} is not tracked: import it again to compare it")
    state_ids = [StateFile.create_id(uri) for uri in prepared] + list(command.state_ids)
    try:
        run = DriftRun.request(
            state_ids=state_ids,
            provider=provider.name,
            regions=command.regions,
            resource_types=command.resource_types,
            priority=command.priority,
            ignore=command.ignore,
            max_inventory_age=command.max_inventory_age,
            account_roles=command.account_roles,
            tags=command.tags,
            cause=cause,
        )
    except DomainError as e:
        raise InvalidCommand(str(e)) from None
    provider.check_access(run.regions[0] if run.regions else None)
    return run, [a for p in prepared.values() for a in stage_import(backend, p, cause).aggregates]
