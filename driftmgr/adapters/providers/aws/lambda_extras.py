"""Lambda permissions, aliases and event source mappings, as terraform-provider-aws 5.x
reads them (``internal/service/lambda/permission.go``, ``alias.go``,
``event_source_mapping.go``).

Permissions are the statements of each function's resource policy: one ``GetPolicy`` per
function, and one per alias for the statements of the alias; versions are not read. A
statement's ``qualifier`` is read from its ``Resource`` (a qualified function ARN), and a
statement two answers give is listed once (moto 5.2 ignores ``Qualifier`` and answers the
function's own policy). A statement becomes the provider's attributes as its ``permissionRead`` does
(principal, ``ArnLike AWS:SourceArn``, ``StringEquals`` conditions). Terraform's id of a
permission is its ``statement_id``, unique only within a function, so driftmgr names it
``<function>[:<qualifier>]/<statement_id>``, which is also what ``terraform import`` takes.

Aliases (``ListAliases`` per function) are named by their ARN, as the provider does.
Event source mappings (``ListEventSourceMappings``) are named by their UUID; the provider
stores ``function_name`` as configured (a name or an ARN), so ``function_arn`` is what is
compared.

moto 5.2 answers all of these; it keeps no ``StartingPosition`` for SQS mappings (AWS does
not either).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import resource, rfc3339
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_PERMISSION = "aws_lambda_permission"
_ALIAS = "aws_lambda_alias"
_MAPPING = "aws_lambda_event_source_mapping"
_GONE = ("ResourceNotFoundException",)
_ENABLED_STATES = ("Enabled", "Enabling", "Updating")


async def _function_names(scan: Scan, lambda_: Any, region: str) -> list[str]:
    async def compute() -> list[str]:
        names: list[str] = []
        async for page in scan.pages(lambda_, "list_functions", PaginationConfig={"PageSize": 50}):
            names.extend(str(f["FunctionName"]) for f in page.get("Functions", []))
        return names

    return await scan.shared(f"lambda-function-names:{region}", compute)


async def _aliases_of(scan: Scan, lambda_: Any, name: str) -> list[Response]:
    aliases: list[Response] = []
    try:
        async for page in scan.pages(
            lambda_, "list_aliases", FunctionName=name, PaginationConfig={"PageSize": 50}
        ):
            aliases.extend({**a, "FunctionName": name} for a in page.get("Aliases", []))
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return []
        raise
    return aliases


async def _aliases(scan: Scan, lambda_: Any, region: str) -> list[Response]:
    async def compute() -> list[Response]:
        names = await _function_names(scan, lambda_, region)
        found = await gather(_aliases_of(scan, lambda_, name) for name in names)
        return [alias for aliases in found for alias in aliases]

    return await scan.shared(f"lambda-aliases:{region}", compute)


# --- permissions ---------------------------------------------------------------------------


@enumerator(_PERMISSION, "lambda")
async def list_permissions(scan: Scan, lambda_: Any, region: str) -> list[LiveResource]:
    names = await _function_names(scan, lambda_, region)
    aliases = await _aliases(scan, lambda_, region)
    targets = [(name, "") for name in names] + [
        (str(a["FunctionName"]), str(a["Name"])) for a in aliases
    ]
    policies = await gather(_policy(scan, lambda_, name, q) for name, q in targets)
    account = await scan.account()
    found: dict[str, LiveResource] = {}
    for (name, qualifier), statements in zip(targets, policies, strict=True):
        for statement in statements:
            read = _qualifier(statement)
            permission = _permission_resource(
                name, qualifier if read is None else read, statement, region, account
            )
            found.setdefault(permission.id, permission)
    return list(found.values())


def _qualifier(statement: Response) -> str | None:
    """The version or alias a statement is for, from its ``Resource`` (a qualified function
    ARN has eight parts); None when the ARN cannot say."""
    resource_arn = statement.get("Resource")
    if not isinstance(resource_arn, str) or not resource_arn.startswith("arn:"):
        return None
    parts = resource_arn.split(":")
    return parts[7] if len(parts) >= 8 else ""


async def _policy(scan: Scan, lambda_: Any, name: str, qualifier: str) -> list[Response]:
    params: dict[str, Any] = {"FunctionName": name}
    if qualifier:
        params["Qualifier"] = qualifier
    try:
        answer = await scan.call(lambda_, "get_policy", **params)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return []  # no policy, or the function is gone
        raise
    document = answer.get("Policy") or "{}"
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement") or []
    return [s for s in statements if isinstance(s, dict)]


def permission_id(function_name: str, qualifier: str, statement_id: str) -> str:
    """``<function>[:<qualifier>]/<statement_id>``: the import id of a permission."""
    function = f"{function_name}:{qualifier}" if qualifier else function_name
    return f"{function}/{statement_id}"


def _principal(principal: Any) -> str:
    if isinstance(principal, dict):
        value = principal.get("Service") or principal.get("AWS") or ""
        if isinstance(value, list):
            value = value[0] if value else ""
        value = str(value)
        parts = value.split(":")
        # An account's root ARN reads back as the account id the user configured.
        if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
            return parts[4]
        return value
    return str(principal or "")


def _permission_resource(
    name: str, qualifier: str, statement: Response, region: str, account: str | None
) -> LiveResource:
    statement_id = str(statement.get("Sid", ""))
    conditions: Response = statement.get("Condition") or {}
    equals: Response = conditions.get("StringEquals") or {}
    arn_like: Response = conditions.get("ArnLike") or {}
    action = statement.get("Action", "")
    identity = permission_id(name, qualifier, statement_id)
    attributes: dict[str, Any] = {
        "id": identity,
        "statement_id": statement_id,
        "function_name": name,
        "qualifier": qualifier,
        "action": action[0] if isinstance(action, list) and action else str(action),
        "principal": _principal(statement.get("Principal")),
        "source_arn": str(arn_like.get("AWS:SourceArn", "")),
        "source_account": str(equals.get("AWS:SourceAccount", "")),
        "event_source_token": str(equals.get("lambda:EventSourceToken", "")),
        "principal_org_id": str(equals.get("aws:PrincipalOrgID", "")),
        "function_url_auth_type": str(equals.get("lambda:FunctionUrlAuthType", "")),
    }
    return resource(
        _PERMISSION,
        identity,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_PERMISSION, attributes),
    )


# --- aliases -------------------------------------------------------------------------------


@enumerator(_ALIAS, "lambda")
async def list_aliases(scan: Scan, lambda_: Any, region: str) -> list[LiveResource]:
    aliases = await _aliases(scan, lambda_, region)
    account = await scan.account()
    return [_alias_resource(alias, region, account) for alias in aliases]


def _alias_resource(alias: Response, region: str, account: str | None) -> LiveResource:
    arn = str(alias.get("AliasArn", ""))
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": alias.get("Name", ""),
        "function_name": alias.get("FunctionName", ""),
        "function_version": alias.get("FunctionVersion", ""),
        "description": alias.get("Description", ""),
        "invoke_arn": (
            f"arn:{arn.split(':')[1] if ':' in arn else 'aws'}:apigateway:{region}:lambda:"
            f"path/2015-03-31/functions/{arn}/invocations"
        ),
        "routing_config": (
            [{"additional_version_weights": {str(k): float(v) for k, v in weights.items()}}]
            if weights
            else []
        ),
    }
    return resource(
        _ALIAS, arn, region, account, attributes, is_default=is_cloud_default(_ALIAS, attributes)
    )


# --- event source mappings -----------------------------------------------------------------


@enumerator(_MAPPING, "lambda")
async def list_event_source_mappings(scan: Scan, lambda_: Any, region: str) -> list[LiveResource]:
    mappings: list[Response] = []
    async for page in scan.pages(
        lambda_, "list_event_source_mappings", PaginationConfig={"PageSize": 100}
    ):
        mappings.extend(page.get("EventSourceMappings", []))
    account = await scan.account()
    return [_mapping_resource(m, region, account) for m in mappings]


def _mapping_resource(mapping: Response, region: str, account: str | None) -> LiveResource:
    uuid = str(mapping["UUID"])
    state = str(mapping.get("State", ""))
    on_failure = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
        "Destination"
    )
    filters = (mapping.get("FilterCriteria") or {}).get("Filters") or []
    scaling = mapping.get("ScalingConfig")
    modified = mapping.get("LastModified")
    attributes: dict[str, Any] = {
        "id": uuid,
        "uuid": uuid,
        "function_arn": mapping.get("FunctionArn", ""),
        "function_name": mapping.get("FunctionArn", ""),
        "event_source_arn": mapping.get("EventSourceArn", ""),
        "batch_size": mapping.get("BatchSize", 0),
        "enabled": state in _ENABLED_STATES,
        "state": state,
        "state_transition_reason": mapping.get("StateTransitionReason", ""),
        "last_modified": rfc3339(modified) if modified else "",
        "last_processing_result": mapping.get("LastProcessingResult", ""),
        "maximum_batching_window_in_seconds": mapping.get("MaximumBatchingWindowInSeconds", 0),
        "maximum_record_age_in_seconds": mapping.get("MaximumRecordAgeInSeconds", 0),
        "maximum_retry_attempts": mapping.get("MaximumRetryAttempts", 0),
        "parallelization_factor": mapping.get("ParallelizationFactor", 0),
        "bisect_batch_on_function_error": bool(mapping.get("BisectBatchOnFunctionError", False)),
        "tumbling_window_in_seconds": mapping.get("TumblingWindowInSeconds", 0),
        "function_response_types": sorted(mapping.get("FunctionResponseTypes", [])),
        "starting_position": mapping.get("StartingPosition", ""),
        "topics": sorted(mapping.get("Topics", [])),
        "queues": sorted(mapping.get("Queues", [])),
        "filter_criteria": (
            [{"filter": [{"pattern": f.get("Pattern", "")} for f in filters]}] if filters else []
        ),
        "destination_config": (
            [{"on_failure": [{"destination_arn": on_failure}]}] if on_failure else []
        ),
        "scaling_config": (
            [{"maximum_concurrency": scaling.get("MaximumConcurrency", 0)}] if scaling else []
        ),
    }
    return resource(
        _MAPPING,
        uuid,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_MAPPING, attributes),
    )
