"""The audit log: who did what, when, from the event log (GetAuditLogQuery); and the
server's own check of the log's hash chain and signed checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromQuery, QueryParameter

from driftmgr.adapters.eventstore.chain import checkpoint_key, has_chain, verify_store
from driftmgr.adapters.eventstore.config import create_sql_engine, log_key
from driftmgr.errors import Conflict
from driftmgr.http.context import services_of
from driftmgr.http.limits import Offset
from driftmgr.queries.audit import (
    MAX_LIMIT,
    AuditLog,
    AuditPage,
    BadAuditFilter,
    GetAuditLogQuery,
    known_aggregate_types,
    known_event_types,
)
from driftmgr.settings import Settings

__all__ = ["AuditController", "LogVerdict"]

# The names the filters know, in the schema: a client learns them there, and a request the
# schema admits is one the server answers.
# Litestar reads a Unix time too ("1767225600.5"): the schema says so, within the years 1 to
# 9999 that a datetime holds (beyond them it is a 400).
Moment = Annotated[
    datetime | None,
    QueryParameter(
        schema_extra={
            "one_of": [
                Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                Schema(type=OpenAPIType.NUMBER, minimum=-62135596800, maximum=253402300799),
                Schema(type=OpenAPIType.NULL),  # litestar reads "null" as absent
            ]
        }
    ),
]
AggregateType = Annotated[
    str | None, QueryParameter(schema_extra={"enum": [*known_aggregate_types(), None]})
]
EventType = Annotated[
    str | None,
    QueryParameter(
        description="An event's name, alone or as AGGREGATE_TYPE.EVENT",
        schema_extra={"enum": [*known_event_types(), None]},
    ),
]

Before = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        le=2**53 - 1,
        description="Newest first: only events before this log position (exclusive); pass "
        "the answer's next as before for older ones. With after too: the events between them",
        schema_extra={"minimum": 0},
    ),
]


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/events",
        permission="audit",
        sync_to_thread=True,
        summary="The audit log: recorded events, filtered, paged by log position: oldest "
        "first after a position, or newest first before one (GetAuditLogQuery)",
    )
    def events(
        self,
        state: State,
        since: Moment = None,
        until: Moment = None,
        actor: FromQuery[str | None] = None,
        aggregate_type: AggregateType = None,
        aggregate_id: FromQuery[UUID | None] = None,
        event_type: EventType = None,
        correlation_id: FromQuery[UUID | None] = None,
        after: Offset = 0,
        before: Before = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
    ) -> AuditPage:
        query = GetAuditLogQuery(
            since=since,
            until=until,
            actor=actor,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            event_type=event_type,
            correlation_id=correlation_id,
            after=after,
            before=before,
            limit=limit,
        )
        try:
            return AuditLog(services_of(state).backend.app).page(query)
        except BadAuditFilter as e:
            # Names the schema admits can still exclude each other (an event of another
            # aggregate type): no event matches both, so the page is empty.
            if _known(aggregate_type, known_aggregate_types()) and _known(
                event_type, known_event_types()
            ):
                return AuditPage(events=[], next=None)
            raise ValidationException(detail=str(e)) from None

    @get(
        "/verify",
        permission="audit",
        summary="The server checks its event log's hash chain and signed checkpoints",
        refusals=(409,),
    )
    async def verify(self, state: State) -> LogVerdict:
        """The server's own word about its log. A server whose store was tampered with may
        be tampered with too: the independent check is ``driftmgr audit verify``, run on
        the store itself (ADR 0014)."""
        services = services_of(state)
        store_key = services.backend.app.store_key.key
        # It reads the whole log: off the event loop.
        return await anyio.to_thread.run_sync(verify_log, services.settings, store_key)


class LogVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """``driftmgr audit verify --output json``'s answer, and when the server checked."""

    ok: bool
    events: int
    """Events verified: all of them when intact, those before the break otherwise."""
    head_position: int | None
    head_hash: str
    """Hex SHA-256 of the newest link verified."""
    last_checkpoint: int | None
    signatures_checked: bool
    broken_at: int | None
    problem: str | None
    """changed, swapped, altered, unchained, missing, gap, truncated, checkpoint-missing,
    checkpoint-mismatch or bad-signature (driftmgr.adapters.eventstore.chain)."""
    detail: str | None
    checked_at: datetime


def verify_log(settings: Settings, store_key: str | None) -> LogVerdict:
    """Verify the store's raw rows as ``driftmgr audit verify`` does (blocking: the whole
    log is read), on an engine of its own."""
    if settings.is_postgres:
        table, column = "driftmgr_events", "notification_id"
    else:
        table, column = "stored_events", "rowid"
    engine = create_sql_engine(settings, database="events")
    try:
        with engine.connect() as conn:
            if not has_chain(conn):
                raise Conflict(
                    f"the log at {log_key(settings)} has no hash chain yet: restart the "
                    "server with this version, which chains its existing events"
                )
            key = checkpoint_key(settings.audit_key, store_key)
            verdict = verify_store(conn, events_table=table, position_column=column, key=key)
    finally:
        engine.dispose()
    return msgspec.convert({**verdict.to_json(), "checked_at": datetime.now(UTC)}, LogVerdict)


def _known(name: str | None, names: list[str]) -> bool:
    return name is None or name in names
