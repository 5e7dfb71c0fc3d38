"""Value objects for the two sides of a drift check: what a state manages, what the cloud has.

Both sides speak Terraform: resource type names (`aws_instance`), canonical ids as Terraform
stores them, and terraform-provider attribute names. Adapters translate into these; the drift
engine only ever compares these.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "GLOBAL_REGION",
    "AttributePath",
    "LiveResource",
    "ParsedState",
    "ScanOutcome",
    "StateOutput",
    "StateResource",
    "Unobserved",
]

#: Region label for resources of global services (IAM, Route53 …).
GLOBAL_REGION = "global"

#: A path into an attribute tree: map keys are `str`, list positions are `int`.
AttributePath = tuple[str | int, ...]


class LiveResource(msgspec.Struct, frozen=True, kw_only=True):
    """One object observed in a cloud account, named the way Terraform names it."""

    type: str
    """Terraform resource type, e.g. ``aws_instance``."""
    id: str
    """Canonical Terraform id (what ``terraform import`` takes and state stores as ``id``)."""
    provider: str
    """Short provider name: ``aws``, ``azurerm``, ``google``, ``digitalocean``."""
    region: str
    """Region the object lives in, or :data:`GLOBAL_REGION`."""
    attributes: dict[str, Any]
    """Every attribute the adapter observed, under terraform-provider names.

    An attribute the adapter observes is always present, with an empty value when empty,
    so that a value removed in the cloud shows as a change rather than as "not observed".
    """
    account: str | None = None
    is_default: bool = False
    """Created by the cloud itself (default VPC, default security group …), not by a user."""


class StateResource(msgspec.Struct, frozen=True, kw_only=True):
    """One resource instance recorded in a Terraform state."""

    address: str
    """Full Terraform address, e.g. ``module.web.aws_instance.app[0]``."""
    mode: str
    """``managed`` or ``data``."""
    type: str
    name: str
    provider: str
    """Short provider name parsed from the provider address (``aws`` for hashicorp/aws)."""
    provider_config: str
    """The provider configuration address as the state records it."""
    module: str | None = None
    index_key: int | str | None = None
    id: str | None = None
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    sensitive_paths: tuple[AttributePath, ...] = ()
    dependencies: tuple[str, ...] = ()
    status: str | None = None
    """``tainted`` when Terraform marked the instance for replacement."""
    deposed: str | None = None
    """Deposed key of an instance left behind by create-before-destroy."""
    schema_version: int | None = None


class StateOutput(msgspec.Struct, frozen=True):
    """One root-module output. Sensitive values are plaintext in the state, and here too:
    whatever shows an output to a person must redact it."""

    name: str
    value: Any
    sensitive: bool
    type: Any = None
    """The cty type in JSON form (``"string"``, ``["object", {...}]``); None when absent."""


class ParsedState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything driftmgr reads from one Terraform state document."""

    version: int
    """The document's format version (3 or 4; 0 for ``terraform show -json`` output)."""
    terraform_version: str | None
    serial: int | None
    """None where the format records no serial (``terraform show -json``)."""
    lineage: str | None
    resources: tuple[StateResource, ...]
    """Every resource instance, managed and data, current and deposed, in document order."""
    outputs: tuple[StateOutput, ...]

    @property
    def managed(self) -> tuple[StateResource, ...]:
        """The instances Terraform manages now: data sources and deposed leftovers excluded."""
        return tuple(r for r in self.resources if r.mode == "managed" and r.deposed is None)


class Unobserved(msgspec.Struct, frozen=True, kw_only=True):
    """A (type, region) the adapter could not observe, and why.

    Anything under an unobserved (type, region) is reported ``unobserved``: never missing,
    never unmanaged, never in sync.
    """

    provider: str
    type: str
    region: str
    reason: str


class ScanOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """The result of listing one resource type in one region."""

    provider: str
    type: str
    region: str
    resources: list[LiveResource] = msgspec.field(default_factory=list)
    unobserved_reason: str | None = None
    """Set when the listing failed; ``resources`` is then empty and means nothing."""
    duration_ms: int = 0
    account: str | None = None

    @property
    def observed(self) -> bool:
        return self.unobserved_reason is None
