"""Per-request context: who is asking and under which correlation id, and the services."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from litestar import Request
from litestar.datastructures import State

from driftmgr.bootstrap import Services
from driftmgr.domain.base import Cause

__all__ = ["ACTOR_HEADER", "CORRELATION_HEADER", "cause_of", "services_of"]

ACTOR_HEADER = "X-Driftmgr-Actor"
CORRELATION_HEADER = "X-Correlation-Id"


def cause_of(request: Request[Any, Any, Any]) -> Cause:
    actor = request.headers.get(ACTOR_HEADER) or "anonymous"
    raw = request.headers.get(CORRELATION_HEADER)
    try:
        correlation_id = UUID(raw) if raw else uuid4()
    except ValueError:
        correlation_id = uuid4()
    return Cause(actor=actor[:200], correlation_id=correlation_id)


def services_of(state: State) -> Services:
    services: Services = state.services
    return services
