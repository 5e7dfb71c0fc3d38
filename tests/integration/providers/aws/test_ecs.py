"""ECS clusters, services and task definitions against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.ecs`), and their drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.drift.import_ids import import_id
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

CLUSTER = "aws_ecs_cluster"
SERVICE = "aws_ecs_service"
TASK_DEFINITION = "aws_ecs_task_definition"
ECS_TYPES = [CLUSTER, SERVICE, TASK_DEFINITION]
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/app"
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/app/web"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web"
CONTAINERS = [
    {
        "name": "web",
        "image": "nginx:1.25",
        "memory": 256,
        "essential": True,
        "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}],
    }
]


def seed(ecs: Any) -> None:
    ecs.create_cluster(
        clusterName="app",
        tags=[{"key": "team", "value": "platform"}],
        settings=[{"name": "containerInsights", "value": "enabled"}],
    )
    ecs.register_task_definition(
        family="web",
        containerDefinitions=CONTAINERS,
        cpu="256",
        memory="512",
        networkMode="bridge",
        tags=[{"key": "app", "value": "web"}],
    )
    ecs.create_service(
        cluster="app",
        serviceName="web",
        taskDefinition="web:1",
        desiredCount=2,
        tags=[{"key": "app", "value": "web"}],
    )


def test_clusters_services_and_task_definitions_are_listed_by_arn(boto: Boto) -> None:
    seed(boto("ecs"))

    outcomes = scan([REGION], ECS_TYPES)
    clusters = observed(outcomes[(CLUSTER, REGION)])
    services = observed(outcomes[(SERVICE, REGION)])
    definitions = observed(outcomes[(TASK_DEFINITION, REGION)])

    assert set(clusters) == {CLUSTER_ARN}
    cluster = clusters[CLUSTER_ARN]
    assert not cluster.is_default
    assert cluster.attributes["name"] == "app"
    assert cluster.attributes["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    assert cluster.attributes["tags"] == {"team": "platform"}
    assert import_id(CLUSTER, CLUSTER_ARN, cluster.attributes) == "app"

    assert set(services) == {SERVICE_ARN}
    service = services[SERVICE_ARN].attributes
    assert (service["name"], service["cluster"]) == ("web", CLUSTER_ARN)
    assert service["task_definition"] == f"{TASK_ARN}:1"
    assert service["desired_count"] == 2
    assert service["scheduling_strategy"] == "REPLICA"
    assert service["propagate_tags"] == "NONE"
    assert service["tags"] == {"app": "web"}
    assert import_id(SERVICE, SERVICE_ARN, service) == "app/web"

    assert set(definitions) == {f"{TASK_ARN}:1"}
    definition = definitions[f"{TASK_ARN}:1"].attributes
    assert (definition["family"], definition["revision"]) == ("web", 1)
    assert (definition["cpu"], definition["memory"]) == ("256", "512")
    assert definition["network_mode"] == "bridge"
    containers = json.loads(definition["container_definitions"])
    assert [(c["name"], c["image"]) for c in containers] == [("web", "nginx:1.25")]
    assert definition["tags"] == {"app": "web"}
    assert import_id(TASK_DEFINITION, f"{TASK_ARN}:1", definition) == f"{TASK_ARN}:1"


def test_a_cluster_named_default_is_a_cloud_default(boto: Boto) -> None:
    boto("ecs").create_cluster(clusterName="default")

    clusters = observed(scan([REGION], [CLUSTER])[(CLUSTER, REGION)])

    assert clusters[f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/default"].is_default


def ecs_state() -> list[StateResource]:
    return [
        state_resource(
            CLUSTER,
            "app",
            {
                "id": CLUSTER_ARN,
                "arn": CLUSTER_ARN,
                "name": "app",
                "setting": [{"name": "containerInsights", "value": "enabled"}],
                "configuration": [],
                "service_connect_defaults": [],
                "tags": {"team": "platform"},
                "tags_all": {"team": "platform"},
            },
        ),
        state_resource(
            SERVICE,
            "web",
            {
                "id": SERVICE_ARN,
                "arn": SERVICE_ARN,
                "name": "web",
                "cluster": CLUSTER_ARN,
                # As configured: the provider keeps family:revision.
                "task_definition": "web:1",
                "desired_count": 2,
                "launch_type": "EC2",
                "scheduling_strategy": "REPLICA",
                "deployment_maximum_percent": 200,
                "deployment_minimum_healthy_percent": 100,
                "enable_ecs_managed_tags": False,
                "enable_execute_command": False,
                "propagate_tags": "NONE",
                "load_balancer": [],
                "network_configuration": [],
                "wait_for_steady_state": False,
                "tags": {"app": "web"},
                "tags_all": {"app": "web"},
            },
        ),
        state_resource(
            TASK_DEFINITION,
            "web",
            {
                "id": "web",
                "arn": f"{TASK_ARN}:1",
                "arn_without_revision": TASK_ARN,
                "family": "web",
                "revision": 1,
                "container_definitions": json.dumps(
                    [
                        {
                            **CONTAINERS[0],
                            "cpu": 0,
                            "mountPoints": [],
                            "portMappings": [],
                            "volumesFrom": [],
                        }
                    ]
                ),
                "cpu": "256",
                "memory": "512",
                "network_mode": "bridge",
                "requires_compatibilities": [],
                "skip_destroy": False,
                "tags": {"app": "web"},
                "tags_all": {"app": "web"},
            },
        ),
    ]


def test_ecs_objects_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    ecs = boto("ecs")
    seed(ecs)

    assert drift(ecs_state(), ECS_TYPES).items == []

    ecs.update_cluster(cluster="app", settings=[{"name": "containerInsights", "value": "disabled"}])
    ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)
    ecs.update_service(cluster="app", service="web", desiredCount=5, taskDefinition="web:2")
    findings = drift(ecs_state(), ECS_TYPES)

    assert changed_paths(findings) == {
        CLUSTER_ARN: ["setting[0].value"],
        SERVICE_ARN: ["desired_count", "task_definition"],
    }
    # Revision 2, registered outside Terraform, is unmanaged; it imports by its ARN.
    assert [(i.kind, i.id) for i in findings.items if i.kind == "unmanaged"] == [
        ("unmanaged", f"{TASK_ARN}:2")
    ]
    # The container's environment value is never shown.
    assert "hunter2" not in json.dumps([i.changes for i in findings.items], default=str)
