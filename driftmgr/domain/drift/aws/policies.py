"""How the smaller standalone types compare: IAM user group memberships and OpenID Connect
providers, CloudWatch Logs metric filters, Route 53 health checks and ACM certificates
(terraform-provider-aws 5.x).

**IAM.** ``aws_iam_user_group_membership`` has a generated id; it is keyed by its ``user``
(all of a user's groups are one live object) and imports as ``user/group1/group2…``. Several
membership resources for one user are not told apart. OpenID Connect providers are keyed and
imported by ARN.

**Metric filters** are keyed as ``terraform import`` takes them, ``log_group_name:name`` (the
state id is the bare name, unique only within its log group).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws, no_attribute, strings
from driftmgr.domain.drift.rules import Key, TypeRules

__all__ = ["metric_filter_identity", "user_group_membership_import_id"]


# --- IAM ------------------------------------------------------------------------------------


def _membership_identity(attributes: Mapping[str, Any]) -> str | None:
    user = attributes.get("user")
    return str(user) if user else None


def user_group_membership_import_id(identity: str, attributes: Mapping[str, Any]) -> str | None:
    """``user/group1/group2…`` (``resourceUserGroupMembershipImport``)."""
    user = attributes.get("user") or identity
    groups = sorted(strings(attributes.get("groups")))
    return "/".join([str(user), *groups]) if user and groups else None


def _user_parent(attributes: Mapping[str, Any]) -> Key | None:
    user = attributes.get("user")
    return ("aws_iam_user", str(user)) if user else None


aws(
    "aws_iam_user_group_membership",
    TypeRules(
        sets=frozenset({"groups"}),
        ignored=frozenset({"user"}),
        identity=_membership_identity,
        import_id="{user}/{group}[/{group}]…",
        import_id_of=user_group_membership_import_id,
        parent=_user_parent,
        parent_attribute=no_attribute,
        access=True,
        taggable=False,
        is_global=True,
    ),
)

aws(
    "aws_iam_openid_connect_provider",
    TypeRules(
        sets=frozenset({"client_id_list", "thumbprint_list"}),
        # url is stored without its scheme; the ARN already names it.
        case_insensitive=frozenset({"thumbprint_list"}),
        import_id="{arn}",
        access=True,
        is_global=True,
    ),
)


# --- CloudWatch Logs metric filters ---------------------------------------------------------


def metric_filter_identity(attributes: Mapping[str, Any]) -> str | None:
    group = attributes.get("log_group_name")
    name = attributes.get("name")
    return f"{group}:{name}" if group and name else None


def _metric_filter_import_id(identity: str, attributes: Mapping[str, Any]) -> str | None:
    return identity


def _log_group_parent(attributes: Mapping[str, Any]) -> Key | None:
    group = attributes.get("log_group_name")
    return ("aws_cloudwatch_log_group", str(group)) if group else None


aws(
    "aws_cloudwatch_log_metric_filter",
    TypeRules(
        sets=frozenset({"metric_transformation"}),
        defaults={"apply_on_transformed_logs": False},
        ignored=frozenset({"name", "log_group_name"}),
        identity=metric_filter_identity,
        import_id="{log_group_name}:{name}",
        import_id_of=_metric_filter_import_id,
        parent=_log_group_parent,
        parent_attribute=no_attribute,
        taggable=False,
    ),
)


# --- Route 53 health checks, ACM certificates -----------------------------------------------

aws(
    "aws_route53_health_check",
    TypeRules(
        sets=frozenset({"child_healthchecks", "regions"}),
        dns_names=frozenset({"fqdn"}),
        defaults={
            "measure_latency": False,
            "invert_healthcheck": False,
            "disabled": False,
            "child_healthchecks": [],
            "regions": [],
            "search_string": "",
            "resource_path": "",
            "ip_address": "",
            "cloudwatch_alarm_name": "",
            "cloudwatch_alarm_region": "",
            "insufficient_data_health_status": "",
            "routing_control_arn": "",
            "child_health_threshold": 0,
        },
        # reference_name becomes part of the caller reference, which the API does not return
        # as configured.
        ignored=frozenset({"reference_name", "triggers"}),
        is_global=True,
    ),
)

aws(
    "aws_acm_certificate",
    TypeRules(
        sets=frozenset({"subject_alternative_names", "options"}),
        # options.export exists only in the newest 5.x releases: not compared.
        member_ignored={"options": frozenset({"export"})},
        dns_names=frozenset({"domain_name", "subject_alternative_names"}),
        case_insensitive=frozenset({"validation_method"}),
        import_id="{arn}",
        defaults={
            "options": [{"certificate_transparency_logging_preference": "ENABLED"}],
            "subject_alternative_names": [],
            "certificate_authority_arn": "",
        },
        # The validation records, dates and status follow from AWS's validation and
        # renewal; an imported certificate's body, chain and key are write-only inputs.
        ignored=frozenset(
            {
                "status",
                "domain_validation_options",
                "validation_emails",
                "validation_option",
                "not_after",
                "not_before",
                "pending_renewal",
                "renewal_eligibility",
                "renewal_summary",
                "type",
                "early_renewal_duration",
                "certificate_body",
                "certificate_chain",
                "private_key",
            }
        ),
    ),
)
