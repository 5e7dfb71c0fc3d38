"""Live events: the log as it grows, over Server-Sent Events and a WebSocket.

A stream is the audit log read forward (:class:`~driftmgr.queries.audit.AuditLog`, so the
same filters and the same redaction: no secret leaves) and then followed: after each page
it waits for the log to move (the in-process :class:`PositionSignal`, bounded so that
writers in other processes are seen too). Each message carries the event's log position as
its id; a client resumes after the last id it saw (``Last-Event-ID`` or ``?after=``), so a
reconnection misses nothing and repeats nothing.

Memory per connection is bounded: a reader task fills a queue of at most
:data:`QUEUE_SIZE` messages, and waits for room at most :data:`STALL_SECONDS`. A client
slower than that is cut off with a final ``reset`` message naming the position to resume
after; the log is its buffer, not the server. Streams end when the server shuts down
(:func:`close_streams`), so that they hold up neither it nor anything else: the reading
happens in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import anyio
import anyio.to_thread
import msgspec
from litestar import Controller, Request, get, websocket
from litestar.connection import WebSocket
from litestar.datastructures import State
from litestar.exceptions import ValidationException, WebSocketDisconnect
from litestar.params import FromQuery, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.http.audit import AggregateType, EventType
from driftmgr.http.context import services_of
from driftmgr.http.limits import Offset
from driftmgr.queries.audit import (
    MAX_LIMIT,
    AuditLog,
    AuditRecord,
    BadAuditFilter,
    GetAuditLogQuery,
    known_aggregate_types,
    known_event_types,
)

__all__ = [
    "QUEUE_SIZE",
    "STALL_SECONDS",
    "STREAMS_KEY",
    "EventMessage",
    "EventStream",
    "EventsController",
    "LiveStreams",
    "Reset",
    "close_streams",
    "events_socket",
]

QUEUE_SIZE = 1000
"""Most messages one connection holds before they are sent."""
STALL_SECONDS = 30.0
"""How long a client may leave its queue full before it is cut off with a ``reset``."""
POLL_SECONDS = 1.0
"""Longest wait for the log before it is read again (writers in other processes)."""
STREAMS_KEY = "event_streams"


class EventMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One event as a stream shows it: the audit log's record without who did it (that
    needs the ``audit`` permission), ``data`` redacted as the audit log redacts it."""

    position: int
    event_type: str
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    time: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, record: AuditRecord) -> EventMessage:
        return cls(
            position=record.position,
            event_type=record.event_type,
            aggregate_type=record.aggregate_type,
            aggregate_id=record.aggregate_id,
            aggregate_version=record.aggregate_version,
            time=record.time,
            data=record.payload,
        )


class Reset(msgspec.Struct, frozen=True, kw_only=True):
    """The last message of a stream the server cut off: reconnect with ``after``."""

    after: int
    reason: str


@dataclass
class LiveStreams:
    """The app's open streams' shared settings and their off switch."""

    queue_size: int = QUEUE_SIZE
    stall_seconds: float = STALL_SECONDS
    poll_seconds: float = POLL_SECONDS
    closing: bool = False

    def close(self) -> None:
        """End every stream soon (safe from any thread or a signal handler): each sees the
        flag at its next wait, at most ``poll_seconds`` later."""
        self.closing = True


def close_streams(state: State) -> None:
    """End the app's streams: ``serve`` calls this when it starts shutting down, since
    the server waits for open connections before the app's own shutdown runs."""
    streams = state.get(STREAMS_KEY)
    if isinstance(streams, LiveStreams):
        streams.close()


def streams_of(state: State) -> LiveStreams:
    streams = state.get(STREAMS_KEY)
    if not isinstance(streams, LiveStreams):
        streams = LiveStreams()
        state[STREAMS_KEY] = streams
    return streams


