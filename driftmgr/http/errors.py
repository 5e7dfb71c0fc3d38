"""Every refusal as RFC 9457 problem+json: a title, the status, and a detail to act on."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from uuid import UUID, uuid4

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from driftmgr.adapters.providers.base import ProviderAuthError, ProviderError
from driftmgr.errors import CommandError, Conflict, Forbidden, InvalidCommand, NotFound
from driftmgr.http.context import CORRELATION_HEADER
from driftmgr.http.limits import ServerBusy
from driftmgr.projections.replay import InvalidAsOf, NoSuchMoment
from driftmgr.projections.runner import ReadModelBehind
from driftmgr.settings import ConfigurationError

__all__ = ["PROBLEM_JSON", "exception_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

_STATUS: list[tuple[type[Exception], int, str]] = [
    (NotFound, 404, "Not found"),
    (Forbidden, 403, "Forbidden"),
    (Conflict, 409, "Conflict"),
    (InvalidCommand, 422, "Invalid command"),
    (ProviderAuthError, 502, "Cloud credentials rejected"),
    (ProviderError, 502, "Cloud provider unreachable"),
    (ReadModelBehind, 503, "Not yet up to date"),
    (NoSuchMoment, 404, "No such moment"),
    (InvalidAsOf, 400, "Malformed request"),
    (ConfigurationError, 500, "Server misconfigured"),
]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    retry = {"Retry-After": "1"} if status == 503 else {}
    return Response(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra},
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**retry, **(headers or {})},
    )


def _known(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    for kind, status, title in _STATUS:
        if isinstance(exc, kind):
            return problem(status, title, str(exc))
    return _unexpected(request, exc)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException):
        if exc.extra:
            return problem(400, "Malformed request", _validation_detail(exc), errors=exc.extra)
        return problem(400, "Malformed request", str(exc.detail))
    if exc.status_code == 413:
        limit = request.app.state["services"].settings.max_state_bytes
        return problem(
            413,
            "Request too large",
            f"the request body is larger than a command carrying a state of {limit} bytes "
            "(DRIFTMGR_MAX_STATE_BYTES) can be; import a larger state by its source, which "
            "the server reads, or ask the operator to raise the limit",
        )
    # The standard phrase as the title ("Unauthorized", "Unsupported Media Type"), and the
    # exception's headers (WWW-Authenticate on a 401).
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)


#: What a user should send, for parameters whose schema says it only as a pattern.
_EXPECTED = {
    "a": "a state id, or STATE_ID@SERIAL for one of its versions",
    "b": "a state id, or STATE_ID@SERIAL for one of its versions",
    "tag": "KEY=VALUE",
}


def _validation_detail(exc: ValidationException) -> str:
    # The library's message names a regex; say what to send where we know it.
    hints = [
        f"{item['key']}: expected {_EXPECTED[item['key']]}"
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict) and item.get("key") in _EXPECTED
    ]
    return "; ".join([str(exc.detail), *hints])


def _busy(request: Request[Any, Any, Any], exc: ServerBusy) -> Response[dict[str, Any]]:
    return problem(503, "Server busy", str(exc), headers={"Retry-After": str(exc.retry_after)})


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # The details stay in the server's log: an exception's text can quote what was read.
    # The client gets the id to find them by: the request's (its own X-Correlation-Id, if
    # it sent one), which its log lines and the events it caused carry too.
    correlation_id = request.scope.get("state", {}).get("correlation_id")
    if not isinstance(correlation_id, UUID):
        try:
            correlation_id = UUID(request.headers.get(CORRELATION_HEADER) or "")
        except ValueError:
            correlation_id = uuid4()
    log.error(
        "unhandled error on %s %s (correlation id %s)",
        request.method,
        request.url.path,
        correlation_id,
        exc_info=exc,
    )
    return problem(
        500,
        "Internal error",
        f"the server failed to answer; report correlation id {correlation_id} to its operator",
        headers={CORRELATION_HEADER: str(correlation_id)},
        correlation_id=str(correlation_id),
    )


exception_handlers: ExceptionHandlersMap = {
    HTTPException: _http,
    CommandError: _known,
    ProviderError: _known,
    ReadModelBehind: _known,
    InvalidAsOf: _known,
    ConfigurationError: _known,
    ServerBusy: _busy,
    Exception: _unexpected,
}
