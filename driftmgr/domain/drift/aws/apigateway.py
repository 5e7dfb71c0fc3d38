"""How API Gateway REST APIs (and their resources, methods, integrations, deployments,
stages and API keys) and API Gateway v2 APIs, routes, integrations and stages compare
(terraform-provider-aws 5.x, ``internal/service/apigateway``, ``internal/service/apigatewayv2``).

Ids are the provider's: a method is ``agm-<api>-<resource>-<HTTP method>``, an
integration ``agi-…``, a REST stage ``ags-<api>-<stage>``. ``terraform import`` takes
``<api>/<resource>`` (resources), ``<api>/<resource>/<HTTP method>`` (methods,
integrations), ``<api>/<deployment>`` (deployments) and ``<api>/<stage>`` (stages).

A v2 route's, integration's and stage's Terraform id is unique only within its API (a
stage's is its name): they are matched as ``<api>/<id>``, which is also their import id.

Children name their API as ``parent`` (with no parent attribute): an API made by hand is
one unmanaged finding, not one per resource, method and stage; the children of a managed
API are judged on their own.

A REST API's root resource (``/``) and quick create's ``$default`` stage, route and
integration are made by AWS with their API: the enumerators list them as cloud defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = ["apigatewayv2_child_identity", "apigatewayv2_stage_identity"]


def _root_resource(a: Mapping[str, Any], c: CloudContext) -> bool:
    # The root resource (``/``) API Gateway makes with every REST API.
    return a.get("path") == "/" or not a.get("parent_id")


def _quick_create_default(a: Mapping[str, Any], c: CloudContext) -> bool:
    # Quick create's ``$default`` stage, route and integration (``api_gateway_managed``).
    return bool(a.get("api_gateway_managed"))


def apigatewayv2_child_identity(attributes: Mapping[str, Any]) -> str | None:
    """A v2 route's or integration's key: ``<api>/<id>``."""
    api, ident = attributes.get("api_id"), attributes.get("id")
    if not ident:
        return None
    return f"{api}/{ident}" if api else str(ident)


def apigatewayv2_stage_identity(attributes: Mapping[str, Any]) -> str | None:
    """A v2 stage's key: ``<api>/<name>`` (its Terraform id is the name)."""
    api, name = attributes.get("api_id"), attributes.get("name") or attributes.get("id")
    if not name:
        return None
    return f"{api}/{name}" if api else str(name)


def _rest_api_of(attributes: Mapping[str, Any]) -> tuple[str, str] | None:
    api = attributes.get("rest_api_id")
    return ("aws_api_gateway_rest_api", str(api)) if api else None


def _http_api_of(attributes: Mapping[str, Any]) -> tuple[str, str] | None:
    api = attributes.get("api_id")
    return ("aws_apigatewayv2_api", str(api)) if api else None


def _held_by_no_attribute(attributes: Mapping[str, Any]) -> str | None:
    # Children are separate Terraform resources, never an attribute of their API: a managed
    # API does not excuse them, but a hand-made API's children are part of its finding.
    return None


def _same_as_identity(identity: str, attributes: Mapping[str, Any]) -> str | None:
    return identity  # the live id is already <api>/<id>


# --- REST APIs -----------------------------------------------------------------------------

aws(
    "aws_api_gateway_rest_api",
    TypeRules(
        sets=frozenset({"endpoint_configuration"}),
        policies=frozenset({"policy"}),
        defaults={
            "api_key_source": "HEADER",
            "binary_media_types": [],
            "description": "",
            "disable_execute_api_endpoint": False,
            "minimum_compression_size": "",
            "policy": "",
        },
        # aws_api_gateway_rest_api_policy may manage the policy instead.
        absent_when_empty=frozenset({"policy"}),
        ignored=frozenset(
            {
                "body",
                "put_rest_api_mode",
                "fail_on_warnings",
                "parameters",
                "created_date",
                "execution_arn",
                "root_resource_id",
            }
        ),
        access=True,
    ),
)

aws(
    "aws_api_gateway_resource",
    TypeRules(
        # path is computed from the parents' path parts.
        ignored=frozenset({"path"}),
        import_id="{rest_api_id}/{id}",
        parent=_rest_api_of,
        parent_attribute=_held_by_no_attribute,
        taggable=False,
        cloud_default=_root_resource,
    ),
)

aws(
    "aws_api_gateway_method",
    TypeRules(
        sets=frozenset({"authorization_scopes"}),
        defaults={
            "authorization_scopes": [],
            "authorizer_id": "",
            "api_key_required": False,
            "operation_name": "",
            "request_models": {},
            "request_parameters": {},
            "request_validator_id": "",
        },
        import_id="{rest_api_id}/{resource_id}/{http_method}",
        parent=_rest_api_of,
        parent_attribute=_held_by_no_attribute,
        severity={"authorization": "high"},
        taggable=False,
    ),
)

aws(
    "aws_api_gateway_integration",
    TypeRules(
        sets=frozenset({"cache_key_parameters"}),
        defaults={
            "cache_key_parameters": [],
            "connection_id": "",
            "connection_type": "INTERNET",
            "content_handling": "",
            "credentials": "",
            "integration_http_method": "",
            "request_parameters": {},
            "request_templates": {},
            "timeout_milliseconds": 29000,
            "tls_config": [],
            "uri": "",
        },
        # Optional+Computed: AWS fills them in (the resource id, WHEN_NO_MATCH).
        absent_when_empty=frozenset({"cache_namespace", "passthrough_behavior"}),
        import_id="{rest_api_id}/{resource_id}/{http_method}",
        parent=_rest_api_of,
        parent_attribute=_held_by_no_attribute,
        taggable=False,
    ),
)

