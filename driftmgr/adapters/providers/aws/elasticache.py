"""ElastiCache clusters, subnet groups and replication groups, as terraform-provider-aws 5.x
reads them (``internal/service/elasticache/cluster.go``, ``subnet_group.go``,
``replication_group.go``).

Each is named by its own id (``cluster_id``, ``name``, ``replication_group_id``) and needs
one ``ListTagsForResource`` for its tags. ``auth_token`` is never read (the API only says
whether one is set). The ``default`` subnet group ElastiCache creates is a cloud default. A
cluster that is a member of a replication group carries ``replication_group_id``: the rules
make it the group's.

``aws_elasticache_parameter_group`` is **not listed**: moto 5.2 implements none of
``CreateCacheParameterGroup``, ``DescribeCacheParameterGroups`` or
``DescribeCacheParameters``, so no lister for it can be tested against it. moto also reports
no engine version, port or parameter group for a cluster, and cannot modify a cluster or a
subnet group (``ModifyCacheCluster``, ``ModifyCacheSubnetGroup``), and does not list a
replication group's member clusters in ``DescribeCacheClusters`` (so the group's engine
version, port, parameter and subnet group, read from its members, are empty there).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_CLUSTER = "aws_elasticache_cluster"
_SUBNET_GROUP = "aws_elasticache_subnet_group"
_REPLICATION_GROUP = "aws_elasticache_replication_group"
_GONE = (
    "CacheClusterNotFound",
    "CacheSubnetGroupNotFoundFault",
    "ReplicationGroupNotFoundFault",
    "InvalidARN",
)
#: The subnet group ElastiCache creates in the default VPC.


async def _tags(scan: Scan, elasticache: Any, arn: str) -> dict[str, str] | None:
    try:
        answer = await scan.call(elasticache, "list_tags_for_resource", ResourceName=arn)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return tags(answer.get("TagList"))


async def _listed(
    scan: Scan, elasticache: Any, operation: str, key: str, **params: Any
) -> list[Response]:
    items: list[Response] = []
    async for page in scan.pages(elasticache, operation, **params):
        items.extend(page.get(key, []))
    return items


async def _clusters(scan: Scan, elasticache: Any) -> list[Response]:
    """The region's cache clusters with their nodes, listed once per scan."""

    async def fetch() -> list[Response]:
        return await _listed(
            scan, elasticache, "describe_cache_clusters", "CacheClusters", ShowCacheNodeInfo=True
        )

    return await scan.shared(f"elasticache:clusters:{elasticache.meta.region_name}", fetch)


@enumerator(_CLUSTER, "elasticache")
async def list_clusters(scan: Scan, elasticache: Any, region: str) -> list[LiveResource]:
    clusters = await _clusters(scan, elasticache)
    found = await gather(_tags(scan, elasticache, str(c.get("ARN", ""))) for c in clusters)
    account = await scan.account()
    return [
        _cluster_resource(cluster, cluster_tags, region, account)
        for cluster, cluster_tags in zip(clusters, found, strict=True)
        if cluster_tags is not None  # deleted since the listing
    ]


@enumerator(_SUBNET_GROUP, "elasticache")
async def list_subnet_groups(scan: Scan, elasticache: Any, region: str) -> list[LiveResource]:
    groups = await _listed(scan, elasticache, "describe_cache_subnet_groups", "CacheSubnetGroups")
    found = await gather(_tags(scan, elasticache, str(g.get("ARN", ""))) for g in groups)
    account = await scan.account()
    live = []
    for group, group_tags in zip(groups, found, strict=True):
        if group_tags is None:
            continue
        name = str(group["CacheSubnetGroupName"])
        attributes: dict[str, Any] = {
            "id": name,
            "name": name,
            "arn": group.get("ARN", ""),
            "description": group.get("CacheSubnetGroupDescription", ""),
            "subnet_ids": sorted(str(s["SubnetIdentifier"]) for s in group.get("Subnets", [])),
            "vpc_id": group.get("VpcId", ""),
            "tags": group_tags,
        }
        default = is_cloud_default(_SUBNET_GROUP, attributes)
        live.append(resource(_SUBNET_GROUP, name, region, account, attributes, is_default=default))
    return live


