"""API Gateway REST and v2 types against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.apigateway` and ``apigatewayv2``), and their drift
through :func:`~driftmgr.domain.drift.engine.detect_drift`.

moto 5.2 does not implement v2 quick create (``Target``, ``ApiGatewayManaged``): that the
quick-created ``$default`` stage is the API's is tested on the adapter's predicate here and
in the golden corpus (``defaults-a-quick-created-http-apis-default-stage-is-the-apis``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.drift.engine import Findings, detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource

Boto = Callable[..., Any]

API = "aws_api_gateway_rest_api"
RESOURCE = "aws_api_gateway_resource"
METHOD = "aws_api_gateway_method"
INTEGRATION = "aws_api_gateway_integration"
DEPLOYMENT = "aws_api_gateway_deployment"
STAGE = "aws_api_gateway_stage"
KEY = "aws_api_gateway_api_key"
REST_TYPES = [API, RESOURCE, METHOD, INTEGRATION, DEPLOYMENT, STAGE, KEY]

V2_API = "aws_apigatewayv2_api"
V2_ROUTE = "aws_apigatewayv2_route"
V2_INTEGRATION = "aws_apigatewayv2_integration"
V2_STAGE = "aws_apigatewayv2_stage"
V2_TYPES = [V2_API, V2_ROUTE, V2_INTEGRATION, V2_STAGE]


def drift(state: Sequence[StateResource], types: Sequence[str]) -> Findings:
    return detect_drift(
        list(state), scan([REGION], types).values(), DriftScope(providers=["aws"], regions=[REGION])
    )


def changed_paths(findings: Findings) -> dict[str, list[str]]:
    return {
        str(item.address): sorted(c.path for c in item.changes)
        for item in findings.items
        if item.kind == "modified"
    }


# --- REST APIs -----------------------------------------------------------------------------


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    ],
}


def seed_rest(apigateway: Any) -> dict[str, str]:
    api = apigateway.create_rest_api(
        name="orders", description="orders API", tags={"team": "shop"}, policy=json.dumps(POLICY)
    )
    api_id = api["id"]
    (root,) = apigateway.get_resources(restApiId=api_id)["items"]
    orders = apigateway.create_resource(restApiId=api_id, parentId=root["id"], pathPart="orders")
    apigateway.put_method(
        restApiId=api_id,
        resourceId=orders["id"],
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
    )
    apigateway.put_integration(
        restApiId=api_id,
        resourceId=orders["id"],
        httpMethod="GET",
        type="HTTP",
        integrationHttpMethod="GET",
        uri="https://example.com/orders",
    )
    deployment = apigateway.create_deployment(restApiId=api_id, description="first")
    apigateway.create_stage(
        restApiId=api_id,
        stageName="prod",
        deploymentId=deployment["id"],
        variables={"backend": "blue"},
        tags={"team": "shop"},
    )
    key = apigateway.create_api_key(
        name="partner", description="partner key", enabled=True, tags={"team": "shop"}
    )
    return {
        "api": api_id,
        "root": root["id"],
        "orders": orders["id"],
        "deployment": deployment["id"],
        "key": key["id"],
    }


def rest_state(ids: dict[str, str]) -> list[StateResource]:
    api, orders = ids["api"], ids["orders"]
    return [
        state_resource(
            API,
            "orders",
            {
                "id": api,
                "name": "orders",
                "description": "orders API",
                "api_key_source": "HEADER",
                "binary_media_types": [],
                "minimum_compression_size": "",
                "disable_execute_api_endpoint": False,
                "endpoint_configuration": [{"types": ["EDGE"], "vpc_endpoint_ids": []}],
                "policy": json.dumps(POLICY, indent=2),
                "root_resource_id": ids["root"],
                "put_rest_api_mode": "overwrite",
                "tags": {"team": "shop"},
                "tags_all": {"team": "shop"},
            },
        ),
        state_resource(
            RESOURCE,
            "orders",
            {
                "id": orders,
                "rest_api_id": api,
                "parent_id": ids["root"],
                "path_part": "orders",
                "path": "/orders",
            },
        ),
        state_resource(
            METHOD,
            "get",
            {
                "id": f"agm-{api}-{orders}-GET",
                "rest_api_id": api,
                "resource_id": orders,
                "http_method": "GET",
                "authorization": "NONE",
                "authorizer_id": None,
                "authorization_scopes": None,
                "api_key_required": True,
                "operation_name": None,
                "request_models": None,
                "request_parameters": None,
                "request_validator_id": None,
            },
        ),
        state_resource(
            INTEGRATION,
            "get",
            {
                "id": f"agi-{api}-{orders}-GET",
                "rest_api_id": api,
                "resource_id": orders,
                "http_method": "GET",
                "type": "HTTP",
                "integration_http_method": "GET",
                "uri": "https://example.com/orders",
                "connection_type": "INTERNET",
                "connection_id": "",
                "credentials": "",
                "cache_key_parameters": [],
                "request_parameters": {},
                "request_templates": {},
                "timeout_milliseconds": 29000,
                "tls_config": [],
            },
        ),
        state_resource(
            DEPLOYMENT,
            "first",
            {
                "id": ids["deployment"],
                "rest_api_id": api,
                "description": "first",
                "triggers": {"redeployment": "abc"},
            },
        ),
        state_resource(
            STAGE,
            "prod",
            {
                "id": f"ags-{api}-prod",
                "rest_api_id": api,
                "stage_name": "prod",
                "deployment_id": ids["deployment"],
                "description": "",
                "cache_cluster_enabled": False,
                "variables": {"backend": "blue"},
                "xray_tracing_enabled": False,
                "access_log_settings": [],
                "canary_settings": [],
                "tags": {"team": "shop"},
                "tags_all": {"team": "shop"},
            },
        ),
        state_resource(
            KEY,
            "partner",
            {
                "id": ids["key"],
                "name": "partner",
                "description": "partner key",
                "enabled": True,
                "value": "secret-value-not-listed",
                "customer_id": "",
                "tags": {"team": "shop"},
                "tags_all": {"team": "shop"},
            },
        ),
    ]


def test_rest_apis_and_their_children_are_listed_by_the_providers_ids(boto: Boto) -> None:
    ids = seed_rest(boto("apigateway"))
    api, orders = ids["api"], ids["orders"]

    outcomes = scan([REGION], REST_TYPES)

    apis = observed(outcomes[(API, REGION)])
    attributes = apis[api].attributes
    assert (attributes["name"], attributes["description"]) == ("orders", "orders API")
    assert attributes["root_resource_id"] == ids["root"]
    assert json.loads(attributes["policy"]) == POLICY
    assert attributes["tags"] == {"team": "shop"}
    assert attributes["execution_arn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}"

    resources = observed(outcomes[(RESOURCE, REGION)])
    assert set(resources) == {ids["root"], orders}
    assert resources[ids["root"]].is_default
    assert not resources[orders].is_default
    assert resources[orders].attributes["path"] == "/orders"
    assert resources[orders].attributes["parent_id"] == ids["root"]

    method = observed(outcomes[(METHOD, REGION)])[f"agm-{api}-{orders}-GET"].attributes
    assert (method["authorization"], method["api_key_required"]) == ("NONE", True)

    integration = observed(outcomes[(INTEGRATION, REGION)])[f"agi-{api}-{orders}-GET"]
    assert integration.attributes["uri"] == "https://example.com/orders"
    assert integration.attributes["type"] == "HTTP"

    deployment = observed(outcomes[(DEPLOYMENT, REGION)])[ids["deployment"]].attributes
    assert deployment["description"] == "first"

    stage = observed(outcomes[(STAGE, REGION)])[f"ags-{api}-prod"].attributes
    assert stage["deployment_id"] == ids["deployment"]
    assert stage["variables"] == {"backend": "blue"}

    key = observed(outcomes[(KEY, REGION)])[ids["key"]].attributes
    assert (key["name"], key["enabled"], key["description"]) == ("partner", True, "partner key")
    assert "value" not in key


def test_rest_api_types_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    apigateway = boto("apigateway")
    ids = seed_rest(apigateway)
    api, orders = ids["api"], ids["orders"]
    state = rest_state(ids)

    assert drift(state, REST_TYPES).items == []

    apigateway.update_rest_api(
        restApiId=api, patchOperations=[{"op": "replace", "path": "/description", "value": "v2"}]
    )
    # moto has no UpdateMethod or UpdateIntegration: put them again, changed.
    apigateway.put_method(
        restApiId=api, resourceId=orders, httpMethod="GET", authorizationType="NONE"
    )
    apigateway.put_integration(
        restApiId=api,
        resourceId=orders,
        httpMethod="GET",
        type="HTTP",
        integrationHttpMethod="GET",
        uri="https://evil.example",
    )
    apigateway.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/backend", "value": "green"}],
    )
    apigateway.update_api_key(
        apiKey=ids["key"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert changed_paths(drift(state, REST_TYPES)) == {
        f"{API}.orders": ["description"],
        f"{METHOD}.get": ["api_key_required"],
        f"{INTEGRATION}.get": ["uri"],
        f"{STAGE}.prod": ["variables.backend"],
        f"{KEY}.partner": ["enabled"],
    }


def test_a_rest_apis_root_resource_is_never_unmanaged_but_hand_made_children_are(
    boto: Boto,
) -> None:
    ids = seed_rest(boto("apigateway"))
    api_only = rest_state(ids)[:1]

    findings = drift(api_only, [API, RESOURCE])

    unmanaged = {(i.type, i.id, i.import_id) for i in findings.items if i.kind == "unmanaged"}
    assert unmanaged == {
        (RESOURCE, f"{ids['api']}/{ids['orders']}", f"{ids['api']}/{ids['orders']}")
    }
    assert not [i for i in findings.items if i.kind != "unmanaged"]


def test_unmanaged_rest_children_carry_the_import_ids_terraform_takes(boto: Boto) -> None:
    ids = seed_rest(boto("apigateway"))
    api, orders = ids["api"], ids["orders"]

    findings = drift(rest_state(ids)[:2], [API, RESOURCE, METHOD, INTEGRATION, DEPLOYMENT, STAGE])

    assert {(i.type, i.import_id) for i in findings.items} == {
        (METHOD, f"{api}/{orders}/GET"),
        (INTEGRATION, f"{api}/{orders}/GET"),
        (DEPLOYMENT, f"{api}/{ids['deployment']}"),
        (STAGE, f"{api}/prod"),
    }
    assert {i.kind for i in findings.items} == {"unmanaged"}


# --- API Gateway v2 ------------------------------------------------------------------------


def seed_v2(apigatewayv2: Any) -> dict[str, str]:
    api = apigatewayv2.create_api(
        Name="shop", ProtocolType="HTTP", Description="shop API", Tags={"team": "shop"}
    )
    api_id = api["ApiId"]
    integration = apigatewayv2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="GET",
        IntegrationUri="https://example.com/items",
        PayloadFormatVersion="1.0",
        TimeoutInMillis=10000,
    )
    route = apigatewayv2.create_route(
        ApiId=api_id,
        RouteKey="GET /items",
        Target=f"integrations/{integration['IntegrationId']}",
    )
    apigatewayv2.create_stage(
        ApiId=api_id,
        StageName="live",
        Description="live stage",
        StageVariables={"color": "blue"},
        Tags={"team": "shop"},
    )
    return {
        "api": api_id,
        "integration": integration["IntegrationId"],
        "route": route["RouteId"],
    }


def v2_state(ids: dict[str, str]) -> list[StateResource]:
    api = ids["api"]
    return [
        state_resource(
            V2_API,
            "shop",
            {
                "id": api,
                "name": "shop",
                "protocol_type": "HTTP",
                "description": "shop API",
                "api_key_selection_expression": "$request.header.x-api-key",
                "route_selection_expression": "$request.method $request.path",
                "cors_configuration": [],
                "disable_execute_api_endpoint": False,
                "version": "",
                "body": None,
                "tags": {"team": "shop"},
                "tags_all": {"team": "shop"},
            },
        ),
        state_resource(
            V2_INTEGRATION,
            "items",
            {
                "id": ids["integration"],
                "api_id": api,
                "integration_type": "HTTP_PROXY",
                "integration_method": "GET",
                "integration_uri": "https://example.com/items",
                "payload_format_version": "1.0",
                "timeout_milliseconds": 10000,
                "connection_type": "INTERNET",
                "request_parameters": {},
                "response_parameters": [],
                "tls_config": [],
            },
        ),
        state_resource(
            V2_ROUTE,
            "items",
            {
                "id": ids["route"],
                "api_id": api,
                "route_key": "GET /items",
                "target": f"integrations/{ids['integration']}",
                "authorization_type": "NONE",
                "api_key_required": False,
                "authorization_scopes": [],
                "request_parameter": [],
            },
        ),
        state_resource(
            V2_STAGE,
            "live",
            {
                "id": "live",
                "api_id": api,
                "name": "live",
                "auto_deploy": False,
                "description": "live stage",
                "stage_variables": {"color": "blue"},
                "route_settings": [],
                "access_log_settings": [],
                "tags": {"team": "shop"},
                "tags_all": {"team": "shop"},
            },
        ),
    ]


def test_http_apis_routes_integrations_and_stages_are_listed_under_their_api(
    boto: Boto,
) -> None:
    ids = seed_v2(boto("apigatewayv2"))
    api = ids["api"]

    outcomes = scan([REGION], V2_TYPES)

    attributes = observed(outcomes[(V2_API, REGION)])[api].attributes
    assert (attributes["name"], attributes["protocol_type"]) == ("shop", "HTTP")
    assert attributes["tags"] == {"team": "shop"}
    route = observed(outcomes[(V2_ROUTE, REGION)])[f"{api}/{ids['route']}"].attributes
    assert (route["route_key"], route["target"]) == (
        "GET /items",
        f"integrations/{ids['integration']}",
    )
    integration = observed(outcomes[(V2_INTEGRATION, REGION)])[f"{api}/{ids['integration']}"]
    assert integration.attributes["integration_uri"] == "https://example.com/items"
    assert integration.attributes["timeout_milliseconds"] == 10000
    stage = observed(outcomes[(V2_STAGE, REGION)])[f"{api}/live"]
    assert stage.attributes["stage_variables"] == {"color": "blue"}
    assert not stage.is_default


def test_http_api_types_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    apigatewayv2 = boto("apigatewayv2")
    ids = seed_v2(apigatewayv2)
    state = v2_state(ids)

    assert drift(state, V2_TYPES).items == []

    apigatewayv2.update_api(ApiId=ids["api"], Description="changed")
    apigatewayv2.update_route(ApiId=ids["api"], RouteId=ids["route"], RouteKey="GET /all")
    apigatewayv2.update_integration(
        ApiId=ids["api"], IntegrationId=ids["integration"], TimeoutInMillis=20000
    )
    apigatewayv2.delete_stage(ApiId=ids["api"], StageName="live")
    apigatewayv2.create_stage(
        ApiId=ids["api"], StageName="live", Description="edited", StageVariables={"color": "blue"}
    )
    findings = drift(state, V2_TYPES)
    assert changed_paths(findings) == {
        f"{V2_API}.shop": ["description"],
        f"{V2_ROUTE}.items": ["route_key"],
        f"{V2_INTEGRATION}.items": ["timeout_milliseconds"],
        f"{V2_STAGE}.live": ["description", "tags.team"],
    }


def test_unmanaged_http_api_children_are_named_and_imported_as_api_slash_id(
    boto: Boto,
) -> None:
    ids = seed_v2(boto("apigatewayv2"))
    api = ids["api"]

    findings = drift(v2_state(ids)[:1], V2_TYPES)

    assert {(i.kind, i.type, i.id, i.import_id) for i in findings.items} == {
        ("unmanaged", V2_ROUTE, f"{api}/{ids['route']}", f"{api}/{ids['route']}"),
        (
            "unmanaged",
            V2_INTEGRATION,
            f"{api}/{ids['integration']}",
            f"{api}/{ids['integration']}",
        ),
        ("unmanaged", V2_STAGE, f"{api}/live", f"{api}/live"),
    }


def test_a_quick_created_default_stage_route_and_integration_are_the_apis() -> None:
    # moto cannot quick-create: the predicate the enumerator applies, on what AWS returns.
    assert is_cloud_default(V2_STAGE, {"name": "$default", "api_gateway_managed": True})
    assert is_cloud_default(V2_ROUTE, {"route_key": "$default", "api_gateway_managed": True})
    assert is_cloud_default(V2_INTEGRATION, {"api_gateway_managed": True})
    assert not is_cloud_default(V2_STAGE, {"name": "$default", "api_gateway_managed": False})
    assert not is_cloud_default(V2_API, {"api_gateway_managed": True})
