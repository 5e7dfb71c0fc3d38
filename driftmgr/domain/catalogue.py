"""Every aggregate class of the domain, and every event class they record.

Snapshots are configured per aggregate class and the stored-event fixtures must cover every
event class: both enumerate from here, so a new aggregate or event cannot be forgotten.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from eventsourcing.domain import CommandMethodDecorator

import driftmgr.domain
from driftmgr.domain.base import DriftmgrAggregate

__all__ = ["aggregate_classes", "event_classes"]


@cache
def aggregate_classes() -> tuple[type[DriftmgrAggregate], ...]:
    """Every aggregate class defined in ``driftmgr.domain`` (abstract bases included)."""
    for module in pkgutil.walk_packages(driftmgr.domain.__path__, "driftmgr.domain."):
        importlib.import_module(module.name)
    found: list[type[DriftmgrAggregate]] = []
    pending: list[type[DriftmgrAggregate]] = [DriftmgrAggregate]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in found and sub.__module__.startswith("driftmgr.domain."):
                found.append(sub)
                pending.append(sub)
    return tuple(sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}"))


@cache
def event_classes() -> tuple[type[DriftmgrAggregate.Event], ...]:
    """Every event class that is ever recorded: one per ``@event`` method (``__init__``
    included) of an aggregate, under the class declaring the method.

    (The library also gives each subclass its own copy of the inherited event classes,
    and each aggregate an ``Event`` and a ``Created`` base; those are never recorded.)
    """
    events: list[type[DriftmgrAggregate.Event]] = []
    for aggregate in aggregate_classes():
        for value in vars(aggregate).values():
            if not isinstance(value, CommandMethodDecorator):
                continue
            name = value.event_cls_name or (
                value.given_event_cls.__name__ if value.given_event_cls else None
            )
            if name:
                event_class = getattr(aggregate, name)
                if event_class not in events:
                    events.append(event_class)
    return tuple(sorted(events, key=lambda c: f"{c.__module__}.{c.__qualname__}"))
