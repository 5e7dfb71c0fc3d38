"""An in-process event bus fed from the notification log: ``subscribe_to_type``.

Delivery is **at-least-once, in log order, per subscriber**. Each subscriber has its own
row in ``event_bus_positions``, advanced only after its handler
returned for an event, so a restart resumes exactly after the last event a handler finished:
nothing is missed, and nothing is repeated unless the process died between a handler's return
and the commit of its position (or the handler raised: the same event is retried). Handlers
receive the event's log position too, to make their effects idempotent where a repeat matters.
Unlike a projection (ADR 0004), a handler's effects are not in our database, so they cannot
commit in the position's transaction: exactly-once is the handler's business.

One background thread serves every subscriber, started and stopped with ``Services``. A
handler that raises holds back only its own subscriber (retried every ``poll_seconds``, the
error kept in :attr:`Subscription.last_error`). Extensions register handlers through the
``driftmgr.handlers`` entry point group: each entry point is a ``register(bus)`` callable.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.utils import get_topic, resolve_topic

from driftmgr.adapters.eventstore.leadership import AlwaysLeader, Leadership
from driftmgr.adapters.eventstore.signals import PositionSignal

__all__ = [
    "ENTRY_POINT_GROUP",
    "EventBus",
    "Handler",
    "Subscription",
    "load_handlers",
    "positions_table",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "driftmgr.handlers"
_NAME_LENGTH = 200

# Not the read models' tracking table: `admin rebuild-projections` drops that one, and a
# rebuild must not make every handler run again.
positions_table = sa.Table(
    "event_bus_positions",
    sa.MetaData(),
    sa.Column("name", sa.String(_NAME_LENGTH), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

E = TypeVar("E")
Handler = Callable[[E, int], None]
"""``handler(event, position)``: position is the event's place in the log (its SSE id)."""


@dataclass(eq=False)
class Subscription:
    name: str
    event_type: type
    handler: Callable[[Any, int], None]
    last_error: str | None = None
    _matches: dict[str, bool] = field(default_factory=dict, repr=False)

    def wants(self, topic: str) -> bool:
        """Whether events stored under ``topic`` are instances of the subscribed type (decided
        per topic once, so that other events are skipped without being decrypted)."""
        found = self._matches.get(topic)
        if found is None:
            try:
                cls = resolve_topic(topic)
            except Exception:  # a topic this version cannot load is nobody's event
                found = False
            else:
                found = isinstance(cls, type) and issubclass(cls, self.event_type)
            self._matches[topic] = found
        return found


