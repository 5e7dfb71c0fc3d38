"""What command handlers and jobs work with: the event log, the blob store, the providers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.adapters.providers.base import InventoryProvider, Remediator
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.commands.application import DriftmgrApplication
from driftmgr.commands.ports import StateWriter, TerraformTool
from driftmgr.domain.drift.report import Severity
from driftmgr.domain.remediation import Strategy
from driftmgr.domain.run import RetryPolicy
from driftmgr.errors import InvalidCommand

__all__ = ["Backend", "ProviderRegistry", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


#: What users call a cloud → the provider name Terraform states use for it.
PROVIDER_ALIASES = {"azure": "azurerm", "gcp": "google", "do": "digitalocean"}


class ProviderRegistry:
    """Provider name → factory. Unknown names are refused with the list of known ones."""

    def __init__(self, factories: Mapping[str, Callable[..., InventoryProvider]]) -> None:
        self._factories = dict(factories)

    @staticmethod
    def canonical(name: str) -> str:
        """The Terraform provider name for ``name`` (``azure`` → ``azurerm``)."""
        return PROVIDER_ALIASES.get(name, name)

    @property
    def names(self) -> list[str]:
        return sorted(self._factories)

    def get(self, name: str, *, account_roles: list[str] | None = None) -> InventoryProvider:
        """A provider; ``account_roles`` are roles to assume for more accounts."""
        try:
            factory = self._factories[self.canonical(name)]
        except KeyError:
            raise InvalidCommand(
                f"unknown provider {name!r}: driftmgr supports {', '.join(self.names)}"
            ) from None
        try:
            if account_roles:
                return factory(account_roles=account_roles)
            return factory()
        except ValueError as e:  # a malformed setting of the request (a role ARN …)
            raise InvalidCommand(str(e)) from None

    def check_types(
        self,
        providers: InventoryProvider | Sequence[InventoryProvider],
        types: list[str] | None,
    ) -> None:
        """Refuse types that none of ``providers`` lists."""
        chosen = [providers] if not isinstance(providers, Sequence) else list(providers)
        supported = frozenset().union(*(p.supported_types for p in chosen))
        unknown = sorted(set(types or ()) - supported)
        if unknown:
            names = " and ".join(p.name for p in chosen)
            raise InvalidCommand(
                f"{names} discovery cannot list {', '.join(unknown)}; "
                f"supported types: {', '.join(sorted(supported))}"
            )


@dataclass
class Backend:
    app: DriftmgrApplication
    blobs: BlobStore
    providers: ProviderRegistry
    clock: Callable[[], datetime] = utc_now
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    views: sa.Engine | None = None
    """The read models, for jobs that reuse what they hold (the inventory cache)."""
    source_policy: SourcePolicy = field(default_factory=SourcePolicy)
    """What commands may read for a caller: by default nothing local and no client-named
    host (bootstrap gives a server the operator's roots and hosts, the local CLI its own)."""
    remediators: Mapping[str, Remediator] = field(default_factory=dict)
    """Provider name → what turns remediation strategies into that cloud's API calls."""
    state_writer: StateWriter | None = None
    terraform: TerraformTool | None = None
    approval_threshold: Severity | None = "high"
    """Plans with a finding this severe (or worse) need a second person's approval."""
    default_strategies: Mapping[str, Strategy] = field(default_factory=dict)
    """Finding kind → strategy when a plan names none (over the built-in defaults)."""
    analysis_inline_max_resources: int = 5000
    """A state imported with more managed resources is analysed by a job, not inline."""
