"""The EC2 enumerators (instances, VPCs, security group rules, Elastic IPs, EBS volumes, key
pairs, launch templates) against a real moto server, and against recorded responses for
what moto cannot serve (see :mod:`driftmgr.adapters.providers.aws.ec2`): a rule referencing
another account's group, and an instance terminated between the listing and its sub-calls.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.identity import security_group_rule_id
from driftmgr.domain.drift.normalise import user_data_hash
from driftmgr.domain.drift.report import DriftScope
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Answer,
    Params,
    ec2_error,
    ec2_response,
    observed,
    recorded_aws,
    scan,
    state_resource,
)

Boto = Callable[..., Any]

SCRIPT = "#!/bin/sh\necho hello > /tmp/hello\n"
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC3F6tyPEFEzV0LX3X8BsXdMsQz1x2cEikKDEY0aIj4"
    "1qgxMCP/iteneqXSIFZBp5vizPvaoIR3Um9xK7PGoW8giupGn+EPuxIA4cDM4vzOqOkiMPhz5XK0whEj"
    "kVzTo4+S0puvDZuwIsdiW9mxhJc7tgBNL0cYlWSYVkz4G/fslNfRPW5mYAM49f4fhtxPb5ok4Q2Lg9dP"
    "KVHO/Bgeu5woMc7RY0p1ej6D4CKFE6lymSDJpW0YHX/wqE9+cfEauh7xZcG0q9t2ta6F6fmX0agvpFyZ"
    "o8aFbXeUBr7osSCJNgvavWbM/06niWrOvYX2xwWdhXmXSrbX8ZbabVohBK41"
)


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16") -> str:
    vpc_id: str = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    return vpc_id


def an_ami(ec2: Any) -> str:
    image: str = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    return image


def rule_unit(group_id: str, rule_type: str, **fields: Any) -> dict[str, Any]:
    """The attributes of one live ``aws_security_group_rule``, every field present."""
    attributes: dict[str, Any] = {
        "security_group_id": group_id,
        "type": rule_type,
        "protocol": "-1",
        "from_port": 0,
        "to_port": 0,
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "source_security_group_id": "",
        "self": False,
        "description": "",
        **fields,
    }
    attributes["id"] = security_group_rule_id(
        group_id,
        rule_type,
        attributes["protocol"],
        attributes["from_port"],
        attributes["to_port"],
        cidr_blocks=attributes["cidr_blocks"],
        ipv6_cidr_blocks=attributes["ipv6_cidr_blocks"],
        prefix_list_ids=attributes["prefix_list_ids"],
        source_security_group_id=attributes["source_security_group_id"] or None,
    )
    return attributes


# --- instances --------------------------------------------------------------------------------


def test_instances_report_protection_user_data_metadata_options_and_root_volume(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    instance = ec2.run_instances(
        ImageId=an_ami(ec2),
        MinCount=1,
        MaxCount=1,
        UserData=SCRIPT,
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/sda1",
                "Ebs": {
                    "VolumeSize": 20,
                    "VolumeType": "gp3",
                    "Encrypted": True,
                    "DeleteOnTermination": True,
                },
            }
        ],
    )["Instances"][0]
    instance_id = instance["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=instance_id, DisableApiTermination={"Value": True})
    ec2.modify_instance_attribute(InstanceId=instance_id, DisableApiStop={"Value": True})
    root = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "BlockDeviceMappings"
    ][0]
    volume_id = root["Ebs"]["VolumeId"]
    ec2.create_tags(
        Resources=[volume_id],
        Tags=[{"Key": "backup", "Value": "daily"}, {"Key": "aws:reserved", "Value": "x"}],
    )
    volume = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]

    outcome = scan([REGION], ["aws_instance"])[("aws_instance", REGION)]

    attributes = observed(outcome)[instance_id].attributes
    assert attributes["disable_api_termination"] is True
    assert attributes["disable_api_stop"] is True
    # The base64 the API returns; the engine hashes it as the provider stores user_data.
    assert base64.b64decode(attributes["user_data"]).decode() == SCRIPT
    assert user_data_hash(attributes["user_data"]) == hashlib.sha1(SCRIPT.encode()).hexdigest()
    assert attributes["metadata_options"] == [
        {
            "http_endpoint": "enabled",
            "http_protocol_ipv6": "disabled",
            "http_put_response_hop_limit": 2,
            "http_tokens": "required",
            "instance_metadata_tags": "disabled",
        }
    ]
    assert attributes["root_block_device"] == [
        {
            "delete_on_termination": True,
            "device_name": "/dev/sda1",
            "encrypted": True,
            "iops": volume["Iops"],
            "kms_key_id": volume["KmsKeyId"],
            "tags": {"backup": "daily"},
            "tags_all": {"backup": "daily"},
            "throughput": volume.get("Throughput", 0),
            "volume_id": volume_id,
            "volume_size": 20,
            "volume_type": "gp3",
        }
    ]


def test_an_instance_without_protection_or_user_data_reports_them_off_and_empty(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    instance_id = ec2.run_instances(ImageId=an_ami(ec2), MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]

    outcome = scan([REGION], ["aws_instance"])[("aws_instance", REGION)]

    attributes = observed(outcome)[instance_id].attributes
    assert attributes["disable_api_termination"] is False
    assert attributes["disable_api_stop"] is False
    assert attributes["user_data"] == ""
    assert attributes["metadata_options"][0]["http_tokens"] == "optional"


def test_root_volumes_of_all_instances_are_read_in_one_batched_call(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2 = boto("ec2")
    instances = ec2.run_instances(ImageId=an_ami(ec2), MinCount=3, MaxCount=3)["Instances"]
    volumes = sorted(
        m["Ebs"]["VolumeId"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        for m in i["BlockDeviceMappings"]
    )

    with recorded_aws(monkeypatch, upstream=aws) as counted:
        outcome = scan([REGION], ["aws_instance"])[("aws_instance", REGION)]

    resources = observed(outcome)
    assert set(resources) == {i["InstanceId"] for i in instances}
    assert all(r.attributes["root_block_device"] for r in resources.values())
    calls = counted.calls()
    assert calls["DescribeVolumes"] == 1
    assert calls["DescribeInstanceAttribute"] == 3 * 3
    (lookup,) = counted.params_of("DescribeVolumes")
    assert lookup["Filter.1.Name"] == ["volume-id"]
    assert sorted(v[0] for k, v in lookup.items() if k.startswith("Filter.1.Value.")) == volumes


# DescribeInstances: two instances, one of which is terminated before its attributes are read.
INSTANCES = f"""<reservationSet><item>
  <reservationId>r-0a1b2c3d4e5f60718</reservationId><ownerId>{ACCOUNT}</ownerId>
  <instancesSet>
    <item><instanceId>i-0aaaaaaaaaaaaaaa1</instanceId><imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <instanceType>t3.micro</instanceType><rootDeviceType>ebs</rootDeviceType>
      <rootDeviceName>/dev/xvda</rootDeviceName>
      <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>
        <volumeId>vol-0aaaaaaaaaaaaaaa1</volumeId><status>attached</status>
        <deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>
      <placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>
    </item>
    <item><instanceId>i-0bbbbbbbbbbbbbbb2</instanceId><imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <instanceType>t3.micro</instanceType><rootDeviceType>ebs</rootDeviceType>
      <rootDeviceName>/dev/xvda</rootDeviceName>
      <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>
        <volumeId>vol-0bbbbbbbbbbbbbbb2</volumeId><status>attached</status>
        <deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>
      <placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>
    </item>
  </instancesSet>
