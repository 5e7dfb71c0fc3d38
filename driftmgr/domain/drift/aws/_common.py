"""Helpers every AWS service module of the rules uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.rules import Key, TypeRules, register
from driftmgr.domain.resources import StateResource

__all__ = [
    "aws",
    "blocks",
    "child_of",
    "default_of",
    "name_or_id",
    "no_attribute",
    "policy_hooks",
    "strings",
    "truthy",
]

#: Tag keys AWS reserves; the provider's ``IgnoreAWS`` drops them on read.
RESERVED_TAGS = ("aws:",)


def aws(resource_type: str, rules: TypeRules) -> TypeRules:
    """Register an AWS type's one rules entry (with AWS's reserved tag prefixes)."""
    rules = msgspec.structs.replace(rules, ignored_tag_prefixes=RESERVED_TAGS)
    register(resource_type, rules)
    return rules


def default_of(default_type: str, live_type: str, rules: TypeRules) -> None:
    """Register ``aws_default_X``: Terraform adopts the object AWS made with this type, the
    cloud lists it as the plain ``X``; it compares as ``X`` (same rules), matched under X's
    name."""
    register(default_type, msgspec.structs.replace(rules, live_type=live_type))


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value if v not in (None, "")]
    return []


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def blocks(value: Any) -> list[Mapping[str, Any]]:
    return [b for b in value or [] if isinstance(b, Mapping)] if isinstance(value, list) else []


def name_or_id(resource: StateResource, name: str) -> str | None:
    value = resource.attributes.get(name) or resource.attributes.get("id") or resource.id
    return str(value) if value else None


def child_of(
    parent_type: str, field: str, attribute: str | Callable[[Mapping[str, Any]], str | None]
) -> tuple[
    Callable[[Mapping[str, Any]], Key | None],
    Callable[[Mapping[str, Any]], str | None],
    Callable[[StateResource], list[tuple[Key, str]]],
]:
    """The parent, parent_attribute and delegates hooks of a child type."""

    def parent(attributes: Mapping[str, Any]) -> Key | None:
        value = attributes.get(field)
        return (parent_type, str(value)) if value else None

    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return attribute(attributes) if callable(attribute) else attribute

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = parent(resource.attributes)
        name = parent_attribute(resource.attributes)
        return [(key, name)] if key is not None and name is not None else []

    return parent, parent_attribute, delegates


def no_attribute(attributes: Mapping[str, Any]) -> str | None:
    """A ``parent_attribute`` for children their parent holds no copy of."""
    return None


def policy_hooks(
    parent_type: str, parent_id: Callable[[Mapping[str, Any]], str | None]
) -> dict[str, Any]:
    """identity, parent, parent_attribute and delegates of a resource policy that is also an
    Optional+Computed ``policy`` attribute of its parent (a queue's, a topic's): a refresh
    records the live policy on the parent whoever set it, so the live policy object is the
    parent's to report when the parent was compared on ``policy``, and a state policy
    resource leaves the parent's stale copy uncompared."""

    def parent(attributes: Mapping[str, Any]) -> Key | None:
        ident = parent_id(attributes)
        return (parent_type, ident) if ident else None

    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return "policy"

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = parent(resource.attributes)
        return [(key, "policy")] if key is not None else []

    return {
        "identity": parent_id,
        "parent": parent,
        "parent_attribute": parent_attribute,
        "delegates": delegates,
    }
