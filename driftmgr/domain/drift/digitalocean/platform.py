"""How database clusters, Kubernetes clusters, projects and Spaces buckets compare
(terraform-provider-digitalocean 2.x, ``digitalocean/database``, ``kubernetes``,
``project``, ``spaces``). A bucket's id is its name; it imports as ``region,name``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.digitalocean._common import digitalocean, region_slug
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__: list[str] = []


def _default_project(attributes: Mapping[str, Any], context: CloudContext) -> bool:
    # Every account has one default project; DigitalOcean made the first one.
    return attributes.get("is_default") is True


digitalocean(
    "digitalocean_database_cluster",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region", "engine"}),
        sets=frozenset({"tags"}),
        # maintenance_window's "pending"/"description" are the API's, not the provider's.
        member_ignored={"maintenance_window": frozenset({"pending", "description"})},
        # Connection details are computed; the password and URIs are secrets.
        ignored=frozenset(
            {
                "urn",
                "host",
                "port",
                "uri",
                "database",
                "user",
                "password",
                "private_host",
                "private_uri",
                "ui_host",
                "ui_port",
                "ui_uri",
                "ui_database",
                "ui_user",
                "ui_password",
                "metrics_endpoints",
            }
        ),
        severity={"size": "medium", "node_count": "medium", "private_network_uuid": "high"},
    ),
)

digitalocean(
    "digitalocean_kubernetes_cluster",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region"}),
        sets=frozenset({"tags", "node_pool.tags"}),
        defaults={"auto_upgrade": False, "surge_upgrade": True, "ha": False},
        member_ignored={
            "maintenance_policy": frozenset({"duration"}),
            "node_pool": frozenset({"id", "actual_node_count", "nodes"}),
        },
        ignored=frozenset(
            {
                "urn",
                "ipv4_address",
                "endpoint",
                "status",
                "created_at",
                "updated_at",
                "kube_config",
                "cluster_urn",
            }
        ),
        severity={"version": "medium", "node_pool": "medium", "vpc_uuid": "high"},
    ),
)

digitalocean(
    "digitalocean_project",
    TypeRules(
        is_global=True,
        taggable=False,
        sets=frozenset({"resources"}),
        # Resources may be assigned by digitalocean_project_resources instead.
        absent_when_empty=frozenset({"resources"}),
        defaults={"purpose": "Web Application", "environment": "", "description": ""},
        ignored=frozenset({"owner_uuid", "created_at", "updated_at", "is_default"}),
        cloud_default=_default_project,
    ),
)

digitalocean(
    "digitalocean_spaces_bucket",
    TypeRules(
        region=region_slug,
        taggable=False,
        import_id="{region},{name}",
        ignored=frozenset(
            {"urn", "bucket_domain_name", "endpoint", "acl", "force_destroy", "cors_rule"}
        ),
        severity={"versioning": "medium"},
    ),
)
