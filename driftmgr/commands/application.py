"""The event-sourced application: one event log for everything driftmgr records.

One log (not one application per bounded context) gives one global position for
read-your-writes and one ordered audit trail; see ADR 0001. Every aggregate is snapshotted
every ``DRIFTMGR_SNAPSHOT_INTERVAL`` events, so loading one reads a snapshot and a few events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import Environment, EnvType

from driftmgr.adapters.eventstore.config import event_store_env, log_key
from driftmgr.adapters.eventstore.keys import StoreKey, open_store
from driftmgr.adapters.eventstore.signals import PositionSignal, signal_for
from driftmgr.domain.catalogue import aggregate_classes
from driftmgr.errors import Conflict, NotFound
from driftmgr.settings import Settings

__all__ = ["DriftmgrApplication"]

A = TypeVar("A")

log = logging.getLogger(__name__)


def project(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` check against
    a runtime Protocol, which took half the time of loading an aggregate."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class DriftmgrApplication(Application[UUID]):
    name = "driftmgr"

    def __init__(self, settings: Settings) -> None:
        # The key is resolved and checked against the store before the library creates a
        # table or anything else writes: a wrong or missing key changes nothing (keys.py).
        self.store_key: StoreKey = open_store(settings)
        self.log_signal: PositionSignal = signal_for(log_key(settings))
        env = event_store_env(settings, cipher_key=self.store_key.key)
        if settings.snapshot_interval > 0:
            env["IS_SNAPSHOTTING_ENABLED"] = "y"
            # Per instance (the library declares a class variable): the interval is a setting.
            self.snapshotting_intervals = {  # type: ignore[misc]
                cls: settings.snapshot_interval for cls in aggregate_classes()
            }
        super().__init__(env=env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only our own settings configure persistence; stray PERSISTENCE_MODULE or
        # SQLITE_DBNAME variables in a user's shell must not redirect the event store.
        return Environment(name, dict(env or {}))

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        if recordings:
            self.log_signal.advance(recordings[-1].notification.id)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """Snapshot an aggregate; called by ``save`` after its events are committed.

        A snapshot only speeds up loading: if it cannot be stored (another process stored
        the same one first, or a value will not encode) the command has still succeeded,
        so this logs the failure instead of raising it.
        """
        if projector_func is project_aggregate:
            projector_func = project
        try:
            super().take_snapshot(aggregate_id, version, projector_func)
        except IntegrityError:
            pass  # another process took this very snapshot
        except Exception:
            log.warning("could not snapshot %s v%s", aggregate_id, version, exc_info=True)

    def position(self) -> int:
        """The position of the newest event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def get(self, kind: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        """Load an aggregate of a known kind, or raise :class:`NotFound` naming it."""
        label = kind.__name__
        try:
            aggregate: Any = self.repository.get(
                aggregate_id, version=version, projector_func=project
            )
        except AggregateNotFoundError:
            raise NotFound(f"no {label} with id {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {label} with id {aggregate_id}")
        return aggregate

    def record(self, *aggregates: MutableOrImmutableAggregate[UUID]) -> int:
        """Save aggregates atomically and return the new log position.

        Returns the current position when there was nothing to save, so a no-op command
        still gives its caller a position to wait for.
        """
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise Conflict(
                "another command changed this just now; read it again and retry"
            ) from None
        if recordings:
            return recordings[-1].notification.id
        return self.position()
