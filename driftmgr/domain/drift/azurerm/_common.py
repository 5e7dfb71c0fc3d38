"""Helpers every Azure service module of the rules uses: ARM ids, locations, registration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.rules import Key, TypeRules, register
from driftmgr.domain.resources import StateResource

__all__ = [
    "PROVIDER",
    "arm_id",
    "azurerm",
    "child_of",
    "location_of",
    "parent_id",
]

PROVIDER = "azurerm"


def arm_id(value: Any) -> str | None:
    """The canonical form of an ARM resource id: ARM compares ids case-insensitively
    (``resourceGroups`` comes back as ``resourcegroups``, a group's name in capitals from
    some APIs), while Terraform keeps the casing Azure answered at creation. Lower case, no
    trailing slash, on both sides."""
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    return value.rstrip("/").lower() or None


def parent_id(value: Any, levels: int = 1) -> str | None:
    """The id ``levels`` (type, name) pairs up from ``value`` (a rule's → its group's)."""
    ident = arm_id(value)
    if ident is None:
        return None
    parts = ident.split("/")
    return "/".join(parts[: -2 * levels]) if len(parts) > 2 * levels + 1 else None


def location_of(attributes: Mapping[str, Any]) -> str | None:
    """An Azure location as ARM names it (``West Europe`` and ``westeurope`` are one)."""
    location = attributes.get("location")
    if isinstance(location, str) and location:
        return location.replace(" ", "").lower()
    return None


def _location(value: Any) -> Any:
    return value.replace(" ", "").lower() if isinstance(value, str) else value


def _identity(attributes: Mapping[str, Any]) -> str | None:
    return arm_id(attributes.get("id"))


def _import_id_of(identity: str, attributes: Mapping[str, Any]) -> str | None:
    # The id as Azure returned it: import parsers check the segments' casing.
    value = attributes.get("id")
    return value if isinstance(value, str) and value else None


def azurerm(resource_type: str, rules: TypeRules, *, located: bool = True) -> TypeRules:
    """Register an ``azurerm_*`` type's one rules entry: identity is the ARM id compared
    case-insensitively; where it is ``located``, the state's ``location`` says its region."""
    rules = msgspec.structs.replace(
        rules,
        identity=rules.identity or _identity,
        import_id_of=rules.import_id_of or _import_id_of,
        import_id="{id} (as Azure returned it)" if rules.import_id == "{id}" else rules.import_id,
        region=rules.region or (location_of if located and not rules.is_global else None),
        case_insensitive=rules.case_insensitive | {"resource_group_name"},
        normalisers={"location": _location, **rules.normalisers},
    )
    register(resource_type, rules)
    return rules


def child_of(
    parent_type: str, attribute: str | None
) -> tuple[
    Callable[[Mapping[str, Any]], Key | None],
    Callable[[Mapping[str, Any]], str | None],
    Callable[[StateResource], list[tuple[Key, str]]],
]:
    """The parent, parent_attribute and delegates hooks of a child whose id is under its
    parent's (a subnet under its network): the parent holds a copy in ``attribute``."""

    def parent(attributes: Mapping[str, Any]) -> Key | None:
        ident = parent_id(attributes.get("id"))
        return (parent_type, ident) if ident else None

    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return attribute

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = parent(resource.attributes)
        return [(key, attribute)] if key is not None and attribute is not None else []

    return parent, parent_attribute, delegates
