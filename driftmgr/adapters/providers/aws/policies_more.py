"""Resource policies and smaller standalone types, as terraform-provider-aws 5.x reads them.

- ``aws_sqs_queue_policy`` (``internal/service/sqs/queue_policy.go``): one per queue whose
  ``Policy`` attribute is set; id and import id the queue URL, keyed as the queue is.
- ``aws_sns_topic_policy`` (``sns/topic_policy.go``): one per topic, id the topic ARN. The
  policy SNS gives every new topic (``__default_policy_ID``) is a cloud default.
- ``aws_ecr_repository_policy`` / ``aws_ecr_lifecycle_policy`` (``ecr/…``): one per
  repository that has one, id the repository name.
- ``aws_iam_user_group_membership`` (``iam/user_group_membership.go``, global): one per user
  in at least one group, keyed by the user, ``groups`` all of its groups.
- ``aws_iam_openid_connect_provider`` (global): keyed by ARN; ``url`` without its scheme.
- ``aws_cloudwatch_log_metric_filter`` (``logs/metric_filter.go``): keyed
  ``log_group_name:name``; ``default_value`` is a string, as the provider stores it.
- ``aws_route53_health_check`` (global): keyed by id, tags ten ids at a time.
- ``aws_acm_certificate``: keyed by ARN, every key algorithm listed (``ListCertificates``
  lists only RSA-2048 certificates unless told otherwise); ``subject_alternative_names``
  leaves out the domain name, as the provider does. Private keys are never read.

Policy documents are minified JSON with sorted keys. moto 5.2 serves all of these; it
reports no ``CertificateTransparencyLoggingPreference`` changes and no health-check
``ChildHealthChecks`` order.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import msgspec
from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.iam import _listed, _resource, _unless_gone, _users
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.drift.identity import sqs_queue_id
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__: list[str] = []

T = TypeVar("T")

_QUEUE_POLICY = "aws_sqs_queue_policy"
_TOPIC_POLICY = "aws_sns_topic_policy"
_REPOSITORY_POLICY = "aws_ecr_repository_policy"
_LIFECYCLE_POLICY = "aws_ecr_lifecycle_policy"
_MEMBERSHIP = "aws_iam_user_group_membership"
_OIDC = "aws_iam_openid_connect_provider"
_METRIC_FILTER = "aws_cloudwatch_log_metric_filter"
_HEALTH_CHECK = "aws_route53_health_check"
_CERTIFICATE = "aws_acm_certificate"

_GONE = (
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
    "RepositoryNotFoundException",
    "ResourceNotFoundException",
    "NoSuchHealthCheck",
)
_NO_POLICY = ("RepositoryPolicyNotFoundException", "LifecyclePolicyNotFoundException")
_KEY_TYPES = [
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
]


async def _gone_as_none(call: Awaitable[T], codes: tuple[str, ...] = _GONE) -> T | None:
    try:
        return await call
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def _live(
    type_: str, id_: str, region: str, account: str | None, attributes: dict[str, Any]
) -> LiveResource:
    return resource(
        type_, id_, region, account, attributes, is_default=is_cloud_default(type_, attributes)
    )


# --- SQS and SNS ----------------------------------------------------------------------------


@enumerator(_QUEUE_POLICY, "sqs")
async def list_queue_policies(scan: Scan, sqs: Any, region: str) -> list[LiveResource]:
    urls: list[str] = []
    async for page in scan.pages(sqs, "list_queues", PaginationConfig={"PageSize": 1000}):
        urls.extend(str(u) for u in page.get("QueueUrls", []))
    answers = await gather(
        _gone_as_none(
            scan.call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=["Policy"])
        )
        for url in urls
    )
    account = await scan.account()
    live = []
    for url, answer in zip(urls, answers, strict=True):
        document = ((answer or {}).get("Attributes") or {}).get("Policy")
        if not document:
            continue  # no policy, or deleted since the listing
        attributes = {"id": url, "queue_url": url, "policy": policy_json(document)}
        live.append(_live(_QUEUE_POLICY, sqs_queue_id(url) or url, region, account, attributes))
    return live


@enumerator(_TOPIC_POLICY, "sns")
async def list_topic_policies(scan: Scan, sns: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(sns, "list_topics"):
        arns.extend(str(t["TopicArn"]) for t in page.get("Topics", []))
    answers = await gather(
        _gone_as_none(scan.call(sns, "get_topic_attributes", TopicArn=arn)) for arn in arns
    )
    account = await scan.account()
    live = []
    for arn, answer in zip(arns, answers, strict=True):
        api = (answer or {}).get("Attributes") or {}
        if not api.get("Policy"):
            continue
        attributes: dict[str, Any] = {
            "id": arn,
            "arn": arn,
            "owner": api.get("Owner", ""),
            "policy": policy_json(api["Policy"]),
        }
        default = is_cloud_default(_TOPIC_POLICY, attributes)
        live.append(resource(_TOPIC_POLICY, arn, region, account, attributes, is_default=default))
    return live


# --- ECR ------------------------------------------------------------------------------------


async def _repositories(scan: Scan, ecr: Any) -> list[Response]:
    async def fetch() -> list[Response]:
        found: list[Response] = []
        async for page in scan.pages(ecr, "describe_repositories"):
            found.extend(page.get("repositories", []))
        return found

    return await scan.shared(f"ecr:repositories:{ecr.meta.region_name}", fetch)


async def _repository_documents(
    scan: Scan, ecr: Any, region: str, type_: str, operation: str, key: str
) -> list[LiveResource]:
    repositories = await _repositories(scan, ecr)
    answers = await gather(
        _gone_as_none(
            scan.call(ecr, operation, repositoryName=r["repositoryName"]), _GONE + _NO_POLICY
        )
        for r in repositories
    )
    account = await scan.account()
    live = []
    for repository, answer in zip(repositories, answers, strict=True):
        document = (answer or {}).get(key)
        if not document:
            continue
        name = str(repository["repositoryName"])
        attributes = {
            "id": name,
            "repository": name,
            "registry_id": (answer or {}).get("registryId", repository.get("registryId", "")),
            "policy": policy_json(document),
        }
        live.append(_live(type_, name, region, account, attributes))
    return live


@enumerator(_REPOSITORY_POLICY, "ecr")
async def list_repository_policies(scan: Scan, ecr: Any, region: str) -> list[LiveResource]:
    return await _repository_documents(
        scan, ecr, region, _REPOSITORY_POLICY, "get_repository_policy", "policyText"
    )


@enumerator(_LIFECYCLE_POLICY, "ecr")
async def list_lifecycle_policies(scan: Scan, ecr: Any, region: str) -> list[LiveResource]:
    return await _repository_documents(
        scan, ecr, region, _LIFECYCLE_POLICY, "get_lifecycle_policy", "lifecyclePolicyText"
    )


# --- IAM ------------------------------------------------------------------------------------


@enumerator(_MEMBERSHIP, "iam")
async def list_user_group_memberships(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    users = [str(u["UserName"]) for u in await _users(scan, iam)]
    groups = await gather(
        _unless_gone(_listed(scan, iam, "list_groups_for_user", "Groups", UserName=user))
        for user in users
    )
    account = await scan.account()
    # A user in no group is listed too, as a default: taken out of its groups by hand under
    # a state that manages the membership, that is the membership modified (groups -> []),
    # as terraform plan -refresh-only says, not missing; nobody's, it is no finding.
    return [
        msgspec.structs.replace(
            _resource(
                _MEMBERSHIP,
                user,
                account,
                {"id": user, "user": user, "groups": sorted(str(g["GroupName"]) for g in found)},
            ),
            is_default=not found,
        )
        for user, found in zip(users, groups, strict=True)
        if found is not None  # deleted since the listing
    ]


@enumerator(_OIDC, "iam")
async def list_openid_connect_providers(scan: Scan, iam: Any, region: str) -> list[LiveResource]:
    listed = await scan.call(iam, "list_open_id_connect_providers")
    arns = [str(p["Arn"]) for p in listed.get("OpenIDConnectProviderList", [])]
    answers = await gather(
        _unless_gone(scan.call(iam, "get_open_id_connect_provider", OpenIDConnectProviderArn=arn))
        for arn in arns
    )
    account = await scan.account()
    live = []
    for arn, answer in zip(arns, answers, strict=True):
        if answer is None:
            continue
        attributes: dict[str, Any] = {
            "id": arn,
            "arn": arn,
            "url": str(answer.get("Url", "")).removeprefix("https://"),
            "client_id_list": sorted(answer.get("ClientIDList", [])),
            "thumbprint_list": list(answer.get("ThumbprintList", [])),
            "tags": tags(answer.get("Tags")),
        }
        live.append(_resource(_OIDC, arn, account, attributes))
    return live


# --- CloudWatch Logs metric filters ---------------------------------------------------------


def _number(value: Any) -> str:
    """A metric transformation's ``default_value`` as the provider stores it."""
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


