"""ECS: clusters, services and task definitions, as terraform-provider-aws 5.x reads them
(``internal/service/ecs/cluster.go``, ``service.go``, ``task_definition.go``).

Clusters (``ListClusters``, then ``DescribeClusters`` by 100 with their tags, settings
and configuration) and services (``ListServices`` per cluster, then ``DescribeServices`` by
10 with their tags) are named by their ARNs, as the provider names them. A service also
reports ``cluster_name`` (not a Terraform attribute: what ``terraform import`` takes, with
the service's name). ECS creates a cluster named ``default`` on first use: a cloud default.

Task definitions are listed revision by revision (``ListTaskDefinitions``, ``ACTIVE``
only; one ``DescribeTaskDefinition`` each with its tags) and named by the revision's ARN:
Terraform's id, the family, names every revision alike. ``container_definitions`` is the
API's list as minified JSON with sorted keys (compared semantically); whatever shows it must
redact it (environment values). ``volume`` is not reported: its many nested
volume configurations are not read yet, so it is never compared.

moto 5.2 answers all of these, but leaves out a service's ``deploymentController`` and
``platformVersion`` when not given; they read as empty.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import policy_json, resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_CLUSTER = "aws_ecs_cluster"
_SERVICE = "aws_ecs_service"
_TASK_DEFINITION = "aws_ecs_task_definition"
_GONE = ("ClusterNotFoundException", "ServiceNotFoundException", "ClientException")


def _ecs_tags(tag_list: list[Response] | None) -> dict[str, str]:
    return {str(t["key"]): str(t.get("value", "")) for t in tag_list or []}


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _cluster_arns(scan: Scan, ecs: Any, region: str) -> list[str]:
    async def compute() -> list[str]:
        arns: list[str] = []
        async for page in scan.pages(ecs, "list_clusters", PaginationConfig={"PageSize": 100}):
            arns.extend(page.get("clusterArns", []))
        return arns

    return await scan.shared(f"ecs-clusters:{region}", compute)


# --- clusters ------------------------------------------------------------------------------


@enumerator(_CLUSTER, "ecs")
async def list_clusters(scan: Scan, ecs: Any, region: str) -> list[LiveResource]:
    arns = await _cluster_arns(scan, ecs, region)
    answers = await gather(
        scan.call(
            ecs,
            "describe_clusters",
            clusters=chunk,
            include=["TAGS", "SETTINGS", "CONFIGURATIONS"],
        )
        for chunk in _chunks(arns, 100)
    )
    account = await scan.account()
    return [
        _cluster_resource(cluster, region, account)
        for answer in answers
        for cluster in answer.get("clusters", [])
        if cluster.get("status") != "INACTIVE"  # deleted: listed for a while yet
    ]


def _cluster_resource(cluster: Response, region: str, account: str | None) -> LiveResource:
    arn = str(cluster["clusterArn"])
    execute = (cluster.get("configuration") or {}).get("executeCommandConfiguration")
    connect = cluster.get("serviceConnectDefaults")
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": cluster.get("clusterName", ""),
        "setting": sorted(
            (
                {"name": s.get("name", ""), "value": s.get("value", "")}
                for s in cluster.get("settings", [])
            ),
            key=lambda s: s["name"],
        ),
        "configuration": _configuration(execute),
        "service_connect_defaults": (
            [{"namespace": connect.get("namespace", "")}] if connect else []
        ),
        "tags": _ecs_tags(cluster.get("tags")),
    }
    return resource(
        _CLUSTER,
        arn,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_CLUSTER, attributes),
    )


def _configuration(execute: Response | None) -> list[dict[str, Any]]:
    if not execute:
        return []
    log = execute.get("logConfiguration")
    return [
        {
            "execute_command_configuration": [
                {
                    "kms_key_id": execute.get("kmsKeyId", ""),
                    "logging": execute.get("logging", ""),
                    "log_configuration": (
                        [
                            {
                                "cloud_watch_encryption_enabled": bool(
                                    log.get("cloudWatchEncryptionEnabled", False)
                                ),
                                "cloud_watch_log_group_name": log.get("cloudWatchLogGroupName", ""),
                                "s3_bucket_encryption_enabled": bool(
                                    log.get("s3EncryptionEnabled", False)
                                ),
                                "s3_bucket_name": log.get("s3BucketName", ""),
                                "s3_key_prefix": log.get("s3KeyPrefix", ""),
                            }
                        ]
                        if log
                        else []
                    ),
                }
            ]
        }
    ]


# --- services ------------------------------------------------------------------------------


@enumerator(_SERVICE, "ecs")
async def list_services(scan: Scan, ecs: Any, region: str) -> list[LiveResource]:
    clusters = await _cluster_arns(scan, ecs, region)
    found = await gather(_services(scan, ecs, cluster) for cluster in clusters)
    account = await scan.account()
    return [
        _service_resource(service, region, account)
        for services in found
        for service in services
        if service.get("status") != "INACTIVE"
    ]


async def _services(scan: Scan, ecs: Any, cluster: str) -> list[Response]:
    arns: list[str] = []
    try:
        async for page in scan.pages(
            ecs, "list_services", cluster=cluster, PaginationConfig={"PageSize": 100}
        ):
            arns.extend(page.get("serviceArns", []))
        answers = await gather(
            scan.call(ecs, "describe_services", cluster=cluster, services=chunk, include=["TAGS"])
            for chunk in _chunks(arns, 10)
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return []
        raise
    return [service for answer in answers for service in answer.get("services", [])]


def _service_resource(service: Response, region: str, account: str | None) -> LiveResource:
    arn = str(service["serviceArn"])
    cluster = str(service.get("clusterArn", ""))
    deployment: Response = service.get("deploymentConfiguration") or {}
    breaker = deployment.get("deploymentCircuitBreaker")
    controller = (service.get("deploymentController") or {}).get("type")
    network = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": service.get("serviceName", ""),
        "cluster": cluster,
        "cluster_name": cluster.rsplit("/", 1)[-1],
        "task_definition": service.get("taskDefinition", ""),
        "desired_count": service.get("desiredCount", 0),
        "launch_type": service.get("launchType", ""),
        "platform_version": service.get("platformVersion", ""),
        "scheduling_strategy": service.get("schedulingStrategy", "REPLICA"),
        "deployment_maximum_percent": deployment.get("maximumPercent", 200),
        "deployment_minimum_healthy_percent": deployment.get("minimumHealthyPercent", 100),
        "deployment_circuit_breaker": (
            [{"enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))}]
            if breaker
            else []
        ),
        "deployment_controller": [{"type": controller}] if controller else [],
        "enable_ecs_managed_tags": bool(service.get("enableECSManagedTags", False)),
        "enable_execute_command": bool(service.get("enableExecuteCommand", False)),
        "health_check_grace_period_seconds": service.get("healthCheckGracePeriodSeconds", 0),
        "iam_role": service.get("roleArn", ""),
        "propagate_tags": service.get("propagateTags") or "NONE",
        "load_balancer": [
            {
                "container_name": lb.get("containerName", ""),
                "container_port": lb.get("containerPort", 0),
                "elb_name": lb.get("loadBalancerName", ""),
                "target_group_arn": lb.get("targetGroupArn", ""),
            }
            for lb in service.get("loadBalancers", [])
        ],
        "network_configuration": (
            [
                {
                    "assign_public_ip": network.get("assignPublicIp") == "ENABLED",
                    "security_groups": sorted(network.get("securityGroups", [])),
                    "subnets": sorted(network.get("subnets", [])),
                }
            ]
            if network
            else []
        ),
        "capacity_provider_strategy": [
            {
                "base": s.get("base", 0),
                "capacity_provider": s.get("capacityProvider", ""),
                "weight": s.get("weight", 0),
            }
            for s in service.get("capacityProviderStrategy", [])
        ],
        "placement_constraints": [
            {"expression": c.get("expression", ""), "type": c.get("type", "")}
            for c in service.get("placementConstraints", [])
        ],
        "ordered_placement_strategy": [
            {"field": s.get("field", ""), "type": s.get("type", "")}
            for s in service.get("placementStrategy", [])
        ],
        "service_registries": [
            {
                "container_name": r.get("containerName", ""),
                "container_port": r.get("containerPort", 0),
                "port": r.get("port", 0),
                "registry_arn": r.get("registryArn", ""),
            }
            for r in service.get("serviceRegistries", [])
        ],
        "tags": _ecs_tags(service.get("tags")),
    }
    return resource(
        _SERVICE,
        arn,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_SERVICE, attributes),
    )


# --- task definitions ----------------------------------------------------------------------


@enumerator(_TASK_DEFINITION, "ecs")
async def list_task_definitions(scan: Scan, ecs: Any, region: str) -> list[LiveResource]:
    arns: list[str] = []
    async for page in scan.pages(
        ecs, "list_task_definitions", status="ACTIVE", PaginationConfig={"PageSize": 100}
    ):
        arns.extend(page.get("taskDefinitionArns", []))
    details = await gather(_task_definition(scan, ecs, arn) for arn in arns)
    account = await scan.account()
    return [
        _task_definition_resource(found, region, account) for found in details if found is not None
    ]


async def _task_definition(scan: Scan, ecs: Any, arn: str) -> Response | None:
    try:
        answer = await scan.call(
            ecs, "describe_task_definition", taskDefinition=arn, include=["TAGS"]
        )
    except ClientError as exc:
        if error_code(exc) in _GONE:
            return None
        raise
    definition: Response = answer.get("taskDefinition") or {}
    if definition.get("status") == "INACTIVE":
        return None
    return {**definition, "tags": answer.get("tags", [])}


def _task_definition_resource(
    definition: Response, region: str, account: str | None
) -> LiveResource:
    arn = str(definition["taskDefinitionArn"])
    platform = definition.get("runtimePlatform")
    storage = definition.get("ephemeralStorage")
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "arn_without_revision": arn.rsplit(":", 1)[0],
        "family": definition.get("family", ""),
        "revision": definition.get("revision", 0),
        "container_definitions": policy_json(definition.get("containerDefinitions", [])),
        "cpu": str(definition.get("cpu") or ""),
        "memory": str(definition.get("memory") or ""),
        "network_mode": definition.get("networkMode", ""),
        "requires_compatibilities": sorted(definition.get("requiresCompatibilities", [])),
        "execution_role_arn": definition.get("executionRoleArn", ""),
        "task_role_arn": definition.get("taskRoleArn", ""),
        "ipc_mode": definition.get("ipcMode", ""),
        "pid_mode": definition.get("pidMode", ""),
        "placement_constraints": [
            {"expression": c.get("expression", ""), "type": c.get("type", "")}
            for c in definition.get("placementConstraints", [])
        ],
        "runtime_platform": (
            [
                {
                    "cpu_architecture": platform.get("cpuArchitecture", ""),
                    "operating_system_family": platform.get("operatingSystemFamily", ""),
                }
            ]
            if platform
            else []
        ),
        "ephemeral_storage": [{"size_in_gib": storage.get("sizeInGiB", 0)}] if storage else [],
        "tags": _ecs_tags(definition.get("tags")),
    }
    return resource(
        _TASK_DEFINITION,
        arn,
        region,
        account,
        attributes,
        is_default=is_cloud_default(_TASK_DEFINITION, attributes),
    )
