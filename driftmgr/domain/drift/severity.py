"""How bad a finding is: the question a security reviewer asks first.

Rules read the finding only (kind, type, changed paths and values, and for an unmanaged
object its observed attributes), so the same finding always gets the same severity:

- **critical** — the change opens something to the world or hands out control: an ingress
  rule from ``0.0.0.0/0``/``::/0``, a changed role trust policy, a database made public, an
  ``AdministratorAccess`` attachment nobody manages;
- **high** — who can reach or read what changed: security groups and network ACLs, IAM
  policies and attachments, bucket policies and public access blocks, KMS key policies,
  encryption settings, load balancer exposure and TLS;
- **medium** — everything else that changed behaviour; **low** — tags and descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.report import DriftChange, DriftKind, Severity

__all__ = ["severity_of"]

_RANK: dict[Severity, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}

#: Types whose absence or presence outside Terraform changes who can reach what.
_ACCESS_TYPES = frozenset(
    {
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_internet_gateway",
        "aws_iam_role",
        "aws_iam_user",
        "aws_iam_group",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_instance_profile",
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_kms_key",
        "aws_lb",
        "aws_lb_listener",
        "aws_lb_listener_rule",
        "aws_elb",
        # Who may do what, inline or by resource policy.
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_iam_user_group_membership",
        "aws_iam_openid_connect_provider",
        "aws_lambda_permission",
        "aws_sqs_queue_policy",
        "aws_sns_topic_policy",
        "aws_ecr_repository_policy",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_ownership_controls",
        "aws_secretsmanager_secret",
        # Paths into and out of a network.
        "aws_vpc_endpoint",
        "aws_vpc_peering_connection",
        "aws_network_interface",
        "aws_api_gateway_rest_api",
        "aws_apigatewayv2_api",
        # Who can see what happened.
        "aws_cloudtrail",
        "aws_flow_log",
    }
)

_HIGH: Severity = "high"
_CRITICAL: Severity = "critical"
_LOW: Severity = "low"

#: (type, attribute) → severity of any change to it; unlisted attributes are medium.
_ATTRIBUTE_SEVERITY: dict[tuple[str, str], Severity] = {
    # IAM: who may assume, and what they may do.
    ("aws_iam_role", "assume_role_policy"): _CRITICAL,
    ("aws_iam_role", "permissions_boundary"): _HIGH,
    ("aws_iam_role", "managed_policy_arns"): _HIGH,
    ("aws_iam_role", "inline_policy"): _HIGH,
    ("aws_iam_user", "permissions_boundary"): _HIGH,
    ("aws_iam_policy", "policy"): _HIGH,
    ("aws_iam_instance_profile", "role"): _HIGH,
    # Network reachability.
    ("aws_security_group", "ingress"): _HIGH,
    ("aws_security_group", "egress"): "medium",
    ("aws_security_group_rule", "description"): _LOW,
    ("aws_network_acl", "ingress"): _HIGH,
    ("aws_network_acl", "egress"): _HIGH,
    ("aws_network_acl", "subnet_ids"): _HIGH,
    ("aws_network_acl_rule", "rule_action"): _HIGH,
    ("aws_network_acl_rule", "from_port"): _HIGH,
    ("aws_network_acl_rule", "to_port"): _HIGH,
    ("aws_route53_record", "records"): _HIGH,
    ("aws_route53_record", "alias"): _HIGH,
    ("aws_instance", "vpc_security_group_ids"): _HIGH,
    ("aws_instance", "iam_instance_profile"): _HIGH,
    ("aws_instance", "metadata_options"): _HIGH,
    ("aws_instance", "subnet_id"): _HIGH,
    ("aws_db_instance", "publicly_accessible"): _CRITICAL,
    ("aws_db_instance", "vpc_security_group_ids"): _HIGH,
    ("aws_db_instance", "storage_encrypted"): _HIGH,
    ("aws_db_instance", "kms_key_id"): _HIGH,
    ("aws_db_instance", "iam_database_authentication_enabled"): _HIGH,
    ("aws_lb", "internal"): _HIGH,
    ("aws_lb", "security_groups"): _HIGH,
    ("aws_lb_listener", "protocol"): _HIGH,
    ("aws_lb_listener", "certificate_arn"): _HIGH,
    ("aws_lb_listener", "ssl_policy"): _HIGH,
    ("aws_lambda_function", "role"): _HIGH,
    ("aws_lambda_function", "code_sha256"): _HIGH,
    # Data exposure and encryption.
    ("aws_s3_bucket", "policy"): _HIGH,
    ("aws_s3_bucket", "acl"): _HIGH,
    ("aws_s3_bucket", "grant"): _HIGH,
    ("aws_s3_bucket", "server_side_encryption_configuration"): _HIGH,
    ("aws_s3_bucket_policy", "policy"): _HIGH,
    ("aws_s3_bucket_public_access_block", "block_public_acls"): _HIGH,
    ("aws_s3_bucket_public_access_block", "block_public_policy"): _HIGH,
    ("aws_s3_bucket_public_access_block", "ignore_public_acls"): _HIGH,
    ("aws_s3_bucket_public_access_block", "restrict_public_buckets"): _HIGH,
    ("aws_s3_bucket_server_side_encryption_configuration", "rule"): _HIGH,
    ("aws_kms_key", "policy"): _HIGH,
    ("aws_kms_key", "is_enabled"): _HIGH,
    ("aws_kms_alias", "target_key_id"): _HIGH,
    ("aws_sqs_queue", "policy"): _HIGH,
    ("aws_sqs_queue", "kms_master_key_id"): _HIGH,
    ("aws_sqs_queue", "sqs_managed_sse_enabled"): _HIGH,
    ("aws_sns_topic", "policy"): _HIGH,
    ("aws_sns_topic", "kms_master_key_id"): _HIGH,
    ("aws_ebs_volume", "encrypted"): _HIGH,
    ("aws_ebs_volume", "kms_key_id"): _HIGH,
    ("aws_ecr_repository", "encryption_configuration"): _HIGH,
    ("aws_cloudwatch_log_group", "kms_key_id"): _HIGH,
    ("aws_dynamodb_table", "server_side_encryption"): _HIGH,
    ("aws_key_pair", "fingerprint"): _HIGH,
    # Types listed since: policies, access, encryption and audit trails.
    ("aws_iam_role_policy", "policy"): _HIGH,
    ("aws_iam_user_policy", "policy"): _HIGH,
    ("aws_iam_group_policy", "policy"): _HIGH,
    ("aws_lambda_permission", "principal"): _HIGH,
    ("aws_lambda_permission", "source_arn"): _HIGH,
    ("aws_lambda_permission", "action"): _HIGH,
    ("aws_s3_bucket_acl", "access_control_policy"): _HIGH,
    ("aws_s3_bucket_acl", "acl"): _HIGH,
    ("aws_s3_bucket_ownership_controls", "rule"): _HIGH,
    ("aws_vpc_endpoint", "policy"): _HIGH,
    ("aws_vpc_endpoint", "security_group_ids"): _HIGH,
    ("aws_secretsmanager_secret", "policy"): _HIGH,
    ("aws_secretsmanager_secret", "kms_key_id"): _HIGH,
    ("aws_ssm_parameter", "type"): _HIGH,
    ("aws_ssm_parameter", "key_id"): _HIGH,
    ("aws_cloudtrail", "enable_logging"): _HIGH,
    ("aws_cloudtrail", "is_multi_region_trail"): _HIGH,
    ("aws_cloudtrail", "enable_log_file_validation"): _HIGH,
    ("aws_cloudtrail", "kms_key_id"): _HIGH,
    ("aws_cloudwatch_event_target", "arn"): _HIGH,
    ("aws_efs_file_system", "encrypted"): _HIGH,
    ("aws_kinesis_stream", "encryption_type"): _HIGH,
    ("aws_sqs_queue_policy", "policy"): _HIGH,
    ("aws_sns_topic_policy", "policy"): _HIGH,
    ("aws_ecr_repository_policy", "policy"): _HIGH,
    ("aws_rds_cluster", "storage_encrypted"): _HIGH,
    ("aws_rds_cluster", "iam_database_authentication_enabled"): _HIGH,
    ("aws_rds_cluster", "vpc_security_group_ids"): _HIGH,
    ("aws_rds_cluster_instance", "publicly_accessible"): _CRITICAL,
    ("aws_eks_cluster", "vpc_config"): _HIGH,
    ("aws_elasticache_replication_group", "transit_encryption_enabled"): _HIGH,
    ("aws_elasticache_replication_group", "at_rest_encryption_enabled"): _HIGH,
    ("aws_api_gateway_method", "authorization"): _HIGH,
    ("aws_apigatewayv2_route", "authorization_type"): _HIGH,
    ("aws_lb_listener_rule", "action"): _HIGH,
    ("aws_lb_listener_rule", "condition"): _HIGH,
    ("aws_elb", "listener"): _HIGH,
    ("aws_elb", "security_groups"): _HIGH,
}

#: Attribute names that are labels on every type.
_LABELS = frozenset({"tags", "tags_all", "description"})

_OPEN_TO_WORLD = frozenset({"0.0.0.0/0", "::/0"})

_ADMIN_POLICY_SUFFIX = ":policy/AdministratorAccess"


def _opens_to_world(members: list[Any] | None) -> bool:
    for rule in members or []:
        if isinstance(rule, dict):
            cidrs = list(rule.get("cidr_blocks") or []) + list(rule.get("ipv6_cidr_blocks") or [])
            if _OPEN_TO_WORLD.intersection(cidrs):
                return True
    return False


def _change_severity(resource_type: str, change: DriftChange) -> Severity:
    attribute = change.path.split(".", 1)[0].split("[", 1)[0]
    listed = _ATTRIBUTE_SEVERITY.get((resource_type, attribute))
    if listed is not None:
        if attribute == "ingress" and resource_type == "aws_security_group":
            return _CRITICAL if _opens_to_world(change.added) else listed
        return listed
    if attribute in _LABELS:
        return _LOW
    return "medium"


def _object_severity(
    kind: DriftKind, resource_type: str, attributes: Mapping[str, Any] | None
) -> Severity:
    attributes = attributes or {}
    if kind == "unmanaged" and (
        resource_type == "aws_security_group_rule"
        and attributes.get("type") == "ingress"
        and _opens_to_world([dict(attributes)])
    ):
        return _CRITICAL
    if kind == "unmanaged" and str(attributes.get("policy_arn", "")).endswith(_ADMIN_POLICY_SUFFIX):
        return _CRITICAL
    return _HIGH if resource_type in _ACCESS_TYPES else "medium"


def severity_of(
    kind: DriftKind,
    resource_type: str,
    changes: list[DriftChange],
    *,
    attributes: Mapping[str, Any] | None = None,
) -> Severity:
    """The severity of one finding.

    ``attributes`` are the live object's, for an unmanaged one: an unmanaged ingress rule
    from anywhere, or an unmanaged ``AdministratorAccess`` attachment, is critical.
    """
    if kind == "modified":
        worst: Severity = "low"
        for change in changes:
            severity = _change_severity(resource_type, change)
            if _RANK[severity] > _RANK[worst]:
                worst = severity
        return worst
    if kind in ("missing", "unmanaged"):
        return _object_severity(kind, resource_type, attributes)
    return "medium"  # unobserved: unknown, so neither reassuring nor alarming
