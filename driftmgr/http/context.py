"""Per-request context: who is asking and under which correlation id, and the services."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Request
from litestar.datastructures import State

from driftmgr.bootstrap import Services
from driftmgr.domain.base import Cause
from driftmgr.domain.roles import Permission
from driftmgr.http.observed import request_correlation_id
from driftmgr.queries.as_of import read_as_of
from driftmgr.queries.base import ReadModels

__all__ = [
    "CORRELATION_HEADER",
    "Principal",
    "cause_of",
    "principal_of",
    "read_models_of",
    "services_of",
]

CORRELATION_HEADER = "X-Correlation-Id"


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated caller: the actor recorded for what it does, and what it may do."""

    actor: str
    permissions: frozenset[Permission]
    via: Literal["local", "token", "oidc"]


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """The caller the auth guard authenticated (every non-public route has one)."""
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        raise RuntimeError(f"{request.url.path}: no authenticated caller on a route that needs one")
    return principal


def cause_of(request: Request[Any, Any, Any]) -> Cause:
    """The authenticated principal as the actor; a header cannot name anyone else. The
    correlation id is the request's (``driftmgr.http.observed``), so the events and jobs
    it causes carry the id its log lines and its response show."""
    correlation_id = request.scope["state"].get("correlation_id")
    if not isinstance(correlation_id, UUID):  # an app built without driftmgr's outer layer
        correlation_id = request_correlation_id(request.scope["headers"])
    return Cause(actor=principal_of(request).actor[:200], correlation_id=correlation_id)


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


def read_models_of(state: State, as_of: str | None) -> AbstractAsyncContextManager[ReadModels]:
    """The read models a query answers from: live, or replayed up to ``?as_of=``."""
    services = services_of(state)
    return read_as_of(services.read, services.replays, as_of)