</item></reservationSet>"""

VOLUMES = """<volumeSet><item><volumeId>vol-0aaaaaaaaaaaaaaa1</volumeId><size>8</size>
  <availabilityZone>us-east-1a</availabilityZone><status>in-use</status>
  <volumeType>gp3</volumeType><iops>3000</iops><throughput>125</throughput>
  <encrypted>false</encrypted><tagSet/></item></volumeSet>"""


def instance_attribute(params: Params) -> str | tuple[int, str]:
    instance = params["InstanceId"][0]
    if instance == "i-0bbbbbbbbbbbbbbb2":
        return 400, ec2_error(
            "InvalidInstanceID.NotFound", f"The instance ID '{instance}' does not exist"
        )
    attribute = params["Attribute"][0]
    element = {
        "disableApiTermination": (
            "<disableApiTermination><value>false</value></disableApiTermination>"
        ),
        "disableApiStop": "<disableApiStop><value>false</value></disableApiStop>",
        "userData": "<userData/>",
    }[attribute]
    return ec2_response(
        "DescribeInstanceAttribute", f"<instanceId>{instance}</instanceId>{element}"
    )


def test_an_instance_terminated_between_listing_and_attribute_reads_is_left_out(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {
        "DescribeInstances": ec2_response("DescribeInstances", INSTANCES),
        "DescribeInstanceAttribute": instance_attribute,
        "DescribeVolumes": ec2_response("DescribeVolumes", VOLUMES),
    }
    with recorded_aws(monkeypatch, answers):
        outcome = scan([REGION], ["aws_instance"])[("aws_instance", REGION)]

    resources = observed(outcome)
    assert set(resources) == {"i-0aaaaaaaaaaaaaaa1"}
    root = resources["i-0aaaaaaaaaaaaaaa1"].attributes["root_block_device"][0]
    assert (root["volume_type"], root["iops"], root["throughput"]) == ("gp3", 3000, 125)


# --- VPCs -------------------------------------------------------------------------------------


def test_vpcs_report_their_default_objects_and_whether_they_are_the_default(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc_id = vpc["VpcId"]
    ipv6 = vpc["Ipv6CidrBlockAssociationSet"][0]

    def default_of(operation: str, key: str, id_key: str, name: str, value: str) -> str:
        items = getattr(ec2, operation)(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": name, "Values": [value]}]
        )[key]
        found: str = items[0][id_key]
        return found

    main = default_of(
        "describe_route_tables", "RouteTables", "RouteTableId", "association.main", "true"
    )
    group = default_of(
        "describe_security_groups", "SecurityGroups", "GroupId", "group-name", "default"
    )
    acl = default_of("describe_network_acls", "NetworkAcls", "NetworkAclId", "default", "true")

    outcome = scan([REGION], ["aws_vpc"])[("aws_vpc", REGION)]

    vpcs = observed(outcome)
    assert vpcs[vpc_id].attributes == {
        "id": vpc_id,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc_id}",
        "cidr_block": "10.0.0.0/16",
        "instance_tenancy": "default",
        "enable_dns_support": True,
        "enable_dns_hostnames": False,
        "enable_network_address_usage_metrics": False,
        "dhcp_options_id": vpc["DhcpOptionsId"],
        "owner_id": ACCOUNT,
        "assign_generated_ipv6_cidr_block": True,
        "ipv6_cidr_block": ipv6["Ipv6CidrBlock"],
        "ipv6_association_id": ipv6["AssociationId"],
        "ipv6_cidr_block_network_border_group": "",
        "main_route_table_id": main,
        "default_route_table_id": main,
        "default_security_group_id": group,
        "default_network_acl_id": acl,
        "tags": {},
        "default": False,
    }
    assert vpcs[vpc_id].is_default is False
    default_vpc = next(r for r in vpcs.values() if r.id != vpc_id)
    assert default_vpc.attributes["default"] is True
    assert default_vpc.is_default


# --- security group rules ---------------------------------------------------------------------


def seed_groups(ec2: Any) -> tuple[str, str, str, str]:
    vpc_id = new_vpc(ec2)
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)["GroupId"]
    lb = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc_id)["GroupId"]
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="offices", MaxEntries=5, AddressFamily="IPv4"
    )["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "10.1.0.0/16"}],
                "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
                "PrefixListIds": [{"PrefixListId": prefix_list}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": web}, {"GroupId": lb, "Description": "from lb"}],
            },
            {
                "IpProtocol": "icmp",
                "FromPort": -1,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ping"}],
            },
        ],
    )
    return vpc_id, web, lb, prefix_list


def test_security_group_rules_are_listed_one_per_source_with_terraform_ids(boto: Boto) -> None:
    ec2 = boto("ec2")
    _, web, lb, prefix_list = seed_groups(ec2)

    outcome = scan([REGION], ["aws_security_group_rule"])[("aws_security_group_rule", REGION)]

    rules = {
        id_: r.attributes
        for id_, r in observed(outcome).items()
        if r.attributes["security_group_id"] == web
    }
    https = {"protocol": "tcp", "from_port": 443, "to_port": 443}
    expected = [
        rule_unit(web, "ingress", **https, cidr_blocks=["10.0.0.0/16"]),
        rule_unit(web, "ingress", **https, cidr_blocks=["10.1.0.0/16"]),
        rule_unit(web, "ingress", **https, ipv6_cidr_blocks=["2001:db8::/32"]),
        rule_unit(web, "ingress", **https, prefix_list_ids=[prefix_list]),
        rule_unit(
            web,
            "ingress",
            protocol="tcp",
            from_port=8080,
            to_port=8080,
            source_security_group_id=web,
            self=True,
        ),
        rule_unit(
            web,
            "ingress",
            protocol="tcp",
            from_port=8080,
            to_port=8080,
            source_security_group_id=lb,
            description="from lb",
        ),
        rule_unit(
            web,
            "ingress",
            protocol="icmp",
            from_port=-1,
            to_port=-1,
            cidr_blocks=["10.0.0.0/8"],
            description="ping",
        ),
        rule_unit(web, "egress", cidr_blocks=["0.0.0.0/0"]),
    ]
    assert rules == {unit["id"]: unit for unit in expected}
    # SecurityGroupRuleCreateID's text: group, ports above 0, protocol, type, sources.
    text = f"{web}-443-443-tcp-ingress-10.0.0.0/16-"
    assert f"sgrule-{zlib.crc32(text.encode())}" in rules


def test_the_rules_of_every_default_security_group_are_flagged_as_cloud_created(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    vpc_id, web, _, _ = seed_groups(ec2)
    default_group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    # AWS gives every default group "all traffic from itself" (moto leaves it out).
    ec2.authorize_security_group_ingress(
        GroupId=default_group,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default_group}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
        ],
    )

    outcome = scan([REGION], ["aws_security_group_rule"])[("aws_security_group_rule", REGION)]

    rules = observed(outcome)
    self_rule = rule_unit(
        default_group, "ingress", source_security_group_id=default_group, self=True
    )
    ssh = rule_unit(
        default_group,
        "ingress",
        protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_blocks=["10.0.0.0/8"],
    )
    egress = rule_unit(default_group, "egress", cidr_blocks=["0.0.0.0/0"])
    assert rules[self_rule["id"]].is_default
    assert rules[egress["id"]].is_default
    assert rules[ssh["id"]].is_default is False
    # The same allow-all egress of a group users created is theirs.
    assert rules[rule_unit(web, "egress", cidr_blocks=["0.0.0.0/0"])["id"]].is_default is False


TYPES_OF_GROUPS = ["aws_security_group", "aws_security_group_rule"]


def inline(**fields: Any) -> dict[str, Any]:
    """An ingress/egress block of ``aws_security_group`` as the state stores it."""
    return {
        "from_port": 0,
        "to_port": 0,
        "protocol": "-1",
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
        "description": "",
        **fields,
    }


def test_live_rules_are_claimed_by_the_groups_and_rule_resources_that_manage_them(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "10.1.0.0/16"}],
            }
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": web, "Description": "from web"}],
            }
        ],
    )
    group = {"vpc_id": vpc_id, "owner_id": ACCOUNT, "tags": {}}
    allow_all = [inline(cidr_blocks=["0.0.0.0/0"])]
    state = [
        state_resource(
            "aws_security_group",
            "web",
            {
                **group,
                "id": web,
                "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{web}",
                "name": "web",
                "description": "web",
                "ingress": [
                    inline(
                        protocol="tcp",
                        from_port=443,
                        to_port=443,
                        cidr_blocks=["10.0.0.0/16", "10.1.0.0/16"],
                    )
                ],
                "egress": allow_all,
            },
        ),
        state_resource(
            "aws_security_group",
            "db",
            {
                **group,
                "id": db,
                "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{db}",
                "name": "db",
                "description": "db",
                "ingress": [],
                "egress": allow_all,
            },
        ),
        state_resource(
            "aws_security_group_rule",
            "db_from_web",
            {
                "id": "sgrule-1",
                "security_group_id": db,
                "type": "ingress",
                "protocol": "tcp",
                "from_port": 5432,
                "to_port": 5432,
                "cidr_blocks": [],
                "ipv6_cidr_blocks": [],
                "prefix_list_ids": [],
                "source_security_group_id": web,
                "self": False,
                "description": "from web",
            },
        ),
    ]

    scope = DriftScope(providers=["aws"], regions=[REGION])

    in_sync = detect_drift(state, scan([REGION], TYPES_OF_GROUPS).values(), scope)

    assert in_sync.items == []
    assert in_sync.summary.in_sync == 3

    # A rule added by hand to a managed group is that group's drift, not an unmanaged rule.
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )

    drifted = detect_drift(state, scan([REGION], TYPES_OF_GROUPS).values(), scope)

    assert [(i.kind, i.type, i.id) for i in drifted.items] == [
        ("modified", "aws_security_group", web)
    ]
    assert [c.path for c in drifted.items[0].changes] == ["ingress"]


# DescribeSecurityGroups: a rule whose source is a group of a peered VPC in another account.
PEERED = "sg-0fedcba9876543210"
GROUP = "sg-0a1b2c3d4e5f60718"
SECURITY_GROUPS = f"""<securityGroupInfo><item>
  <ownerId>{ACCOUNT}</ownerId><groupId>{GROUP}</groupId><groupName>app</groupName>
  <groupDescription>app servers</groupDescription><vpcId>vpc-0c5a3e1f2b4d6a8e0</vpcId>
  <securityGroupArn>arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{GROUP}</securityGroupArn>
  <ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort>
    <groups><item><userId>210987654321</userId><groupId>{PEERED}</groupId>
      <vpcId>vpc-0aaaaaaaaaaaaaaa1</vpcId>
      <vpcPeeringConnectionId>pcx-0a1b2c3d4e5f60718</vpcPeeringConnectionId>
      <peeringStatus>active</peeringStatus><description>partner proxies</description>
    </item></groups>
    <ipRanges/><ipv6Ranges/><prefixListIds/></item></ipPermissions>
  <ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/>
    <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/>
  </item></ipPermissionsEgress>
  <tagSet/>
