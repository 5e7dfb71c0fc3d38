"""How RDS clusters, cluster instances and parameter groups, and ElastiCache clusters, subnet
groups and replication groups compare (terraform-provider-aws 5.x, ``internal/service/rds``
and ``internal/service/elasticache``).

Every type here imports by its own name (``cluster_identifier``, ``identifier``, ``name``,
``cluster_id``, ``replication_group_id``), which is also the state id and the listing's id.

``aws_rds_cluster_instance`` is a Terraform resource of its own: it names its cluster in
``cluster_identifier`` but is not the cluster's child, and the cluster's computed
``cluster_members`` is not compared. The members of an ElastiCache replication group are
``aws_elasticache_cluster`` objects the group creates itself: they are the group's
(``parent``), never unmanaged beside a managed group.

Parameter groups compare their user-set parameters as a set of ``name``/``value``: the
provider hashes set members on those two only, ``apply_method`` is how a change is applied,
not what is set. Default parameter groups (``default.*``) and the ``default`` cache subnet
group are AWS's; the listings mark them cloud defaults.

Write-only and Terraform-only arguments (``master_password``, ``auth_token``,
``skip_final_snapshot``, ``apply_immediately`` …) are never observable, never compared;
:mod:`driftmgr.domain.secrets` hides ``master_password`` and ``auth_token`` wherever shown.
A configured engine version is a prefix ("15") of what runs: ``engine_version_actual`` is
compared instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules

__all__: list[str] = []


def _aws_parameter_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("name", "")).startswith("default.")  # RDS's own: default.<family>


def _default_cache_subnet_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("name") == "default"  # ElastiCache's, in the default VPC


_REPLICATION_GROUP = "aws_elasticache_replication_group"


# --- RDS ------------------------------------------------------------------------------------

aws(
    "aws_rds_cluster",
    TypeRules(
        sets=frozenset(
            {
                "vpc_security_group_ids",
                "availability_zones",
                "enabled_cloudwatch_logs_exports",
                "iam_roles",
            }
        ),
        # Roles may be associated by aws_rds_cluster_role_association resources instead.
        absent_when_empty=frozenset({"iam_roles"}),
        case_insensitive=frozenset({"preferred_maintenance_window", "preferred_backup_window"}),
        import_id="{cluster_identifier}",
        defaults={
            "engine_mode": "provisioned",
            "backup_retention_period": 1,
            "storage_encrypted": False,
            "deletion_protection": False,
            "copy_tags_to_snapshot": False,
            "iam_database_authentication_enabled": False,
            "enable_http_endpoint": False,
            "backtrack_window": 0,
            "database_name": "",
            "kms_key_id": "",
            "network_type": "IPV4",
            "replication_source_identifier": "",
            "db_cluster_instance_class": "",
            "iops": 0,
        },
        ignored=frozenset(
            {
                "cluster_identifier",
                "cluster_identifier_prefix",
                "master_password",
                "master_password_wo",
                "master_password_wo_version",
                "manage_master_user_password",
                "master_user_secret",
                "skip_final_snapshot",
                "final_snapshot_identifier",
                "apply_immediately",
                "allow_major_version_upgrade",
                "delete_automated_backups",
                "snapshot_identifier",
                "restore_to_point_in_time",
                "s3_import",
                "global_cluster_identifier",
                "enable_global_write_forwarding",
                "db_instance_parameter_group_name",
                "engine_version",
                # Membership is each aws_rds_cluster_instance's; these are computed.
                "cluster_members",
                "cluster_resource_id",
                "endpoint",
                "reader_endpoint",
                "hosted_zone_id",
                "ca_certificate_valid_till",
            }
        ),
        severity={
            "iam_database_authentication_enabled": "high",
            "storage_encrypted": "high",
            "vpc_security_group_ids": "high",
        },
    ),
)

aws(
    "aws_rds_cluster_instance",
    TypeRules(
        case_insensitive=frozenset({"preferred_maintenance_window", "preferred_backup_window"}),
        import_id="{identifier}",
        defaults={
            "promotion_tier": 0,
            "auto_minor_version_upgrade": True,
            "monitoring_interval": 0,
            "performance_insights_enabled": False,
            "copy_tags_to_snapshot": False,
            "publicly_accessible": False,
            "monitoring_role_arn": "",
            "custom_iam_instance_profile": "",
        },
        # `writer` moves with every failover; the rest is computed or Terraform-only.
        ignored=frozenset(
            {
                "identifier",
                "identifier_prefix",
                "apply_immediately",
                "force_destroy",
                "engine_version",
                "writer",
                "endpoint",
                "port",
                "dbi_resource_id",
                "storage_encrypted",
                "kms_key_id",
                "network_type",
            }
        ),
        severity={"publicly_accessible": "critical"},
    ),
)

_PARAMETER_GROUP = TypeRules(
    sets=frozenset({"parameter"}),
    member_ignored={"parameter": frozenset({"apply_method"})},
    import_id="{name}",
    defaults={"description": "Managed by Terraform"},
    ignored=frozenset({"name_prefix", "skip_destroy"}),
    cloud_default=_aws_parameter_group,
)
aws("aws_db_parameter_group", _PARAMETER_GROUP)
aws("aws_rds_cluster_parameter_group", _PARAMETER_GROUP)


# --- ElastiCache ----------------------------------------------------------------------------


def _replication_group_parent(attributes: Mapping[str, Any]) -> Key | None:
    """A member of a replication group is made by the group: the group's to report."""
    group = attributes.get("replication_group_id")
    return (_REPLICATION_GROUP, str(group)) if group else None


