"""Helpers every DigitalOcean service module of the rules uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.rules import TypeRules, register

__all__ = ["digitalocean", "region_slug"]


def digitalocean(resource_type: str, rules: TypeRules) -> TypeRules:
    """Register a DigitalOcean type's one rules entry."""
    register(resource_type, rules)
    return rules


def region_slug(attributes: Mapping[str, Any]) -> str | None:
    """Where a regional object lives: its ``region`` slug (``nyc3``), lower-cased as the API
    answers (the provider folds case: ``DiffSuppressFunc`` on ``region``)."""
    region = attributes.get("region")
    return region.lower() if isinstance(region, str) and region else None