class EventStream:
    """One connection's events: a reader task filling a bounded queue, read by the sender.

    Without ``follow`` it ends once it has sent what the log held when it was read; with
    ``limit`` after that many events.
    """

    def __init__(
        self,
        audit: AuditLog,
        query: GetAuditLogQuery,
        log_signal: PositionSignal,
        log_position: Callable[[], int],
        streams: LiveStreams,
        *,
        follow: bool = True,
        limit: int | None = None,
    ) -> None:
        self._audit = audit
        self._query = query
        self._log_signal = log_signal
        self._log_position = log_position
        self._streams = streams
        self._follow = follow
        self._limit = limit
        self._items: deque[EventMessage] = deque()
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._ended = False
        self.finished = asyncio.Event()
        """Set once the reader has stopped reading the log (end, limit, overflow, close)."""
        self._overflowed = False
        self.sent = query.after
        """The position of the last event handed to the client (or the start)."""

    async def messages(self) -> AsyncIterator[EventMessage | Reset]:
        reader = asyncio.create_task(self._read())
        try:
            while True:
                if self._overflowed:
                    yield Reset(
                        after=self.sent,
                        reason=f"the client fell more than {self._streams.queue_size} "
                        "events behind; reconnect to resume",
                    )
                    return
                if self._items:
                    message = self._items.popleft()
                    self._room.set()
                    self.sent = message.position
                    yield message
                elif self._ended:
                    if reader.done() and (error := reader.exception()) is not None:
                        raise error
                    return
                else:
                    self._ready.clear()
                    await self._ready.wait()
        finally:
            reader.cancel()

    async def _read(self) -> None:
        try:
            await self._follow_log()
        finally:
            self._ended = True
            self._ready.set()
            self.finished.set()

    async def _follow_log(self) -> None:
        position, count = self._query.after, 0
        streams = self._streams
        while not streams.closing:
            room = streams.queue_size - len(self._items)
            wanted = min(MAX_LIMIT, max(room, 1))
            if self._limit is not None:
                wanted = min(wanted, self._limit - count)
            records, position, more = await anyio.to_thread.run_sync(
                self._page, position, wanted, abandon_on_cancel=True
            )
            for record in records:
                if not await self._push(EventMessage.of(record)):
                    return
                count += 1
            if self._limit is not None and count >= self._limit:
                return
            if more:
                continue
            if not self._follow:
                return
            await self._log_signal.wait_change(streams.poll_seconds)

    def _page(self, after: int, limit: int) -> tuple[list[AuditRecord], int, bool]:
        """Matching events after ``after``, the position read up to, and whether the log
        held more then. Blocking: runs in a worker thread."""
        end = self._log_position()
        try:
            page = self._audit.page(msgspec.structs.replace(self._query, after=after, limit=limit))
        except BadAuditFilter:  # names that exclude each other: nothing ever matches
            return [], end, False
        last = page.events[-1].position if page.events else after
        if page.next is not None:
            return page.events, page.next, True
        # The page read to the log's end as it found it, at least ``end``: nothing matching
        # lies between the last event and there.
        return page.events, max(end, last), False

    async def _push(self, message: EventMessage) -> bool:
        """Queue ``message``; False when the client left it no room for too long."""
        deadline = asyncio.get_running_loop().time() + self._streams.stall_seconds
        while len(self._items) >= self._streams.queue_size:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._streams.closing:
                self._overflowed = not self._streams.closing
                self._items.clear()  # the log keeps them; the client resumes from `sent`
                return False
            self._room.clear()
            try:
                await asyncio.wait_for(self._room.wait(), min(remaining, POLL_SECONDS))
            except TimeoutError:
                continue
        self._items.append(message)
        self._ready.set()
        return True


def _stream_of(
    state: State,
    *,
    after: int,
    event_type: str | None,
    aggregate_type: str | None,
    aggregate_id: UUID | None,
    follow: bool,
    limit: int | None,
) -> EventStream:
    services = services_of(state)
    app = services.backend.app
    query = GetAuditLogQuery(
        after=after,
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
    )
    audit = AuditLog(app)
    try:
        audit.page(msgspec.structs.replace(query, after=app.position(), limit=1))
    except BadAuditFilter as e:  # as the audit log: names the schema admits just match none
        if not _admitted(aggregate_type, event_type):
            raise ValidationException(detail=str(e)) from None
    return EventStream(
        audit,
        query,
        app.log_signal,
        app.position,
        streams_of(state),
        follow=follow,
        limit=limit,
    )


