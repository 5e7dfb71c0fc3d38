"""The recipe registry: what driftmgr can do to each AWS type, registered by decorator.

Like the enumerator registry (``aws/registry.py``), every service module registers pure
functions at import time:

- a **recipe** brings some attributes of a type from ``actual`` to ``desired`` and is
  registered for (types, attributes): one function may own several attributes that one API
  call sets together (a Lambda function's configuration), so it is called once with every
  one of them that differs;
- a **quarantine** step stops or disables an object beyond tagging it;
- a **deletion** removes an object (or a **refusal** says why driftmgr never will).

Each registration names the API operations it may emit, so the documentation table
(``docs/remediation-actions.md``) and the preview agree with what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from driftmgr.domain.remediation import ApiCall, Target

__all__ = [
    "DELETIONS",
    "QUARANTINES",
    "RECIPES",
    "REFUSED_DELETIONS",
    "Change",
    "Deletion",
    "Quarantine",
    "Recipe",
    "deletion",
    "quarantine",
    "recipe",
    "refuse_deletion",
]


class Change(NamedTuple):
    """What one recipe is asked to do: make ``attributes`` of ``target`` what ``desired``
    says. Every attribute named differs between ``desired`` and ``actual`` (none may, for a
    recipe registered with ``always``)."""

    target: Target
    desired: Mapping[str, Any]
    actual: Mapping[str, Any]
    attributes: tuple[str, ...]


Plan = Callable[[Change], list[ApiCall]]
"""A recipe's planning function: pure, it reads only the change."""

Act = Callable[[Target, Mapping[str, Any]], list[ApiCall]]
"""A quarantine step's or a deletion's planning function: (target, actual) → calls."""


class Recipe(NamedTuple):
    types: tuple[str, ...]
    attributes: tuple[str, ...]
    operations: tuple[str, ...]
    """``service:operation`` (boto3 names) of every call the recipe may emit."""
    irreversible: str | None
    """Why the recipe cannot bring an attribute back once changed (a volume only grows);
    None when it can."""
    always: bool
    """Planned whenever one of its attributes is asked for, even when none differs: an
    interrupted attempt can leave its work half done with every attribute already right
    (an instance stopped to change its type and not started again)."""
    plan: Plan


class Quarantine(NamedTuple):
    types: tuple[str, ...]
    attributes: tuple[str, ...]
    """What the steps change beyond ``tags``, so that a rollback restores it."""
    operations: tuple[str, ...]
    plan: Act


class Deletion(NamedTuple):
    types: tuple[str, ...]
    operations: tuple[str, ...]
    guard: str | None
    plan: Act


#: (type, attribute) → the recipe that restores it.
RECIPES: dict[tuple[str, str], Recipe] = {}
#: type → the steps a quarantine takes beyond the tag.
QUARANTINES: dict[str, Quarantine] = {}
#: type → how it is deleted.
DELETIONS: dict[str, Deletion] = {}
#: type → why driftmgr never deletes it.
REFUSED_DELETIONS: dict[str, str] = {}


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def recipe(
    types: str | Iterable[str],
    attributes: str | Iterable[str],
    operations: Iterable[str],
    *,
    irreversible: str | None = None,
    always: bool = False,
) -> Callable[[Plan], Plan]:
    """Register the decorated function as the recipe for ``attributes`` of ``types``."""

    def register(plan: Plan) -> Plan:
        entry = Recipe(
            _names(types), _names(attributes), tuple(operations), irreversible, always, plan
        )
        for resource_type in entry.types:
            for attribute in entry.attributes:
                if (resource_type, attribute) in RECIPES:
                    raise ValueError(f"{resource_type}.{attribute} has two recipes")
                RECIPES[resource_type, attribute] = entry
        return plan

    return register


def quarantine(
    types: str | Iterable[str], attributes: str | Iterable[str], operations: Iterable[str]
) -> Callable[[Act], Act]:
    """Register the decorated function as what a quarantine of ``types`` does beyond the tag."""

    def register(plan: Act) -> Act:
        entry = Quarantine(_names(types), _names(attributes), tuple(operations), plan)
        for resource_type in entry.types:
            if resource_type in QUARANTINES:
                raise ValueError(f"{resource_type} has two quarantine steps")
            QUARANTINES[resource_type] = entry
        return plan

    return register


def deletion(
    types: str | Iterable[str], operations: Iterable[str], *, guard: str | None = None
) -> Callable[[Act], Act]:
    """Register the decorated function as the way ``types`` are deleted."""

    def register(plan: Act) -> Act:
        entry = Deletion(_names(types), tuple(operations), guard, plan)
        for resource_type in entry.types:
            if resource_type in DELETIONS or resource_type in REFUSED_DELETIONS:
                raise ValueError(f"{resource_type} has two deletions")
            DELETIONS[resource_type] = entry
        return plan

    return register


def refuse_deletion(resource_type: str, reason: str) -> None:
    """Declare that driftmgr never deletes ``resource_type``, and why."""
    if resource_type in DELETIONS or resource_type in REFUSED_DELETIONS:
        raise ValueError(f"{resource_type} has two deletions")
    REFUSED_DELETIONS[resource_type] = reason