@enumerator(_METRIC_FILTER, "logs")
async def list_metric_filters(scan: Scan, logs: Any, region: str) -> list[LiveResource]:
    filters: list[Response] = []
    async for page in scan.pages(
        logs, "describe_metric_filters", PaginationConfig={"PageSize": 50}
    ):
        filters.extend(page.get("metricFilters", []))
    account = await scan.account()
    live = []
    for found in filters:
        group, name = str(found["logGroupName"]), str(found["filterName"])
        ident = f"{group}:{name}"
        attributes: dict[str, Any] = {
            "id": name,
            "name": name,
            "log_group_name": group,
            "pattern": found.get("filterPattern", ""),
            "apply_on_transformed_logs": bool(found.get("applyOnTransformedLogs", False)),
            "metric_transformation": [
                {
                    "name": t.get("metricName", ""),
                    "namespace": t.get("metricNamespace", ""),
                    "value": t.get("metricValue", ""),
                    "default_value": _number(t.get("defaultValue")),
                    "dimensions": {str(k): str(v) for k, v in (t.get("dimensions") or {}).items()},
                    "unit": t.get("unit") or "None",
                }
                for t in found.get("metricTransformations", [])
            ],
        }
        live.append(_live(_METRIC_FILTER, ident, region, account, attributes))
    return live


