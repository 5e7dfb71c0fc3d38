"""Discoveries and the inventory cache."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from driftmgr.commands.discovery import StartDiscovery, start_discovery
from driftmgr.commands.results import Accepted
from driftmgr.commands.runs import CancelRun, cancel_run
from driftmgr.http.context import cause_of, read_models_of, services_of
from driftmgr.http.limits import (
    AsOf,
    Count,
    Limit,
    Offset,
    Position,
    Wait,
    refuse_control_characters,
)
from driftmgr.queries.discoveries import (
    CachedResources,
    DiscoveryStatus,
    GetCachedResourcesQuery,
    GetDiscoveryStatusQuery,
    get_cached_resources,
    get_discovery_status,
)

__all__ = ["DiscoveriesController", "ResourcesController"]

#: ``Key=Value``, repeatable.
TagFilter = Annotated[
    list[str] | None,
    QueryParameter(
        schema_extra={
            "one_of": [
                Schema(
                    type=OpenAPIType.ARRAY,
                    items=Schema(type=OpenAPIType.STRING, pattern="^[^=]+="),
                ),
                Schema(type=OpenAPIType.NULL),
            ]
        },
    ),
]


class DiscoveriesController(Controller):
    path = "/api/v1/discoveries"
    tags = ["discovery"]

    @post(
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Inventory a cloud (StartDiscovery)",
    )
    def start(
        self, data: JSONBody[StartDiscovery], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        refuse_control_characters("account_roles", data.account_roles)
        refuse_control_characters("regions", data.regions)
        return start_discovery(services_of(state).backend, data, cause_of(request))

    @post(
        "/{discovery_id:uuid}/cancel",
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Cancel the run: at once if it waits, at its next step if it runs",
    )
    def cancel(
        self, discovery_id: FromPath[UUID], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        command = CancelRun(run_id=discovery_id)
        return cancel_run(services_of(state).backend, command, cause_of(request))

    @get(
        "/{discovery_id:uuid}",
        permission="read",
        summary="Progress of a discovery (GetDiscoveryStatusQuery)",
    )
    async def status(
        self,
        discovery_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        wait: Wait = 0.0,
        after_scans: Count = None,
        as_of: AsOf = None,
    ) -> DiscoveryStatus:
        """``wait`` holds the answer until the run finishes — or, with ``after_scans``, until
        more scans than that are done, for progress displays."""
        query = GetDiscoveryStatusQuery(
            discovery_id=discovery_id,
            min_position=min_position,
            wait_until_finished=wait,
            after_scans=after_scans,
        )
        async with read_models_of(state, as_of) as read:
            return await get_discovery_status(read, query)


class ResourcesController(Controller):
    path = "/api/v1/resources"
    tags = ["discovery"]

    @get(
        permission="read",
        summary="The inventory cache, with each resource's age (GetCachedResourcesQuery)",
    )
    async def cached(
        self,
        state: State,
        provider: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        tag: TagFilter = None,
        min_position: Position = None,
        limit: Limit = 1000,
        offset: Offset = 0,
        as_of: AsOf = None,
    ) -> CachedResources:
        """``tag=Key=Value`` (repeatable) keeps resources carrying every such tag."""
        services = services_of(state)
        tags = {}
        for item in tag or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValidationException(f"tag filter {item!r} must look like Key=Value")
            tags[key] = value
        query = GetCachedResourcesQuery(
            provider=provider,
            type=type,
            region=region,
            tags=tags,
            min_position=min_position,
            limit=max(1, min(limit, 10_000)),
            offset=max(0, offset),
        )
        async with read_models_of(state, as_of) as read:
            return await get_cached_resources(read, query, services.backend.clock())
