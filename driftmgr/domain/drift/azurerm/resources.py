"""How resource groups compare (terraform-provider-azurerm 4.x, ``internal/services/resource``)."""

from __future__ import annotations

from driftmgr.domain.drift.azurerm._common import azurerm
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

azurerm(
    "azurerm_resource_group",
    TypeRules(
        # A group's contents are its members' findings; the group itself holds little.
        defaults={"managed_by": ""},
        case_insensitive=frozenset({"managed_by"}),
        severity={"location": "high"},
    ),
)
