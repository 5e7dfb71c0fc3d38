"""StartDiscovery: inventory a cloud account as a background job."""

from __future__ import annotations

import msgspec

from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.errors import InvalidCommand

__all__ = ["StartDiscovery", "request_discovery", "start_discovery"]


class StartDiscovery(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    regions: list[str] = []
    """Regions to list; empty means every region enabled in the account(s)."""
    resource_types: list[str] | None = None
    """Limit the listing to these Terraform types; all supported types when omitted."""
    account_roles: list[str] = []
    """Roles to assume, one more account each (AWS: role ARNs)."""
    tags: dict[str, str] = {}
    """Only resources carrying these tags (an empty value: any value of the key)."""
    priority: int = 0


def start_discovery(backend: Backend, command: StartDiscovery, cause: Cause) -> Accepted:
    run = request_discovery(backend, command, cause)
    return Accepted(id=run.id, position=backend.app.record(run))


def request_discovery(backend: Backend, command: StartDiscovery, cause: Cause) -> DiscoveryRun:
    """The discovery run, checked but not saved: the caller saves it (with a workflow's
    step, for one)."""
    provider = backend.providers.get(command.provider, account_roles=command.account_roles)
    backend.providers.check_types(provider, command.resource_types)
    types = command.resource_types or sorted(provider.supported_types)
    try:
        run = DiscoveryRun.request(
            provider=provider.name,
            regions=command.regions,
            resource_types=types,
            priority=command.priority,
            account_roles=command.account_roles,
            tags=command.tags,
            cause=cause,
        )
    except DomainError as e:
        raise InvalidCommand(str(e)) from None
    # Refuse now, before recording anything, if the provider cannot even be reached.
    provider.check_access(run.regions[0] if run.regions else None)
    return run
