"""Instances, VPC attributes and EBS volumes against moto."""

from __future__ import annotations

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import (
    Boto,
    Subject,
    assert_same,
    launch,
    observe,
    operations,
    revert,
    round_trip,
    run,
    target_of,
)

RESIZE = [
    "stop_instances",
    "wait:instance_stopped",
    "modify_instance_attribute",
    "start_instances",
    "wait:instance_running",
]


def test_a_running_instance_is_stopped_resized_and_started_again(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    instance = launch(ec2)

    def resize_by_hand() -> None:
        ec2.stop_instances(InstanceIds=[instance])
        ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "t3.small"})
        ec2.start_instances(InstanceIds=[instance])

    [(calls, back)] = round_trip(
        remediator, [Subject("aws_instance", instance, ("instance_type",))], resize_by_hand
    )

    assert operations(calls) == operations(back) == RESIZE
    assert calls[2].params["InstanceType"] == {"Value": "t3.micro"}
    assert observe("aws_instance", instance).attributes["instance_state"] == "running"


def test_a_retry_after_a_kill_between_resize_and_start_starts_the_instance(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    instance = launch(ec2)
    before = observe("aws_instance", instance)
    ec2.stop_instances(InstanceIds=[instance])
    ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "t3.small"})
    ec2.start_instances(InstanceIds=[instance])
    target = target_of(before)
    drifted = observe("aws_instance", instance)
    calls = remediator.revert_calls(
        target, before.attributes, drifted.attributes, ["instance_type"]
    )
    assert operations(calls) == RESIZE

    # The worker is SIGKILLed right after the type change: StartInstances is never made.
    run(remediator, calls[:3])
    killed = observe("aws_instance", instance)
    assert killed.attributes["instance_type"] == "t3.micro"
    assert killed.attributes["instance_state"] == "stopped"

    retry = remediator.revert_calls(target, before.attributes, killed.attributes, ["instance_type"])
    assert operations(retry) == ["start_instances", "wait:instance_running"]
    run(remediator, retry)
    after = observe("aws_instance", instance)
    assert_same(before, after, ["instance_type", "instance_state"])
    assert (
        remediator.revert_calls(target, before.attributes, after.attributes, ["instance_type"])
        == []
    )


def test_state_type_and_a_flag_together_flags_first_both_ways(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    instance = launch(ec2)

    def drift() -> None:
        ec2.stop_instances(InstanceIds=[instance])
        ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "t3.small"})
        ec2.modify_instance_attribute(InstanceId=instance, SourceDestCheck={"Value": False})

    attributes = ("source_dest_check", "instance_type", "instance_state")
    [(calls, back)] = round_trip(remediator, [Subject("aws_instance", instance, attributes)], drift)

    # Started again after the type changed, as the state says; stopped to change it back.
    assert operations(calls) == [
        "modify_instance_attribute",
        "modify_instance_attribute",
        "start_instances",
        "wait:instance_running",
    ]
    assert operations(back) == [
        "modify_instance_attribute",
        "stop_instances",
        "wait:instance_stopped",
        "modify_instance_attribute",
    ]


def test_instance_settings_and_vpc_dns_flags_go_back(boto: Boto, remediator: AwsRemediator) -> None:
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    web, admin = (
        ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"]
        for n in ("web", "admin")
    )
    instance = launch(
        ec2, SubnetId=subnet, SecurityGroupIds=[web], MetadataOptions={"HttpTokens": "required"}
    )

    def drift() -> None:
        for flag, drifted in (
            ("DisableApiTermination", True),
            ("DisableApiStop", True),
            ("SourceDestCheck", False),
        ):
            ec2.modify_instance_attribute(InstanceId=instance, **{flag: {"Value": drifted}})
        ec2.modify_instance_attribute(InstanceId=instance, Groups=[web, admin])
        ec2.modify_instance_metadata_options(
            InstanceId=instance, HttpTokens="optional", HttpPutResponseHopLimit=3
        )
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})

    flags = ("disable_api_termination", "disable_api_stop", "source_dest_check")
    dns = ("enable_dns_hostnames", "enable_dns_support")
    (calls, back), (vpc_calls, vpc_back) = round_trip(
        remediator,
        [
            Subject(
                "aws_instance", instance, (*flags, "vpc_security_group_ids", "metadata_options")
            ),
            Subject("aws_vpc", vpc, dns),
        ],
        drift,
    )

    # One attribute per call (as the APIs take them), then the groups as a set.
    assert [list(c.params)[1] for c in calls[:3]] == [
        "DisableApiTermination",
        "DisableApiStop",
        "SourceDestCheck",
    ]
    assert calls[3].params["Groups"] == [web]
    assert back[3].params["Groups"] == sorted([web, admin])
    assert operations(calls[4:]) == ["modify_instance_metadata_options"]
    assert calls[4].params["HttpTokens"] == "required"
    # DNS hostnames need DNS support: support is turned on first and off last.
    assert [list(c.params)[1] for c in vpc_calls] == ["EnableDnsSupport", "EnableDnsHostnames"]
    assert [list(c.params)[1] for c in vpc_back] == ["EnableDnsHostnames", "EnableDnsSupport"]


# --- EBS volumes ----------------------------------------------------------------------------


def test_volume_settings_go_back_in_one_modification(boto: Boto, remediator: AwsRemediator) -> None:
    ec2 = boto("ec2")
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=10, VolumeType="io1", Iops=200)[
        "VolumeId"
    ]

    [calls], _, _ = revert(
        remediator,
        [Subject("aws_ebs_volume", volume, ("type", "iops"))],
        lambda: ec2.modify_volume(VolumeId=volume, VolumeType="io2", Iops=400),
    )

    assert operations(calls) == ["modify_volume"]
    assert calls[0].params == {"VolumeId": volume, "VolumeType": "io1", "Iops": 200}