aws(
    "aws_elasticache_cluster",
    TypeRules(
        sets=frozenset({"security_group_ids", "log_delivery_configuration"}),
        case_insensitive=frozenset({"maintenance_window"}),
        import_id="{cluster_id}",
        defaults={
            "snapshot_retention_limit": 0,
            "auto_minor_version_upgrade": "true",
            "transit_encryption_enabled": False,
            "notification_topic_arn": "",
            "az_mode": "single-az",
        },
        ignored=frozenset(
            {
                "cluster_id",
                "apply_immediately",
                "final_snapshot_identifier",
                "snapshot_arns",
                "snapshot_name",
                "preferred_availability_zones",
                "engine_version",
                "cache_nodes",
                "cluster_address",
                "configuration_endpoint",
                "outpost_mode",
                "preferred_outpost_arn",
            }
        ),
        parent=_replication_group_parent,
    ),
)

aws(
    "aws_elasticache_subnet_group",
    TypeRules(
        sets=frozenset({"subnet_ids"}),
        import_id="{name}",
        defaults={"description": "Managed by Terraform"},
        ignored=frozenset({"vpc_id"}),
        cloud_default=_default_cache_subnet_group,
    ),
)

aws(
    _REPLICATION_GROUP,
    TypeRules(
        sets=frozenset({"security_group_ids", "user_group_ids", "log_delivery_configuration"}),
        case_insensitive=frozenset({"maintenance_window"}),
        import_id="{replication_group_id}",
        defaults={
            "automatic_failover_enabled": False,
            "multi_az_enabled": False,
            "at_rest_encryption_enabled": False,
            "transit_encryption_enabled": False,
            "data_tiering_enabled": False,
            "snapshot_retention_limit": 0,
            "auto_minor_version_upgrade": "true",
            "notification_topic_arn": "",
            "kms_key_id": "",
        },
        # auth_token is write-only (and secret); members and endpoints are computed.
        ignored=frozenset(
            {
                "replication_group_id",
                "auth_token",
                "auth_token_update_strategy",
                "apply_immediately",
                "final_snapshot_identifier",
                "snapshot_arns",
                "snapshot_name",
                "preferred_cache_cluster_azs",
                "engine_version",
                "member_clusters",
                "cluster_enabled",
                "primary_endpoint_address",
                "reader_endpoint_address",
                "configuration_endpoint_address",
                "global_replication_group_id",
            }
        ),
        severity={"at_rest_encryption_enabled": "high", "transit_encryption_enabled": "high"},
    ),
)
