"""The litestar application: thin controllers over the command and query handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import msgspec
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from driftmgr import __version__
from driftmgr.bootstrap import Services
from driftmgr.http.context import services_of
from driftmgr.http.discoveries import DiscoveriesController, ResourcesController
from driftmgr.http.drift_runs import DriftRunsController
from driftmgr.http.errors import exception_handlers
from driftmgr.http.remediation import RemediationController
from driftmgr.http.states import StatesController

__all__ = ["Health", "create_app"]


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    version: str
    log_position: int
    read_model_position: int
    projection_error: str | None


@get("/healthz", sync_to_thread=True, summary="Liveness, and how far the read models lag")
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


def create_app(
    services: Services,
    *,
    run_background: bool = True,
    on_started: Callable[[], None] | None = None,
) -> Litestar:
    """Build the app. With ``run_background`` the lifespan runs projections and a worker;
    ``on_started`` is called once they run and requests can be served."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if run_background:
            services.start()
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            if run_background:
                services.stop()
            await services.read.engine.dispose()

    return Litestar(
        route_handlers=[
            healthz,
            StatesController,
            DiscoveriesController,
            ResourcesController,
            DriftRunsController,
            RemediationController,
        ],
        state=State({"services": services}),
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        openapi_config=OpenAPIConfig(title="driftmgr", version=__version__, path="/schema"),
        # Logging belongs to the process (CLI flags, uvicorn), not to the app.
        logging_config=None,
        debug=False,
    )