</item></securityGroupInfo>"""


def security_groups(params: Params) -> str:
    # The shared default-object lookups ask with filters; no group here is a default one.
    body = "<securityGroupInfo/>" if "Filter.1.Name" in params else SECURITY_GROUPS
    return ec2_response("DescribeSecurityGroups", body)


def test_a_rule_referencing_another_accounts_group_names_that_group_alone(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {
        "DescribeSecurityGroups": security_groups,
        "DescribeVpcs": ec2_response("DescribeVpcs", "<vpcSet/>"),
        "DescribeNetworkAcls": ec2_response("DescribeNetworkAcls", "<networkAclSet/>"),
        "DescribeRouteTables": ec2_response("DescribeRouteTables", "<routeTableSet/>"),
    }
    with recorded_aws(monkeypatch, answers):
        outcomes = scan([REGION], ["aws_security_group", "aws_security_group_rule"])

    rules = observed(outcomes[("aws_security_group_rule", REGION)])
    peered = rule_unit(
        GROUP,
        "ingress",
        protocol="tcp",
        from_port=443,
        to_port=443,
        source_security_group_id=PEERED,
        description="partner proxies",
    )
    assert rules[peered["id"]].attributes == peered
    # The group's inline rule writes it as Terraform does: owner/group.
    group = observed(outcomes[("aws_security_group", REGION)])[GROUP]
    assert group.attributes["ingress"][0]["security_groups"] == [f"210987654321/{PEERED}"]


# --- Elastic IPs, volumes, key pairs, launch templates ----------------------------------------


def test_elastic_ips_are_listed_with_their_association(boto: Boto) -> None:
    ec2 = boto("ec2")
    subnet_id = ec2.create_subnet(VpcId=new_vpc(ec2), CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    instance_id = ec2.run_instances(
        ImageId=an_ami(ec2), MinCount=1, MaxCount=1, SubnetId=subnet_id
    )["Instances"][0]["InstanceId"]
    used = ec2.allocate_address(Domain="vpc")
    association = ec2.associate_address(AllocationId=used["AllocationId"], InstanceId=instance_id)
    spare = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[
            {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "spare"}]}
        ],
    )
    address = ec2.describe_addresses(AllocationIds=[used["AllocationId"]])["Addresses"][0]

    outcome = scan([REGION], ["aws_eip"])[("aws_eip", REGION)]

    eips = observed(outcome)
    private_ip = address["PrivateIpAddress"]
    public_ip = used["PublicIp"]
    assert eips[used["AllocationId"]].attributes == {
        "id": used["AllocationId"],
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:elastic-ip/{used['AllocationId']}",
        "allocation_id": used["AllocationId"],
        "association_id": association["AssociationId"],
        "associate_with_private_ip": private_ip,
        "carrier_ip": "",
        "customer_owned_ip": "",
        "customer_owned_ipv4_pool": "",
        "domain": "vpc",
        "instance": instance_id,
        "network_border_group": "",
        "network_interface": address["NetworkInterfaceId"],
        "private_ip": private_ip,
        "private_dns": f"ip-{private_ip.replace('.', '-')}.ec2.internal",
        "public_ip": public_ip,
        "public_dns": f"ec2-{public_ip.replace('.', '-')}.compute-1.amazonaws.com",
        "public_ipv4_pool": "",
        "vpc": True,
        "tags": {},
    }
    unused = eips[spare["AllocationId"]].attributes
    assert (unused["instance"], unused["network_interface"], unused["private_ip"]) == ("", "", "")
    assert unused["tags"] == {"Name": "spare"}


def test_ebs_volumes_are_listed_with_every_provider_attribute(boto: Boto) -> None:
    ec2, kms = boto("ec2"), boto("kms")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    source = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=source)["SnapshotId"]
    volume_id = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=20,
        VolumeType="gp3",
        Iops=4000,
        Throughput=250,
        Encrypted=True,
        KmsKeyId=key_arn,
        SnapshotId=snapshot,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}],
    )["VolumeId"]

    outcome = scan([REGION], ["aws_ebs_volume"])[("aws_ebs_volume", REGION)]

    volume = observed(outcome)[volume_id]
    assert not volume.is_default
    assert volume.attributes == {
        "id": volume_id,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}",
        "availability_zone": "us-east-1a",
        "encrypted": True,
        "iops": 4000,
        "kms_key_id": key_arn,
        "multi_attach_enabled": False,
        "outpost_arn": "",
        "size": 20,
        "snapshot_id": snapshot,
        "throughput": 250,
        "type": "gp3",
        "tags": {"Name": "data"},
        "attachments": [],
    }


@pytest.mark.parametrize("instance_managed", [True, False], ids=["managed", "unmanaged"])
def test_an_instances_root_volume_is_part_of_the_instance_never_a_finding(
    boto: Boto, instance_managed: bool
) -> None:
    ec2 = boto("ec2")
    instance = ec2.run_instances(ImageId=an_ami(ec2), MinCount=1, MaxCount=1)["Instances"][0]
    instance_id = instance["InstanceId"]
    root = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0][
        "BlockDeviceMappings"
    ][0]["Ebs"]["VolumeId"]
    data = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"], Size=5)[
        "VolumeId"
    ]
    ec2.attach_volume(VolumeId=data, InstanceId=instance_id, Device="/dev/sdf")

    outcomes = scan([REGION], ["aws_ebs_volume", "aws_instance"])

    volumes = observed(outcomes[("aws_ebs_volume", REGION)])
    assert volumes[root].attributes["attachments"][0]["root"] is True
    assert volumes[data].attributes["attachments"][0]["root"] is False
    instances = observed(outcomes[("aws_instance", REGION)])
    assert instances[instance_id].attributes["root_block_device"][0]["volume_id"] == root
    state = [state_resource("aws_instance", "web", {"id": instance_id})] if instance_managed else []
    findings = detect_drift(
        state, outcomes.values(), DriftScope(providers=["aws"], regions=[REGION])
    ).items
    unmanaged = {(i.type, i.id) for i in findings if i.kind == "unmanaged"}
    # The volume attached later is a volume of its own (an aws_ebs_volume + attachment).
    assert ("aws_ebs_volume", data) in unmanaged
    assert ("aws_ebs_volume", root) not in unmanaged
    assert (("aws_instance", instance_id) in unmanaged) is not instance_managed


def test_key_pairs_are_keyed_by_name(boto: Boto) -> None:
    ec2 = boto("ec2")
    imported = ec2.import_key_pair(
        KeyName="deployer",
        PublicKeyMaterial=PUBLIC_KEY.encode(),
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "ops"}]}],
    )
    generated = "ci-20240501100000000000000001"  # a name_prefix + Terraform's unique suffix
    ec2.create_key_pair(KeyName=generated)

    outcome = scan([REGION], ["aws_key_pair"])[("aws_key_pair", REGION)]

    keys = observed(outcome)
    assert set(keys) == {"deployer", generated}
    deployer = keys["deployer"].attributes
    assert deployer == {
        "id": "deployer",
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:key-pair/deployer",
        "key_name": "deployer",
        "key_name_prefix": "",
        "key_pair_id": imported["KeyPairId"],
        "key_type": deployer["key_type"],
        "fingerprint": imported["KeyFingerprint"],
        "public_key": deployer["public_key"],
        "tags": {"team": "ops"},
    }
    assert deployer["public_key"].split()[:2] == PUBLIC_KEY.split()[:2]
    assert keys[generated].attributes["key_name_prefix"] == "ci-"


def test_launch_templates_report_their_latest_version(boto: Boto) -> None:
    ec2 = boto("ec2")
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=new_vpc(ec2))[
        "GroupId"
    ]
    ami = an_ami(ec2)
    template = ec2.create_launch_template(
        LaunchTemplateName="web",
        VersionDescription="first",
        LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.micro"},
        TagSpecifications=[
            {"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "web"}]}
        ],
    )["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    user_data = base64.b64encode(SCRIPT.encode()).decode()
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id,
        VersionDescription="second",
        LaunchTemplateData={
            "ImageId": ami,
            "InstanceType": "t3.small",
            "KeyName": "deployer",
            "UserData": user_data,
            "SecurityGroupIds": [group],
            "EbsOptimized": True,
            "DisableApiTermination": True,
            "IamInstanceProfile": {"Name": "web"},
            "Monitoring": {"Enabled": True},
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "Encrypted": True}}
            ],
            "NetworkInterfaces": [
                {"DeviceIndex": 0, "AssociatePublicIpAddress": True, "Groups": [group]}
            ],
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}
            ],
        },
    )

    outcome = scan([REGION], ["aws_launch_template"])[("aws_launch_template", REGION)]

    attributes = observed(outcome)[template_id].attributes
    assert attributes["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:launch-template/{template_id}"
    assert (attributes["name"], attributes["name_prefix"]) == ("web", "")
    assert (attributes["default_version"], attributes["latest_version"]) == (1, 2)
    # The provider reads the latest version.
    assert attributes["description"] == "second"
    assert attributes["instance_type"] == "t3.small"
    assert attributes["image_id"] == ami
    assert attributes["key_name"] == "deployer"
    assert attributes["user_data"] == user_data
    assert attributes["vpc_security_group_ids"] == [group]
    assert attributes["security_group_names"] == []
    assert attributes["ebs_optimized"] == "true"
    assert attributes["disable_api_termination"] is True
    assert attributes["disable_api_stop"] is False
    assert attributes["iam_instance_profile"] == [{"arn": "", "name": "web"}]
    assert attributes["monitoring"] == [{"enabled": True}]
    assert attributes["metadata_options"] == [
        {
            "http_endpoint": "",
            "http_protocol_ipv6": "",
            "http_put_response_hop_limit": 2,
            "http_tokens": "required",
            "instance_metadata_tags": "",
        }
    ]
    assert attributes["block_device_mappings"] == [
        {
            "device_name": "/dev/xvda",
            "ebs": [
                {
                    "delete_on_termination": "",
                    "encrypted": "true",
                    "iops": 0,
                    "kms_key_id": "",
                    "snapshot_id": "",
                    "throughput": 0,
                    "volume_size": 30,
                    "volume_type": "",
                }
            ],
            "no_device": "",
            "virtual_name": "",
        }
    ]
    interface = attributes["network_interfaces"][0]
    assert interface["associate_public_ip_address"] == "true"
    assert interface["delete_on_termination"] == ""
    assert interface["device_index"] == 0
    assert interface["security_groups"] == [group]
    assert attributes["tag_specifications"] == [
        {"resource_type": "instance", "tags": {"Name": "web"}}
    ]
    assert attributes["placement"] == []
    assert attributes["cpu_options"] == []
    assert attributes["tags"] == {"team": "web"}