@enumerator(_REPLICATION_GROUP, "elasticache")
async def list_replication_groups(scan: Scan, elasticache: Any, region: str) -> list[LiveResource]:
    groups = await _listed(scan, elasticache, "describe_replication_groups", "ReplicationGroups")
    found = await gather(_tags(scan, elasticache, str(g.get("ARN", ""))) for g in groups)
    # Engine version, port, parameter and subnet group are reported on the member clusters.
    clusters = {str(c["CacheClusterId"]): c for c in await _clusters(scan, elasticache)}
    account = await scan.account()
    return [
        _replication_group_resource(group, group_tags, clusters, region, account)
        for group, group_tags in zip(groups, found, strict=True)
        if group_tags is not None
    ]


def _node_port(nodes: list[Response]) -> int:
    return int((nodes[0].get("Endpoint") or {}).get("Port", 0)) if nodes else 0


def _flag(value: Any) -> str:
    return "true" if value else "false"


def _cluster_resource(
    cluster: Response, cluster_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    cluster_id = str(cluster["CacheClusterId"])
    engine_version = str(cluster.get("EngineVersion", ""))
    nodes = cluster.get("CacheNodes", [])
    endpoint = cluster.get("ConfigurationEndpoint") or {}
    attributes: dict[str, Any] = {
        "id": cluster_id,
        "cluster_id": cluster_id,
        "arn": cluster.get("ARN", ""),
        "engine": cluster.get("Engine", ""),
        "engine_version": engine_version,
        "engine_version_actual": engine_version,
        "node_type": cluster.get("CacheNodeType", ""),
        "num_cache_nodes": cluster.get("NumCacheNodes", 0),
        "parameter_group_name": (cluster.get("CacheParameterGroup") or {}).get(
            "CacheParameterGroupName", ""
        ),
        "port": endpoint.get("Port") or _node_port(nodes),
        "subnet_group_name": cluster.get("CacheSubnetGroupName", ""),
        "security_group_ids": sorted(
            str(g["SecurityGroupId"]) for g in cluster.get("SecurityGroups", [])
        ),
        "availability_zone": cluster.get("PreferredAvailabilityZone", ""),
        "az_mode": "cross-az"
        if cluster.get("PreferredAvailabilityZone") == "Multiple"
        else "single-az",
        "maintenance_window": cluster.get("PreferredMaintenanceWindow", ""),
        "snapshot_window": cluster.get("SnapshotWindow", ""),
        "snapshot_retention_limit": cluster.get("SnapshotRetentionLimit", 0),
        "notification_topic_arn": (cluster.get("NotificationConfiguration") or {}).get(
            "TopicArn", ""
        ),
        "replication_group_id": cluster.get("ReplicationGroupId", ""),
        "auto_minor_version_upgrade": _flag(cluster.get("AutoMinorVersionUpgrade", True)),
        "transit_encryption_enabled": bool(cluster.get("TransitEncryptionEnabled", False)),
        "network_type": cluster.get("NetworkType", ""),
        "ip_discovery": cluster.get("IpDiscovery", ""),
        "log_delivery_configuration": _log_delivery(cluster.get("LogDeliveryConfigurations")),
        "cluster_address": endpoint.get("Address", ""),
        "cache_nodes": [
            {
                "id": n.get("CacheNodeId", ""),
                "address": (n.get("Endpoint") or {}).get("Address", ""),
                "port": (n.get("Endpoint") or {}).get("Port", 0),
                "availability_zone": n.get("CustomerAvailabilityZone", ""),
            }
            for n in nodes
        ],
        "tags": cluster_tags,
    }
    return resource(
        _CLUSTER,
        cluster_id,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_CLUSTER, attributes),
    )


