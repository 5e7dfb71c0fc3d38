"""The mapper registry: per Terraform type, the Cloud Asset type it is listed as and the
function turning one asset into a :class:`LiveResource`."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from driftmgr.adapters.providers.google.mapping import Asset
from driftmgr.domain.drift import google as _google  # noqa: F401 - registers the type rules
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import LiveResource

__all__ = ["MAPPERS", "Finish", "Mapper", "TypeSpec", "mapper"]

#: ``def x(asset) -> LiveResource | None`` (None: not an object of this type, skip it).
Mapper = Callable[[Asset], LiveResource | None]
#: What needs every object of the type at once (a DNS zone's apex records).
Finish = Callable[[list[LiveResource]], list[LiveResource]]


class TypeSpec(NamedTuple):
    asset_type: str
    """What Cloud Asset Inventory calls it (``compute.googleapis.com/Instance``)."""
    service: str
    """The API the asset belongs to (``compute``): progress, metrics and logs group by it."""
    convert: Mapper
    is_global: bool
    finish: Finish | None = None


MAPPERS: dict[str, TypeSpec] = {}


def mapper(
    resource_type: str, asset_type: str, *, finish: Finish | None = None
) -> Callable[[Mapper], Mapper]:
    """Register the decorated function as the mapper of ``resource_type``'s assets."""

    def register(function: Mapper) -> Mapper:
        if resource_type in MAPPERS:
            raise ValueError(f"{resource_type} has two mappers")
        service = asset_type.split(".", 1)[0]
        MAPPERS[resource_type] = TypeSpec(
            asset_type, service, function, rules_for(resource_type).is_global, finish
        )
        return function

    return register