# --- Route 53 health checks -----------------------------------------------------------------


@enumerator(_HEALTH_CHECK, "route53")
async def list_health_checks(scan: Scan, route53: Any, region: str) -> list[LiveResource]:
    checks: list[Response] = []
    async for page in scan.pages(route53, "list_health_checks"):
        checks.extend(page.get("HealthChecks", []))
    ids = [str(c["Id"]) for c in checks]
    answers = await gather(
        scan.call(
            route53,
            "list_tags_for_resources",
            ResourceType="healthcheck",
            ResourceIds=ids[i : i + 10],
        )
        for i in range(0, len(ids), 10)
    )
    check_tags = {
        str(s["ResourceId"]): tags(s.get("Tags"))
        for answer in answers
        for s in answer.get("ResourceTagSets", [])
    }
    account = await scan.account()
    return [
        _live(
            _HEALTH_CHECK,
            str(c["Id"]),
            GLOBAL_REGION,
            account,
            _health_check_attributes(c, check_tags.get(str(c["Id"]), {})),
        )
        for c in checks
    ]


def _health_check_attributes(check: Response, check_tags: dict[str, str]) -> dict[str, Any]:
    config = check.get("HealthCheckConfig") or {}
    alarm = config.get("AlarmIdentifier") or {}
    check_id = str(check["Id"])
    return {
        "id": check_id,
        "arn": f"arn:aws:route53:::healthcheck/{check_id}",
        "type": config.get("Type", ""),
        "fqdn": config.get("FullyQualifiedDomainName", ""),
        "ip_address": config.get("IPAddress", ""),
        "port": config.get("Port", 0),
        "resource_path": config.get("ResourcePath", ""),
        "search_string": config.get("SearchString", ""),
        "failure_threshold": config.get("FailureThreshold", 0),
        "request_interval": config.get("RequestInterval", 0),
        "measure_latency": bool(config.get("MeasureLatency", False)),
        "invert_healthcheck": bool(config.get("Inverted", False)),
        "disabled": bool(config.get("Disabled", False)),
        "enable_sni": bool(config.get("EnableSNI", False)),
        "child_healthchecks": sorted(config.get("ChildHealthChecks", [])),
        "child_health_threshold": config.get("HealthThreshold", 0),
        "cloudwatch_alarm_name": alarm.get("Name", ""),
        "cloudwatch_alarm_region": alarm.get("Region", ""),
        "insufficient_data_health_status": config.get("InsufficientDataHealthStatus", ""),
        "regions": sorted(config.get("Regions", [])),
        "routing_control_arn": config.get("RoutingControlArn", ""),
        "tags": check_tags,
    }


