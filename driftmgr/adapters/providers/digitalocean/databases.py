"""Managed database clusters (``GET /v2/databases``), named as terraform-provider-digitalocean
2.x reads them (``resource_database_cluster.go``). Connection details are never kept: the
password and URIs are secrets, and the rest is computed."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live, tags
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("digitalocean_database_cluster", "databases")
async def _clusters(scan: Scan, region: str) -> list[LiveResource]:
    # The API documents no paging for this listing: one answer holds every cluster.
    answer = await scan.calls.call("databases", scan.client.databases.list_clusters)
    return [_cluster(c) for c in answer.get("databases") or []]


def _cluster(cluster: dict[str, Any]) -> LiveResource:
    window = cluster.get("maintenance_window") or {}
    storage = cluster.get("storage_size_mib")
    return live(
        "digitalocean_database_cluster",
        cluster["id"],
        cluster.get("region"),
        name=cluster.get("name", ""),
        engine=cluster.get("engine", ""),
        version=cluster.get("version", ""),
        size=cluster.get("size", ""),
        region=cluster.get("region", ""),
        node_count=cluster.get("num_nodes"),
        # The provider keeps this one as a string (strconv.FormatUint).
        storage_size_mib=str(storage) if storage is not None else "",
        tags=tags(cluster.get("tags")),
        private_network_uuid=cluster.get("private_network_uuid", ""),
        project_id=cluster.get("project_id", ""),
        maintenance_window=[{"day": window.get("day", ""), "hour": window.get("hour", "")}]
        if window
        else [],
        urn=f"do:dbaas:{cluster['id']}",
    )
