"""How RDS DB instances and subnet groups compare (terraform-provider-aws 5.x,
``internal/service/rds``); clusters and parameter groups are in :mod:`.databases`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.identity import (
    db_instance_identity,
)
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = ["storage_autoscaled"]


def _default_subnet_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("name") == "default"  # created by RDS in the default VPC


# --- databases and queues -------------------------------------------------------------------


def storage_autoscaled(state: Mapping[str, Any], cloud: Mapping[str, Any]) -> bool:
    """Storage autoscaling grew the storage: with ``max_allocated_storage`` set, the provider
    suppresses a cloud ``allocated_storage`` above the state's and up to that limit."""
    try:
        limit = int(state.get("max_allocated_storage") or 0)
        recorded, now = int(state.get("allocated_storage") or 0), int(cloud["allocated_storage"])
    except (KeyError, TypeError, ValueError):
        return False
    return limit > 0 and recorded < now <= limit


aws(
    "aws_db_instance",
    TypeRules(
        same_when={"allocated_storage": storage_autoscaled},
        sets=frozenset({"vpc_security_group_ids", "enabled_cloudwatch_logs_exports"}),
        case_insensitive=frozenset({"maintenance_window", "backup_window"}),
        defaults={
            "publicly_accessible": False,
            "storage_encrypted": False,
            "multi_az": False,
            "deletion_protection": False,
            "copy_tags_to_snapshot": False,
            "auto_minor_version_upgrade": True,
            "iam_database_authentication_enabled": False,
            "performance_insights_enabled": False,
            "monitoring_interval": 0,
            "network_type": "IPV4",
            "character_set_name": "",
            "customer_owned_ip_enabled": False,
        },
        # password is write-only; the rest is Terraform-only, volatile, or a configured
        # prefix ("15") of what AWS reports (engine_version_actual is compared instead).
        ignored=frozenset(
            {
                "identifier",
                "identifier_prefix",
                "password",
                "password_wo",
                "password_wo_version",
                "manage_master_user_password",
                "skip_final_snapshot",
                "final_snapshot_identifier",
                "apply_immediately",
                "allow_major_version_upgrade",
                "delete_automated_backups",
                "blue_green_update",
                "snapshot_identifier",
                "restore_to_point_in_time",
                "s3_import",
                "upgrade_storage_config",
                "engine_version",
                "latest_restorable_time",
                "status",
                "resource_id",
                "replicas",
                "address",
                "endpoint",
                "hosted_zone_id",
                "listener_endpoint",
                "master_user_secret",
            }
        ),
        identity=db_instance_identity,
        severity={
            "iam_database_authentication_enabled": "high",
            "kms_key_id": "high",
            "publicly_accessible": "critical",
            "storage_encrypted": "high",
            "vpc_security_group_ids": "high",
        },
    ),
)

aws(
    "aws_db_subnet_group",
    TypeRules(
        sets=frozenset({"subnet_ids", "supported_network_types"}),
        defaults={"description": "Managed by Terraform"},
        ignored=frozenset({"name_prefix"}),
        cloud_default=_default_subnet_group,
    ),
)
