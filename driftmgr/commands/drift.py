"""DetectDrift: compare Terraform states with the cloud, as a background job."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import msgspec

from driftmgr.adapters.terraform.state import parse_state
from driftmgr.commands.backend import Backend, ProviderRegistry
from driftmgr.commands.results import Accepted
from driftmgr.commands.state import PreparedState, prepare_states, stage_import
from driftmgr.domain.base import Cause, DomainError
from driftmgr.domain.drift_run import DriftRun, regions_for
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_file import StateFile
from driftmgr.errors import Conflict, InvalidCommand

__all__ = ["DetectDrift", "StateInput", "detect_drift", "named_providers", "request_drift"]


class StateInput(msgspec.Struct, frozen=True, kw_only=True):
    """A state to import in the same transaction: a local state sent with its content, or
    a source URI (or glob) the server fetches."""

    source: str
    content: str | None = None
    workspaces: bool = False


class DetectDrift(msgspec.Struct, frozen=True, kw_only=True):
    provider: str | None = None
    """The cloud to compare with (``aws``, ``azurerm``/``azure``, ``google``/``gcp``,
    ``digitalocean``/``do``). With neither this nor ``providers``: every provider whose
    resources the states manage."""
    providers: list[str] = []
    """More clouds to compare with in the same run, each listed by its own provider."""
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
    named = named_providers(command)
    providers = [backend.providers.get(n, account_roles=command.account_roles) for n in named]
    if providers:
        backend.providers.check_types(providers, command.resource_types)
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
    if not providers:
        used = _providers_used(backend, prepared.values(), command.state_ids)
        providers = [backend.providers.get(n, account_roles=command.account_roles) for n in used]
        backend.providers.check_types(providers, command.resource_types)
    regions = _provider_regions(command.regions, [p.name for p in providers])
    try:
        run = DriftRun.request(
            state_ids=state_ids,
            provider=providers[0].name,
            providers=[p.name for p in providers],
            regions=regions,
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
    for provider in providers:
        own = regions_for(run.regions, provider.name)
        provider.check_access(own[0] if own else None)
    return run, [a for p in prepared.values() for a in stage_import(backend, p, cause).aggregates]


def named_providers(command: DetectDrift) -> list[str]:
    """The providers a command names, in order, each once (aliases made canonical)."""
    names = ([command.provider] if command.provider else []) + list(command.providers)
    return list(dict.fromkeys(ProviderRegistry.canonical(n) for n in names))


def _providers_used(
    backend: Backend, prepared: Iterable[PreparedState], state_ids: Iterable[UUID]
) -> list[str]:
    """The providers driftmgr scans whose resources the states manage, sorted."""
    providers: set[str] = set()
    for state in prepared:
        providers |= {r.provider for r in state.parsed.managed}
    for state_id in state_ids:
        version = backend.app.get(StateFile, state_id).latest
        if version is not None:
            parsed = parse_state(backend.blobs.get(version.content_sha256))
            providers |= {r.provider for r in parsed.managed}
    scanned = sorted(providers & set(backend.providers.names))
    if not scanned:
        known = ", ".join(backend.providers.names)
        raise InvalidCommand(
            "the states manage no resource of a provider driftmgr scans "
            f"({known}): name one with --provider"
        )
    return scanned


def _provider_regions(regions: list[str], providers: list[str]) -> list[str]:
    """Regions as the run keeps them: ``PROVIDER:REGION`` (``do:nyc3``) for one provider's
    only, with the provider's Terraform name; a plain region for every provider."""
    kept = []
    for region in regions:
        prefix, colon, name = region.rpartition(":")
        if not colon:
            kept.append(region)
            continue
        provider = ProviderRegistry.canonical(prefix)
        if provider not in providers or not name:
            raise InvalidCommand(
                f"region {region!r}: name it as PROVIDER:REGION with a provider of this run "
                f"({', '.join(providers)}), or as a plain region for every provider"
            )
        kept.append(f"{provider}:{name}")
    return kept
