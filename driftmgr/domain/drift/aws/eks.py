"""How EKS clusters and managed node groups compare (terraform-provider-aws 5.x,
``internal/service/eks/cluster.go`` and ``node_group.go``).

A cluster's id, and its import id, is its name. A node group's id is
``<cluster_name>:<node_group_name>``, which ``terraform import`` takes too. A node group
belongs to its cluster (``parent``): part of an unmanaged cluster's finding; beside a managed
cluster it is a resource of its own (the cluster has no attribute holding it), so a node
group made by hand there is unmanaged.

``vpc_config`` is one block whose lists (subnets, security groups, public CIDRs) are sets;
its ``cluster_security_group_id`` and ``vpc_id`` are computed by EKS. The Auto Scaling
groups EKS creates for a node group (its computed ``resources``) are claimed by the node
group: they are never unmanaged beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import Key, TypeRules
from driftmgr.domain.resources import StateResource

__all__: list[str] = []

_CLUSTER = "aws_eks_cluster"
_AUTOSCALING_GROUP = "aws_autoscaling_group"


def _cluster_parent(attributes: Mapping[str, Any]) -> Key | None:
    cluster = attributes.get("cluster_name")
    return (_CLUSTER, str(cluster)) if cluster else None


def _node_group_claims(resource: StateResource) -> list[Key]:
    """The Auto Scaling groups EKS made for the node group (its computed ``resources``)."""
    return [
        (_AUTOSCALING_GROUP, str(group["name"]))
        for block in resource.attributes.get("resources") or []
        if isinstance(block, Mapping)
        for group in block.get("autoscaling_groups") or []
        if isinstance(group, Mapping) and group.get("name")
    ]


def _no_attribute(attributes: Mapping[str, Any]) -> str | None:
    return None  # the cluster holds no copy of its node groups


aws(
    _CLUSTER,
    TypeRules(
        sets=frozenset({"vpc_config", "enabled_cluster_log_types", "encryption_config"}),
        cidrs=frozenset({"public_access_cidrs", "service_ipv4_cidr"}),
        member_ignored={"vpc_config": frozenset({"cluster_security_group_id", "vpc_id"})},
        import_id="{name}",
        defaults={"enabled_cluster_log_types": [], "encryption_config": []},
        ignored=frozenset(
            {
                "endpoint",
                "certificate_authority",
                "identity",
                "status",
                "platform_version",
                "created_at",
                "cluster_id",
                "bootstrap_self_managed_addons",
                "default_addons_to_remove",
            }
        ),
        severity={"vpc_config": "high"},
    ),
)

aws(
    "aws_eks_node_group",
    TypeRules(
        sets=frozenset({"subnet_ids", "taint", "scaling_config", "remote_access"}),
        import_id="{cluster_name}:{node_group_name}",
        defaults={"capacity_type": "ON_DEMAND", "labels": {}, "taint": []},
        ignored=frozenset(
            {
                "node_group_name_prefix",
                "force_update_version",
                "status",
                "resources",
            }
        ),
        parent=_cluster_parent,
        parent_attribute=_no_attribute,
        claims=_node_group_claims,
        claimed_types=frozenset({_AUTOSCALING_GROUP}),
    ),
)