class EventBus:
    def __init__(
        self,
        app: Application[UUID],
        engine: sa.Engine,
        *,
        log_signal: PositionSignal,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        leadership: Leadership | None = None,
    ) -> None:
        """``leadership``: the role a process must hold to deliver from its background
        thread, so that of many processes on one database one calls the handlers (ADR 0019)."""
        self._app = app
        self._leadership = leadership if leadership is not None else AlwaysLeader("event-bus")
        self._engine = engine
        self._log_signal = log_signal
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._subscriptions: dict[str, Subscription] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._plugins_loaded = False
        #: Advanced to the lowest subscriber position after every pass (tests wait on it).
        self.progress = PositionSignal()

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        with self._lock:
            return tuple(self._subscriptions.values())

    def subscribe_to_type(
        self, event_type: type[E], handler: Handler[E], *, name: str | None = None
    ) -> Subscription:
        """Call ``handler(event, position)`` for every event that is an instance of
        ``event_type`` (subclasses included), from the start of the log on, in order.

        ``name`` identifies the subscriber's position across restarts: by default the
        handler's qualified name and the event type's topic, so renaming either starts over.
        """
        if name is None:
            name = f"{handler.__module__}.{handler.__qualname__}@{get_topic(event_type)}"
        subscription = Subscription(_row_name(name), event_type, handler)
        with self._lock:
            if subscription.name in self._subscriptions:
                raise ValueError(f"a subscriber named {name!r} is already registered")
            self._subscriptions[subscription.name] = subscription
        with self._engine.begin() as conn:
            positions_table.create(conn, checkfirst=True)
            if self._read(conn, subscription) is None:
                conn.execute(positions_table.insert().values(name=subscription.name, position=0))
        self._log_signal.poke()
        return subscription

    def position(self, subscription: Subscription) -> int:
        """How far ``subscription``'s handler has got (committed)."""
        with self._engine.connect() as conn:
            return self._read(conn, subscription) or 0

    def _read(self, conn: sa.Connection, subscription: Subscription) -> int | None:
        query = sa.select(positions_table.c.position).where(
            positions_table.c.name == subscription.name
        )
        found = conn.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    def _commit(self, subscription: Subscription, start: int, position: int) -> bool:
        """Advance from ``start`` to ``position``; False if someone else moved it meanwhile
        (another process delivering to the same subscriber)."""
        with self._engine.begin() as conn:
            done = conn.execute(
                positions_table.update()
                .where(
                    positions_table.c.name == subscription.name,
                    positions_table.c.position == start,
                )
                .values(position=position)
            )
        return done.rowcount == 1

    # Delivery ---------------------------------------------------------------------------

    def deliver(self, subscription: Subscription) -> int:
        """Deliver the next batch to one subscriber; return how many notifications it
        covered (0 when caught up). A handler's exception propagates, its event undelivered."""
        start = self.position(subscription)
        notifications = self._app.recorder.select_notifications(
            start=start, limit=self._batch_size, inclusive_of_start=False
        )
        position = start
        for notification in notifications:
            if subscription.wants(notification.topic):
                event = self._app.mapper.to_domain_event(notification)
                subscription.handler(event, notification.id)
                if not self._commit(subscription, position, notification.id):
                    return 0  # moved by another process: re-read its position next time
                position = notification.id
        if notifications and notifications[-1].id != position:
            self._commit(subscription, position, notifications[-1].id)
        return len(notifications)

    def catch_up(self) -> int:
        """Deliver everything recorded so far to every subscriber that does not fail."""
        total = 0
        lowest: int | None = None
        for subscription in self.subscriptions:
            try:
                while count := self.deliver(subscription):
                    total += count
                    if self._stopping.is_set() and self._thread is not None:
                        return total  # shutting down: the rest waits for the next start
                subscription.last_error = None
            except Exception as e:  # only this subscriber waits; it is retried next pass
                log.exception("event handler %s failed; retrying", subscription.name)
                subscription.last_error = f"{type(e).__name__}: {e}"
            current = self.position(subscription)
            lowest = current if lowest is None else min(lowest, current)
        if lowest is not None:
            self.progress.advance(lowest)
        return total

    # Background operation -------------------------------------------------------------

    def start(self) -> None:
        """Load the entry points' handlers (once) and deliver in a background thread."""
        if not self._plugins_loaded:
            load_handlers(self)
            self._plugins_loaded = True
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="event-bus", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._log_signal.poke()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._leadership.release()

    def _run(self) -> None:
        while not self._stopping.is_set():
            seen = self._app.recorder.max_notification_id() or 0
            try:
                if not self._leadership.try_acquire():
                    # Another process delivers; try again later (a leader that dies loses
                    # its role with its connection).
                    self._stopping.wait(self._poll_seconds)
                    continue
                self.catch_up()
            except Exception:  # the store itself failed: retry, the subscribers keep positions
                log.exception("event bus failed; retrying")
            if any(s.last_error for s in self.subscriptions):
                self._stopping.wait(self._poll_seconds)
                continue
            # Bounded: writers in other processes do not signal us.
            self._log_signal.wait_beyond(seen, self._poll_seconds, until=self._stopping.is_set)


def load_handlers(bus: EventBus, group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Call every ``register(bus)`` of the entry point ``group``; return their names.

    A broken extension fails the start, naming itself: silently running without a handler
    someone installed would lose its events' effects unnoticed.
    """
    loaded = []
    for point in entry_points(group=group):
        try:
            register = point.load()
            register(bus)
        except Exception as e:
            raise RuntimeError(
                f"event handler extension {point.name!r} ({point.value}) failed to register: "
                f"{type(e).__name__}: {e}"
            ) from e
        loaded.append(point.name)
    return loaded


def _row_name(name: str) -> str:
    if len(name) <= _NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{name[: _NAME_LENGTH - 17]}~{digest}"
