"""How resource policies and the smaller standalone types compare: SQS queue, SNS topic and
ECR repository policies, ECR lifecycle policies, IAM user group memberships and OpenID
Connect providers, CloudWatch Logs metric filters, Route 53 health checks and ACM
certificates (terraform-provider-aws 5.x).

**Policies that are an attribute of their parent.** ``aws_sqs_queue.policy`` and
``aws_sns_topic.policy`` are Optional+Computed: a refresh records the live policy on the
queue or topic whoever set it. As with ``aws_s3_bucket_policy`` (see
:mod:`driftmgr.domain.drift.aws`), a live ``aws_sqs_queue_policy``/``aws_sns_topic_policy``
is its parent's to report when the parent was compared on ``policy`` (``parent``,
``parent_attribute``); a parent whose state holds a policy *claims* the live policy object;
and a state policy resource leaves the parent's stale copy uncompared (``delegates``). The
claims are added here by re-registering the ``aws_sqs_queue`` and ``aws_sns_topic`` rules of
:mod:`driftmgr.domain.drift.aws` with them (the rules there are otherwise unchanged).

A queue policy is keyed as its queue is (``ACCOUNT/NAME`` from ``queue_url``, see
:func:`~driftmgr.domain.drift.identity.sqs_queue_identity`) and imports by the queue URL; a
topic policy is keyed, and imports, by the topic ARN.

**ECR.** A repository has no policy attribute: its policy and lifecycle policy are resources
of their own, keyed and imported by the repository name; they belong to an unmanaged
repository's finding, and beside a managed repository one made by hand is unmanaged.

**IAM.** ``aws_iam_user_group_membership`` has a generated id; it is keyed by its ``user``
(all of a user's groups are one live object) and imports as ``user/group1/group2…``. Several
membership resources for one user are not told apart. OpenID Connect providers are keyed and
imported by ARN.

**Metric filters** are keyed as ``terraform import`` takes them, ``log_group_name:name`` (the
state id is the bare name, unique only within its log group).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.identity import sqs_queue_id
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import Key, TypeRules, register, rules_for
from driftmgr.domain.resources import StateResource

__all__ = ["metric_filter_identity", "user_group_membership_import_id"]

_RESERVED = ("aws:",)
_QUEUE = "aws_sqs_queue"
_TOPIC = "aws_sns_topic"
_QUEUE_POLICY = "aws_sqs_queue_policy"
_TOPIC_POLICY = "aws_sns_topic_policy"
_REPOSITORY = "aws_ecr_repository"


def _aws(resource_type: str, rules: TypeRules) -> None:
    register(resource_type, msgspec.structs.replace(rules, ignored_tag_prefixes=_RESERVED))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value if v not in (None, "")]
    return []


# --- policies held by their parent ----------------------------------------------------------


def _queue_of(attributes: Mapping[str, Any]) -> str | None:
    url = attributes.get("queue_url") or attributes.get("id")
    return sqs_queue_id(str(url)) if url else None


def _topic_of(attributes: Mapping[str, Any]) -> str | None:
    arn = attributes.get("arn") or attributes.get("id")
    return str(arn) if arn else None


def _policy_hooks(
    parent_type: str, parent_id: Callable[[Mapping[str, Any]], str | None]
) -> dict[str, Any]:
    def parent(attributes: Mapping[str, Any]) -> Key | None:
        ident = parent_id(attributes)
        return (parent_type, ident) if ident else None

    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return "policy"

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = parent(resource.attributes)
        return [(key, "policy")] if key is not None else []

    return {
        "identity": parent_id,
        "parent": parent,
        "parent_attribute": parent_attribute,
        "delegates": delegates,
    }


_aws(
    _QUEUE_POLICY,
    TypeRules(
        policies=frozenset({"policy"}),
        import_id="{queue_url}",
        ignored=frozenset({"queue_url"}),
        **_policy_hooks(_QUEUE, _queue_of),
    ),
)

_aws(
    _TOPIC_POLICY,
    TypeRules(
        policies=frozenset({"policy"}),
        import_id="{arn}",
        # `owner` is the topic's account, computed.
        ignored=frozenset({"owner"}),
        **_policy_hooks(_TOPIC, _topic_of),
    ),
)


def _claiming(
    parent_type: str, policy_type: str, own_id: Callable[[StateResource], str | None]
) -> None:
    """Re-register ``parent_type`` so that a state holding a policy claims the live policy."""
    rules = rules_for(parent_type)
    previous = rules.claims

    def claims(resource: StateResource) -> list[Key]:
        keys = list(previous(resource)) if previous is not None else []
        ident = own_id(resource)
        if ident and drop_empty(resource.attributes.get("policy")) is not None:
            keys.append((policy_type, ident))
        return keys

    register(
        parent_type,
        msgspec.structs.replace(
            rules,
            # rules_for adds the always-ignored attributes; keep the registered set as it was.
            ignored=rules.ignored,
            claims=claims,
            claimed_types=(rules.claimed_types or frozenset()) | {policy_type},
        ),
    )


def _queue_id(resource: StateResource) -> str | None:
    url = resource.attributes.get("url") or resource.attributes.get("id") or resource.id
    return sqs_queue_id(str(url)) if url else None


def _topic_id(resource: StateResource) -> str | None:
    arn = resource.attributes.get("arn") or resource.attributes.get("id") or resource.id
    return str(arn) if arn else None


_claiming(_QUEUE, _QUEUE_POLICY, _queue_id)
_claiming(_TOPIC, _TOPIC_POLICY, _topic_id)


# --- ECR ------------------------------------------------------------------------------------


def _repository_parent(attributes: Mapping[str, Any]) -> Key | None:
    repository = attributes.get("repository")
    return (_REPOSITORY, str(repository)) if repository else None


def _no_attribute(attributes: Mapping[str, Any]) -> str | None:
    return None  # the repository holds no copy


def _repository_identity(attributes: Mapping[str, Any]) -> str | None:
    repository = attributes.get("repository") or attributes.get("id")
    return str(repository) if repository else None


for _ecr_type in ("aws_ecr_repository_policy", "aws_ecr_lifecycle_policy"):
    _aws(
        _ecr_type,
        TypeRules(
            policies=frozenset({"policy"}),
            import_id="{repository}",
            # registry_id is the account; the repository is the identity.
            ignored=frozenset({"registry_id", "repository"}),
            identity=_repository_identity,
            parent=_repository_parent,
            parent_attribute=_no_attribute,
        ),
    )


# --- IAM ------------------------------------------------------------------------------------


def _membership_identity(attributes: Mapping[str, Any]) -> str | None:
    user = attributes.get("user")
    return str(user) if user else None


def user_group_membership_import_id(identity: str, attributes: Mapping[str, Any]) -> str | None:
    """``user/group1/group2…`` (``resourceUserGroupMembershipImport``)."""
    user = attributes.get("user") or identity
    groups = sorted(_strings(attributes.get("groups")))
    return "/".join([str(user), *groups]) if user and groups else None


def _user_parent(attributes: Mapping[str, Any]) -> Key | None:
    user = attributes.get("user")
    return ("aws_iam_user", str(user)) if user else None


_aws(
    "aws_iam_user_group_membership",
    TypeRules(
        sets=frozenset({"groups"}),
        ignored=frozenset({"user"}),
        identity=_membership_identity,
        import_id="{user}/{group}[/{group}]…",
        import_id_of=user_group_membership_import_id,
        parent=_user_parent,
        parent_attribute=_no_attribute,
    ),
)

_aws(
    "aws_iam_openid_connect_provider",
    TypeRules(
        sets=frozenset({"client_id_list", "thumbprint_list"}),
        # url is stored without its scheme; the ARN already names it.
        case_insensitive=frozenset({"thumbprint_list"}),
        import_id="{arn}",
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


_aws(
    "aws_cloudwatch_log_metric_filter",
    TypeRules(
        sets=frozenset({"metric_transformation"}),
        defaults={"apply_on_transformed_logs": False},
        ignored=frozenset({"name", "log_group_name"}),
        identity=metric_filter_identity,
        import_id="{log_group_name}:{name}",
        import_id_of=_metric_filter_import_id,
        parent=_log_group_parent,
        parent_attribute=_no_attribute,
    ),
)


# --- Route 53 health checks, ACM certificates -----------------------------------------------

_aws(
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
    ),
)

_aws(
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
