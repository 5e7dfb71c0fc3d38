"""EC2: instances, VPCs, security groups and their rules, Elastic IPs, EBS volumes, key
pairs and launch templates.

Every type is mapped as terraform-provider-aws 5.x reads it: attribute names and shapes
are the provider's, every observed attribute is present (empty when empty), sets are
sorted lists, tags plain dicts. Per-object sub-calls (instance attributes, VPC attributes)
go through :meth:`Scan.call` and so are rate-limited and bounded by the scan's resilience
layer; lookups that can be batched are (one ``DescribeVolumes`` per 200 root volumes, one
``DescribeLaunchTemplateVersions`` listing for every template's latest version).

What moto 5.2 cannot serve, and is therefore tested against recorded responses instead
(``tests/integration/providers/aws/test_ec2.py``):

* a security group rule that references another account's group (moto rejects groups it
  does not know);
* an instance terminated between the listing and its attribute reads.

moto also differs from AWS in ways the moto tests work around: ``RunInstances`` ignores
``DisableApiTermination`` (``ModifyInstanceAttribute`` works), and a default security group
has no "all traffic from itself" ingress rule until one is added.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.ec2_network import (
    NetworkFacts,
    arn,
    chunks,
    collect,
    live,
    network_facts,
    sorted_members,
)
from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import CloudContext
from driftmgr.domain.drift.identity import protocol_for_value, security_group_rule_id
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

#: The provider's ``IgnoreAWS``: tag keys AWS reserves never reach the state.
_AWS_TAG_PREFIX = "aws:"

#: ``create.NamePrefixFromName``: a generated name ends with a 26-hex-digit unique id.
_GENERATED_SUFFIX = re.compile(r"[0-9a-fA-F]{26}$")

_GONE_INSTANCE = "InvalidInstanceID.NotFound"


def _name_prefix(name: str) -> str:
    return name[:-26] if _GENERATED_SUFFIX.search(name) else ""


def _user_tags(tag_list: list[dict[str, Any]] | None) -> dict[str, str]:
    """Tags of a nested block (a root volume's), without the keys AWS reserves."""
    return {k: v for k, v in tags(tag_list).items() if not k.startswith(_AWS_TAG_PREFIX)}


# --- instances --------------------------------------------------------------------------------


class _InstanceAttributes(NamedTuple):
    """What ``DescribeInstanceAttribute`` adds to ``DescribeInstances``."""

    disable_api_termination: bool
    disable_api_stop: bool
    user_data: str
    """Base64, as the API returns it; the engine hashes it as the provider stores it."""


@enumerator("aws_instance", "ec2")
async def list_instances(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    instances = await _instances(scan, ec2, region)
    attributes = await gather(
        _instance_attributes(scan, ec2, str(i["InstanceId"])) for _, i in instances
    )
    root_ids = [m["Ebs"]["VolumeId"] for _, i in instances if (m := _root_mapping(i))]
    volumes = await _volumes_by_id(scan, ec2, root_ids)
    account = await scan.account()
    return [
        _instance_resource(instance, owner or account or "", region, account, extra, volumes)
        for (owner, instance), extra in zip(instances, attributes, strict=True)
        if extra is not None
    ]


async def _instances(scan: Scan, ec2: Any, region: str) -> list[tuple[str, Response]]:
    """(owner account, instance) of every live instance, listed once per scan and region
    (instances and EBS volumes both need them)."""

    async def listing() -> list[tuple[str, Response]]:
        instances: list[tuple[str, Response]] = []
        async for page in scan.pages(
            ec2,
            "describe_instances",
            # Terminated and shutting-down instances are gone as far as Terraform is concerned.
            Filters=[
                {
                    "Name": "instance-state-name",
                    "Values": ["pending", "running", "stopping", "stopped"],
                }
            ],
            PaginationConfig={"PageSize": 1000},
        ):
            for reservation in page.get("Reservations", []):
                owner = reservation.get("OwnerId", "")
                instances.extend(
                    (owner, i)
                    for i in reservation.get("Instances", [])
                    if i.get("State", {}).get("Name") not in ("terminated", "shutting-down")
                )
        return instances

    found: list[tuple[str, Response]] = await scan.shared(f"ec2:instances:{region}", listing)
    return found


async def _instance_attributes(
    scan: Scan, ec2: Any, instance_id: str
) -> _InstanceAttributes | None:
    """The three attributes ``DescribeInstances`` leaves out; None if the instance is gone."""
    try:
        termination, stop, user_data = await gather(
            scan.call(ec2, "describe_instance_attribute", InstanceId=instance_id, Attribute=name)
            for name in ("disableApiTermination", "disableApiStop", "userData")
        )
    except ClientError as exc:
        if error_code(exc) == _GONE_INSTANCE:  # terminated since the listing
            return None
        raise
    return _InstanceAttributes(
        disable_api_termination=bool(termination.get("DisableApiTermination", {}).get("Value")),
        disable_api_stop=bool(stop.get("DisableApiStop", {}).get("Value")),
        user_data=str(user_data.get("UserData", {}).get("Value") or ""),
    )


def _root_mapping(instance: Response) -> Response | None:
    """The EBS block device mapping of the root device (the provider's ``blockDeviceIsRoot``)."""
    root = instance.get("RootDeviceName")
    for mapping in instance.get("BlockDeviceMappings", []):
        if mapping.get("DeviceName") == root and mapping.get("Ebs", {}).get("VolumeId"):
            found: Response = mapping
            return found
    return None


async def _volumes_by_id(scan: Scan, ec2: Any, volume_ids: list[str]) -> dict[str, Response]:
    """The given volumes, one ``DescribeVolumes`` listing per 200 of them."""
    volumes: dict[str, Response] = {}
    for batch in chunks(sorted(set(volume_ids))):
        for volume in await collect(
            scan,
            ec2,
            "describe_volumes",
            "Volumes",
            Filters=[{"Name": "volume-id", "Values": batch}],
            PaginationConfig={"PageSize": 500},
        ):
            volumes[str(volume["VolumeId"])] = volume
    return volumes


def _instance_resource(
    instance: Response,
    owner: str,
    region: str,
    account: str | None,
    extra: _InstanceAttributes,
    volumes: dict[str, Response],
) -> LiveResource:
    instance_id: str = instance["InstanceId"]
    placement = instance.get("Placement", {})
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn", "")
    interfaces = instance.get("NetworkInterfaces", [])
    primary = [i for i in interfaces if i.get("Attachment", {}).get("DeviceIndex") == 0]
    attributes: dict[str, Any] = {
        "id": instance_id,
        "arn": arn(region, owner, "instance", instance_id),
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
        "disable_api_termination": extra.disable_api_termination,
        "disable_api_stop": extra.disable_api_stop,
        "user_data": extra.user_data,
        "metadata_options": _metadata_options(instance.get("MetadataOptions")),
        "tags": tags(instance.get("Tags")),
    }
    root = _root_mapping(instance)
    if root is None:
        attributes["root_block_device"] = []  # an instance-store root
    elif (volume := volumes.get(root["Ebs"]["VolumeId"])) is not None:
        attributes["root_block_device"] = [_root_block_device(root, volume)]
    # else: the volume went between the two listings - not observed, so not reported.
    return live("aws_instance", instance_id, region, account, attributes)


def _metadata_options(options: Response | None) -> list[dict[str, Any]]:
    if not options:
        return []
    return [
        {
            "http_endpoint": options.get("HttpEndpoint", ""),
            "http_protocol_ipv6": options.get("HttpProtocolIpv6", ""),
            "http_put_response_hop_limit": int(options.get("HttpPutResponseHopLimit", 0)),
            "http_tokens": options.get("HttpTokens", ""),
            "instance_metadata_tags": options.get("InstanceMetadataTags", ""),
        }
    ]


def _root_block_device(mapping: Response, volume: Response) -> dict[str, Any]:
    """``root_block_device[0]``: the mapping's device and deletion flag, the volume's rest."""
    volume_tags = _user_tags(volume.get("Tags"))
    return {
        "delete_on_termination": bool(mapping["Ebs"].get("DeleteOnTermination")),
        "device_name": mapping.get("DeviceName", ""),
        "encrypted": bool(volume.get("Encrypted")),
        "iops": int(volume.get("Iops", 0)),
        "kms_key_id": volume.get("KmsKeyId", ""),
        "tags": volume_tags,
        "tags_all": dict(volume_tags),
        "throughput": int(volume.get("Throughput", 0)),
        "volume_id": volume.get("VolumeId", ""),
        "volume_size": int(volume.get("Size", 0)),
        "volume_type": volume.get("VolumeType", ""),
    }


# --- VPCs -------------------------------------------------------------------------------------

#: VPC attribute (DescribeVpcAttribute's name) → Terraform attribute.
_VPC_FLAGS = {
    "enableDnsSupport": "enable_dns_support",
    "enableDnsHostnames": "enable_dns_hostnames",
    "enableNetworkAddressUsageMetrics": "enable_network_address_usage_metrics",
}
#: Not offered in every partition (GovCloud, China): there AWS answers UnsupportedOperation.
_OPTIONAL_VPC_FLAG = "enableNetworkAddressUsageMetrics"

#: The IPv6 pool of an Amazon-provided IPv6 block (``assign_generated_ipv6_cidr_block``).
_AMAZON_IPV6_POOL = "Amazon"


@enumerator("aws_vpc", "ec2")
async def list_vpcs(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    vpcs = await collect(scan, ec2, "describe_vpcs", "Vpcs", PaginationConfig={"PageSize": 1000})

    async def flag(vpc_id: str, attribute: str) -> dict[str, bool]:
        try:
            answer = await scan.call(
                ec2, "describe_vpc_attribute", VpcId=vpc_id, Attribute=attribute
            )
        except ClientError as exc:
            if attribute == _OPTIONAL_VPC_FLAG and error_code(exc) == "UnsupportedOperation":
                return {}  # not observed, so not reported
            raise
        value = answer.get(attribute[0].upper() + attribute[1:], {}).get("Value")
        return {_VPC_FLAGS[attribute]: bool(value)}

    async def flags(vpc_id: str) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for answer in await gather(flag(vpc_id, attribute) for attribute in _VPC_FLAGS):
            found.update(answer)
        return found

    vpc_flags = await gather(flags(vpc["VpcId"]) for vpc in vpcs)
    facts = await network_facts(scan, ec2, region)
    account = await scan.account()
    return [
        _vpc_resource(vpc, vpc_flag, facts, region, account)
        for vpc, vpc_flag in zip(vpcs, vpc_flags, strict=True)
    ]


def _vpc_resource(
    vpc: Response,
    flags: dict[str, bool],
    facts: NetworkFacts,
    region: str,
    account: str | None,
) -> LiveResource:
    vpc_id: str = vpc["VpcId"]
    owner = vpc.get("OwnerId") or account or ""
    ipv6: Response = next(
        (
            a
            for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
            if a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
        ),
        {},
    )
    main_route_table = facts.main_route_tables.get(vpc_id, "")
    attributes = {
        "id": vpc_id,
        "arn": arn(region, owner, "vpc", vpc_id),
        "cidr_block": vpc.get("CidrBlock", ""),
        "instance_tenancy": vpc.get("InstanceTenancy", ""),
        **flags,
        "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
        "owner_id": owner,
        "assign_generated_ipv6_cidr_block": ipv6.get("Ipv6Pool") == _AMAZON_IPV6_POOL,
        "ipv6_cidr_block": ipv6.get("Ipv6CidrBlock", ""),
        "ipv6_association_id": ipv6.get("AssociationId", ""),
        "ipv6_cidr_block_network_border_group": ipv6.get("NetworkBorderGroup", ""),
        "main_route_table_id": main_route_table,
        # The provider reads the main route table for both.
        "default_route_table_id": main_route_table,
        "default_security_group_id": facts.default_security_groups.get(vpc_id, ""),
        "default_network_acl_id": facts.default_network_acls.get(vpc_id, ""),
        "tags": tags(vpc.get("Tags")),
        # Data-source fact read by the default predicate (not a resource attribute).
        "default": bool(vpc.get("IsDefault")),
    }
    return live("aws_vpc", vpc_id, region, account, attributes, facts.context)


# --- security groups and their rules ---------------------------------------------------------


async def _security_groups(scan: Scan, ec2: Any, region: str) -> list[Response]:
    """Every group of the region, listed once per scan for groups and rules alike."""
    groups: list[Response] = await scan.shared(
        f"ec2:security-groups:{region}",
        lambda: collect(
            scan,
            ec2,
            "describe_security_groups",
            "SecurityGroups",
            PaginationConfig={"PageSize": 1000},
        ),
    )
    return groups


@enumerator("aws_security_group", "ec2")
async def list_security_groups(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    groups = await _security_groups(scan, ec2, region)
    account = await scan.account()
    return [_security_group_resource(group, region, account) for group in groups]


def _security_group_resource(group: Response, region: str, account: str | None) -> LiveResource:
    group_id: str = group["GroupId"]
    owner = group.get("OwnerId") or account or ""
    attributes = {
        "id": group_id,
        "arn": group.get("SecurityGroupArn") or arn(region, owner, "security-group", group_id),
        "name": group.get("GroupName", ""),
        "description": group.get("Description", ""),
        "vpc_id": group.get("VpcId", ""),
        "owner_id": owner,
        "ingress": _flatten_rules(group.get("IpPermissions", []), group_id, owner),
        "egress": _flatten_rules(group.get("IpPermissionsEgress", []), group_id, owner),
        "tags": tags(group.get("Tags")),
    }
    return live("aws_security_group", group_id, region, account, attributes)


_RULE_LISTS = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups")


def _protocol_and_ports(permission: Response) -> tuple[str, int, int]:
    """A permission's protocol as the provider stores it, and its ports (0/0 for all
    protocols, where AWS omits them)."""
    protocol = protocol_for_value(permission.get("IpProtocol", "-1"))
    if protocol == "-1":
        return protocol, 0, 0
    return protocol, int(permission.get("FromPort", 0)), int(permission.get("ToPort", 0))


def _flatten_rules(
    permissions: list[Response], group_id: str, owner_id: str
) -> list[dict[str, Any]]:
    """Flatten IpPermissions into Terraform's ``ingress``/``egress`` rule set.

    As terraform-provider-aws does: sources that share protocol, ports and description form
    one rule, even across permissions; a pair naming the group itself becomes ``self``.
    """
    rules: dict[tuple[str, int, int, str], dict[str, Any]] = {}

    def rule(permission: Response, description: str | None) -> dict[str, Any]:
        protocol, from_port, to_port = _protocol_and_ports(permission)
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


@enumerator("aws_security_group_rule", "ec2")
async def list_security_group_rules(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    groups = await _security_groups(scan, ec2, region)
    account = await scan.account()
    # Every VPC's default group is in this very listing: no need for the shared facts.
    context = CloudContext(
        default_security_group_ids=frozenset(
            str(g["GroupId"]) for g in groups if g.get("GroupName") == "default"
        )
    )
    return [
        rule
        for group in groups
        for rule in _security_group_rule_resources(group, region, account, context)
    ]


def _security_group_rule_resources(
    group: Response, region: str, account: str | None, context: CloudContext
) -> list[LiveResource]:
    """One ``aws_security_group_rule`` per rule and single source, as the provider imports it.

    Each CIDR, IPv6 CIDR, prefix list and source group of a permission is a rule of its own
    (as ``DescribeSecurityGroupRules`` lists them), with the provider's ``sgrule-…`` id for
    a one-source rule. A rule naming its own group is ``self`` with that group as
    ``source_security_group_id``; another account's group is its bare id, as the domain's
    split writes a state rule.
    """
    group_id: str = group["GroupId"]
    resources: list[LiveResource] = []
    for rule_type, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for permission in group.get(key, []):
            protocol, from_port, to_port = _protocol_and_ports(permission)
            sources: list[tuple[dict[str, Any], str]] = []
            sources += [
                ({"cidr_blocks": [ip["CidrIp"]]}, ip.get("Description", ""))
                for ip in permission.get("IpRanges", [])
            ]
            sources += [
                ({"ipv6_cidr_blocks": [ip["CidrIpv6"]]}, ip.get("Description", ""))
                for ip in permission.get("Ipv6Ranges", [])
            ]
            sources += [
                ({"prefix_list_ids": [p["PrefixListId"]]}, p.get("Description", ""))
                for p in permission.get("PrefixListIds", [])
            ]
            sources += [
                (
                    {
                        "source_security_group_id": str(pair["GroupId"]),
                        "self": pair["GroupId"] == group_id,
                    },
                    pair.get("Description", ""),
                )
                for pair in permission.get("UserIdGroupPairs", [])
                if pair.get("GroupId")
            ]
            for source, description in sources:
                attributes: dict[str, Any] = {
                    "security_group_id": group_id,
                    "type": rule_type,
                    "protocol": protocol,
                    "from_port": from_port,
                    "to_port": to_port,
                    "cidr_blocks": [],
                    "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [],
                    "source_security_group_id": "",
                    "self": False,
                    "description": description or "",
                    **source,
                }
                id_ = security_group_rule_id(
                    group_id,
                    rule_type,
                    protocol,
                    from_port,
                    to_port,
                    cidr_blocks=attributes["cidr_blocks"],
                    ipv6_cidr_blocks=attributes["ipv6_cidr_blocks"],
                    prefix_list_ids=attributes["prefix_list_ids"],
                    source_security_group_id=attributes["source_security_group_id"] or None,
                )
                attributes["id"] = id_
                resources.append(
                    live("aws_security_group_rule", id_, region, account, attributes, context)
                )
    return resources


# --- Elastic IPs ------------------------------------------------------------------------------


@enumerator("aws_eip", "ec2")
async def list_eips(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    # DescribeAddresses is not paginated: one answer holds every address of the region.
    answer = await scan.call(ec2, "describe_addresses")
    account = await scan.account()
    return [_eip_resource(address, region, account) for address in answer.get("Addresses", [])]


def _dash_ip(ip: str) -> str:
    return ip.replace(".", "-")


def _private_dns(ip: str, region: str) -> str:
    """The provider's ``EC2PrivateDNSNameForIP``."""
    if region == "us-east-1":
        return f"ip-{_dash_ip(ip)}.ec2.internal"
    return f"ip-{_dash_ip(ip)}.{region}.compute.internal"


def _public_dns(ip: str, region: str) -> str:
    """The provider's ``EC2PublicDNSNameForIP``."""
    suffix = "amazonaws.com.cn" if partition(region) == "aws-cn" else "amazonaws.com"
    if region == "us-east-1":
        return f"ec2-{_dash_ip(ip)}.compute-1.{suffix}"
    return f"ec2-{_dash_ip(ip)}.{region}.compute.{suffix}"


def _eip_resource(address: Response, region: str, account: str | None) -> LiveResource:
    public_ip = str(address.get("PublicIp", ""))
    private_ip = str(address.get("PrivateIpAddress", ""))
    allocation_id = str(address.get("AllocationId", ""))
    # Terraform's id is the allocation id; an EC2-Classic address only had its IP.
    eip_id = allocation_id or public_ip
    domain = str(address.get("Domain", ""))
    attributes = {
        "id": eip_id,
        "arn": arn(region, account or "", "elastic-ip", eip_id),
        "allocation_id": allocation_id,
        "association_id": address.get("AssociationId", ""),
        # What it is associated with, as `associate_with_private_ip` asks for.
        "associate_with_private_ip": private_ip,
        "carrier_ip": address.get("CarrierIp", ""),
        "customer_owned_ip": address.get("CustomerOwnedIp", ""),
        "customer_owned_ipv4_pool": address.get("CustomerOwnedIpv4Pool", ""),
        "domain": domain,
        "instance": address.get("InstanceId") or "",
        "network_border_group": address.get("NetworkBorderGroup", ""),
        "network_interface": address.get("NetworkInterfaceId") or "",
        "private_ip": private_ip,
        "private_dns": _private_dns(private_ip, region) if private_ip else "",
        "public_ip": public_ip,
        "public_dns": _public_dns(public_ip, region) if public_ip else "",
        "public_ipv4_pool": address.get("PublicIpv4Pool", ""),
        "vpc": domain == "vpc",
        "tags": tags(address.get("Tags")),
    }
    return live("aws_eip", eip_id, region, account, attributes)


# --- EBS volumes ------------------------------------------------------------------------------


@enumerator("aws_ebs_volume", "ec2")
async def list_ebs_volumes(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    """Every EBS volume, with its attachments: which instance, which device, whether it goes
    with the instance (``delete_on_termination``) and whether it is the instance's root.

    A volume made with its instance (the root volume, a launch-time block device) is that
    instance's: the drift rules make it the instance's child, never an unmanaged volume of its
    own. Once detached (its instance gone), it is a volume like any other.
    """
    volumes = await collect(
        scan, ec2, "describe_volumes", "Volumes", PaginationConfig={"PageSize": 500}
    )
    instances = await _instances(scan, ec2, region)
    roots = {
        (str(instance["InstanceId"]), str(instance["RootDeviceName"]))
        for _, instance in instances
        if instance.get("RootDeviceName")
    }
    # DescribeVolumes may leave DeleteOnTermination out (moto does); the instance's own
    # block device mappings always say it.
    going = {
        (str(instance["InstanceId"]), str(mapping["Ebs"].get("VolumeId", "")))
        for _, instance in instances
        for mapping in instance.get("BlockDeviceMappings", [])
        if isinstance(mapping.get("Ebs"), dict) and mapping["Ebs"].get("DeleteOnTermination")
    }
    account = await scan.account()
    return [
        _ebs_volume_resource(volume, region, account, roots, going)
        for volume in volumes
        if volume.get("State") != "deleted"
    ]


def _ebs_volume_resource(
    volume: Response,
    region: str,
    account: str | None,
    roots: set[tuple[str, str]],
    going: set[tuple[str, str]],
) -> LiveResource:
    volume_id: str = volume["VolumeId"]
    attachments = [
        {
            "instance_id": str(a.get("InstanceId", "")),
            "device_name": str(a.get("Device", "")),
            "delete_on_termination": bool(a.get("DeleteOnTermination"))
            or (str(a.get("InstanceId", "")), volume_id) in going,
            "root": (str(a.get("InstanceId", "")), str(a.get("Device", ""))) in roots,
        }
        for a in volume.get("Attachments", [])
        if a.get("InstanceId")
    ]
    attributes = {
        "id": volume_id,
        "arn": arn(region, account or "", "volume", volume_id),
        "availability_zone": volume.get("AvailabilityZone", ""),
        "encrypted": bool(volume.get("Encrypted")),
        "iops": int(volume.get("Iops", 0)),
        "kms_key_id": volume.get("KmsKeyId", ""),
        "multi_attach_enabled": bool(volume.get("MultiAttachEnabled")),
        "outpost_arn": volume.get("OutpostArn", ""),
        "size": int(volume.get("Size", 0)),
        "snapshot_id": volume.get("SnapshotId", ""),
        "throughput": int(volume.get("Throughput", 0)),
        "type": volume.get("VolumeType", ""),
        "tags": tags(volume.get("Tags")),
        "attachments": attachments,
    }
    return live("aws_ebs_volume", volume_id, region, account, attributes)


# --- key pairs --------------------------------------------------------------------------------


@enumerator("aws_key_pair", "ec2")
async def list_key_pairs(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    # DescribeKeyPairs is not paginated: one answer holds every key pair of the region.
    answer = await scan.call(ec2, "describe_key_pairs", IncludePublicKey=True)
    account = await scan.account()
    return [_key_pair_resource(key, region, account) for key in answer.get("KeyPairs", [])]


def _key_pair_resource(key: Response, region: str, account: str | None) -> LiveResource:
    name: str = key["KeyName"]
    attributes = {
        "id": name,
        "arn": arn(region, account or "", "key-pair", name),
        "key_name": name,
        "key_name_prefix": _name_prefix(name),
        "key_pair_id": key.get("KeyPairId", ""),
        "key_type": key.get("KeyType", ""),
        "fingerprint": key.get("KeyFingerprint", ""),
        "public_key": str(key.get("PublicKey", "")).strip(),
        "tags": tags(key.get("Tags")),
    }
    return live("aws_key_pair", name, region, account, attributes)


# --- launch templates -------------------------------------------------------------------------


@enumerator("aws_launch_template", "ec2")
async def list_launch_templates(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    templates, versions = await gather(
        [
            collect(
                scan,
                ec2,
                "describe_launch_templates",
                "LaunchTemplates",
                PaginationConfig={"PageSize": 200},
            ),
            # Every template's latest version (what the provider reads) in one listing.
            collect(
                scan,
                ec2,
                "describe_launch_template_versions",
                "LaunchTemplateVersions",
                Versions=["$Latest"],
                PaginationConfig={"PageSize": 200},
            ),
        ]
    )
    latest = {str(v["LaunchTemplateId"]): v for v in versions}
    account = await scan.account()
    return [
        _launch_template_resource(template, latest[template["LaunchTemplateId"]], region, account)
        for template in templates
        # Created since the versions were listed: the next scan sees it whole.
        if template["LaunchTemplateId"] in latest
    ]


def _nullable_bool(value: Any) -> str:
    """The provider's ``nullable.TypeNullableBool``: ``"true"``, ``"false"`` or unset ``""``."""
    return "" if value is None else str(bool(value)).lower()


Field = Callable[[Response], Any]


def _block(value: Response | None, fields: dict[str, Field]) -> list[dict[str, Any]]:
    """A single nested block: [] when absent, else every field (its zero value if unset)."""
    if value is None:
        return []
    return [{name: read(value) for name, read in fields.items()}]


def _str(key: str) -> Field:
    return lambda value: str(value.get(key) or "")


def _int(key: str) -> Field:
    return lambda value: int(value.get(key) or 0)


def _bool(key: str) -> Field:
    return lambda value: bool(value.get(key))


def _launch_template_resource(
    template: Response, version: Response, region: str, account: str | None
) -> LiveResource:
    template_id: str = template["LaunchTemplateId"]
    name = str(template.get("LaunchTemplateName", ""))
    data: Response = version.get("LaunchTemplateData", {})
    attributes: dict[str, Any] = {
        "id": template_id,
        "arn": arn(region, account or "", "launch-template", template_id),
        "name": name,
        "name_prefix": _name_prefix(name),
        "description": version.get("VersionDescription", ""),
        "default_version": int(template.get("DefaultVersionNumber", 0)),
        "latest_version": int(template.get("LatestVersionNumber", 0)),
        "block_device_mappings": [
            _lt_block_device_mapping(m) for m in data.get("BlockDeviceMappings", [])
        ],
        "capacity_reservation_specification": _block(
            data.get("CapacityReservationSpecification"),
            {
                "capacity_reservation_preference": _str("CapacityReservationPreference"),
                "capacity_reservation_target": lambda v: _block(
                    v.get("CapacityReservationTarget"),
                    {
                        "capacity_reservation_id": _str("CapacityReservationId"),
                        "capacity_reservation_resource_group_arn": _str(
                            "CapacityReservationResourceGroupArn"
                        ),
                    },
                ),
            },
        ),
        "cpu_options": _block(
            data.get("CpuOptions"),
            {
                "amd_sev_snp": _str("AmdSevSnp"),
                "core_count": _int("CoreCount"),
                "threads_per_core": _int("ThreadsPerCore"),
            },
        ),
        "credit_specification": _block(
            data.get("CreditSpecification"), {"cpu_credits": _str("CpuCredits")}
        ),
        "disable_api_stop": bool(data.get("DisableApiStop")),
        "disable_api_termination": bool(data.get("DisableApiTermination")),
        "ebs_optimized": _nullable_bool(data.get("EbsOptimized")),
        "elastic_gpu_specifications": [
            {"type": str(g.get("Type", ""))} for g in data.get("ElasticGpuSpecifications", [])
        ],
        "elastic_inference_accelerator": [
            {"type": str(a.get("Type", ""))} for a in data.get("ElasticInferenceAccelerators", [])
        ],
        "enclave_options": _block(data.get("EnclaveOptions"), {"enabled": _bool("Enabled")}),
        "hibernation_options": _block(
            data.get("HibernationOptions"), {"configured": _bool("Configured")}
        ),
        "iam_instance_profile": _block(
            data.get("IamInstanceProfile"), {"arn": _str("Arn"), "name": _str("Name")}
        ),
        "image_id": data.get("ImageId", ""),
        "instance_initiated_shutdown_behavior": data.get("InstanceInitiatedShutdownBehavior", ""),
        "instance_market_options": _block(
            data.get("InstanceMarketOptions"),
            {
                "market_type": _str("MarketType"),
                "spot_options": lambda v: _block(
                    v.get("SpotOptions"),
                    {
                        "block_duration_minutes": _int("BlockDurationMinutes"),
                        "instance_interruption_behavior": _str("InstanceInterruptionBehavior"),
                        "max_price": _str("MaxPrice"),
                        "spot_instance_type": _str("SpotInstanceType"),
                        "valid_until": lambda s: (
                            s["ValidUntil"].strftime("%Y-%m-%dT%H:%M:%SZ")
                            if s.get("ValidUntil")
                            else ""
                        ),
                    },
                ),
            },
        ),
        "instance_type": data.get("InstanceType", ""),
        "kernel_id": data.get("KernelId", ""),
        "key_name": data.get("KeyName", ""),
        "license_specification": sorted_members(
            {"license_configuration_arn": str(s.get("LicenseConfigurationArn", ""))}
            for s in data.get("LicenseSpecifications", [])
        ),
        "maintenance_options": _block(
            data.get("MaintenanceOptions"), {"auto_recovery": _str("AutoRecovery")}
        ),
        "metadata_options": _block(
            data.get("MetadataOptions"),
            {
                "http_endpoint": _str("HttpEndpoint"),
                "http_protocol_ipv6": _str("HttpProtocolIpv6"),
                "http_put_response_hop_limit": _int("HttpPutResponseHopLimit"),
                "http_tokens": _str("HttpTokens"),
                "instance_metadata_tags": _str("InstanceMetadataTags"),
            },
        ),
        "monitoring": _block(data.get("Monitoring"), {"enabled": _bool("Enabled")}),
        "network_interfaces": [_lt_network_interface(i) for i in data.get("NetworkInterfaces", [])],
        "placement": _block(
            data.get("Placement"),
            {
                "affinity": _str("Affinity"),
                "availability_zone": _str("AvailabilityZone"),
                "group_name": _str("GroupName"),
                "host_id": _str("HostId"),
                "host_resource_group_arn": _str("HostResourceGroupArn"),
                "partition_number": _int("PartitionNumber"),
                "spread_domain": _str("SpreadDomain"),
                "tenancy": _str("Tenancy"),
            },
        ),
        "private_dns_name_options": _block(
            data.get("PrivateDnsNameOptions"),
            {
                "enable_resource_name_dns_aaaa_record": _bool("EnableResourceNameDnsAAAARecord"),
                "enable_resource_name_dns_a_record": _bool("EnableResourceNameDnsARecord"),
                "hostname_type": _str("HostnameType"),
            },
        ),
        "ram_disk_id": data.get("RamDiskId", ""),
        "security_group_names": sorted(data.get("SecurityGroups", [])),
        "tag_specifications": [
            {"resource_type": str(s.get("ResourceType", "")), "tags": _user_tags(s.get("Tags"))}
            for s in data.get("TagSpecifications", [])
        ],
        "user_data": data.get("UserData", ""),
        "vpc_security_group_ids": sorted(data.get("SecurityGroupIds", [])),
        "tags": tags(template.get("Tags")),
    }
    return live("aws_launch_template", template_id, region, account, attributes)


def _lt_block_device_mapping(mapping: Response) -> dict[str, Any]:
    ebs = mapping.get("Ebs")
    return {
        "device_name": mapping.get("DeviceName", ""),
        "ebs": []
        if ebs is None
        else [
            {
                "delete_on_termination": _nullable_bool(ebs.get("DeleteOnTermination")),
                "encrypted": _nullable_bool(ebs.get("Encrypted")),
                "iops": int(ebs.get("Iops", 0)),
                "kms_key_id": ebs.get("KmsKeyId", ""),
                "snapshot_id": ebs.get("SnapshotId", ""),
                "throughput": int(ebs.get("Throughput", 0)),
                "volume_size": int(ebs.get("VolumeSize", 0)),
                "volume_type": ebs.get("VolumeType", ""),
            }
        ],
        "no_device": mapping.get("NoDevice", ""),
        "virtual_name": mapping.get("VirtualName", ""),
    }


def _lt_network_interface(interface: Response) -> dict[str, Any]:
    """One ``network_interfaces`` block (``flattenLaunchTemplateInstanceNetworkInterface…``)."""
    tracking = interface.get("ConnectionTrackingSpecification")
    ena = interface.get("EnaSrdSpecification")
    return {
        "associate_carrier_ip_address": _nullable_bool(interface.get("AssociateCarrierIpAddress")),
        "associate_public_ip_address": _nullable_bool(interface.get("AssociatePublicIpAddress")),
        "connection_tracking_specification": _block(
            tracking,
            {
                "tcp_established_timeout": _int("TcpEstablishedTimeout"),
                "udp_stream_timeout": _int("UdpStreamTimeout"),
                "udp_timeout": _int("UdpTimeout"),
            },
        ),
        "delete_on_termination": _nullable_bool(interface.get("DeleteOnTermination")),
        "description": interface.get("Description", ""),
        "device_index": int(interface.get("DeviceIndex", 0)),
        "ena_srd_specification": _block(
            ena,
            {
                "ena_srd_enabled": _bool("EnaSrdEnabled"),
                "ena_srd_udp_specification": lambda v: _block(
                    v.get("EnaSrdUdpSpecification"),
                    {"ena_srd_udp_enabled": _bool("EnaSrdUdpEnabled")},
                ),
            },
        ),
        "interface_type": interface.get("InterfaceType", ""),
        "ipv4_address_count": int(interface.get("SecondaryPrivateIpAddressCount", 0)),
        "ipv4_addresses": sorted(
            str(a["PrivateIpAddress"])
            for a in interface.get("PrivateIpAddresses", [])
            if a.get("PrivateIpAddress")
        ),
        "ipv4_prefix_count": int(interface.get("Ipv4PrefixCount", 0)),
        "ipv4_prefixes": sorted(
            str(p["Ipv4Prefix"]) for p in interface.get("Ipv4Prefixes", []) if p.get("Ipv4Prefix")
        ),
        "ipv6_address_count": int(interface.get("Ipv6AddressCount", 0)),
        "ipv6_addresses": sorted(
            str(a["Ipv6Address"])
            for a in interface.get("Ipv6Addresses", [])
            if a.get("Ipv6Address")
        ),
        "ipv6_prefix_count": int(interface.get("Ipv6PrefixCount", 0)),
        "ipv6_prefixes": sorted(
            str(p["Ipv6Prefix"]) for p in interface.get("Ipv6Prefixes", []) if p.get("Ipv6Prefix")
        ),
        "network_card_index": int(interface.get("NetworkCardIndex", 0)),
        "network_interface_id": interface.get("NetworkInterfaceId", ""),
        "primary_ipv6": _nullable_bool(interface.get("PrimaryIpv6")),
        "private_ip_address": interface.get("PrivateIpAddress", ""),
        "security_groups": sorted(interface.get("Groups", [])),
        "subnet_id": interface.get("SubnetId", ""),
    }