# --- ACM ------------------------------------------------------------------------------------


@enumerator(_CERTIFICATE, "acm")
async def list_certificates(scan: Scan, acm: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(acm, "list_certificates", Includes={"keyTypes": _KEY_TYPES}):
        arns.extend(str(c["CertificateArn"]) for c in page.get("CertificateSummaryList", []))

    async def read(arn: str) -> tuple[Response, dict[str, str]] | None:
        answers = await _gone_as_none(
            gather(
                [
                    scan.call(acm, "describe_certificate", CertificateArn=arn),
                    scan.call(acm, "list_tags_for_certificate", CertificateArn=arn),
                ]
            )
        )
        if answers is None:
            return None
        described, tag_answer = answers
        return described.get("Certificate") or {}, tags(tag_answer.get("Tags"))

    found = await gather(read(arn) for arn in arns)
    account = await scan.account()
    return [
        _live(_CERTIFICATE, arn, region, account, _certificate_attributes(arn, *certificate))
        for arn, certificate in zip(arns, found, strict=True)
        if certificate is not None
    ]


def _certificate_attributes(
    arn: str, certificate: Response, certificate_tags: dict[str, str]
) -> dict[str, Any]:
    domain = str(certificate.get("DomainName", ""))
    validations = certificate.get("DomainValidationOptions", [])
    options = certificate.get("Options") or {}
    imported = certificate.get("Type") == "IMPORTED"
    return {
        "id": arn,
        "arn": arn,
        "domain_name": domain,
        # The provider reads back every name DescribeCertificate lists, the domain included.
        "subject_alternative_names": sorted(
            str(n) for n in certificate.get("SubjectAlternativeNames", [])
        ),
        "validation_method": "NONE"
        if imported or not validations
        else str(validations[0].get("ValidationMethod", "")),
        "key_algorithm": certificate.get("KeyAlgorithm", ""),
        "certificate_authority_arn": certificate.get("CertificateAuthorityArn", ""),
        "status": certificate.get("Status", ""),
        "type": certificate.get("Type", ""),
        "renewal_eligibility": certificate.get("RenewalEligibility", ""),
        "options": [
            {
                "certificate_transparency_logging_preference": options.get(
                    "CertificateTransparencyLoggingPreference", "ENABLED"
                )
            }
        ],
        "domain_validation_options": sorted(
            (
                {
                    "domain_name": v.get("DomainName", ""),
                    "resource_record_name": (v.get("ResourceRecord") or {}).get("Name", ""),
                    "resource_record_type": (v.get("ResourceRecord") or {}).get("Type", ""),
                    "resource_record_value": (v.get("ResourceRecord") or {}).get("Value", ""),
                }
                for v in validations
            ),
            key=lambda v: str(v["domain_name"]),
        ),
        "tags": certificate_tags,
    }
