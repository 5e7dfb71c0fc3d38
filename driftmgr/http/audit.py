"""The audit log: who did what, when, from the event log (GetAuditLogQuery)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromQuery, QueryParameter

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

__all__ = ["AuditController"]

# The names the filters know, in the schema: a client learns them there, and a request the
# schema admits is one the server answers.
# Litestar reads a Unix time too ("1767225600.5"): the schema says so.
Moment = Annotated[
    datetime | None,
    QueryParameter(
        schema_extra={
            "one_of": [
                Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                Schema(type=OpenAPIType.NUMBER),
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


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/events",
        permission="audit",
        sync_to_thread=True,
        summary="The audit log: recorded events, filtered, paged by log position "
        "(GetAuditLogQuery)",
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


def _known(name: str | None, names: list[str]) -> bool:
    return name is None or name in names
