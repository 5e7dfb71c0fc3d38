"""API Gateway v2 (HTTP and WebSocket) APIs, routes, integrations and stages, as
terraform-provider-aws 5.x reads them (``internal/service/apigatewayv2``).

The region's APIs are listed once per scan (``GetApis``, tags included) and shared; per
API one paged ``GetRoutes``, ``GetIntegrations`` and ``GetStages``. Routes and
integrations go by ``<api>/<id>`` and stages by ``<api>/<name>`` (a stage's Terraform id
is its name, unique only within its API) — which is also what ``terraform import`` takes.

An auto-deployed stage's ``deployment_id`` is not reported: AWS moves it on every change
of the API.

Quick create (``CreateApi`` with ``Target``) makes a ``$default`` stage, route and
integration that API Gateway manages for the API (``ApiGatewayManaged``): they are the
API's, listed as cloud defaults (their rules' ``cloud_default``).

moto 5.2 answers all of these but does not implement quick create (``Target`` is
ignored, ``ApiGatewayManaged`` never set): the cloud-default rule is tested on the
predicate and in the golden corpus.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_API = "aws_apigatewayv2_api"
_ROUTE = "aws_apigatewayv2_route"
_INTEGRATION = "aws_apigatewayv2_integration"
_STAGE = "aws_apigatewayv2_stage"
_GONE = ("NotFoundException",)
_PAGE_SIZE = "500"


def _live(
    type_: str, id_: str, attributes: dict[str, Any], region: str, account: str | None
) -> LiveResource:
    default = is_cloud_default(type_, attributes)
    return resource(type_, id_, region, account, attributes, is_default=default)


def _execution_arn(region: str, account: str | None, api_id: str) -> str:
    return f"arn:{partition(region)}:execute-api:{region}:{account or ''}:{api_id}"


async def _apis(scan: Scan, client: Any, region: str) -> list[Response]:
    async def compute() -> list[Response]:
        found: list[Response] = []
        async for page in scan.pages(client, "get_apis", PaginationConfig={"PageSize": _PAGE_SIZE}):
            found.extend(page.get("Items", []))
        return found

    return await scan.shared(f"apigatewayv2:apis:{region}", compute)


async def _children(
    scan: Scan, client: Any, region: str, operation: str
) -> list[tuple[str, Response]]:
    """(API id, item) for every item ``operation`` lists of every API."""
    ids = [str(api["ApiId"]) for api in await _apis(scan, client, region)]

    async def of(api_id: str) -> list[Response]:
        found: list[Response] = []
        try:
            async for page in scan.pages(
                client, operation, ApiId=api_id, PaginationConfig={"PageSize": _PAGE_SIZE}
            ):
                found.extend(page.get("Items", []))
        except ClientError as exc:
            if error_code(exc) in _GONE:
                return []
            raise
        return found

    per_api = await gather(of(api_id) for api_id in ids)
    return [(api_id, item) for api_id, items in zip(ids, per_api, strict=True) for item in items]


def _cors(cors: Response | None) -> list[dict[str, Any]]:
    if not cors:
        return []
    return [
        {
            "allow_credentials": bool(cors.get("AllowCredentials", False)),
            "allow_headers": sorted(cors.get("AllowHeaders") or []),
            "allow_methods": sorted(cors.get("AllowMethods") or []),
            "allow_origins": sorted(cors.get("AllowOrigins") or []),
            "expose_headers": sorted(cors.get("ExposeHeaders") or []),
            "max_age": int(cors.get("MaxAge") or 0),
        }
    ]


@enumerator(_API, "apigatewayv2")
async def list_apis(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    apis = await _apis(scan, client, region)
    account = await scan.account()
    found = []
    for api in apis:
        api_id = str(api["ApiId"])
        attributes: dict[str, Any] = {
            "id": api_id,
            "name": api.get("Name", ""),
            "protocol_type": api.get("ProtocolType", ""),
            "description": api.get("Description") or "",
            "api_endpoint": api.get("ApiEndpoint") or "",
            "api_key_selection_expression": api.get("ApiKeySelectionExpression")
            or "$request.header.x-api-key",
            "route_selection_expression": api.get("RouteSelectionExpression")
            or "$request.method $request.path",
            "cors_configuration": _cors(api.get("CorsConfiguration")),
            "disable_execute_api_endpoint": bool(api.get("DisableExecuteApiEndpoint", False)),
            "version": api.get("Version") or "",
            "arn": f"arn:{partition(region)}:apigateway:{region}::/apis/{api_id}",
            "execution_arn": _execution_arn(region, account, api_id),
            "tags": dict(api.get("Tags") or {}),
        }
        found.append(_live(_API, api_id, attributes, region, account))
    return found


@enumerator(_ROUTE, "apigatewayv2")
async def list_routes(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    routes = await _children(scan, client, region, "get_routes")
    account = await scan.account()
    found = []
    for api_id, route in routes:
        identity = f"{api_id}/{route['RouteId']}"
        attributes: dict[str, Any] = {
            "id": route["RouteId"],
            "api_id": api_id,
            "route_key": route.get("RouteKey", ""),
            "target": route.get("Target") or "",
            "authorization_type": route.get("AuthorizationType") or "NONE",
            "authorizer_id": route.get("AuthorizerId") or "",
            "authorization_scopes": sorted(route.get("AuthorizationScopes") or []),
            "api_key_required": bool(route.get("ApiKeyRequired", False)),
            "model_selection_expression": route.get("ModelSelectionExpression") or "",
            "operation_name": route.get("OperationName") or "",
            "request_models": dict(route.get("RequestModels") or {}),
            "request_parameter": sorted(
                (
                    {"request_parameter_key": key, "required": bool(value.get("Required"))}
                    for key, value in (route.get("RequestParameters") or {}).items()
                ),
                key=lambda p: str(p["request_parameter_key"]),
            ),
            "route_response_selection_expression": route.get("RouteResponseSelectionExpression")
            or "",
            "api_gateway_managed": bool(route.get("ApiGatewayManaged", False)),
        }
        found.append(_live(_ROUTE, identity, attributes, region, account))
    return found


@enumerator(_INTEGRATION, "apigatewayv2")
async def list_integrations(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    integrations = await _children(scan, client, region, "get_integrations")
    account = await scan.account()
    found = []
    for api_id, item in integrations:
        identity = f"{api_id}/{item['IntegrationId']}"
        tls = item.get("TlsConfig")
        attributes: dict[str, Any] = {
            "id": item["IntegrationId"],
            "api_id": api_id,
            "integration_type": item.get("IntegrationType", ""),
            "integration_uri": item.get("IntegrationUri") or "",
            "integration_method": item.get("IntegrationMethod") or "",
            "integration_subtype": item.get("IntegrationSubtype") or "",
            "connection_type": item.get("ConnectionType") or "INTERNET",
            "connection_id": item.get("ConnectionId") or "",
            "credentials_arn": item.get("CredentialsArn") or "",
            "description": item.get("Description") or "",
            "content_handling_strategy": item.get("ContentHandlingStrategy") or "",
            "passthrough_behavior": item.get("PassthroughBehavior") or "",
            "payload_format_version": item.get("PayloadFormatVersion") or "1.0",
            "timeout_milliseconds": int(item.get("TimeoutInMillis") or 0),
            "request_parameters": dict(item.get("RequestParameters") or {}),
            "request_templates": dict(item.get("RequestTemplates") or {}),
            "response_parameters": sorted(
                (
                    {"status_code": code, "mappings": dict(mappings)}
                    for code, mappings in (item.get("ResponseParameters") or {}).items()
                ),
                key=lambda p: str(p["status_code"]),
            ),
            "template_selection_expression": item.get("TemplateSelectionExpression") or "",
            "integration_response_selection_expression": item.get(
                "IntegrationResponseSelectionExpression"
            )
            or "",
            "tls_config": (
                [{"server_name_to_verify": tls.get("ServerNameToVerify", "")}] if tls else []
            ),
            "api_gateway_managed": bool(item.get("ApiGatewayManaged", False)),
        }
        found.append(_live(_INTEGRATION, identity, attributes, region, account))
    return found


def _route_settings(settings: Response | None, route_key: str | None) -> dict[str, Any]:
    settings = settings or {}
    block: dict[str, Any] = {
        "data_trace_enabled": bool(settings.get("DataTraceEnabled", False)),
        "detailed_metrics_enabled": bool(settings.get("DetailedMetricsEnabled", False)),
        "logging_level": settings.get("LoggingLevel") or "",
        "throttling_burst_limit": int(settings.get("ThrottlingBurstLimit") or 0),
        "throttling_rate_limit": float(settings.get("ThrottlingRateLimit") or 0),
    }
    if route_key is not None:
        block["route_key"] = route_key
    return block


@enumerator(_STAGE, "apigatewayv2")
async def list_stages(scan: Scan, client: Any, region: str) -> list[LiveResource]:
    stages = await _children(scan, client, region, "get_stages")
    account = await scan.account()
    found = []
    for api_id, stage in stages:
        name = str(stage["StageName"])
        identity = f"{api_id}/{name}"
        logs = stage.get("AccessLogSettings")
        execution = f"{_execution_arn(region, account, api_id)}/{name}"
        attributes: dict[str, Any] = {
            "id": name,
            "api_id": api_id,
            "name": name,
            "auto_deploy": bool(stage.get("AutoDeploy", False)),
            "deployment_id": stage.get("DeploymentId") or "",
            "description": stage.get("Description") or "",
            "client_certificate_id": stage.get("ClientCertificateId") or "",
            "stage_variables": dict(stage.get("StageVariables") or {}),
            "default_route_settings": [_route_settings(stage.get("DefaultRouteSettings"), None)],
            "route_settings": sorted(
                (
                    _route_settings(settings, key)
                    for key, settings in (stage.get("RouteSettings") or {}).items()
                ),
                key=lambda s: str(s["route_key"]),
            ),
            "access_log_settings": (
                [
                    {
                        "destination_arn": logs.get("DestinationArn", ""),
                        "format": logs.get("Format", ""),
                    }
                ]
                if logs
                else []
            ),
            "arn": f"arn:{partition(region)}:apigateway:{region}::/apis/{api_id}/stages/{name}",
            "execution_arn": execution,
            "api_gateway_managed": bool(stage.get("ApiGatewayManaged", False)),
            "tags": dict(stage.get("Tags") or {}),
        }
        if attributes["auto_deploy"]:
            # AWS redeploys on every change of the API: the provider's Computed value moves
            # with it, and is no configuration to compare.
            del attributes["deployment_id"]
        found.append(_live(_STAGE, identity, attributes, region, account))
    return found
