"""GetAuditLogQuery: who did what, when, read from the event log itself (ADR 0001).

The log is the audit trail: every event carries its actor and correlation id. This query
reads it through the application's recorder and mapper (so encryption and compression are
handled), a page of notifications at a time, never the whole log: filters on the aggregate
and event type go to the database as topics, filters on the aggregate id are checked before
an event is decrypted, the rest (actor, correlation id, time) after.

Paging is by log position, ``limit`` events a page at most:

- Oldest first: ``after`` (exclusive). ``next`` is the position to pass as ``after`` for the
  rest, ``None`` once the end of the log (as it was when the page was read) is reached. A
  page reads at most :data:`SCAN_BUDGET` events.
- Newest first: ``before`` (exclusive), for readers who start from the present (the
  dashboard). ``next`` is the position to pass as ``before`` for older events, ``None`` once
  the start of the log (or ``after``, when both are given: a range) is reached. The recorder
  reads forward only, so the log is read in windows of positions walking backwards, each
  small enough to read whole; a page covers at most :data:`SCAN_BUDGET` positions, which
  also bounds it when the database filters the types and most positions match nothing.

Either way a filter matching little answers in bounded time with fewer than ``limit``
events (maybe none) and a ``next``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.catalogue import aggregate_classes
from driftmgr.errors import InvalidCommand
from driftmgr.queries.audit_payload import redact_payload, to_payload
from driftmgr.queries.audit_summary import summarise

__all__ = [
    "MAX_LIMIT",
    "SCAN_BUDGET",
    "AuditLog",
    "AuditPage",
    "AuditRecord",
    "BadAuditFilter",
    "GetAuditLogQuery",
    "known_aggregate_types",
    "known_event_types",
]

#: Most events one page answers.
MAX_LIMIT = 1000
#: Most events one page reads from the log, matching or not (newest first: most positions).
SCAN_BUDGET = 50_000
_CHUNK = 500
_TYPE_CACHE = 4096


class BadAuditFilter(InvalidCommand):
    """A filter names no aggregate or event type driftmgr records."""


class GetAuditLogQuery(msgspec.Struct, frozen=True, kw_only=True):
    since: datetime | None = None
    """Only events recorded at or after this time (naive times are UTC)."""
    until: datetime | None = None
    """Only events recorded before this time."""
    actor: str | None = None
    aggregate_type: str | None = None
    """``StateFile``, ``DriftRun``, ``RemediationPlan`` … (see :func:`known_aggregate_types`)."""
    aggregate_id: UUID | None = None
    event_type: str | None = None
    """``Approved``, or qualified: ``RemediationPlan.Approved``."""
    correlation_id: UUID | None = None
    after: int = 0
    """Only events after this log position."""
    before: int | None = None
    """Only events before this log position, newest first (with ``after``: a range)."""
    limit: int = 100


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    time: datetime
    actor: str
    correlation_id: UUID | None
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    event_type: str
    summary: str
    payload: dict[str, Any]
    """The event's fields, every secret hidden (see ``audit_payload.py``)."""


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    events: list[AuditRecord]
    next: int | None
    """Pass as ``after`` (as ``before`` when the page was asked ``before``) for the next page;
    None when the end (the start) of the log was reached."""


# --- what the log's topics mean ---------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    concrete: frozenset[str]
    """Aggregate types a record can show (classes without subclasses)."""
    topics: dict[tuple[str, str], frozenset[str]]
    """(aggregate type, event type) → the topics such an event may be stored under."""


def _split(topic: str) -> tuple[str, str]:
    """``module:Owner.Event`` → (``Owner``, ``Event``)."""
    qualname = topic.rpartition(":")[2]
    owner, _, name = qualname.rpartition(".")
    return owner or qualname, name


