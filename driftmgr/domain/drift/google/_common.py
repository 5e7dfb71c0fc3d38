"""Helpers every google rules module uses: ids, self links, regions and nested blocks.

terraform-provider-google stores references as self links
(``https://www.googleapis.com/compute/v1/projects/p/global/networks/n``) or as names, and
its ``compareSelfLinkOrResourceName`` diff suppressor treats the two as equal; Cloud Asset
Inventory names objects ``//compute.googleapis.com/projects/p/...``. Everything here turns
those spellings into one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from driftmgr.domain.drift.rules import TypeRules, register

__all__ = [
    "LABELS",
    "blocks_of",
    "canonical_id",
    "google",
    "identity_from",
    "region_attribute",
    "region_of_zone",
    "short_name",
    "short_names",
    "zone_region",
]

#: Computed on every google type: never drift (``terraform_labels`` is Terraform's own merge,
#: ``labels`` holds only what the configuration set; ``effective_labels`` is compared).
LABELS = frozenset({"labels", "terraform_labels", "self_link", "project", "creation_timestamp"})

_PREFIXES = re.compile(
    r"^(?:https?://[a-z0-9.-]+(?::\d+)?/(?:compute|[a-z]+)/(?:v1|beta|alpha|v1beta\d?)/"
    r"|//[a-z0-9.-]+\.googleapis\.com/)"
)
_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def google(resource_type: str, rules: TypeRules) -> TypeRules:
    """Register a google type's one rules entry."""
    register(resource_type, rules)
    return rules


def canonical_id(value: Any) -> str | None:
    """``projects/p/zones/z/instances/n`` from a self link, an asset name or that form."""
    if not isinstance(value, str) or not value:
        return None
    return _PREFIXES.sub("", value).strip("/")


def short_name(value: Any) -> Any:
    """The resource name a self link or a relative name ends with; other values as they are."""
    if isinstance(value, str) and "/" in value:
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


def short_names(value: Any) -> Any:
    """:func:`short_name` of a string or of each member of a list."""
    if isinstance(value, list):
        return [short_name(v) for v in value]
    return short_name(value)


def region_of_zone(zone: Any) -> str | None:
    """``us-central1`` for ``us-central1-a`` (or its self link)."""
    name = short_name(zone)
    if not isinstance(name, str):
        return None
    match = _ZONE.match(name)
    return match.group(1) if match else None


def zone_region(attributes: Mapping[str, Any]) -> str | None:
    """The ``region`` hook of zonal types (instances, disks)."""
    return region_of_zone(attributes.get("zone"))


def region_attribute(attributes: Mapping[str, Any]) -> str | None:
    """The ``region`` hook of regional types, whose ``region`` may be a self link."""
    region = short_name(attributes.get("region"))
    return region if isinstance(region, str) and region else None


def identity_from(template: str) -> Callable[[Mapping[str, Any]], str | None]:
    """An identity hook: ``template`` filled from short attribute values when they are all
    there (``projects/{project}/zones/{zone}/instances/{name}``), else the canonical ``id``."""
    fields = re.findall(r"{(\w+)}", template)

    def identity(attributes: Mapping[str, Any]) -> str | None:
        values = {f: short_name(attributes.get(f)) for f in fields}
        if all(isinstance(v, str) and v for v in values.values()):
            return template.format(**values)
        return canonical_id(attributes.get("id"))

    return identity


def blocks_of(shape: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A normaliser keeping, in a list of blocks, only the fields ``shape`` names (nested
    shapes for nested blocks; a callable to transform a leaf): what the adapter observes, so
    a field only the state records is not a difference."""

    def project(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [_project(member, shape) for member in value]

    return project


def _project(member: Any, shape: Mapping[str, Any]) -> Any:
    if not isinstance(member, Mapping):
        return member
    kept: dict[str, Any] = {}
    for name, inner in shape.items():
        if name not in member:
            continue
        value = member[name]
        if isinstance(inner, Mapping):
            value = [_project(m, inner) for m in value] if isinstance(value, list) else value
        elif callable(inner):
            value = inner(value)
        kept[name] = value
    return kept
