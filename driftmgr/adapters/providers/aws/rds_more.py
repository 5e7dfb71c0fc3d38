"""RDS clusters, cluster instances and parameter groups, as terraform-provider-aws 5.x reads
them (``internal/service/rds/cluster.go``, ``cluster_instance.go``, ``parameter_group.go``,
``cluster_parameter_group.go``).

``aws_rds_cluster`` is ``DescribeDBClusters`` (tags in its ``TagList``), named by its
identifier. ``aws_rds_cluster_instance`` is every ``DescribeDBInstances`` entry with a
``DBClusterIdentifier`` (the others are ``aws_db_instance``), named by its identifier.
``master_password`` is never read: the API does not return it.

Parameter groups are ``DescribeDBParameterGroups``/``DescribeDBClusterParameterGroups`` with,
per group, its user-set parameters (``Source=user``, as the provider reads them) and its
tags (``ListTagsForResource``). Groups named ``default.*`` are RDS's own: cloud defaults.

moto 5.2 serves all of these; it reports no cluster ``NetworkType`` beyond ``IPV4``, no
Performance Insights or monitoring on cluster members, and lists no cluster members.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

T = TypeVar("T")

_CLUSTER = "aws_rds_cluster"
_CLUSTER_INSTANCE = "aws_rds_cluster_instance"
_PARAMETER_GROUP = "aws_db_parameter_group"
_CLUSTER_PARAMETER_GROUP = "aws_rds_cluster_parameter_group"
_GONE = ("DBParameterGroupNotFound", "DBClusterParameterGroupNotFound", "DBClusterNotFoundFault")


@enumerator(_CLUSTER, "rds")
async def list_clusters(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    clusters: list[Response] = []
    async for page in scan.pages(rds, "describe_db_clusters", PaginationConfig={"PageSize": 100}):
        clusters.extend(page.get("DBClusters", []))
    account = await scan.account()
    return [_cluster_resource(cluster, region, account) for cluster in clusters]


@enumerator(_CLUSTER_INSTANCE, "rds")
async def list_cluster_instances(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    instances: list[Response] = []
    async for page in scan.pages(rds, "describe_db_instances", PaginationConfig={"PageSize": 100}):
        instances.extend(i for i in page.get("DBInstances", []) if i.get("DBClusterIdentifier"))
    account = await scan.account()
    return [_cluster_instance_resource(instance, region, account) for instance in instances]


@enumerator(_PARAMETER_GROUP, "rds")
async def list_parameter_groups(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    return await _parameter_groups(
        scan,
        rds,
        region,
        _PARAMETER_GROUP,
        ("describe_db_parameter_groups", "DBParameterGroups", "DBParameterGroupName"),
        ("describe_db_parameters", "DBParameterGroupArn"),
    )


@enumerator(_CLUSTER_PARAMETER_GROUP, "rds")
async def list_cluster_parameter_groups(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    return await _parameter_groups(
        scan,
        rds,
        region,
        _CLUSTER_PARAMETER_GROUP,
        (
            "describe_db_cluster_parameter_groups",
            "DBClusterParameterGroups",
            "DBClusterParameterGroupName",
        ),
        ("describe_db_cluster_parameters", "DBClusterParameterGroupArn"),
    )


async def _parameter_groups(
    scan: Scan,
    rds: Any,
    region: str,
    resource_type: str,
    listing: tuple[str, str, str],
    details: tuple[str, str],
) -> list[LiveResource]:
    operation, key, name_key = listing
    parameters_operation, arn_key = details
    groups: list[Response] = []
    async for page in scan.pages(rds, operation, PaginationConfig={"PageSize": 100}):
        groups.extend(page.get(key, []))

    async def read(group: Response) -> tuple[list[Response], dict[str, str]] | None:
        name = str(group[name_key])
        if is_cloud_default(resource_type, {"name": name}):
            return [], {}  # AWS's: its parameters and tags are nobody's business here

        async def parameters() -> list[Response]:
            found: list[Response] = []
            async for page in scan.pages(
                rds, parameters_operation, **{name_key: name}, Source="user"
            ):
                found.extend(page.get("Parameters", []))
            return found

        answers = await _unless_gone(
            asyncio.gather(
                parameters(),
                scan.call(rds, "list_tags_for_resource", ResourceName=group.get(arn_key, "")),
            )
        )
        if answers is None:
            return None
        found, tag_answer = answers
        return found, tags(tag_answer.get("TagList"))

    read_groups = await gather(read(group) for group in groups)
    account = await scan.account()
    live = []
    for group, found in zip(groups, read_groups, strict=True):
        if found is None:
            continue  # deleted since the listing
        name = str(group[name_key])
        attributes: dict[str, Any] = {
            "id": name,
            "name": name,
            "arn": group.get(arn_key, ""),
            "family": group.get("DBParameterGroupFamily", ""),
            "description": group.get("Description", ""),
            "parameter": sorted(
                (
                    {
                        "name": p.get("ParameterName", ""),
                        "value": p.get("ParameterValue", ""),
                        "apply_method": p.get("ApplyMethod", "immediate"),
                    }
                    for p in found[0]
                ),
                key=lambda p: str(p["name"]),
            ),
            "tags": found[1],
        }
        live.append(
            resource(
                resource_type,
                name,
                region,
                account,
                attributes,
                is_default=is_cloud_default(resource_type, attributes),
            )
        )
    return live


def _cluster_resource(cluster: Response, region: str, account: str | None) -> LiveResource:
    identifier = str(cluster["DBClusterIdentifier"])
    engine_version = str(cluster.get("EngineVersion", ""))
    attributes: dict[str, Any] = {
        "id": identifier,
        "cluster_identifier": identifier,
        "arn": cluster.get("DBClusterArn", ""),
        "cluster_resource_id": cluster.get("DbClusterResourceId", ""),
        "allocated_storage": cluster.get("AllocatedStorage", 0),
        "availability_zones": sorted(cluster.get("AvailabilityZones", [])),
        "backtrack_window": cluster.get("BacktrackWindow", 0),
        "backup_retention_period": cluster.get("BackupRetentionPeriod", 0),
        "cluster_members": sorted(
            str(m["DBInstanceIdentifier"]) for m in cluster.get("DBClusterMembers", [])
        ),
        "copy_tags_to_snapshot": bool(cluster.get("CopyTagsToSnapshot", False)),
        "database_name": cluster.get("DatabaseName", ""),
        "db_cluster_instance_class": cluster.get("DBClusterInstanceClass", ""),
        "db_cluster_parameter_group_name": cluster.get("DBClusterParameterGroup", ""),
        "db_subnet_group_name": cluster.get("DBSubnetGroup", ""),
        "deletion_protection": bool(cluster.get("DeletionProtection", False)),
        "enable_http_endpoint": bool(cluster.get("HttpEndpointEnabled", False)),
        "enabled_cloudwatch_logs_exports": sorted(cluster.get("EnabledCloudwatchLogsExports", [])),
        "endpoint": cluster.get("Endpoint", ""),
        "engine": cluster.get("Engine", ""),
        "engine_mode": cluster.get("EngineMode", ""),
        "engine_version": engine_version,
        "engine_version_actual": engine_version,
        "hosted_zone_id": cluster.get("HostedZoneId", ""),
        "iam_database_authentication_enabled": bool(
            cluster.get("IAMDatabaseAuthenticationEnabled", False)
        ),
        "iam_roles": sorted(str(r["RoleArn"]) for r in cluster.get("AssociatedRoles", [])),
        "iops": cluster.get("Iops", 0),
        "kms_key_id": cluster.get("KmsKeyId", ""),
        "master_username": cluster.get("MasterUsername", ""),
        "network_type": cluster.get("NetworkType", ""),
        "port": cluster.get("Port", 0),
        "preferred_backup_window": cluster.get("PreferredBackupWindow", ""),
        "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow", ""),
        "reader_endpoint": cluster.get("ReaderEndpoint", ""),
        "replication_source_identifier": cluster.get("ReplicationSourceIdentifier", ""),
        "storage_encrypted": bool(cluster.get("StorageEncrypted", False)),
        "storage_type": cluster.get("StorageType", ""),
        "vpc_security_group_ids": sorted(
            str(g["VpcSecurityGroupId"]) for g in cluster.get("VpcSecurityGroups", [])
        ),
        "tags": tags(cluster.get("TagList")),
    }
    return resource(
        _CLUSTER,
        identifier,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_CLUSTER, attributes),
    )


def _cluster_instance_resource(
    instance: Response, region: str, account: str | None
) -> LiveResource:
    identifier = str(instance["DBInstanceIdentifier"])
    endpoint = instance.get("Endpoint") or {}
    engine_version = str(instance.get("EngineVersion", ""))
    attributes: dict[str, Any] = {
        "id": identifier,
        "identifier": identifier,
        "arn": instance.get("DBInstanceArn", ""),
        "cluster_identifier": instance.get("DBClusterIdentifier", ""),
        "auto_minor_version_upgrade": bool(instance.get("AutoMinorVersionUpgrade", False)),
        "availability_zone": instance.get("AvailabilityZone", ""),
        "ca_cert_identifier": instance.get("CACertificateIdentifier", ""),
        "copy_tags_to_snapshot": bool(instance.get("CopyTagsToSnapshot", False)),
        "custom_iam_instance_profile": instance.get("CustomIamInstanceProfile", ""),
        "db_parameter_group_name": _first(
            instance.get("DBParameterGroups"), "DBParameterGroupName"
        ),
        "db_subnet_group_name": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName", ""),
        "dbi_resource_id": instance.get("DbiResourceId", ""),
        "endpoint": endpoint.get("Address", ""),
        "engine": instance.get("Engine", ""),
        "engine_version": engine_version,
        "engine_version_actual": engine_version,
        "instance_class": instance.get("DBInstanceClass", ""),
        "kms_key_id": instance.get("KmsKeyId", ""),
        "monitoring_interval": instance.get("MonitoringInterval", 0),
        "monitoring_role_arn": instance.get("MonitoringRoleArn", ""),
        "network_type": instance.get("NetworkType", ""),
        "performance_insights_enabled": bool(instance.get("PerformanceInsightsEnabled", False)),
        "performance_insights_kms_key_id": instance.get("PerformanceInsightsKMSKeyId", ""),
        "performance_insights_retention_period": instance.get(
            "PerformanceInsightsRetentionPeriod", 0
        ),
        "port": endpoint.get("Port", instance.get("DbInstancePort", 0)),
        "preferred_backup_window": instance.get("PreferredBackupWindow", ""),
        "preferred_maintenance_window": instance.get("PreferredMaintenanceWindow", ""),
        "promotion_tier": instance.get("PromotionTier", 0),
        "publicly_accessible": bool(instance.get("PubliclyAccessible", False)),
        "storage_encrypted": bool(instance.get("StorageEncrypted", False)),
        "tags": tags(instance.get("TagList")),
    }
    return resource(
        _CLUSTER_INSTANCE,
        identifier,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_CLUSTER_INSTANCE, attributes),
    )


def _first(members: list[Response] | None, field: str) -> str:
    return str(members[0].get(field, "")) if members else ""


async def _unless_gone(call: Awaitable[T]) -> T | None:
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
