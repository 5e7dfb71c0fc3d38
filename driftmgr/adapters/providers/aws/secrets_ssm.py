"""Secrets Manager secrets and SSM parameters, as terraform-provider-aws 5.x reads them
(``internal/service/secretsmanager/secret.go``, ``internal/service/ssm/parameter.go``).

No secret is ever read. A secret's value belongs to ``aws_secretsmanager_secret_version``,
which is not listed; a secret is ``ListSecrets`` (name, tags, owning service) with one
``DescribeSecret`` (replicas) and one ``GetResourcePolicy`` each, named by its ARN as the
provider names it. Secrets a service owns (``OwningService``, ``rds!…``) are cloud
defaults.

Parameters are ``DescribeParameters`` (named by name) with one ``ListTagsForResource``
each. The ``value`` of a ``String`` or ``StringList`` parameter is read, ten at a time,
with ``GetParameters`` *without* decryption, and reported as ``value`` and
``insecure_value`` (whatever shows it must redact ``value``: it is catalogued secret). A
``SecureString``'s value is never fetched, so it is never compared; its ``version``, which
every change of value bumps, is.

moto 5.2 answers all of these; it reports no ``OwningService``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_SECRET = "aws_secretsmanager_secret"  # noqa: S105 - a type name
_PARAMETER = "aws_ssm_parameter"
_GONE = ("ResourceNotFoundException", "InvalidResourceId", "ParameterNotFound")
_SECURE = "SecureString"


# --- Secrets Manager -----------------------------------------------------------------------


@enumerator(_SECRET, "secretsmanager")
async def list_secrets(scan: Scan, secretsmanager: Any, region: str) -> list[LiveResource]:
    listed: list[Response] = []
    async for page in scan.pages(
        secretsmanager, "list_secrets", PaginationConfig={"PageSize": 100}
    ):
        listed.extend(page.get("SecretList", []))
    details = await gather(_secret(scan, secretsmanager, s) for s in listed)
    account = await scan.account()
    return [_secret_resource(found, region, account) for found in details if found is not None]


async def _secret(scan: Scan, secretsmanager: Any, listed: Response) -> Response | None:
    arn = listed["ARN"]
    try:
        described, policy = await gather(
            [
                scan.call(secretsmanager, "describe_secret", SecretId=arn),
                scan.call(secretsmanager, "get_resource_policy", SecretId=arn),
            ]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    if described.get("DeletedDate"):
        return None  # scheduled for deletion: gone as far as Terraform is concerned
    return {**listed, **described, "ResourcePolicy": policy.get("ResourcePolicy")}


def _secret_resource(secret: Response, region: str, account: str | None) -> LiveResource:
    arn = str(secret["ARN"])
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": secret.get("Name", ""),
        "description": secret.get("Description", ""),
        "kms_key_id": secret.get("KmsKeyId", ""),
        "policy": policy_json(secret.get("ResourcePolicy") or None),
        "replica": sorted(
            (
                {
                    "kms_key_id": r.get("KmsKeyId", ""),
                    "region": r.get("Region", ""),
                    "status": r.get("Status", ""),
                    "status_message": r.get("StatusMessage", ""),
                }
                for r in secret.get("ReplicationStatus", [])
            ),
            key=lambda r: str(r["region"]),
        ),
        "owning_service": secret.get("OwningService", ""),
        "tags": tags(secret.get("Tags")),
    }
    return resource(
        _SECRET, arn, region, account, attributes, is_default=is_cloud_default(_SECRET, attributes)
    )


# --- SSM parameters ------------------------------------------------------------------------


@enumerator(_PARAMETER, "ssm")
async def list_parameters(scan: Scan, ssm: Any, region: str) -> list[LiveResource]:
    described: list[Response] = []
    async for page in scan.pages(ssm, "describe_parameters", PaginationConfig={"PageSize": 50}):
        described.extend(page.get("Parameters", []))
    plain = [str(p["Name"]) for p in described if p.get("Type") != _SECURE]
    answers = await gather(
        scan.call(ssm, "get_parameters", Names=plain[i : i + 10], WithDecryption=False)
        for i in range(0, len(plain), 10)
    )
    values = {
        str(p["Name"]): str(p.get("Value", ""))
        for answer in answers
        for p in answer.get("Parameters", [])
    }
    parameter_tags = await gather(_parameter_tags(scan, ssm, str(p["Name"])) for p in described)
    account = await scan.account()
    return [
        _parameter_resource(parameter, values, found, region, account)
        for parameter, found in zip(described, parameter_tags, strict=True)
        if found is not None
    ]


async def _parameter_tags(scan: Scan, ssm: Any, name: str) -> dict[str, str] | None:
    try:
        answer = await scan.call(
            ssm, "list_tags_for_resource", ResourceType="Parameter", ResourceId=name
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    return tags(answer.get("TagList"))


def _parameter_resource(
    parameter: Response,
    values: dict[str, str],
    parameter_tags: dict[str, str],
    region: str,
    account: str | None,
) -> LiveResource:
    name = str(parameter["Name"])
    kind = str(parameter.get("Type", ""))
    arn = str(parameter.get("ARN", ""))
    if not arn and account:
        path = name if name.startswith("/") else f"/{name}"
        arn = f"arn:{partition(region)}:ssm:{region}:{account}:parameter{path}"
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": arn,
        "type": kind,
        "description": parameter.get("Description", ""),
        "key_id": parameter.get("KeyId", ""),
        "tier": parameter.get("Tier", "Standard"),
        "allowed_pattern": parameter.get("AllowedPattern", ""),
        "data_type": parameter.get("DataType", "text"),
        "version": parameter.get("Version", 0),
        "tags": parameter_tags,
    }
    if kind != _SECURE and name in values:
        attributes["value"] = values[name]
        attributes["insecure_value"] = values[name]
    return resource(
        _PARAMETER,
        name,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_PARAMETER, attributes),
    )
