"""EKS clusters and managed node groups, as terraform-provider-aws 5.x reads them
(``internal/service/eks/cluster.go``, ``node_group.go``).

A cluster is ``ListClusters`` + ``DescribeCluster`` (tags included), named by its name. A
node group is ``ListNodegroups`` per cluster + ``DescribeNodegroup``, named
``<cluster>:<node group>`` as the provider's id is. Clusters or node groups deleted between
listing and reading are gone. ``enabled_cluster_log_types`` are the log types whose logging
is enabled.

moto 5.2 serves these; it reports no endpoint access settings, public CIDRs or access
configuration for a cluster's VPC configuration.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__ = ["node_group_id"]

T = TypeVar("T")

_CLUSTER = "aws_eks_cluster"
_NODE_GROUP = "aws_eks_node_group"
_GONE = ("ResourceNotFoundException",)


def node_group_id(cluster: str, name: str) -> str:
    """The provider's id of a node group, and its import id: ``cluster:node_group``."""
    return f"{cluster}:{name}"


async def _unless_gone(call: Awaitable[T]) -> T | None:
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise


async def _cluster_names(scan: Scan, eks: Any) -> list[str]:
    async def fetch() -> list[str]:
        names: list[str] = []
        async for page in scan.pages(eks, "list_clusters"):
            names.extend(str(n) for n in page.get("clusters", []))
        return names

    return await scan.shared(f"eks:clusters:{eks.meta.region_name}", fetch)


@enumerator(_CLUSTER, "eks")
async def list_clusters(scan: Scan, eks: Any, region: str) -> list[LiveResource]:
    names = await _cluster_names(scan, eks)
    described = await gather(
        _unless_gone(scan.call(eks, "describe_cluster", name=name)) for name in names
    )
    account = await scan.account()
    return [
        _cluster_resource(answer["cluster"], region, account)
        for answer in described
        if answer is not None
    ]


@enumerator(_NODE_GROUP, "eks")
async def list_node_groups(scan: Scan, eks: Any, region: str) -> list[LiveResource]:
    names = await _cluster_names(scan, eks)

    async def groups_of(cluster: str) -> list[Response]:
        listed: list[str] = []
        async for page in scan.pages(eks, "list_nodegroups", clusterName=cluster):
            listed.extend(str(n) for n in page.get("nodegroups", []))
        answers = await gather(
            _unless_gone(
                scan.call(eks, "describe_nodegroup", clusterName=cluster, nodegroupName=name)
            )
            for name in listed
        )
        return [a["nodegroup"] for a in answers if a is not None]

    by_cluster = await gather(_unless_gone(groups_of(name)) for name in names)
    account = await scan.account()
    return [
        _node_group_resource(group, region, account)
        for groups in by_cluster
        for group in groups or []
    ]


