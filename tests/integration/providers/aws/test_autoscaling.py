"""Auto Scaling groups against a real moto server (see
:mod:`driftmgr.adapters.providers.aws.autoscaling`), and their drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource
from tests.integration.providers.aws.test_cloudwatch import changed_paths, drift

Boto = Callable[..., Any]

GROUP = "aws_autoscaling_group"


def seed(boto: Boto) -> tuple[str, list[str]]:
    """A group of one instance in two subnets; its launch template id and the subnets."""
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = sorted(
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.9.1.0/24", "us-east-1a"), ("10.9.2.0/24", "us-east-1b"))
    )
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    template: str = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    boto("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="web",
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        VPCZoneIdentifier=",".join(reversed(subnets)),
        HealthCheckType="EC2",
        Tags=[
            {"Key": "Name", "Value": "web", "PropagateAtLaunch": True},
            {"Key": "team", "Value": "shop", "PropagateAtLaunch": False},
        ],
    )
    return template, subnets


TAGS = [
    {"key": "Name", "propagate_at_launch": True, "value": "web"},
    {"key": "team", "propagate_at_launch": False, "value": "shop"},
]


def test_groups_are_listed_by_name_with_tag_blocks(boto: Boto) -> None:
    template, subnets = seed(boto)

    groups = observed(scan([REGION], [GROUP])[(GROUP, REGION)])

    assert set(groups) == {"web"}
    attributes = groups["web"].attributes
    assert attributes["arn"].startswith(f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:")
    assert (attributes["min_size"], attributes["max_size"], attributes["desired_capacity"]) == (
        1,
        4,
        1,
    )
    assert attributes["launch_template"] == [{"id": template, "name": "web", "version": "$Latest"}]
    assert attributes["vpc_zone_identifier"] == subnets
    assert attributes["health_check_type"] == "EC2"
    assert attributes["tag"] == TAGS
    assert attributes["tags"] == {"Name": "web", "team": "shop"}


def group_state(template: str, subnets: list[str]) -> StateResource:
    return state_resource(
        GROUP,
        "web",
        {
            "id": "web",
            "name": "web",
            "min_size": 1,
            "max_size": 4,
            "desired_capacity": 1,
            "default_cooldown": 300,
            "health_check_type": "EC2",
            "launch_configuration": "",
            "launch_template": [{"id": template, "name": "web", "version": "$Latest"}],
            "vpc_zone_identifier": list(reversed(subnets)),
            "load_balancers": [],
            "target_group_arns": [],
            "suspended_processes": [],
            "enabled_metrics": [],
            "metrics_granularity": "1Minute",
            "max_instance_lifetime": 0,
            "capacity_rebalance": False,
            "protect_from_scale_in": False,
            "force_delete": False,
            "wait_for_capacity_timeout": "10m",
            "tag": list(reversed(TAGS)),
        },
    )


def test_a_group_is_in_sync_then_resized_and_retagged_by_hand(boto: Boto) -> None:
    template, subnets = seed(boto)
    state = group_state(template, subnets)

    assert drift([state], [GROUP]).items == []

    autoscaling = boto("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=8)
    autoscaling.create_or_update_tags(
        Tags=[
            {
                "ResourceId": "web",
                "ResourceType": "auto-scaling-group",
                "Key": "team",
                "Value": "infra",
                "PropagateAtLaunch": False,
            }
        ]
    )
    assert changed_paths(drift([state], [GROUP])) == {"web": ["max_size", "tag"]}
