"""The audit log: who did what, when, from the event log (GetAuditLogQuery)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, QueryParameter

from driftmgr.http.context import services_of
from driftmgr.http.limits import Offset
from driftmgr.queries.audit import (
    MAX_LIMIT,
    AuditLog,
    AuditPage,
    BadAuditFilter,
    GetAuditLogQuery,
)

__all__ = ["AuditController"]


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
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        actor: FromQuery[str | None] = None,
        aggregate_type: FromQuery[str | None] = None,
        aggregate_id: FromQuery[UUID | None] = None,
        event_type: FromQuery[str | None] = None,
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
            raise ValidationException(detail=str(e)) from None
