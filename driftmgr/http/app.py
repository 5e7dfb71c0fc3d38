"""The litestar application: thin controllers over the command and query handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, Router, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler

from driftmgr import __version__
from driftmgr.bootstrap import Services
from driftmgr.http.audit import AuditController
from driftmgr.http.auth import AuthConfig, ServerAuth, auth_guard, check_declared
from driftmgr.http.context import services_of
from driftmgr.http.contract import check_min_position, complete_contract
from driftmgr.http.dashboard import dashboard_routes
from driftmgr.http.discoveries import DiscoveriesController, ResourcesController
from driftmgr.http.drift_runs import DriftRunsController
from driftmgr.http.errors import exception_handlers, problem
from driftmgr.http.events import STREAMS_KEY, EventsController, LiveStreams, events_socket
from driftmgr.http.jobs import JobsController
from driftmgr.http.limits import BlockingPool, body_limit, check_json_depth
from driftmgr.http.me import me
from driftmgr.http.observed import instrument
from driftmgr.http.providers import providers
from driftmgr.http.remediation import RemediationController
from driftmgr.http.schedules import SchedulesController
from driftmgr.http.states import StatesController
from driftmgr.http.tokens import TokensController
from driftmgr.http.workflows import WorkflowsController

__all__ = ["Health", "Ready", "create_app"]


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    version: str
    log_position: int
    read_model_position: int
    projection_error: str | None


class Ready(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    log_position: int
    read_model_position: int


@get(
    "/healthz",
    permission="public",
    sync_to_thread=True,
    summary="Liveness, and how far the read models lag",
)
def healthz(state: State) -> Health:
    services = services_of(state)
    error = services.projections.last_error
    return Health(
        status="degraded" if error else "ok",
        version=__version__,
        log_position=services.backend.app.position(),
        read_model_position=services.projections.progress.position,
        projection_error=error,
    )


@get(
    "/readyz",
    permission="public",
    sync_to_thread=True,
    summary="Ready to serve: the store answers and the read models project without error",
    refusals=(503,),
)
def readyz(state: State) -> Response[Any]:
    services = services_of(state)
    try:
        log_position = services.backend.app.position()
        read_model_position = services.projections.position
    except Exception as e:  # any failure to reach the store means "not ready"
        return problem(503, "Not ready", f"the store does not answer: {type(e).__name__}")
    error = services.projections.last_error
    if error:
        return problem(503, "Not ready", f"the read models cannot be projected: {error}")
    lag, allowed = log_position - read_model_position, services.settings.ready_max_lag
    if lag > allowed:
        return problem(
            503,
            "Not ready",
            f"the read models are {lag} events behind the store (DRIFTMGR_READY_MAX_LAG: "
            f"{allowed}); they are catching up",
            log_position=log_position,
            read_model_position=read_model_position,
        )
    return Response(
        Ready(status="ready", log_position=log_position, read_model_position=read_model_position)
    )


async def before_request(request: Request[Any, Any, Any]) -> None:
    await check_json_depth(request)
    await check_min_position(request)


def create_app(
    services: Services,
    *,
    auth: AuthConfig,
    run_background: bool = True,
    on_started: Callable[[], None] | None = None,
    extra_routes: Sequence[ControllerRouterHandler] = (),
    contract: bool = True,
    run_jobs: bool = True,
) -> Litestar:
    """Build the app. ``auth`` says who may call it (``ServerAuth`` for ``serve``,
    ``LocalTrust`` for the CLI in-process). With ``run_background`` the lifespan runs
    projections and a worker; ``on_started`` is called once they run and requests can be
    served. ``extra_routes`` are more handlers (extensions); like every route they must
    declare their permission: a route that declares none makes this raise TypeError.
    ``contract`` completes the OpenAPI document with every refusal (off for the CLI).
    ``run_jobs`` False: no worker or scheduler in this process (``serve --no-worker``).
    """

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if run_background:
            services.start(jobs=run_jobs)
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            if run_background:
                services.stop()
            await services.read.engine.dispose()

    cors = None
    if isinstance(auth, ServerAuth) and auth.cors_origins:
        cors = CORSConfig(
            allow_origins=list(auth.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Correlation-Id", "X-Request-Id"],
            allow_credentials=False,
            max_age=600,
        )
    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            providers,
            StatesController,
            DiscoveriesController,
            ResourcesController,
            DriftRunsController,
            SchedulesController,
            JobsController,
            WorkflowsController,
            RemediationController,
            TokensController,
            me,
            AuditController,
            EventsController,
            events_socket,
            *dashboard_routes(),
            *extra_routes,
        ],
        guards=[auth_guard(auth)],
        cors_config=cors,
        state=State(
            {
                "services": services,
                "blocking_pool": BlockingPool(),
                STREAMS_KEY: LiveStreams(),  # live event streams, closed when `serve` stops
            }
        ),
        before_request=before_request,
        # States travel in command bodies: the body limit follows DRIFTMGR_MAX_STATE_BYTES
        # (litestar's own default, 10 MB, would refuse states ADR 0002 plans for).
        request_max_body_size=body_limit(services.settings.max_state_bytes),
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        openapi_config=OpenAPIConfig(
            title="driftmgr",
            version=__version__,
            # The API's shape is not secret, but like everything but health it needs a reader.
            openapi_router=Router(
                "/schema", route_handlers=[], include_in_schema=False, opt={"permission": "read"}
            ),
        ),
        # Logging belongs to the process (CLI flags, uvicorn), not to the app.
        logging_config=None,
        debug=False,
    )
    instrument(app, services, metrics=isinstance(auth, ServerAuth))
    check_declared(app)
    if contract:
        # Builds the OpenAPI document (~70 ms): the in-process CLI, which never serves it,
        # skips it.
        complete_contract(app)
    return app
