"""Kubernetes clusters (``GET /v2/kubernetes/clusters``), named as terraform-provider-digitalocean
2.x reads them (``resource_kubernetes_cluster.go``): the ``node_pool`` block is the cluster's
default pool, the one tagged ``terraform:default-node-pool`` (else the first)."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_DEFAULT_POOL_TAG = "terraform:default-node-pool"


@enumerator("digitalocean_kubernetes_cluster", "kubernetes")
async def _clusters(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages(
        "kubernetes", scan.client.kubernetes.list_clusters, "kubernetes_clusters"
    )
    return [_cluster(c) for c in found]


def user_tags(value: Any) -> list[str]:
    """The provider's ``FilterTags``: DigitalOcean's own ``k8s`` tags are not the user's."""
    return sorted(
        str(t) for t in value or [] if t != "k8s" and not str(t).startswith(("k8s:", "terraform:"))
    )


def _cluster(cluster: dict[str, Any]) -> LiveResource:
    pools = cluster.get("node_pools") or []
    default = next((p for p in pools if _DEFAULT_POOL_TAG in (p.get("tags") or [])), None)
    if default is None and pools:
        default = pools[0]
    policy = cluster.get("maintenance_policy") or {}
    status = cluster.get("status") or {}
    return live(
        "digitalocean_kubernetes_cluster",
        cluster["id"],
        cluster.get("region"),
        name=cluster.get("name", ""),
        region=cluster.get("region", ""),
        version=cluster.get("version", ""),
        vpc_uuid=cluster.get("vpc_uuid", ""),
        cluster_subnet=cluster.get("cluster_subnet", ""),
        service_subnet=cluster.get("service_subnet", ""),
        tags=user_tags(cluster.get("tags")),
        auto_upgrade=bool(cluster.get("auto_upgrade")),
        surge_upgrade=bool(cluster.get("surge_upgrade")),
        ha=bool(cluster.get("ha")),
        maintenance_policy=[
            {
                "day": policy.get("day", ""),
                "start_time": policy.get("start_time", ""),
                "duration": policy.get("duration", ""),
            }
        ]
        if policy
        else [],
        node_pool=[_pool(default)] if default is not None else [],
        ipv4_address=cluster.get("ipv4", ""),
        endpoint=cluster.get("endpoint", ""),
        status=status.get("state", "") if isinstance(status, dict) else str(status),
        created_at=cluster.get("created_at", ""),
        updated_at=cluster.get("updated_at", ""),
        urn=f"do:kubernetes:{cluster['id']}",
    )


def _pool(pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": pool.get("name", ""),
        "size": pool.get("size", ""),
        "node_count": pool.get("count"),
        "auto_scale": bool(pool.get("auto_scale")),
        "min_nodes": pool.get("min_nodes") or 0,
        "max_nodes": pool.get("max_nodes") or 0,
        "tags": user_tags(pool.get("tags")),
        "labels": dict(pool.get("labels") or {}),
    }