aws(
    "aws_api_gateway_deployment",
    TypeRules(
        defaults={"description": ""},
        # Terraform-only, or deprecated arguments that configure a stage, not the deployment.
        ignored=frozenset(
            {
                "created_date",
                "invoke_url",
                "execution_arn",
                "stage_name",
                "stage_description",
                "triggers",
                "variables",
                "canary_settings",
            }
        ),
        import_id="{rest_api_id}/{id}",
        parent=_rest_api_of,
        parent_attribute=_held_by_no_attribute,
        taggable=False,
    ),
)

aws(
    "aws_api_gateway_stage",
    TypeRules(
        defaults={
            "access_log_settings": [],
            "cache_cluster_enabled": False,
            "cache_cluster_size": "",
            "canary_settings": [],
            "client_certificate_id": "",
            "description": "",
            "documentation_version": "",
            "variables": {},
            "xray_tracing_enabled": False,
        },
        ignored=frozenset({"invoke_url", "execution_arn", "web_acl_arn"}),
        import_id="{rest_api_id}/{stage_name}",
        parent=_rest_api_of,
        parent_attribute=_held_by_no_attribute,
    ),
)

aws(
    "aws_api_gateway_api_key",
    TypeRules(
        defaults={"customer_id": "", "description": "Managed by Terraform", "enabled": True},
        # The key's value is a secret the listing does not read; AWS cannot change it.
        ignored=frozenset({"value", "created_date", "last_updated_date"}),
    ),
)


# --- API Gateway v2 ------------------------------------------------------------------------

aws(
    "aws_apigatewayv2_api",
    TypeRules(
        sets=frozenset({"cors_configuration"}),
        defaults={
            "api_key_selection_expression": "$request.header.x-api-key",
            "cors_configuration": [],
            "description": "",
            "disable_execute_api_endpoint": False,
            "route_selection_expression": "$request.method $request.path",
            "version": "",
        },
        # Quick create and OpenAPI import arguments are write-only.
        ignored=frozenset(
            {
                "body",
                "credentials_arn",
                "route_key",
                "target",
                "fail_on_warnings",
                "api_endpoint",
                "execution_arn",
            }
        ),
        access=True,
    ),
)

aws(
    "aws_apigatewayv2_route",
    TypeRules(
        sets=frozenset({"authorization_scopes", "request_parameter"}),
        defaults={
            "api_key_required": False,
            "authorization_scopes": [],
            "authorization_type": "NONE",
            "authorizer_id": "",
            "model_selection_expression": "",
            "operation_name": "",
            "request_models": {},
            "request_parameter": [],
            "route_response_selection_expression": "",
            "target": "",
        },
        ignored=frozenset({"api_gateway_managed"}),
        identity=apigatewayv2_child_identity,
        import_id="{api_id}/{route_id}",
        parent=_http_api_of,
        parent_attribute=_held_by_no_attribute,
        import_id_of=_same_as_identity,
        severity={"authorization_type": "high"},
        taggable=False,
        cloud_default=_quick_create_default,
    ),
)

aws(
    "aws_apigatewayv2_integration",
    TypeRules(
        sets=frozenset({"response_parameters"}),
        defaults={
            "connection_id": "",
            "connection_type": "INTERNET",
            "content_handling_strategy": "",
            "credentials_arn": "",
            "description": "",
            "integration_method": "",
            "integration_subtype": "",
            "integration_uri": "",
            "payload_format_version": "1.0",
            "request_parameters": {},
            "request_templates": {},
            "response_parameters": [],
            "template_selection_expression": "",
            "tls_config": [],
        },
        # Optional+Computed: AWS fills them in (30000 ms for HTTP APIs, WHEN_NO_MATCH).
        absent_when_empty=frozenset({"timeout_milliseconds", "passthrough_behavior"}),
        ignored=frozenset({"api_gateway_managed", "integration_response_selection_expression"}),
        identity=apigatewayv2_child_identity,
        import_id="{api_id}/{integration_id}",
        parent=_http_api_of,
        parent_attribute=_held_by_no_attribute,
        import_id_of=_same_as_identity,
        taggable=False,
        cloud_default=_quick_create_default,
    ),
)

aws(
    "aws_apigatewayv2_stage",
    TypeRules(
        sets=frozenset({"route_settings"}),
        defaults={
            "access_log_settings": [],
            "auto_deploy": False,
            "client_certificate_id": "",
            "description": "",
            "route_settings": [],
            "stage_variables": {},
        },
        # With auto_deploy, AWS moves deployment_id on every change of the API.
        absent_when_empty=frozenset({"deployment_id"}),
        ignored=frozenset({"api_gateway_managed", "execution_arn", "invoke_url"}),
        identity=apigatewayv2_stage_identity,
        import_id="{api_id}/{name}",
        parent=_http_api_of,
        parent_attribute=_held_by_no_attribute,
        import_id_of=_same_as_identity,
        cloud_default=_quick_create_default,
    ),
)
