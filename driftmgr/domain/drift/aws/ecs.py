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

from collections.abc import Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.rules import TypeRules, register
from driftmgr.domain.resources import StateResource

__all__ = ["full_task_definition", "task_definition_identity"]

_RESERVED_TAGS = ("aws:",)


def _aws(resource_type: str, rules: TypeRules) -> None:
    register(resource_type, msgspec.structs.replace(rules, ignored_tag_prefixes=_RESERVED_TAGS))


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


_aws(
    "aws_ecs_cluster",
    TypeRules(
        sets=frozenset({"setting"}),
        defaults={"configuration": [], "service_connect_defaults": []},
        import_id="{name}",
    ),
)

_aws(
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

_aws(
    "aws_ecs_task_definition",
    TypeRules(
        sets=frozenset({"requires_compatibilities", "placement_constraints"}),
        policies=frozenset({"container_definitions"}),
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