def _cluster_resource(cluster: Response, region: str, account: str | None) -> LiveResource:
    name = str(cluster["name"])
    vpc = cluster.get("resourcesVpcConfig") or {}
    network = cluster.get("kubernetesNetworkConfig") or {}
    access = cluster.get("accessConfig") or {}
    logging = (cluster.get("logging") or {}).get("clusterLogging", [])
    upgrade = cluster.get("upgradePolicy") or {}
    zonal = cluster.get("zonalShiftConfig") or {}
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": cluster.get("arn", ""),
        "role_arn": cluster.get("roleArn", ""),
        "version": cluster.get("version", ""),
        "platform_version": cluster.get("platformVersion", ""),
        "status": cluster.get("status", ""),
        "endpoint": cluster.get("endpoint", ""),
        "cluster_id": cluster.get("id", ""),
        "certificate_authority": [
            {"data": (cluster.get("certificateAuthority") or {}).get("data", "")}
        ],
        "vpc_config": [
            {
                "subnet_ids": sorted(vpc.get("subnetIds", [])),
                "security_group_ids": sorted(vpc.get("securityGroupIds", [])),
                "public_access_cidrs": sorted(vpc.get("publicAccessCidrs", [])),
                "endpoint_private_access": bool(vpc.get("endpointPrivateAccess", False)),
                "endpoint_public_access": bool(vpc.get("endpointPublicAccess", True)),
                "cluster_security_group_id": vpc.get("clusterSecurityGroupId", ""),
                "vpc_id": vpc.get("vpcId", ""),
            }
        ],
        "enabled_cluster_log_types": sorted(
            str(t) for entry in logging if entry.get("enabled") for t in entry.get("types", [])
        ),
        "kubernetes_network_config": [
            {
                "service_ipv4_cidr": network.get("serviceIpv4Cidr", ""),
                "service_ipv6_cidr": network.get("serviceIpv6Cidr", ""),
                "ip_family": network.get("ipFamily", "ipv4"),
            }
        ]
        if network
        else [],
        "access_config": [
            {
                "authentication_mode": access.get("authenticationMode", ""),
                "bootstrap_cluster_creator_admin_permissions": bool(
                    access.get("bootstrapClusterCreatorAdminPermissions", False)
                ),
            }
        ]
        if access
        else [],
        "encryption_config": [
            {
                "resources": sorted(e.get("resources", [])),
                "provider": [{"key_arn": (e.get("provider") or {}).get("keyArn", "")}],
            }
            for e in cluster.get("encryptionConfig", [])
        ],
        "upgrade_policy": [{"support_type": upgrade.get("supportType", "")}] if upgrade else [],
        "zonal_shift_config": [{"enabled": bool(zonal.get("enabled", False))}] if zonal else [],
        "tags": {str(k): str(v) for k, v in (cluster.get("tags") or {}).items()},
    }
    return resource(
        _CLUSTER,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_CLUSTER, attributes),
    )


def _node_group_resource(group: Response, region: str, account: str | None) -> LiveResource:
    cluster = str(group["clusterName"])
    name = str(group["nodegroupName"])
    ident = node_group_id(cluster, name)
    scaling = group.get("scalingConfig") or {}
    remote = group.get("remoteAccess") or {}
    template = group.get("launchTemplate") or {}
    update = group.get("updateConfig") or {}
    resources = group.get("resources") or {}
    repair = group.get("nodeRepairConfig") or {}
    attributes: dict[str, Any] = {
        "id": ident,
        "arn": group.get("nodegroupArn", ""),
        "cluster_name": cluster,
        "node_group_name": name,
        "node_role_arn": group.get("nodeRole", ""),
        "subnet_ids": sorted(group.get("subnets", [])),
        "scaling_config": [
            {
                "desired_size": scaling.get("desiredSize", 0),
                "max_size": scaling.get("maxSize", 0),
                "min_size": scaling.get("minSize", 0),
            }
        ],
        "instance_types": list(group.get("instanceTypes", [])),
        "ami_type": group.get("amiType", ""),
        "capacity_type": group.get("capacityType", ""),
        "disk_size": group.get("diskSize", 0),
        "labels": {str(k): str(v) for k, v in (group.get("labels") or {}).items()},
        "release_version": group.get("releaseVersion", ""),
        "version": group.get("version", ""),
        "status": group.get("status", ""),
        "taint": [
            {"key": t.get("key", ""), "value": t.get("value", ""), "effect": t.get("effect", "")}
            for t in group.get("taints", [])
        ],
        "remote_access": [
            {
                "ec2_ssh_key": remote.get("ec2SshKey", ""),
                "source_security_group_ids": sorted(remote.get("sourceSecurityGroups", [])),
            }
        ]
        if remote
        else [],
        "launch_template": [
            {
                "id": template.get("id", ""),
                "name": template.get("name", ""),
                "version": template.get("version", ""),
            }
        ]
        if template
        else [],
        "update_config": [
            {
                "max_unavailable": update.get("maxUnavailable", 0),
                "max_unavailable_percentage": update.get("maxUnavailablePercentage", 0),
            }
        ]
        if update
        else [],
        "resources": [
            {
                "autoscaling_groups": [
                    {"name": a.get("name", "")} for a in resources.get("autoScalingGroups", [])
                ],
                "remote_access_security_group_id": resources.get("remoteAccessSecurityGroup", ""),
            }
        ],
        "node_repair_config": [{"enabled": bool(repair.get("enabled", False))}] if repair else [],
        "tags": {str(k): str(v) for k, v in (group.get("tags") or {}).items()},
    }
    return resource(
        _NODE_GROUP,
        ident,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_NODE_GROUP, attributes),
    )
