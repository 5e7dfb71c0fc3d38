"""Every request under a correlation id, timed by route: the outermost layer of the app.

The id is the client's ``X-Correlation-Id`` or ``X-Request-Id`` when it is a UUID (32 hex
digits with or without hyphens, as proxies generate them), else a new one. It is set for
the request's log lines (a context variable), recorded with the events and jobs the
request causes (``cause_of``), and returned in both response headers.

The layer wraps the app's whole ASGI handler rather than being a litestar middleware,
which runs only once a route matched: 404s, refused methods and CORS preflights are timed
and correlated too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from driftmgr.observability import correlation_scope

if TYPE_CHECKING:
    from driftmgr.bootstrap import Services

__all__ = ["UNMATCHED_ROUTE", "RequestObserver", "instrument", "request_correlation_id"]

#: The route label of a request no route matched: never the raw path, which is unbounded.
UNMATCHED_ROUTE = "unmatched"
_HEADERS = (b"x-correlation-id", b"x-request-id")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

#: ``observe(route, method, status, seconds)``: called once each request is answered.
RequestObserver = Callable[[str, str, int, float], None]


def request_correlation_id(headers: Iterable[tuple[bytes, bytes]]) -> UUID:
    """The client's correlation id if it sent a well-formed one, else a new one."""
    for name, value in headers:
        if name.lower() in _HEADERS:
            try:
                return UUID(value.decode("ascii")[:64])
            except (ValueError, UnicodeDecodeError):
                continue
    return uuid4()


def _observed(app: ASGIApp, observe: RequestObserver | None) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        correlation = request_correlation_id(scope["headers"])
        scope["state"]["correlation_id"] = correlation
        echoed = str(correlation).encode()
        status = 500  # if the app raises before answering, uvicorn answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *(
                        (name, value)
                        for name, value in message.get("headers", ())
                        if name.lower() not in _HEADERS
                    ),
                    (b"x-correlation-id", echoed),
                    (b"x-request-id", echoed),
                ]
            await send(message)

        started = time.perf_counter()
        try:
            with correlation_scope(correlation):
                await app(scope, receive, send_with_id)
        finally:
            if observe is not None:
                method = scope["method"] if scope["method"] in _METHODS else "other"
                route = scope.get("path_template") or UNMATCHED_ROUTE  # set by the router
                observe(route, method, status, time.perf_counter() - started)

    return handle


def instrument(app: Litestar, services: Services, *, metrics: bool) -> None:
    """Put every request of ``app`` under a correlation id; with ``metrics``, also time it
    and serve ``/metrics`` (a server's app; the CLI's in-process one has no scraper, and
    is spared importing prometheus_client)."""
    observe: RequestObserver | None = None
    if metrics:
        from driftmgr.http.metrics import AppMetrics, metrics_route

        app_metrics = AppMetrics(services)
        app.state["metrics"] = app_metrics
        app.register(metrics_route)
        observe = app_metrics.observe_request
    app.asgi_handler = _observed(app.asgi_handler, observe)
