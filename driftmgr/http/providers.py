"""``GET /api/v1/providers``: the clouds this driftmgr can scan and the types it lists."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import State

from driftmgr.http.context import services_of

__all__ = ["ProviderTypes", "providers"]


class ProviderTypes(msgspec.Struct, frozen=True, kw_only=True):
    types: list[str]
    """The Terraform resource types the provider lists, sorted."""


@get(
    "/api/v1/providers",
    permission="read",
    sync_to_thread=True,
    summary="The providers this driftmgr scans, with the resource types each lists",
)
def providers(state: State) -> dict[str, ProviderTypes]:
    registry = services_of(state).backend.providers
    return {
        name: ProviderTypes(types=sorted(registry.get(name).supported_types))
        for name in registry.names
    }