def _replication_group_resource(
    group: Response,
    group_tags: dict[str, str],
    clusters: dict[str, Response],
    region: str,
    account: str | None,
) -> LiveResource:
    group_id = str(group["ReplicationGroupId"])
    members = [str(m) for m in group.get("MemberClusters", [])]
    member = next((clusters[m] for m in members if m in clusters), {})
    node_groups = group.get("NodeGroups", [])
    primary = (node_groups[0].get("PrimaryEndpoint") or {}) if node_groups else {}
    reader = (node_groups[0].get("ReaderEndpoint") or {}) if node_groups else {}
    configuration = group.get("ConfigurationEndpoint") or {}
    engine_version = str(member.get("EngineVersion", ""))
    cluster_mode = bool(group.get("ClusterEnabled", False))
    attributes: dict[str, Any] = {
        "id": group_id,
        "replication_group_id": group_id,
        "arn": group.get("ARN", ""),
        "description": group.get("Description", ""),
        "node_type": group.get("CacheNodeType", ""),
        "engine": group.get("Engine", member.get("Engine", "")),
        "engine_version": engine_version,
        "engine_version_actual": engine_version,
        "num_cache_clusters": len(members),
        "num_node_groups": len(node_groups),
        "replicas_per_node_group": max(
            (len(n.get("NodeGroupMembers", [])) - 1 for n in node_groups), default=0
        ),
        "member_clusters": sorted(members),
        "automatic_failover_enabled": group.get("AutomaticFailover") in ("enabled", "enabling"),
        "multi_az_enabled": group.get("MultiAZ") == "enabled",
        "at_rest_encryption_enabled": bool(group.get("AtRestEncryptionEnabled", False)),
        "transit_encryption_enabled": bool(group.get("TransitEncryptionEnabled", False)),
        "data_tiering_enabled": group.get("DataTiering") == "enabled",
        "kms_key_id": group.get("KmsKeyId", ""),
        "cluster_enabled": cluster_mode,
        "cluster_mode": group.get("ClusterMode", ""),
        "network_type": group.get("NetworkType", ""),
        "ip_discovery": group.get("IpDiscovery", ""),
        "user_group_ids": sorted(str(u) for u in group.get("UserGroupIds", [])),
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit", 0),
        "snapshot_window": group.get("SnapshotWindow", ""),
        "maintenance_window": member.get("PreferredMaintenanceWindow", ""),
        "parameter_group_name": (member.get("CacheParameterGroup") or {}).get(
            "CacheParameterGroupName", ""
        ),
        "subnet_group_name": member.get("CacheSubnetGroupName", ""),
        "security_group_ids": sorted(
            str(g["SecurityGroupId"]) for g in member.get("SecurityGroups", [])
        ),
        "notification_topic_arn": (member.get("NotificationConfiguration") or {}).get(
            "TopicArn", ""
        ),
        "auto_minor_version_upgrade": _flag(group.get("AutoMinorVersionUpgrade", True)),
        "port": configuration.get("Port") or primary.get("Port", 0),
        "primary_endpoint_address": primary.get("Address", ""),
        "reader_endpoint_address": reader.get("Address", ""),
        "configuration_endpoint_address": configuration.get("Address", ""),
        "log_delivery_configuration": _log_delivery(group.get("LogDeliveryConfigurations")),
        "tags": group_tags,
    }
    return resource(
        _REPLICATION_GROUP,
        group_id,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_REPLICATION_GROUP, attributes),
    )


def _log_delivery(configurations: list[Response] | None) -> list[dict[str, Any]]:
    blocks = []
    for c in configurations or []:
        details = c.get("DestinationDetails") or {}
        destination = (details.get("CloudWatchLogsDetails") or {}).get("LogGroup") or (
            details.get("KinesisFirehoseDetails") or {}
        ).get("DeliveryStream", "")
        blocks.append(
            {
                "destination": destination,
                "destination_type": c.get("DestinationType", ""),
                "log_format": c.get("LogFormat", ""),
                "log_type": c.get("LogType", ""),
            }
        )
    return blocks
