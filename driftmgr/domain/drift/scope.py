"""Which region a state resource lives in, so resources outside the scanned scope are left
out instead of being reported missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Importing each provider's package registers its type rules.
from driftmgr.domain.drift import aws as _aws  # noqa: F401
from driftmgr.domain.drift import azurerm as _azurerm  # noqa: F401
from driftmgr.domain.drift import digitalocean as _digitalocean  # noqa: F401
from driftmgr.domain.drift import google as _google  # noqa: F401
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION, StateResource

__all__ = ["account_of", "carries_tags", "is_global_type", "region_of"]

_AZ = re.compile(r"^([a-z]{2}(?:-gov)?-[a-z]+-\d+)")


def is_global_type(resource_type: str) -> bool:
    """Whether the type's rules say it is not regional (IAM, Route 53)."""
    return rules_for(resource_type).is_global


def carries_tags(attributes: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    """Whether a resource carries every wanted tag (key = value; an empty value: any value).

    State resources are judged by ``tags_all`` (which holds the provider's default_tags),
    live ones by ``tags``. A resource with no tags at all never matches a tag scope.
    """
    tags = attributes.get("tags_all")
    if not isinstance(tags, Mapping):
        tags = attributes.get("tags")
    if not isinstance(tags, Mapping):
        return False
    return all(key in tags and (value == "" or tags[key] == value) for key, value in wanted.items())


def account_of(resource: StateResource) -> str | None:
    """The AWS account a state resource lives in, when its ARN or owner says so."""
    arn = resource.attributes.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":", 5)
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    owner = resource.attributes.get("owner_id")
    return owner if isinstance(owner, str) and owner.isdigit() else None


def region_of(resource: StateResource) -> str | None:
    """The region recorded in a resource's own attributes, or None when it does not say."""
    rules = rules_for(resource.type)
    if rules.is_global:
        return GLOBAL_REGION
    if rules.region is not None:
        return rules.region(resource.attributes)
    attributes = resource.attributes
    region = attributes.get("region")
    if isinstance(region, str) and region:
        return region
    arn = attributes.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":", 5)
        if len(parts) > 3 and parts[3]:
            return parts[3]
    zone = attributes.get("availability_zone")
    if isinstance(zone, str) and (match := _AZ.match(zone)):
        return match.group(1)
    return None