@cache
def _index() -> _Index:
    from eventsourcing.utils import get_topic

    classes = aggregate_classes()
    concrete = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
    topics: dict[tuple[str, str], set[str]] = {}
    for aggregate in concrete:
        for base in aggregate.__mro__:
            if not (isinstance(base, type) and issubclass(base, DriftmgrAggregate)):
                continue
            for name, value in vars(base).items():
                if (
                    name != "Event"
                    and isinstance(value, type)
                    and issubclass(value, DriftmgrAggregate.Event)
                ):
                    key = (aggregate.__qualname__, name)
                    topics.setdefault(key, set()).add(get_topic(value))
    return _Index(
        concrete=frozenset(c.__qualname__ for c in concrete),
        topics={k: frozenset(v) for k, v in topics.items()},
    )


def known_aggregate_types() -> list[str]:
    return sorted(_index().concrete)


def known_event_types() -> list[str]:
    """Every ``event_type`` filter that names events: ``Event`` and ``AggregateType.Event``."""
    pairs = _index().topics
    return sorted({e for _, e in pairs} | {f"{a}.{e}" for a, e in pairs})


def _known_events(aggregate_type: str | None) -> list[str]:
    return sorted(
        {f"{a}.{e}" for a, e in _index().topics if aggregate_type in (None, a) and e != "Created"}
    )


def _topics(query: GetAuditLogQuery) -> frozenset[str]:
    """The topics the type filters allow (empty: no type filter); refuses unknown names."""
    wanted_type = query.aggregate_type
    wanted_event = query.event_type
    if wanted_type is None and wanted_event is None:
        return frozenset()
    index = _index()
    if wanted_type is not None and wanted_type not in index.concrete:
        raise BadAuditFilter(
            f"unknown aggregate type {wanted_type!r}: choose one of "
            f"{', '.join(known_aggregate_types())}"
        )
    event_name = None
    if wanted_event is not None:
        qualifier, _, event_name = wanted_event.rpartition(".")
        if qualifier:
            if wanted_type is not None and qualifier != wanted_type:
                raise BadAuditFilter(
                    f"event type {wanted_event!r} is not an event of {wanted_type}"
                )
            wanted_type = qualifier
    found = frozenset(
        topic
        for (aggregate, event), topics in index.topics.items()
        if wanted_type in (None, aggregate) and event_name in (None, event)
        for topic in topics
    )
    if not found:
        where = f" of {wanted_type}" if wanted_type else ""
        raise BadAuditFilter(
            f"unknown event type {wanted_event!r}{where}: choose one of "
            f"{', '.join(_known_events(wanted_type))}"
        )
    return found


