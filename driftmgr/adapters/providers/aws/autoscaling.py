"""Auto Scaling groups, as terraform-provider-aws 5.x reads them
(``internal/service/autoscaling/group.go``).

``DescribeAutoScalingGroups`` gives everything; named by the group's name. Tags are the
provider's ``tag`` blocks (``key``, ``value``, ``propagate_at_launch``); ``tags`` (the same
as a map) is reported only for tag scopes, and never compared. ``mixed_instances_policy``
and ``traffic_source`` are not reported (``target_group_arns`` and ``load_balancers`` are).

A group's instances are its own: they carry the ``aws:autoscaling:groupName`` tag. The
``aws_instance`` listing (``ec2.py``) does not yet mark them, so they can be reported as
unmanaged instances; see the rules module for the remedy.

moto 5.2 answers all of these.
"""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.aws.mapping import resource
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_GROUP = "aws_autoscaling_group"
#: The tag AWS puts on every instance a group launches: the group's name.
GROUP_TAG = "aws:autoscaling:groupName"


@enumerator(_GROUP, "autoscaling")
async def list_groups(scan: Scan, autoscaling: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        autoscaling, "describe_auto_scaling_groups", PaginationConfig={"PageSize": 100}
    ):
        groups.extend(page.get("AutoScalingGroups", []))
    account = await scan.account()
    return [
        _group_resource(group, region, account)
        for group in groups
        if not group.get("Status")  # "Delete in progress"
    ]


def _group_resource(group: Response, region: str, account: str | None) -> LiveResource:
    name = str(group["AutoScalingGroupName"])
    template = group.get("LaunchTemplate")
    # AWS's own tags (aws:cloudformation:…) are not the provider's: it ignores them on read.
    group_tags = sorted(
        (t for t in group.get("Tags", []) if not str(t.get("Key", "")).startswith("aws:")),
        key=lambda t: str(t.get("Key", "")),
    )
    subnets = [s for s in str(group.get("VPCZoneIdentifier") or "").split(",") if s]
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": group.get("AutoScalingGroupARN", ""),
        "min_size": group.get("MinSize", 0),
        "max_size": group.get("MaxSize", 0),
        "desired_capacity": group.get("DesiredCapacity", 0),
        "desired_capacity_type": group.get("DesiredCapacityType", ""),
        "default_cooldown": group.get("DefaultCooldown", 300),
        "default_instance_warmup": group.get("DefaultInstanceWarmup", 0),
        "health_check_type": group.get("HealthCheckType", "EC2"),
        "health_check_grace_period": group.get("HealthCheckGracePeriod", 0),
        "launch_configuration": group.get("LaunchConfigurationName", ""),
        "launch_template": (
            [
                {
                    "id": template.get("LaunchTemplateId", ""),
                    "name": template.get("LaunchTemplateName", ""),
                    "version": template.get("Version", ""),
                }
            ]
            if template
            else []
        ),
        "availability_zones": sorted(group.get("AvailabilityZones", [])),
        "vpc_zone_identifier": sorted(subnets),
        "load_balancers": sorted(group.get("LoadBalancerNames", [])),
        "target_group_arns": sorted(group.get("TargetGroupARNs", [])),
        "termination_policies": list(group.get("TerminationPolicies", [])),
        "suspended_processes": sorted(
            str(p.get("ProcessName", "")) for p in group.get("SuspendedProcesses", [])
        ),
        "enabled_metrics": sorted(
            str(m.get("Metric", "")) for m in group.get("EnabledMetrics", [])
        ),
        "metrics_granularity": next(
            (str(m["Granularity"]) for m in group.get("EnabledMetrics", []) if "Granularity" in m),
            "1Minute",
        ),
        "max_instance_lifetime": group.get("MaxInstanceLifetime", 0),
        "capacity_rebalance": bool(group.get("CapacityRebalance", False)),
        "protect_from_scale_in": bool(group.get("NewInstancesProtectedFromScaleIn", False)),
        "placement_group": group.get("PlacementGroup", ""),
        "service_linked_role_arn": group.get("ServiceLinkedRoleARN", ""),
        "tag": [
            {
                "key": str(t.get("Key", "")),
                "propagate_at_launch": bool(t.get("PropagateAtLaunch", False)),
                "value": str(t.get("Value", "")),
            }
            for t in group_tags
        ],
        "tags": {str(t.get("Key", "")): str(t.get("Value", "")) for t in group_tags},
    }
    return resource(
        _GROUP, name, region, account, attributes, is_default=is_cloud_default(_GROUP, attributes)
    )