def _admitted(aggregate_type: str | None, event_type: str | None) -> bool:
    """Whether the schema admits both names (then they only exclude each other)."""
    return aggregate_type in (None, *known_aggregate_types()) and event_type in (
        None,
        *known_event_types(),
    )


def _resume_after(header: str | None, after: int) -> int:
    """``Last-Event-ID`` (a browser's reconnection) wins over the URL's ``after``."""
    if header is None or not header.strip():
        return after
    value = header.strip()
    if not value.isdigit() or len(value) > 18:
        raise ValidationException(detail=f"Last-Event-ID must be a log position, not {value!r}")
    return int(value)


def _sse(message: EventMessage | Reset) -> ServerSentEventMessage:
    if isinstance(message, Reset):
        return ServerSentEventMessage(
            data=msgspec.json.encode(message).decode(), event="reset", id=str(message.after)
        )
    return ServerSentEventMessage(
        data=msgspec.json.encode(message).decode(), id=str(message.position)
    )


Limit = Annotated[
    int | None,
    QueryParameter(ge=1, le=1_000_000, description="End the stream after this many events"),
]
Follow = Annotated[
    bool,
    QueryParameter(description="Keep the stream open for new events (false: end at the log's end)"),
]


class EventsController(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @get(
        "/",
        permission="read",
        summary="Live events: the log from a position on, then as it grows (Server-Sent Events)",
        description=(
            "Each message's `id` is the event's log position and its `data` a JSON object: "
            "`position`, `event_type`, `aggregate_type`, `aggregate_id`, "
            "`aggregate_version`, `time` and `data` (the event's fields, secrets redacted "
            "as in the audit log). Resume after a position with `Last-Event-ID` (wins) or "
            "`after`. A client that falls behind is sent a last message `event: reset` "
            "whose data's `after` is the position to reconnect with."
        ),
        media_types=("text/event-stream",),
    )
    async def stream(
        self,
        request: Request[Any, Any, Any],
        state: State,
        after: Offset = 0,
        event_type: EventType = None,
        aggregate_type: AggregateType = None,
        aggregate_id: FromQuery[UUID | None] = None,
        follow: Follow = True,
        limit: Limit = None,
        last_event_id: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", max_length=100)
        ] = None,
    ) -> ServerSentEvent:
        stream = await anyio.to_thread.run_sync(
            lambda: _stream_of(
                state,
                after=_resume_after(last_event_id, after),
                event_type=event_type,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                follow=follow,
                limit=limit,
            )
        )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async for message in stream.messages():
                yield _sse(message)

        return ServerSentEvent(messages())


@websocket("/api/v1/events/ws", opt={"permission": "read"})
async def events_socket(
    socket: WebSocket[Any, Any, Any],
    after: Offset = 0,
    event_type: EventType = None,
    aggregate_type: AggregateType = None,
    aggregate_id: FromQuery[UUID | None] = None,
    follow: Follow = True,
    limit: Limit = None,
) -> None:
    """The same messages as ``GET /api/v1/events`` as JSON text frames; a ``reset`` is
    ``{"reset": {"after": N, "reason": …}}`` and then the server closes (code 1013)."""
    state = socket.app.state
    stream = await anyio.to_thread.run_sync(
        lambda: _stream_of(
            state,
            after=after,
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            follow=follow,
            limit=limit,
        )
    )
    await socket.accept()

    async def send() -> None:
        async for message in stream.messages():
            if isinstance(message, Reset):
                await socket.send_data(msgspec.json.encode({"reset": message}).decode())
                await socket.close(code=1013, reason="too slow; resume after the last position")
                return
            await socket.send_data(msgspec.json.encode(message).decode())
        await socket.close()

    async def until_disconnected() -> None:
        # An idle stream sends nothing, so only reading notices a client that left.
        while True:
            await socket.receive_data(mode="text")  # what a client says is ignored

    async with anyio.create_task_group() as group:

        async def first_to_end(job: Callable[[], Awaitable[None]]) -> None:
            with contextlib.suppress(WebSocketDisconnect):
                await job()
            group.cancel_scope.cancel()

        group.start_soon(first_to_end, send)
        group.start_soon(first_to_end, until_disconnected)