# --- reading the log --------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class AuditLog:
    """The audit log of an application's event log. Thread-safe enough for a server: the
    recorder is, and the small cache of aggregate types is only ever added to."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._types: OrderedDict[UUID, str] = OrderedDict()

    def page(self, query: GetAuditLogQuery) -> AuditPage:
        """One page of the log matching ``query`` (see the module's paging rules)."""
        limit = max(1, min(query.limit, MAX_LIMIT))
        topics = sorted(_topics(query))
        since, until = _utc(query.since), _utc(query.until)
        recorder = self._app.recorder
        end = recorder.max_notification_id() or 0  # later events wait for the next page
        if query.before is not None:
            return self._page_back(query, query.before, limit, topics, since, until, end)
        records: list[AuditRecord] = []
        position = max(0, query.after)
        scanned = 0
        while position < end:
            if scanned >= SCAN_BUDGET:
                return AuditPage(events=records, next=position)
            chunk = recorder.select_notifications(
                start=position,
                limit=min(_CHUNK, SCAN_BUDGET - scanned),
                stop=end,
                topics=topics,
                inclusive_of_start=False,
            )
            if not chunk:
                break
            for notification in chunk:
                scanned += 1
                position = notification.id
                record = self._match(notification, query, since, until)
                if record is not None:
                    records.append(record)
                    if len(records) == limit:
                        return AuditPage(events=records, next=position if position < end else None)
        return AuditPage(events=records, next=None)

    def _page_back(
        self,
        query: GetAuditLogQuery,
        before: int,
        limit: int,
        topics: list[str],
        since: datetime | None,
        until: datetime | None,
        end: int,
    ) -> AuditPage:
        """The newest first page: windows of at most ``_CHUNK`` positions, from the top down.
        A window holds at most as many events as positions, so one read has all of it."""
        floor = max(0, query.after)  # positions above it are read
        top = min(before - 1, end)  # the highest position still to read
        records: list[AuditRecord] = []
        covered = 0
        while top > floor:
            if covered >= SCAN_BUDGET:
                return AuditPage(events=records, next=top + 1)
            bottom = max(floor + 1, top - min(_CHUNK, SCAN_BUDGET - covered) + 1)
            window = self._app.recorder.select_notifications(
                start=bottom, limit=top - bottom + 1, stop=top, topics=topics
            )
            covered += top - bottom + 1
            for notification in reversed(window):
                record = self._match(notification, query, since, until)
                if record is not None:
                    records.append(record)
                    if len(records) == limit:
                        position = record.position
                        return AuditPage(
                            events=records, next=position if position > floor + 1 else None
                        )
            top = bottom - 1
        return AuditPage(events=records, next=None)

    def _match(
        self,
        notification: Notification,
        query: GetAuditLogQuery,
        since: datetime | None,
        until: datetime | None,
    ) -> AuditRecord | None:
        raw_id = notification.originator_id
        aggregate_id = raw_id if isinstance(raw_id, UUID) else UUID(raw_id)
        if query.aggregate_id is not None and aggregate_id != query.aggregate_id:
            return None
        owner, event_type = _split(notification.topic)
        if query.event_type is not None and event_type != query.event_type.rpartition(".")[2]:
            return None
        aggregate_type = self._aggregate_type(notification, owner)
        wanted_type = query.aggregate_type or (
            query.event_type.rpartition(".")[0] if query.event_type else ""
        )
        if wanted_type and aggregate_type != wanted_type:
            return None
        try:
            state = dict(vars(self._app.mapper.to_domain_event(notification)))
        except Exception as e:  # a record this version cannot read: shown, never hidden
            if query.actor or query.correlation_id or since or until:
                return None
            return AuditRecord(
                position=notification.id,
                time=datetime.fromtimestamp(0, UTC),
                actor="?",
                correlation_id=None,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                aggregate_version=notification.originator_version,
                event_type=event_type,
                summary=f"cannot decode this event: {type(e).__name__}",
                payload={},
            )
        actor = str(state.get("actor", "?"))
        correlation_id = state.get("correlation_id")
        timestamp: datetime = state["timestamp"]
        if query.actor is not None and actor != query.actor:
            return None
        if query.correlation_id is not None and correlation_id != query.correlation_id:
            return None
        if (since is not None and timestamp < since) or (until is not None and timestamp >= until):
            return None
        payload = redact_payload(to_payload(state))
        return AuditRecord(
            position=notification.id,
            time=timestamp,
            actor=actor,
            correlation_id=correlation_id if isinstance(correlation_id, UUID) else None,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=notification.originator_version,
            event_type=event_type,
            summary=summarise(actor, aggregate_type, aggregate_id, event_type, payload),
            payload=payload,
        )

    def _aggregate_type(self, notification: Notification, owner: str) -> str:
        """The concrete aggregate an event belongs to. Events a base class records (a run's
        ``Started``) name the base: the aggregate's first event names the class."""
        if owner in _index().concrete:
            return owner
        originator = UUID(str(notification.originator_id))
        cached = self._types.get(originator)
        if cached is not None:
            return cached
        first = self._app.recorder.select_events(originator, limit=1)
        found = _split(first[0].topic)[0] if first else owner
        self._types[originator] = found
        if len(self._types) > _TYPE_CACHE:
            self._types.popitem(last=False)
        return found
