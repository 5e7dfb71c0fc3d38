"""What every driftmgr aggregate shares: each event says who caused it and as part of what."""

from __future__ import annotations

from typing import TypedDict
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate

__all__ = ["Cause", "CauseFields", "DomainError", "DriftmgrAggregate"]


class CauseFields(TypedDict):
    actor: str
    correlation_id: UUID


class Cause(msgspec.Struct, frozen=True, kw_only=True):
    """Who asked for a change, and the id that ties one request's events together."""

    actor: str
    correlation_id: UUID = msgspec.field(default_factory=uuid4)

    def fields(self) -> CauseFields:
        """The event fields every event carries: pass as ``**cause.fields()``."""
        return {"actor": self.actor, "correlation_id": self.correlation_id}


class DomainError(Exception):
    """A command was refused because it breaks a rule of the domain."""


class DriftmgrAggregate(Aggregate):
    """Base aggregate: its event base class makes ``actor`` and ``correlation_id`` mandatory.

    An event method that forgets them fails with a TypeError the first time it is
    triggered, so no event can ever be recorded without its cause.
    """

    class Event(Aggregate.Event):
        actor: str
        correlation_id: UUID

    class Created(Aggregate.Created, Event):
        """Base of every aggregate's creation event (what its ``__init__`` records)."""
