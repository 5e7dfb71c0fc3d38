"""Discoveries and the inventory cache."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from driftmgr.commands.discovery import StartDiscovery, start_discovery
from driftmgr.commands.results import Accepted
from driftmgr.http.context import cause_of, services_of
from driftmgr.queries.discoveries import (
    CachedResources,
    DiscoveryStatus,
    GetCachedResourcesQuery,
    GetDiscoveryStatusQuery,
    get_cached_resources,
    get_discovery_status,
)

__all__ = ["DiscoveriesController", "ResourcesController"]


class DiscoveriesController(Controller):
    path = "/api/v1/discoveries"
    tags = ["discovery"]

    @post(status_code=202, sync_to_thread=True, summary="Inventory a cloud (StartDiscovery)")
    def start(
        self, data: JSONBody[StartDiscovery], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        return start_discovery(services_of(state).backend, data, cause_of(request))

    @get("/{discovery_id:uuid}", summary="Progress of a discovery (GetDiscoveryStatusQuery)")
    async def status(
        self,
        discovery_id: FromPath[UUID],
        state: State,
        min_position: FromQuery[int | None] = None,
        wait: FromQuery[float] = 0.0,
    ) -> DiscoveryStatus:
        query = GetDiscoveryStatusQuery(
            discovery_id=discovery_id, min_position=min_position, wait_until_finished=wait
        )
        return await get_discovery_status(services_of(state).read, query)


class ResourcesController(Controller):
    path = "/api/v1/resources"
    tags = ["discovery"]

    @get(summary="The inventory cache, with each resource's age (GetCachedResourcesQuery)")
    async def cached(
        self,
        state: State,
        provider: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        min_position: FromQuery[int | None] = None,
        limit: FromQuery[int] = 1000,
        offset: FromQuery[int] = 0,
    ) -> CachedResources:
        services = services_of(state)
        query = GetCachedResourcesQuery(
            provider=provider,
            type=type,
            region=region,
            min_position=min_position,
            limit=max(1, min(limit, 10_000)),
            offset=max(0, offset),
        )
        return await get_cached_resources(services.read, query, services.backend.clock())
