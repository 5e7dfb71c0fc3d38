"""RDS: DB instances and DB subnet groups, as terraform-provider-aws 5.x reads them.

``aws_db_instance`` (``internal/service/rds/instance.go``): since provider v5 the state's
``id`` is the ``DbiResourceId`` (``db-…``) and ``identifier`` is the instance's name. The
listed resource's canonical id is the identifier, as
:func:`~driftmgr.domain.drift.identity.db_instance_identity` matches states of every
provider version; ``attributes["id"]`` holds the resource id, as v5 states do. Members of
a DB cluster (Aurora, Multi-AZ clusters) are ``aws_rds_cluster_instance`` objects in
Terraform and are left out. Tags come from ``DescribeDBInstances``' ``TagList``.

``aws_db_subnet_group`` (``subnet_group.go``): tags need one ``ListTagsForResource`` per
group; the ``default`` group RDS creates in the default VPC is a cloud default.

Write-only and Terraform-only arguments (``password``, ``skip_final_snapshot``,
``apply_immediately`` …) are not observable and not reported. What moto 5.2 cannot serve
(``NetworkType``, Performance Insights, domain membership, listener endpoints, the
``aws:`` tags AWS adds) is tested against recorded responses instead
(``tests/integration/providers/aws/test_rds.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, rfc3339, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

T = TypeVar("T")

_DB_INSTANCE = "aws_db_instance"
_SUBNET_GROUP = "aws_db_subnet_group"
_SUBNET_GROUP_GONE = ("DBSubnetGroupNotFoundFault",)


@enumerator(_DB_INSTANCE, "rds")
async def list_db_instances(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    instances: list[Response] = []
    async for page in scan.pages(rds, "describe_db_instances", PaginationConfig={"PageSize": 100}):
        instances.extend(
            instance
            for instance in page.get("DBInstances", [])
            # Cluster members are aws_rds_cluster_instance resources, not this type.
            if not instance.get("DBClusterIdentifier")
        )
    account = await scan.account()
    return [_db_instance_resource(instance, region, account) for instance in instances]


@enumerator(_SUBNET_GROUP, "rds")
async def list_db_subnet_groups(scan: Scan, rds: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        rds, "describe_db_subnet_groups", PaginationConfig={"PageSize": 100}
    ):
        groups.extend(page.get("DBSubnetGroups", []))
    # DescribeDBSubnetGroups carries no tags: one ListTagsForResource per group.
    tag_lists = await gather(
        _unless_gone(
            scan.call(rds, "list_tags_for_resource", ResourceName=group["DBSubnetGroupArn"]),
            _SUBNET_GROUP_GONE,
        )
        for group in groups
    )
    account = await scan.account()
    return [
        _subnet_group_resource(group, tags(tag_list.get("TagList")), region, account)
        for group, tag_list in zip(groups, tag_lists, strict=True)
        if tag_list is not None  # deleted since the listing
    ]


def _db_instance_resource(instance: Response, region: str, account: str | None) -> LiveResource:
    identifier: str = instance["DBInstanceIdentifier"]
    resource_id = str(instance.get("DbiResourceId", ""))
    endpoint = instance.get("Endpoint") or {}
    address = str(endpoint.get("Address", ""))
    port = endpoint.get("Port", instance.get("DbInstancePort", 0))
    domain = (instance.get("DomainMemberships") or [{}])[0]
    restorable = instance.get("LatestRestorableTime")
    engine_version = str(instance.get("EngineVersion", ""))
    attributes: dict[str, Any] = {
        # Provider v5 and later: the id is the resource id, `identifier` the name.
        "id": resource_id,
        "identifier": identifier,
        "resource_id": resource_id,
        "arn": instance.get("DBInstanceArn", ""),
        "address": address,
        "endpoint": f"{address}:{port}" if address and endpoint.get("Port") is not None else "",
        "hosted_zone_id": endpoint.get("HostedZoneId", ""),
        "port": port or 0,
        "listener_endpoint": _listener_endpoint(instance.get("ListenerEndpoint")),
        "allocated_storage": instance.get("AllocatedStorage", 0),
        "max_allocated_storage": instance.get("MaxAllocatedStorage", 0),
        "auto_minor_version_upgrade": bool(instance.get("AutoMinorVersionUpgrade", False)),
        "availability_zone": instance.get("AvailabilityZone", ""),
        "backup_retention_period": instance.get("BackupRetentionPeriod", 0),
        "backup_target": instance.get("BackupTarget", ""),
        "backup_window": instance.get("PreferredBackupWindow", ""),
        "ca_cert_identifier": instance.get("CACertificateIdentifier", ""),
        "character_set_name": instance.get("CharacterSetName", ""),
        "nchar_character_set_name": instance.get("NcharCharacterSetName", ""),
        "copy_tags_to_snapshot": bool(instance.get("CopyTagsToSnapshot", False)),
        "custom_iam_instance_profile": instance.get("CustomIamInstanceProfile", ""),
        "customer_owned_ip_enabled": bool(instance.get("CustomerOwnedIpEnabled", False)),
        "database_insights_mode": instance.get("DatabaseInsightsMode", ""),
        "db_name": instance.get("DBName", ""),
        "db_subnet_group_name": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName", ""),
        "dedicated_log_volume": bool(instance.get("DedicatedLogVolume", False)),
        "deletion_protection": bool(instance.get("DeletionProtection", False)),
        "domain": domain.get("Domain", ""),
        "domain_auth_secret_arn": domain.get("AuthSecretArn", ""),
        "domain_dns_ips": list(domain.get("DnsIps", [])),
        "domain_fqdn": domain.get("FQDN", ""),
        "domain_iam_role_name": domain.get("IAMRoleName", ""),
        "domain_ou": domain.get("OU", ""),
        "enabled_cloudwatch_logs_exports": sorted(instance.get("EnabledCloudwatchLogsExports", [])),
        "engine": instance.get("Engine", ""),
        "engine_lifecycle_support": instance.get("EngineLifecycleSupport", ""),
        # The provider keeps a configured prefix ("15") in engine_version; what AWS runs is
        # engine_version_actual, which is what the rules compare.
        "engine_version": engine_version,
        "engine_version_actual": engine_version,
        "iam_database_authentication_enabled": bool(
            instance.get("IAMDatabaseAuthenticationEnabled", False)
        ),
        "instance_class": instance.get("DBInstanceClass", ""),
        "iops": instance.get("Iops", 0),
        "kms_key_id": instance.get("KmsKeyId", ""),
        "latest_restorable_time": rfc3339(restorable) if isinstance(restorable, datetime) else "",
        "license_model": instance.get("LicenseModel", ""),
        "maintenance_window": instance.get("PreferredMaintenanceWindow", ""),
        "master_user_secret": _master_user_secret(instance.get("MasterUserSecret")),
        "monitoring_interval": instance.get("MonitoringInterval", 0),
        "monitoring_role_arn": instance.get("MonitoringRoleArn", ""),
        "multi_az": bool(instance.get("MultiAZ", False)),
        "network_type": instance.get("NetworkType", ""),
        "option_group_name": _first(instance.get("OptionGroupMemberships"), "OptionGroupName"),
        "parameter_group_name": _first(instance.get("DBParameterGroups"), "DBParameterGroupName"),
        "performance_insights_enabled": bool(instance.get("PerformanceInsightsEnabled", False)),
        "performance_insights_kms_key_id": instance.get("PerformanceInsightsKMSKeyId", ""),
        "performance_insights_retention_period": instance.get(
            "PerformanceInsightsRetentionPeriod", 0
        ),
        "publicly_accessible": bool(instance.get("PubliclyAccessible", False)),
        "replica_mode": instance.get("ReplicaMode", ""),
        "replicas": list(instance.get("ReadReplicaDBInstanceIdentifiers", [])),
        "replicate_source_db": instance.get("ReadReplicaSourceDBInstanceIdentifier", ""),
        "status": instance.get("DBInstanceStatus", ""),
        "storage_encrypted": bool(instance.get("StorageEncrypted", False)),
        "storage_throughput": instance.get("StorageThroughput", 0),
        "storage_type": instance.get("StorageType", ""),
        "timezone": instance.get("Timezone", ""),
        "username": instance.get("MasterUsername", ""),
        "vpc_security_group_ids": sorted(
            g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])
        ),
        "tags": tags(instance.get("TagList")),
    }
    return resource(
        _DB_INSTANCE,
        identifier,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_DB_INSTANCE, attributes),
    )


def _subnet_group_resource(
    group: Response, group_tags: dict[str, str], region: str, account: str | None
) -> LiveResource:
    name: str = group["DBSubnetGroupName"]
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": group.get("DBSubnetGroupArn", ""),
        "description": group.get("DBSubnetGroupDescription", ""),
        "subnet_ids": sorted(s["SubnetIdentifier"] for s in group.get("Subnets", [])),
        "supported_network_types": sorted(group.get("SupportedNetworkTypes", [])),
        "vpc_id": group.get("VpcId", ""),
        "tags": group_tags,
    }
    return resource(
        _SUBNET_GROUP,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_SUBNET_GROUP, attributes),
    )


def _listener_endpoint(endpoint: Response | None) -> list[dict[str, Any]]:
    if not endpoint:
        return []
    return [
        {
            "address": endpoint.get("Address", ""),
            "hosted_zone_id": endpoint.get("HostedZoneId", ""),
            "port": endpoint.get("Port", 0),
        }
    ]


def _master_user_secret(secret: Response | None) -> list[dict[str, Any]]:
    if not secret:
        return []
    return [
        {
            "kms_key_id": secret.get("KmsKeyId", ""),
            "secret_arn": secret.get("SecretArn", ""),
            "secret_status": secret.get("SecretStatus", ""),
        }
    ]


def _first(members: list[Response] | None, field: str) -> str:
    return str(members[0].get(field, "")) if members else ""


async def _unless_gone(call: Awaitable[T], codes: tuple[str, ...]) -> T | None:
    """The call's answer, or None when it says the object no longer exists."""
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise
