"""How ECS clusters, services and task definitions compare (terraform-provider-aws 5.x,
``internal/service/ecs``).

Clusters and services are named by their ARNs, as the provider names them; they import by
name (``{cluster_name}/{name}`` for a service, ``cluster_name`` being the last part of the
service's ``cluster`` ARN). A task definition's Terraform id is its family, which names
every revision alike: it is matched by its revision's ``arn``, and imports by it.

A service's ``task_definition`` is stored as configured: the revision's ARN, or
``family:revision`` (the provider keeps the form it was given). The live side reports the
ARN; a state's short form is made the ARN (in the service's own region and account, from
its ``arn``) before comparing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.aws._common import aws
from driftmgr.domain.drift.rules import CloudContext, TypeRules
from driftmgr.domain.resources import StateResource

__all__ = ["full_task_definition", "task_definition_identity"]


def _default_cluster(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("name") == "default"  # ECS creates it on first use


def full_task_definition(service_arn: str, task_definition: str) -> str:
    """``family:revision`` as the ARN it stands for, in the service's region and account
    (``arn:aws:ecs:us-east-1:123456789012:service/app/web``); an ARN as it is."""
    if not task_definition or task_definition.startswith("arn:"):
        return task_definition
    parts = service_arn.split(":")
    if len(parts) < 6 or not service_arn.startswith("arn:"):
        return task_definition
    return ":".join(parts[:5]) + f":task-definition/{task_definition}"


def _service_units(resource: StateResource) -> list[StateResource]:
    attributes = resource.attributes
    task_definition = attributes.get("task_definition")
    if not isinstance(task_definition, str) or task_definition.startswith("arn:"):
        return [resource]
    arn = str(attributes.get("arn") or attributes.get("id") or "")
    full = full_task_definition(arn, task_definition)
    return [msgspec.structs.replace(resource, attributes={**attributes, "task_definition": full})]


def task_definition_identity(attributes: Mapping[str, Any]) -> str | None:
    arn = attributes.get("arn")
    if arn:
        return str(arn)
    return str(attributes["id"]) if attributes.get("id") else None


def container_definitions(value: Any) -> Any:
    """Container definitions as the provider compares them (``containerDefinitions.reduce``
    in internal/service/ecs): containers by name, environment and secrets by name, and the
    API's defaults gone — ``cpu`` 0, ``essential`` true, a port mapping's ``tcp`` protocol
    and a host port of 0 or equal to the container port — as are empty values. Accepts the
    JSON string Terraform stores or the decoded list; other text is returned as it is."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if not isinstance(value, list):
        return value
    reduced = [_container(c) for c in value if isinstance(c, dict)]
    return sorted(reduced, key=lambda c: str(c.get("name", "")))


def _container(container: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _without_empty(container)
    if out.get("cpu") == 0:
        del out["cpu"]
    if out.get("essential") is True:
        del out["essential"]
    for key in ("environment", "secrets"):
        if isinstance(out.get(key), list):
            out[key] = sorted(out[key], key=lambda v: str(v.get("name", "")))
    mappings = []
    for mapping in out.get("portMappings", []):
        mapping = dict(mapping)
        if mapping.get("protocol") == "tcp":
            del mapping["protocol"]
        if mapping.get("hostPort") in (0, mapping.get("containerPort")):
            mapping.pop("hostPort", None)
        mappings.append(mapping)
    if mappings:
        out["portMappings"] = mappings
    return out


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


aws(
    "aws_ecs_cluster",
    TypeRules(
        sets=frozenset({"setting"}),
        defaults={"configuration": [], "service_connect_defaults": []},
        import_id="{name}",
        cloud_default=_default_cluster,
    ),
)

aws(
    "aws_ecs_service",
    TypeRules(
        sets=frozenset(
            {
                "load_balancer",
                "capacity_provider_strategy",
                "placement_constraints",
                "network_configuration",
            }
        ),
        defaults={
            "scheduling_strategy": "REPLICA",
            "deployment_maximum_percent": 200,
            "deployment_minimum_healthy_percent": 100,
            "propagate_tags": "NONE",
            "enable_ecs_managed_tags": False,
            "enable_execute_command": False,
            "health_check_grace_period_seconds": 0,
            "iam_role": "",
            "platform_version": "",
            "deployment_circuit_breaker": [],
            "deployment_controller": [{"type": "ECS"}],
            "load_balancer": [],
            "network_configuration": [],
            "capacity_provider_strategy": [],
            "placement_constraints": [],
            "ordered_placement_strategy": [],
            "service_registries": [],
        },
        ignored=frozenset(
            {
                "cluster_name",
                "force_new_deployment",
                "wait_for_steady_state",
                "triggers",
                "force_delete",
            }
        ),
        split=_service_units,
        import_id="{cluster_name}/{name}",
    ),
)

aws(
    "aws_ecs_task_definition",
    TypeRules(
        sets=frozenset({"requires_compatibilities", "placement_constraints"}),
        normalisers={"container_definitions": container_definitions},
        defaults={
            "execution_role_arn": "",
            "task_role_arn": "",
            "ipc_mode": "",
            "pid_mode": "",
            "cpu": "",
            "memory": "",
            "requires_compatibilities": [],
            "placement_constraints": [],
            "runtime_platform": [],
            "ephemeral_storage": [],
        },
        # The revision is part of the ARN the match was made on.
        ignored=frozenset({"skip_destroy", "track_latest", "arn_without_revision", "revision"}),
        identity=task_definition_identity,
        import_id="{arn}",
    ),
)
