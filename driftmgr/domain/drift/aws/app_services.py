"""How Lambda permissions, aliases and event source mappings, Secrets Manager secrets, SSM
parameters, Kinesis streams, Step Functions state machines, EFS file systems, Auto Scaling
groups and CloudTrail trails compare (terraform-provider-aws 5.x).

A Lambda permission's Terraform id is its ``statement_id``, unique only within one
function (and qualifier): it is matched as ``<function>[:<qualifier>]/<statement_id>``,
which is also what ``terraform import`` takes. ``function_name`` may hold a name or an ARN
(the provider keeps what was configured): it is part of the identity, never compared.

Auto Scaling groups own the instances they launch (tagged ``aws:autoscaling:groupName``):
the ``aws_instance`` rules make such an instance the group's child (``parent``), never a
finding of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = ["function_name_of", "lambda_permission_identity", "trail_identity"]

#: Name prefixes of the secrets AWS services create and rotate for themselves.
_MANAGED_SECRET_PREFIXES = ("rds!", "events!", "redshift!", "appflow!", "sqlworkbench!")


def _service_owned_secret(a: Mapping[str, Any], c: CloudContext) -> bool:
    # ListSecrets OwningService, or a managing service's name prefix.
    return bool(a.get("owning_service")) or str(a.get("name", "")).startswith(
        _MANAGED_SECRET_PREFIXES
    )


def function_name_of(value: str) -> tuple[str, str]:
    """A function's name and qualifier from a name, ``name:qualifier`` or a (qualified)
    function ARN (``arn:aws:lambda:us-east-1:123456789012:function:orders:live``)."""
    if value.startswith("arn:"):
        parts = value.split(":")
        name = parts[6] if len(parts) > 6 else value
        return name, parts[7] if len(parts) > 7 else ""
    name, _, qualifier = value.partition(":")
    return name, qualifier


def lambda_permission_identity(attributes: Mapping[str, Any]) -> str | None:
    statement = attributes.get("statement_id")
    function = attributes.get("function_name")
    if not statement or not function:
        return None
    name, qualifier = function_name_of(str(function))
    qualifier = str(attributes.get("qualifier") or qualifier)
    target = f"{name}:{qualifier}" if qualifier else name
    return f"{target}/{statement}"


def _permission_import_id(identity: str, attributes: Mapping[str, Any]) -> str | None:
    return identity  # the live id is already function[:qualifier]/statement_id


def trail_identity(attributes: Mapping[str, Any]) -> str | None:
    """The trail's ARN: the provider's id since 5.0 (a 4.x state's id is the name)."""
    arn = attributes.get("arn") or attributes.get("id")
    return str(arn) if arn else None


# --- Lambda ---------------------------------------------------------------------------------

aws(
    "aws_lambda_permission",
    TypeRules(
        defaults={
            "event_source_token": "",
            "function_url_auth_type": "",
            "principal_org_id": "",
            "qualifier": "",
            "source_account": "",
            "source_arn": "",
        },
        # function_name, qualifier and statement_id are the identity.
        ignored=frozenset({"function_name", "qualifier", "statement_id", "statement_id_prefix"}),
        identity=lambda_permission_identity,
        import_id="{function_name}[:{qualifier}]/{statement_id}",
        import_id_of=_permission_import_id,
        severity={"action": "high", "principal": "high", "source_arn": "high"},
        access=True,
        taggable=False,
    ),
)

aws(
    "aws_lambda_alias",
    TypeRules(
        defaults={"description": "", "routing_config": []},
        # The alias ARN the match was made on names the function; the state may hold its
        # name or its ARN.
        ignored=frozenset({"function_name", "invoke_arn"}),
        import_id="{function_name}/{name}",
        taggable=False,
    ),
)

aws(
    "aws_lambda_event_source_mapping",
    TypeRules(
        sets=frozenset({"function_response_types", "topics", "queues", "filter_criteria"}),
        defaults={
            "bisect_batch_on_function_error": False,
            "destination_config": [],
            "filter_criteria": [],
            "function_response_types": [],
            "maximum_batching_window_in_seconds": 0,
            "scaling_config": [],
            "starting_position": "",
            "tumbling_window_in_seconds": 0,
        },
        # function_name is stored as configured (name or ARN); function_arn is compared.
        ignored=frozenset(
            {
                "function_name",
                "uuid",
                "state",
                "state_transition_reason",
                "last_modified",
                "last_processing_result",
                "starting_position_timestamp",
            }
        ),
    ),
)


# --- Secrets Manager, SSM -------------------------------------------------------------------

aws(
    "aws_secretsmanager_secret",
    TypeRules(
        sets=frozenset({"replica"}),
        policies=frozenset({"policy"}),
        defaults={"description": "", "kms_key_id": "", "replica": []},
        # The policy may be managed by a separate aws_secretsmanager_secret_policy.
        absent_when_empty=frozenset({"policy"}),
        member_ignored={"replica": frozenset({"status", "status_message", "last_accessed_date"})},
        ignored=frozenset(
            {
                "name_prefix",
                "recovery_window_in_days",
                "force_overwrite_replica_secret",
                "owning_service",
            }
        ),
        cloud_default=_service_owned_secret,
        severity={"kms_key_id": "high", "policy": "high"},
        access=True,
    ),
)

aws(
    "aws_ssm_parameter",
    TypeRules(
        defaults={
            "description": "",
            "tier": "Standard",
            "data_type": "text",
            "allowed_pattern": "",
        },
        # Set only when configured; otherwise the value is in (the secret) `value`.
        absent_when_empty=frozenset({"insecure_value"}),
        ignored=frozenset({"overwrite"}),
        severity={"key_id": "high", "type": "high"},
    ),
)


# --- Kinesis, Step Functions ----------------------------------------------------------------

aws(
    "aws_kinesis_stream",
    TypeRules(
        sets=frozenset({"shard_level_metrics"}),
        defaults={
            "retention_period": 24,
            "encryption_type": "NONE",
            "kms_key_id": "",
            "shard_level_metrics": [],
            "stream_mode_details": [{"stream_mode": "PROVISIONED"}],
        },
        ignored=frozenset({"enforce_consumer_deletion"}),
        import_id="{name}",
        severity={"encryption_type": "high"},
    ),
)

aws(
    "aws_sfn_state_machine",
    TypeRules(
        policies=frozenset({"definition"}),
        defaults={
            "description": "",
            "type": "STANDARD",
            "logging_configuration": [
                {"include_execution_data": False, "level": "OFF", "log_destination": ""}
            ],
            "tracing_configuration": [{"enabled": False}],
        },
        ignored=frozenset(
            {
                "name_prefix",
                "creation_date",
                "status",
                "revision_id",
                "state_machine_version_arn",
                "version_description",
                "publish",
            }
        ),
    ),
)


# --- EFS, Auto Scaling, CloudTrail ----------------------------------------------------------

aws(
    "aws_efs_file_system",
    TypeRules(
        defaults={
            "encrypted": False,
            "kms_key_id": "",
            "performance_mode": "generalPurpose",
            "throughput_mode": "bursting",
            "provisioned_throughput_in_mibps": 0,
            "lifecycle_policy": [],
        },
        ignored=frozenset(
            {
                "size_in_bytes",
                "number_of_mount_targets",
                "dns_name",
                "name",
                "availability_zone_id",
                "creation_token",
            }
        ),
        severity={"encrypted": "high"},
    ),
)

aws(
    "aws_autoscaling_group",
    TypeRules(
        sets=frozenset(
            {
                "availability_zones",
                "vpc_zone_identifier",
                "load_balancers",
                "target_group_arns",
                "suspended_processes",
                "enabled_metrics",
                "tag",
            }
        ),
        defaults={
            "default_cooldown": 300,
            "health_check_type": "EC2",
            "health_check_grace_period": 300,
            "metrics_granularity": "1Minute",
            "max_instance_lifetime": 0,
            "capacity_rebalance": False,
            "protect_from_scale_in": False,
            "placement_group": "",
            "launch_configuration": "",
            "launch_template": [],
            # Not configured, AWS applies (and lists) its Default policy.
            "termination_policies": ["Default"],
            "suspended_processes": [],
            "enabled_metrics": [],
            "tag": [],
        },
        # Attachments (aws_autoscaling_attachment, …_traffic_source_attachment) may manage
        # these instead.
        absent_when_empty=frozenset({"load_balancers", "target_group_arns"}),
        ignored=frozenset(
            {
                "name_prefix",
                "force_delete",
                "force_delete_warm_pool",
                "wait_for_capacity_timeout",
                "min_elb_capacity",
                "wait_for_elb_capacity",
                "ignore_failed_scaling_activities",
                "predicted_capacity",
                "warm_pool_size",
                "instance_refresh",
                "initial_lifecycle_hook",
                "context",
                "desired_capacity_type",
                "traffic_source",
                "mixed_instances_policy",
                # Tag scopes read the `tag` blocks as a map; the blocks are compared.
                "tags",
            }
        ),
    ),
)

aws(
    "aws_cloudtrail",
    TypeRules(
        sets=frozenset({"insight_selector"}),
        defaults={
            "enable_logging": True,
            "enable_log_file_validation": False,
            "include_global_service_events": True,
            "is_multi_region_trail": False,
            "is_organization_trail": False,
            "s3_key_prefix": "",
            "sns_topic_name": "",
            "kms_key_id": "",
            "cloud_watch_logs_group_arn": "",
            "cloud_watch_logs_role_arn": "",
            "event_selector": [],
            "advanced_event_selector": [],
            "insight_selector": [],
        },
        ignored=frozenset({"home_region", "sns_topic_arn"}),
        identity=trail_identity,
        import_id="{arn}",
        severity={
            "enable_log_file_validation": "high",
            "enable_logging": "high",
            "is_multi_region_trail": "high",
            "kms_key_id": "high",
        },
        access=True,
    ),
)
