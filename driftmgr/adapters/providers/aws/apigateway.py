"""API Gateway REST APIs and their resources, methods, integrations, deployments and
stages, and API keys, as terraform-provider-aws 5.x reads them
(``internal/service/apigateway``).

The region's REST APIs are listed once per scan (``GetRestApis``, which carries the tags
and the policy) and shared by every child listing. Per API: one paged ``GetResources``
with ``embed=methods``, which carries each resource's methods *and* their integrations
(so methods and integrations cost nothing more), one ``GetDeployments`` and one
``GetStages``. API keys are one paged ``GetApiKeys``.

Ids are the provider's: a method is ``agm-<api>-<resource>-<HTTP method>``, an
integration ``agi-<api>-<resource>-<HTTP method>``, a stage ``ags-<api>-<stage name>``;
resources, deployments, APIs and keys go by the id AWS gives them.

A REST API's root resource (``/``) is created by AWS with the API and can never be a
Terraform resource of its own (the API's ``root_resource_id`` names it): it is listed as
a cloud default (its rules' ``cloud_default``).

moto 5.2 answers all of these.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, policy_json, resource, rfc3339
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_API = "aws_api_gateway_rest_api"
_RESOURCE = "aws_api_gateway_resource"
_METHOD = "aws_api_gateway_method"
_INTEGRATION = "aws_api_gateway_integration"
_DEPLOYMENT = "aws_api_gateway_deployment"
_STAGE = "aws_api_gateway_stage"
_KEY = "aws_api_gateway_api_key"
_GONE = ("NotFoundException",)
_PAGE_SIZE = 500


def _live(
    type_: str, id_: str, attributes: dict[str, Any], region: str, account: str | None
) -> LiveResource:
    default = is_cloud_default(type_, attributes)
    return resource(type_, id_, region, account, attributes, is_default=default)


def _rest_api_policy(raw: str | None) -> str:
    """The policy as the provider stores it: GetRestApi returns the document JSON-escaped
    (``{\\"Version\\":…}``), which the provider unquotes (``strconv.Unquote``)."""
    if not raw:
        return ""
    for candidate in (raw, f'"{raw}"'):
        try:
            document = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(document, str):
            unquoted: str = document
            try:
                document = json.loads(unquoted)
            except json.JSONDecodeError:
                return unquoted
        return policy_json(document)
    return raw


def _execution_arn(region: str, account: str | None, api_id: str) -> str:
    return f"arn:{partition(region)}:execute-api:{region}:{account or ''}:{api_id}"


def _date(value: Any) -> str:
    return rfc3339(value) if hasattr(value, "astimezone") else str(value or "")


async def _unless_gone(scan: Scan, client: Any, operation: str, **params: Any) -> Response | None:
    try:
        return await scan.call(client, operation, **params)
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise


# --- REST APIs -----------------------------------------------------------------------------


async def _apis(scan: Scan, client: Any, region: str) -> list[Response]:
    """The region's REST APIs, listed once per scan for every REST API type."""

    async def compute() -> list[Response]:
        found: list[Response] = []
        async for page in scan.pages(
            client, "get_rest_apis", PaginationConfig={"PageSize": _PAGE_SIZE}
        ):
            found.extend(page.get("items", []))
        return found

    return await scan.shared(f"apigateway:rest-apis:{region}", compute)


