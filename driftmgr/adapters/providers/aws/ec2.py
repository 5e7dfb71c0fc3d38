"""EC2 and VPC: instances, VPCs, security groups."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.aws.mapping import partition, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("aws_instance", "ec2")
async def list_instances(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    instances: list[tuple[str, Response]] = []
    async for page in scan.pages(
        ec2,
        "describe_instances",
        # Terminated and shutting-down instances are gone as far as Terraform is concerned.
        Filters=[
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}
        ],
        PaginationConfig={"PageSize": 1000},
    ):
        for reservation in page.get("Reservations", []):
            owner = reservation.get("OwnerId", "")
            instances.extend((owner, i) for i in reservation.get("Instances", []))
    account = await scan.account()
    return [
        _instance_resource(instance, owner or account or "", region, account)
        for owner, instance in instances
        if instance.get("State", {}).get("Name") not in ("terminated", "shutting-down")
    ]


@enumerator("aws_vpc", "ec2")
async def list_vpcs(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    vpcs: list[Response] = []
    async for page in scan.pages(ec2, "describe_vpcs", PaginationConfig={"PageSize": 1000}):
        vpcs.extend(page.get("Vpcs", []))

    async def dns_flags(vpc_id: str) -> tuple[bool, bool]:
        support, hostnames = await gather(
            scan.call(ec2, "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute)
            for attribute in ("enableDnsSupport", "enableDnsHostnames")
        )
        return (
            bool(support.get("EnableDnsSupport", {}).get("Value", False)),
            bool(hostnames.get("EnableDnsHostnames", {}).get("Value", False)),
        )

    flags = await gather(dns_flags(vpc["VpcId"]) for vpc in vpcs)
    account = await scan.account()
    return [
        _vpc_resource(vpc, support, hostnames, region, account)
        for vpc, (support, hostnames) in zip(vpcs, flags, strict=True)
    ]


@enumerator("aws_security_group", "ec2")
async def list_security_groups(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    groups: list[Response] = []
    async for page in scan.pages(
        ec2, "describe_security_groups", PaginationConfig={"PageSize": 1000}
    ):
        groups.extend(page.get("SecurityGroups", []))
    account = await scan.account()
    return [_security_group_resource(group, region, account) for group in groups]


def _instance_resource(
    instance: Response, owner: str, region: str, account: str | None
) -> LiveResource:
    instance_id: str = instance["InstanceId"]
    placement = instance.get("Placement", {})
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn", "")
    interfaces = instance.get("NetworkInterfaces", [])
    primary = [i for i in interfaces if i.get("Attachment", {}).get("DeviceIndex") == 0]
    attributes = {
        "id": instance_id,
        "arn": f"arn:{partition(region)}:ec2:{region}:{owner}:instance/{instance_id}",
        "ami": instance.get("ImageId", ""),
        "instance_type": instance.get("InstanceType", ""),
        "availability_zone": placement.get("AvailabilityZone", ""),
        "placement_group": placement.get("GroupName", ""),
        "tenancy": placement.get("Tenancy", ""),
        "subnet_id": instance.get("SubnetId", ""),
        "vpc_security_group_ids": sorted(g["GroupId"] for g in instance.get("SecurityGroups", [])),
        "key_name": instance.get("KeyName", ""),
        "private_ip": instance.get("PrivateIpAddress", ""),
        "public_ip": instance.get("PublicIpAddress", ""),
        "private_dns": instance.get("PrivateDnsName", ""),
        "public_dns": instance.get("PublicDnsName", ""),
        "primary_network_interface_id": primary[0]["NetworkInterfaceId"] if primary else "",
        "monitoring": instance.get("Monitoring", {}).get("State") == "enabled",
        "ebs_optimized": bool(instance.get("EbsOptimized", False)),
        # AWS omits it only outside a VPC, where it cannot be turned off.
        "source_dest_check": bool(instance.get("SourceDestCheck", True)),
        # Terraform stores the profile name; the API gives the ARN (path included).
        "iam_instance_profile": profile_arn.rsplit("/", 1)[-1] if profile_arn else "",
        "instance_state": instance.get("State", {}).get("Name", ""),
        "tags": tags(instance.get("Tags")),
    }
    return resource("aws_instance", instance_id, region, account, attributes)


def _vpc_resource(
    vpc: Response,
    enable_dns_support: bool,
    enable_dns_hostnames: bool,
    region: str,
    account: str | None,
) -> LiveResource:
    vpc_id: str = vpc["VpcId"]
    owner = vpc.get("OwnerId", account or "")
    ipv6 = [
        a
        for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
    ]
    attributes = {
        "id": vpc_id,
        "arn": f"arn:{partition(region)}:ec2:{region}:{owner}:vpc/{vpc_id}",
        "cidr_block": vpc.get("CidrBlock", ""),
        "instance_tenancy": vpc.get("InstanceTenancy", ""),
        "enable_dns_support": enable_dns_support,
        "enable_dns_hostnames": enable_dns_hostnames,
        "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
        "owner_id": owner,
        "ipv6_cidr_block": ipv6[0].get("Ipv6CidrBlock", "") if ipv6 else "",
        "ipv6_association_id": ipv6[0].get("AssociationId", "") if ipv6 else "",
        "tags": tags(vpc.get("Tags")),
    }
    return resource(
        "aws_vpc", vpc_id, region, account, attributes, is_default=bool(vpc.get("IsDefault"))
    )


def _security_group_resource(group: Response, region: str, account: str | None) -> LiveResource:
    group_id: str = group["GroupId"]
    owner = group.get("OwnerId", account or "")
    arn = group.get("SecurityGroupArn") or (
        f"arn:{partition(region)}:ec2:{region}:{owner}:security-group/{group_id}"
    )
    attributes = {
        "id": group_id,
        "arn": arn,
        "name": group.get("GroupName", ""),
        "description": group.get("Description", ""),
        "vpc_id": group.get("VpcId", ""),
        "owner_id": owner,
        "ingress": _flatten_rules(group.get("IpPermissions", []), group_id, owner),
        "egress": _flatten_rules(group.get("IpPermissionsEgress", []), group_id, owner),
        "tags": tags(group.get("Tags")),
    }
    return resource(
        "aws_security_group",
        group_id,
        region,
        account,
        attributes,
        is_default=group.get("GroupName") == "default",
    )


_RULE_LISTS = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups")

# AWS echoes protocol numbers for these when a rule was created with the number.
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}


def _flatten_rules(
    permissions: list[Response], group_id: str, owner_id: str
) -> list[dict[str, Any]]:
    """Flatten IpPermissions into Terraform's ``ingress``/``egress`` rule set.

    As terraform-provider-aws does: sources that share protocol, ports and description form
    one rule, even across permissions; a pair naming the group itself becomes ``self``.
    """
    rules: dict[tuple[str, int, int, str], dict[str, Any]] = {}

    def rule(permission: Response, description: str | None) -> dict[str, Any]:
        raw = str(permission.get("IpProtocol", "-1")).lower()
        protocol = _PROTOCOL_NAMES.get(raw, raw)
        if protocol == "-1":  # all protocols: AWS omits the ports, Terraform says 0/0
            from_port = to_port = 0
        else:
            from_port = int(permission.get("FromPort", 0))
            to_port = int(permission.get("ToPort", 0))
        key = (protocol, from_port, to_port, description or "")
        if key not in rules:
            rules[key] = {
                "from_port": from_port,
                "to_port": to_port,
                "protocol": protocol,
                **{name: [] for name in _RULE_LISTS},
                "self": False,
                "description": description or "",
            }
        return rules[key]

    for permission in permissions:
        for ip in permission.get("IpRanges", []):
            rule(permission, ip.get("Description"))["cidr_blocks"].append(ip["CidrIp"])
        for ip in permission.get("Ipv6Ranges", []):
            rule(permission, ip.get("Description"))["ipv6_cidr_blocks"].append(ip["CidrIpv6"])
        for prefix in permission.get("PrefixListIds", []):
            rule(permission, prefix.get("Description"))["prefix_list_ids"].append(
                prefix["PrefixListId"]
            )
        for pair in permission.get("UserIdGroupPairs", []):
            target = rule(permission, pair.get("Description"))
            if pair.get("GroupId") == group_id:
                target["self"] = True
            else:
                target["security_groups"].append(_group_reference(pair, owner_id))

    for flattened in rules.values():
        for name in _RULE_LISTS:
            flattened[name] = sorted(set(flattened[name]))
    return sorted(rules.values(), key=_rule_order)


def _group_reference(pair: Response, owner_id: str) -> str:
    """A group of another account is written ``account/sg-…``, as Terraform stores it."""
    group_id = str(pair.get("GroupId", ""))
    user_id = pair.get("UserId")
    return f"{user_id}/{group_id}" if user_id and user_id != owner_id else group_id


def _rule_order(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (
        rule["protocol"],
        rule["from_port"],
        rule["to_port"],
        rule["description"],
        *(rule[name] for name in _RULE_LISTS),
        rule["self"],
    )
