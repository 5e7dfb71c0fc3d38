"""Which enumerator lists which ``digitalocean_*`` type, and what every enumerator is handed.

Most DigitalOcean listings span every region at once (``GET /v2/droplets`` returns the
droplets of all regions, each naming its ``region.slug``): such a type is listed once per
scan and its objects are sorted into the regions asked for. Global types (domains, SSH
keys, projects …) have no region. Spaces buckets are the exception: the S3 API answers per
regional endpoint, so they are listed region by region (``per_region``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from driftmgr.adapters.providers.digitalocean.api import Calls
from driftmgr.domain.drift import digitalocean as _rules  # noqa: F401 - registers the rules
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__ = [
    "ENUMERATORS",
    "PROVIDER",
    "Enumerate",
    "Scan",
    "SpacesSettings",
    "TypeSpec",
    "enumerator",
    "live",
    "slug",
    "tags",
]

PROVIDER = "digitalocean"


@dataclass(frozen=True)
class SpacesSettings:
    """How to reach Spaces' S3 API: ``SPACES_ENDPOINT_URL`` (``{{.Region}}`` is the region
    slug, as the Terraform provider has it) and the Spaces access key pair."""

    endpoint_template: str
    access_key_id: str
    secret_access_key: str

    def endpoint(self, region: str) -> str:
        return self.endpoint_template.replace("{{.Region}}", region)


@dataclass
class Scan:
    """One scan's shared parts: the call discipline, the pydo client, Spaces' settings."""

    calls: Calls
    client: Any
    """A :class:`pydo.Client` on the configured endpoint."""
    spaces: SpacesSettings | None
    """None when no Spaces keys are configured: bucket listings are then unobserved."""


#: (scan, region) → the type's objects. Region is the one asked for with ``per_region``;
#: otherwise empty, and the objects of every region come back.
Enumerate = Callable[[Scan, str], Coroutine[Any, Any, list[LiveResource]]]


@dataclass(frozen=True)
class TypeSpec:
    service: str
    """The API area, as /metrics and the scan log count calls (``droplets``, ``spaces`` …)."""
    enumerate: Enumerate
    is_global: bool = False
    per_region: bool = False


ENUMERATORS: dict[str, TypeSpec] = {}


def enumerator(
    resource_type: str, service: str, *, is_global: bool = False, per_region: bool = False
) -> Callable[[Enumerate], Enumerate]:
    def register(function: Enumerate) -> Enumerate:
        if resource_type in ENUMERATORS:
            raise ValueError(f"{resource_type} has an enumerator already")
        ENUMERATORS[resource_type] = TypeSpec(service, function, is_global, per_region)
        return function

    return register


def live(resource_type: str, ident: Any, place: str | None, /, **attributes: Any) -> LiveResource:
    """A listed object under its Terraform type, id and attribute names; marked a default
    when its type's rules say DigitalOcean made it (a default VPC, a zone's SOA record)."""
    return LiveResource(
        type=resource_type,
        id=str(ident),
        provider=PROVIDER,
        region=place or GLOBAL_REGION,
        attributes=attributes,
        is_default=is_cloud_default(resource_type, attributes),
    )


def slug(value: Any) -> str:
    """``region.slug`` from an embedded object, or the slug itself where the API gives one."""
    if isinstance(value, dict):
        return str(value.get("slug") or "")
    return str(value or "")


def tags(value: Any) -> list[str]:
    return sorted(str(t) for t in value or [])