@enumerator(_API, "apigateway")
async def list_rest_apis(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    apis = await _apis(scan, client, region)
    account = await scan.account()
    return [_api_resource(api, region, account) for api in apis]


def _api_resource(api: Response, region: str, account: str | None) -> LiveResource:
    api_id: str = api["id"]
    arn_partition = partition(region)
    endpoint = api.get("endpointConfiguration") or {}
    compression = api.get("minimumCompressionSize")
    attributes: dict[str, Any] = {
        "id": api_id,
        "name": api.get("name", ""),
        "description": api.get("description", ""),
        "api_key_source": api.get("apiKeySource", "HEADER"),
        "binary_media_types": list(api.get("binaryMediaTypes") or []),
        "minimum_compression_size": "" if compression is None else str(compression),
        "disable_execute_api_endpoint": bool(api.get("disableExecuteApiEndpoint", False)),
        "endpoint_configuration": [
            {
                "types": list(endpoint.get("types") or []),
                "vpc_endpoint_ids": sorted(endpoint.get("vpcEndpointIds") or []),
            }
        ],
        "policy": _rest_api_policy(api.get("policy")),
        "root_resource_id": api.get("rootResourceId", ""),
        "created_date": _date(api.get("createdDate")),
        "arn": f"arn:{arn_partition}:apigateway:{region}::/restapis/{api_id}",
        "execution_arn": _execution_arn(region, account, api_id),
        "tags": dict(api.get("tags") or {}),
    }
    return _live(_API, api_id, attributes, region, account)


# --- resources, methods, integrations ------------------------------------------------------


async def _resources(scan: Scan, client: Any, region: str) -> list[tuple[str, list[Response]]]:
    """Each API's resources with their methods and integrations embedded (shared)."""

    async def of(api_id: str) -> list[Response]:
        found: list[Response] = []
        try:
            async for page in scan.pages(
                client,
                "get_resources",
                restApiId=api_id,
                embed=["methods"],
                PaginationConfig={"PageSize": _PAGE_SIZE},
            ):
                found.extend(page.get("items", []))
        except ClientError as exc:
            if error_code(exc) in _GONE:
                return []
            raise
        return found

    async def compute() -> list[tuple[str, list[Response]]]:
        ids = [str(api["id"]) for api in await _apis(scan, client, region)]
        return list(zip(ids, await gather(of(api_id) for api_id in ids), strict=True))

    return await scan.shared(f"apigateway:resources:{region}", compute)


@enumerator(_RESOURCE, "apigateway")
async def list_resources(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    per_api = await _resources(scan, client, region)
    account = await scan.account()
    found = []
    for api_id, items in per_api:
        for item in items:
            attributes: dict[str, Any] = {
                "id": item["id"],
                "rest_api_id": api_id,
                "parent_id": item.get("parentId", ""),
                "path_part": item.get("pathPart", ""),
                "path": item.get("path", ""),
            }
            found.append(_live(_RESOURCE, item["id"], attributes, region, account))
    return found


def _methods(per_api: list[tuple[str, list[Response]]]) -> list[tuple[str, str, Response]]:
    return [
        (api_id, item["id"], method)
        for api_id, items in per_api
        for item in items
        for method in (item.get("resourceMethods") or {}).values()
    ]


@enumerator(_METHOD, "apigateway")
async def list_methods(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    methods = _methods(await _resources(scan, client, region))
    account = await scan.account()
    return [_method_resource(a, r, m, region, account) for a, r, m in methods]


def _method_resource(
    api_id: str, resource_id: str, method: Response, region: str, account: str | None
) -> LiveResource:
    http_method = str(method.get("httpMethod", ""))
    identity = f"agm-{api_id}-{resource_id}-{http_method}"
    attributes: dict[str, Any] = {
        "id": identity,
        "rest_api_id": api_id,
        "resource_id": resource_id,
        "http_method": http_method,
        "authorization": method.get("authorizationType") or "NONE",
        "authorizer_id": method.get("authorizerId") or "",
        "authorization_scopes": sorted(method.get("authorizationScopes") or []),
        "api_key_required": bool(method.get("apiKeyRequired", False)),
        "operation_name": method.get("operationName") or "",
        "request_models": dict(method.get("requestModels") or {}),
        "request_parameters": dict(method.get("requestParameters") or {}),
        "request_validator_id": method.get("requestValidatorId") or "",
    }
    return _live(_METHOD, identity, attributes, region, account)


@enumerator(_INTEGRATION, "apigateway")
async def list_integrations(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    methods = _methods(await _resources(scan, client, region))
    account = await scan.account()
    return [
        _integration_resource(
            a, r, str(m.get("httpMethod", "")), m["methodIntegration"], region, account
        )
        for a, r, m in methods
        if m.get("methodIntegration")
    ]


def _integration_resource(
    api_id: str,
    resource_id: str,
    http_method: str,
    integration: Response,
    region: str,
    account: str | None,
) -> LiveResource:
    identity = f"agi-{api_id}-{resource_id}-{http_method}"
    tls = integration.get("tlsConfig")
    attributes: dict[str, Any] = {
        "id": identity,
        "rest_api_id": api_id,
        "resource_id": resource_id,
        "http_method": http_method,
        "type": integration.get("type", ""),
        "integration_http_method": integration.get("httpMethod") or "",
        "uri": integration.get("uri") or "",
        "credentials": integration.get("credentials") or "",
        "connection_type": integration.get("connectionType") or "INTERNET",
        "connection_id": integration.get("connectionId") or "",
        "passthrough_behavior": integration.get("passthroughBehavior") or "",
        "content_handling": integration.get("contentHandling") or "",
        "cache_namespace": integration.get("cacheNamespace") or "",
        "cache_key_parameters": sorted(integration.get("cacheKeyParameters") or []),
        "request_parameters": dict(integration.get("requestParameters") or {}),
        "request_templates": dict(integration.get("requestTemplates") or {}),
        "timeout_milliseconds": int(integration.get("timeoutInMillis") or 29000),
        "tls_config": (
            [{"insecure_skip_verification": bool(tls.get("insecureSkipVerification", False))}]
            if tls
            else []
        ),
    }
    return _live(_INTEGRATION, identity, attributes, region, account)


# --- deployments and stages ----------------------------------------------------------------


@enumerator(_DEPLOYMENT, "apigateway")
async def list_deployments(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    apis = await _apis(scan, client, region)

    async def of(api_id: str) -> list[Response]:
        found: list[Response] = []
        try:
            async for page in scan.pages(
                client,
                "get_deployments",
                restApiId=api_id,
                PaginationConfig={"PageSize": _PAGE_SIZE},
            ):
                found.extend(page.get("items", []))
        except ClientError as exc:
            if error_code(exc) in _GONE:
                return []
            raise
        return found

    ids = [str(api["id"]) for api in apis]
    per_api = await gather(of(api_id) for api_id in ids)
    account = await scan.account()
    found = []
    for api_id, deployments in zip(ids, per_api, strict=True):
        for deployment in deployments:
            deployment_id = str(deployment["id"])
            attributes: dict[str, Any] = {
                "id": deployment_id,
                "rest_api_id": api_id,
                "description": deployment.get("description") or "",
                "created_date": _date(deployment.get("createdDate")),
                "execution_arn": f"{_execution_arn(region, account, api_id)}/",
            }
            found.append(_live(_DEPLOYMENT, deployment_id, attributes, region, account))
    return found


@enumerator(_STAGE, "apigateway")
async def list_stages(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    apis = await _apis(scan, client, region)
    ids = [str(api["id"]) for api in apis]
    answers = await gather(_unless_gone(scan, client, "get_stages", restApiId=i) for i in ids)
    account = await scan.account()
    return [
        _stage_resource(api_id, stage, region, account)
        for api_id, answer in zip(ids, answers, strict=True)
        if answer is not None
        for stage in answer.get("item", [])
    ]


def _stage_resource(api_id: str, stage: Response, region: str, account: str | None) -> LiveResource:
    name = str(stage.get("stageName", ""))
    identity = f"ags-{api_id}-{name}"
    arn_partition = partition(region)
    logs = stage.get("accessLogSettings")
    canary = stage.get("canarySettings")
    attributes: dict[str, Any] = {
        "id": identity,
        "rest_api_id": api_id,
        "stage_name": name,
        "deployment_id": stage.get("deploymentId") or "",
        "description": stage.get("description") or "",
        "cache_cluster_enabled": bool(stage.get("cacheClusterEnabled", False)),
        "cache_cluster_size": stage.get("cacheClusterSize") or "",
        "client_certificate_id": stage.get("clientCertificateId") or "",
        "documentation_version": stage.get("documentationVersion") or "",
        "variables": dict(stage.get("variables") or {}),
        "xray_tracing_enabled": bool(stage.get("tracingEnabled", False)),
        "web_acl_arn": stage.get("webAclArn") or "",
        "access_log_settings": (
            [
                {
                    "destination_arn": logs.get("destinationArn", ""),
                    "format": logs.get("format", ""),
                }
            ]
            if logs
            else []
        ),
        "canary_settings": (
            [
                {
                    "deployment_id": canary.get("deploymentId", ""),
                    "percent_traffic": float(canary.get("percentTraffic", 0) or 0),
                    "stage_variable_overrides": dict(canary.get("stageVariableOverrides") or {}),
                    "use_stage_cache": bool(canary.get("useStageCache", False)),
                }
            ]
            if canary
            else []
        ),
        "arn": f"arn:{arn_partition}:apigateway:{region}::/restapis/{api_id}/stages/{name}",
        "invoke_url": f"https://{api_id}.execute-api.{region}.amazonaws.com/{name}",
        "execution_arn": f"{_execution_arn(region, account, api_id)}/{name}",
        "tags": dict(stage.get("tags") or {}),
    }
    return _live(_STAGE, identity, attributes, region, account)


# --- API keys ------------------------------------------------------------------------------


@enumerator(_KEY, "apigateway")
async def list_api_keys(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    keys: list[Response] = []
    async for page in scan.pages(
        client, "get_api_keys", includeValues=False, PaginationConfig={"PageSize": _PAGE_SIZE}
    ):
        keys.extend(page.get("items", []))
    account = await scan.account()
    arn_partition = partition(region)
    found = []
    for key in keys:
        key_id = str(key["id"])
        attributes: dict[str, Any] = {
            "id": key_id,
            "name": key.get("name", ""),
            "description": key.get("description") or "",
            "enabled": bool(key.get("enabled", False)),
            "customer_id": key.get("customerId") or "",
            "created_date": _date(key.get("createdDate")),
            "last_updated_date": _date(key.get("lastUpdatedDate")),
            "arn": f"arn:{arn_partition}:apigateway:{region}::/apikeys/{key_id}",
            "tags": dict(key.get("tags") or {}),
        }
        found.append(_live(_KEY, key_id, attributes, region, account))
    return found
