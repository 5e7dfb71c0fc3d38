"""The VPC networking enumerators against a real moto server, and against recorded responses
for what moto cannot serve (see :mod:`driftmgr.adapters.providers.aws.ec2_network`):
route propagation from a virtual private gateway, routes to another account's network
interface, ICMP and IPv6 network ACL entries, and NAT gateways with secondary addresses."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.identity import (
    network_acl_rule_id,
    route_id,
    route_table_association_id,
)
from driftmgr.domain.drift.report import DriftScope
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Answer,
    Params,
    ec2_response,
    observed,
    recorded_aws,
    scan,
    state_resource,
)

Boto = Callable[..., Any]

ROUTE_FIELDS = (
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
)


def table_route(**fields: str) -> dict[str, str]:
    """One member of a route table's ``route`` set, every field present as in state."""
    return {**dict.fromkeys(ROUTE_FIELDS, ""), **fields}


def aws_route(table_id: str, **fields: str) -> dict[str, str]:
    """The attributes of one ``aws_route``, every field present."""
    names = (
        "destination_cidr_block",
        "destination_ipv6_cidr_block",
        "destination_prefix_list_id",
        "carrier_gateway_id",
        "core_network_arn",
        "egress_only_gateway_id",
        "gateway_id",
        "instance_id",
        "instance_owner_id",
        "local_gateway_id",
        "nat_gateway_id",
        "network_interface_id",
        "origin",
        "state",
        "transit_gateway_id",
        "vpc_endpoint_id",
        "vpc_peering_connection_id",
    )
    return {"route_table_id": table_id, **dict.fromkeys(names, ""), **fields}


def acl_entry(rule_no: int, action: str, protocol: str, **fields: Any) -> dict[str, Any]:
    """One ingress/egress member of ``aws_network_acl``, every field present."""
    return {
        "rule_no": rule_no,
        "action": action,
        "protocol": protocol,
        "cidr_block": "",
        "ipv6_cidr_block": "",
        "from_port": 0,
        "to_port": 0,
        "icmp_type": 0,
        "icmp_code": 0,
        **fields,
    }


def name_tag(resource_type: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16") -> str:
    vpc_id: str = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    return vpc_id


def default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    vpc_id: str = vpcs[0]["VpcId"]
    return vpc_id


def main_table(ec2: Any, vpc_id: str) -> str:
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    table_id: str = tables[0]["RouteTableId"]
    return table_id


# --- subnets ----------------------------------------------------------------------------------


def test_subnets_are_listed_with_every_provider_attribute(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone="us-east-1b",
        TagSpecifications=name_tag("subnet", "app"),
    )["Subnet"]
    subnet_id = subnet["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})

    outcome = scan([REGION], ["aws_subnet"])[("aws_subnet", REGION)]

    resource = observed(outcome)[subnet_id]
    assert (resource.type, resource.region, resource.account) == ("aws_subnet", REGION, ACCOUNT)
    assert not resource.is_default
    assert resource.attributes == {
        "id": subnet_id,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{subnet_id}",
        "vpc_id": vpc_id,
        "cidr_block": "10.0.1.0/24",
        "availability_zone": "us-east-1b",
        "availability_zone_id": subnet["AvailabilityZoneId"],
        "assign_ipv6_address_on_creation": False,
        "customer_owned_ipv4_pool": "",
        "enable_dns64": False,
        "enable_lni_at_device_index": 0,
        "enable_resource_name_dns_a_record_on_launch": False,
        "enable_resource_name_dns_aaaa_record_on_launch": False,
        "private_dns_hostname_type_on_launch": "ip-name",
        "ipv6_cidr_block": "",
        "ipv6_cidr_block_association_id": "",
        "ipv6_native": False,
        "map_customer_owned_ip_on_launch": False,
        "map_public_ip_on_launch": True,
        "outpost_arn": "",
        "owner_id": ACCOUNT,
        "tags": {"Name": "app"},
        "default_for_az": False,
    }


def test_the_default_vpcs_subnets_are_flagged_as_cloud_created(boto: Boto) -> None:
    ec2 = boto("ec2")
    defaults = {
        s["SubnetId"]
        for s in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ]
    }
    own = ec2.create_subnet(VpcId=new_vpc(ec2), CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    outcome = scan([REGION], ["aws_subnet"])[("aws_subnet", REGION)]

    flags = {id_: r.is_default for id_, r in observed(outcome).items()}
    assert defaults and all(flags[s] for s in defaults)
    assert flags[own] is False


# --- route tables -----------------------------------------------------------------------------


def test_route_tables_hold_user_routes_as_a_set_without_local_or_endpoint_routes(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    interface = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    table_id = ec2.create_route_table(
        VpcId=vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "route-table",
                "Tags": [
                    {"Key": "Name", "Value": "public"},
                    {"Key": "AmazonFSx", "Value": "ManagedByAmazonFSx"},
                ],
            }
        ],
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.create_route(RouteTableId=table_id, DestinationIpv6CidrBlock="::/0", GatewayId=gateway)
    ec2.create_route(
        RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16", NetworkInterfaceId=interface
    )
    # A gateway endpoint adds a prefix-list route that aws_vpc_endpoint manages.
    ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3", RouteTableIds=[table_id]
    )

    outcome = scan([REGION], ["aws_route_table"])[("aws_route_table", REGION)]

    resource = observed(outcome)[table_id]
    assert not resource.is_default
    assert resource.attributes == {
        "id": table_id,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/{table_id}",
        "owner_id": ACCOUNT,
        "vpc_id": vpc_id,
        "propagating_vgws": [],
        # Sorted as sets are: by the members' canonical JSON.
        "route": [
            table_route(ipv6_cidr_block="::/0", gateway_id=gateway),
            table_route(cidr_block="0.0.0.0/0", gateway_id=gateway),
            table_route(cidr_block="192.168.0.0/16", network_interface_id=interface),
        ],
        # The provider reads route table tags without Amazon FSx's.
        "tags": {"Name": "public"},
        "main": False,
    }


def test_main_route_tables_are_flagged_as_cloud_created(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    own = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]

    outcome = scan([REGION], ["aws_route_table"])[("aws_route_table", REGION)]

    tables = observed(outcome)
    for vpc in (vpc_id, default_vpc(ec2)):
        main = tables[main_table(ec2, vpc)]
        assert main.is_default
        assert main.attributes["main"] is True
        assert main.attributes["route"] == []  # only the local route, which is AWS's
    assert tables[own].is_default is False


# --- routes -----------------------------------------------------------------------------------


def test_routes_are_listed_one_per_destination_with_terraform_ids(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.create_route(RouteTableId=table_id, DestinationIpv6CidrBlock="::/0", GatewayId=gateway)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3", RouteTableIds=[table_id]
    )["VpcEndpoint"]["VpcEndpointId"]
    prefix_list = next(
        r["DestinationPrefixListId"]
        for r in ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
        if r.get("DestinationPrefixListId")
    )

    outcome = scan([REGION], ["aws_route"])[("aws_route", REGION)]

    routes = {id_: r for id_, r in observed(outcome).items() if id_.startswith(f"r-{table_id}")}
    # RouteCreateID: "r-" + table id + CRC-32 of the destination.
    world = f"r-{table_id}{zlib.crc32(b'0.0.0.0/0')}"
    assert world == route_id(table_id, "0.0.0.0/0") == f"r-{table_id}1080289494"
    local = route_id(table_id, "10.0.0.0/16")
    ipv6 = route_id(table_id, "::/0")
    s3 = route_id(table_id, prefix_list)
    assert set(routes) == {world, local, ipv6, s3}
    assert routes[world].attributes == {
        "id": world,
        **aws_route(
            table_id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway,
            origin="CreateRoute",
            state="active",
        ),
    }
    assert routes[ipv6].attributes["destination_ipv6_cidr_block"] == "::/0"
    assert routes[s3].attributes["destination_prefix_list_id"] == prefix_list
    assert routes[s3].attributes["vpc_endpoint_id"] == endpoint
    assert routes[s3].attributes["gateway_id"] == ""
    # The local route is AWS's (still listed: terraform import can manage it); the S3
    # gateway endpoint's route is the endpoint's (aws_vpc_endpoint), never an unmanaged route.
    assert routes[local].attributes["gateway_id"] == "local"
    assert {id_: r.is_default for id_, r in routes.items()} == {
        world: False,
        local: True,
        ipv6: False,
        s3: True,
    }


def test_the_default_route_to_a_default_vpcs_internet_gateway_is_flagged(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = default_vpc(ec2)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table_id = main_table(ec2, vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="10.9.0.0/16", GatewayId=gateway)

    outcomes = scan([REGION], ["aws_route", "aws_internet_gateway"])

    routes = observed(outcomes[("aws_route", REGION)])
    assert routes[route_id(table_id, "0.0.0.0/0")].is_default
    assert routes[route_id(table_id, "10.9.0.0/16")].is_default is False
    assert observed(outcomes[("aws_internet_gateway", REGION)])[gateway].is_default


# --- route table associations -----------------------------------------------------------------


def test_route_table_associations_are_keyed_by_what_they_associate(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    edge_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    by_subnet = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    by_gateway = ec2.associate_route_table(RouteTableId=edge_id, GatewayId=gateway)

    outcome = scan([REGION], ["aws_route_table_association"])[
        ("aws_route_table_association", REGION)
    ]

    associations = observed(outcome)
    subnet_key = f"{subnet_id}/{table_id}"
    gateway_key = f"{gateway}/{edge_id}"
    assert subnet_key == route_table_association_id(table_id, subnet_id=subnet_id)
    assert gateway_key == route_table_association_id(edge_id, gateway_id=gateway)
    # Main associations are aws_main_route_table_association's, not this type's.
    assert set(associations) == {subnet_key, gateway_key}
    assert associations[subnet_key].attributes == {
        "id": by_subnet["AssociationId"],
        "route_table_id": table_id,
        "subnet_id": subnet_id,
        "gateway_id": "",
        "main": False,
    }
    assert associations[gateway_key].attributes == {
        "id": by_gateway["AssociationId"],
        "route_table_id": edge_id,
        "subnet_id": "",
        "gateway_id": gateway,
        "main": False,
    }
    assert not any(a.is_default for a in associations.values())


# --- internet and NAT gateways ----------------------------------------------------------------


def test_internet_gateways_are_listed_with_the_vpc_they_are_attached_to(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    attached = ec2.create_internet_gateway(TagSpecifications=name_tag("internet-gateway", "main"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=attached, VpcId=vpc_id)
    detached = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]

    outcome = scan([REGION], ["aws_internet_gateway"])[("aws_internet_gateway", REGION)]

    gateways = observed(outcome)
    assert gateways[attached].attributes == {
        "id": attached,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:internet-gateway/{attached}",
        "owner_id": ACCOUNT,
        "vpc_id": vpc_id,
        "tags": {"Name": "main"},
    }
    assert gateways[detached].attributes["vpc_id"] == ""
    assert not gateways[attached].is_default
    assert not gateways[detached].is_default


def test_nat_gateways_are_listed_with_their_primary_address(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")
    public = ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation["AllocationId"],
        TagSpecifications=name_tag("natgateway", "egress"),
    )["NatGateway"]
    private = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")["NatGateway"]
    address = public["NatGatewayAddresses"][0]

    outcome = scan([REGION], ["aws_nat_gateway"])[("aws_nat_gateway", REGION)]

    gateways = observed(outcome)
    assert gateways[public["NatGatewayId"]].attributes == {
        "id": public["NatGatewayId"],
        "allocation_id": allocation["AllocationId"],
        "association_id": address["AssociationId"],
        # moto omits it for public gateways; the rules default it to "public".
        "connectivity_type": "",
        "network_interface_id": address["NetworkInterfaceId"],
        "private_ip": address["PrivateIp"],
        "public_ip": allocation["PublicIp"],
        "secondary_allocation_ids": [],
        "secondary_private_ip_address_count": 0,
        "secondary_private_ip_addresses": [],
        "subnet_id": subnet_id,
        "tags": {"Name": "egress"},
    }
    private_attributes = gateways[private["NatGatewayId"]].attributes
    assert private_attributes["connectivity_type"] == "private"
    assert private_attributes["allocation_id"] == ""
    assert private_attributes["public_ip"] == ""


# --- network ACLs -----------------------------------------------------------------------------


def seed_acl(ec2: Any) -> tuple[str, str, str]:
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    acl_id = ec2.create_network_acl(VpcId=vpc_id, TagSpecifications=name_tag("network-acl", "app"))[
        "NetworkAcl"
    ]["NetworkAclId"]
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"] for a in current["Associations"] if a["SubnetId"] == subnet_id
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl_id)
    for number, egress, protocol, ports in (
        (100, False, "6", {"From": 443, "To": 443}),
        (110, False, "17", {"From": 53, "To": 53}),
        (100, True, "-1", None),
    ):
        entry: dict[str, Any] = {
            "NetworkAclId": acl_id,
            "RuleNumber": number,
            "Protocol": protocol,
            "RuleAction": "allow",
            "Egress": egress,
            "CidrBlock": "10.0.0.0/8",
        }
        if ports:
            entry["PortRange"] = ports
        ec2.create_network_acl_entry(**entry)
    return vpc_id, subnet_id, acl_id


def test_network_acls_hold_their_rules_as_sets_without_the_catch_all_rules(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, subnet_id, acl_id = seed_acl(ec2)

    outcome = scan([REGION], ["aws_network_acl"])[("aws_network_acl", REGION)]

    acl = observed(outcome)[acl_id]
    assert not acl.is_default
    assert acl.attributes == {
        "id": acl_id,
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/{acl_id}",
        "owner_id": ACCOUNT,
        "vpc_id": vpc_id,
        "subnet_ids": [subnet_id],
        "ingress": [
            acl_entry(100, "allow", "6", cidr_block="10.0.0.0/8", from_port=443, to_port=443),
            acl_entry(110, "allow", "17", cidr_block="10.0.0.0/8", from_port=53, to_port=53),
        ],
        "egress": [acl_entry(100, "allow", "-1", cidr_block="10.0.0.0/8")],
        "tags": {"Name": "app"},
        "default": False,
    }


def test_every_vpcs_default_network_acl_is_flagged_as_cloud_created(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, _, acl_id = seed_acl(ec2)
    defaults = {
        a["VpcId"]: a["NetworkAclId"]
        for a in ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])[
            "NetworkAcls"
        ]
    }

    outcome = scan([REGION], ["aws_network_acl"])[("aws_network_acl", REGION)]

    acls = observed(outcome)
    assert acls[defaults[vpc_id]].is_default
    assert acls[defaults[default_vpc(ec2)]].is_default
    assert acls[defaults[vpc_id]].attributes["default"] is True
    assert acls[acl_id].is_default is False


def test_network_acl_rules_are_listed_one_per_entry_with_terraform_ids(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, _, acl_id = seed_acl(ec2)
    default_acl = ec2.describe_network_acls(
        Filters=[
            {"Name": "default", "Values": ["true"]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )["NetworkAcls"][0]["NetworkAclId"]

    outcome = scan([REGION], ["aws_network_acl_rule"])[("aws_network_acl_rule", REGION)]

    rules = observed(outcome)
    https = f"nacl-{zlib.crc32(f'{acl_id}-100-false-6-'.encode())}"
    assert https == network_acl_rule_id(acl_id, 100, False, "tcp")
    assert rules[https].attributes == {
        "network_acl_id": acl_id,
        "rule_number": 100,
        "egress": False,
        "protocol": "6",
        "rule_action": "allow",
        "cidr_block": "10.0.0.0/8",
        "ipv6_cidr_block": "",
        "from_port": 443,
        "to_port": 443,
        "icmp_type": 0,
        "icmp_code": 0,
    }
    own = {
        https,
        network_acl_rule_id(acl_id, 110, False, "17"),
        network_acl_rule_id(acl_id, 100, True, "-1"),
    }
    # (moto gives a new ACL no catch-all rules; the default ACL has them, as in AWS.)
    default_rules = {
        network_acl_rule_id(default_acl, number, egress, "-1")
        for number in (100, 32767)
        for egress in (False, True)
    }
    flags = {id_: r.is_default for id_, r in rules.items()}
    assert all(flags[id_] is False for id_ in own)
    assert all(flags[id_] for id_ in default_rules)


# --- the engine claims what a managed parent holds inline ------------------------------------


def test_routes_and_acl_rules_held_inline_by_managed_parents_are_neither_unmanaged_nor_drift(
    boto: Boto,
) -> None:
    ec2 = boto("ec2")
    vpc_id, subnet_id, acl_id = seed_acl(ec2)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    association = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    # What terraform-provider-aws writes to state for these three resources.
    state = [
        state_resource(
            "aws_route_table",
            "public",
            {
                "id": table_id,
                "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/{table_id}",
                "owner_id": ACCOUNT,
                "vpc_id": vpc_id,
                "propagating_vgws": [],
                "route": [table_route(cidr_block="0.0.0.0/0", gateway_id=gateway)],
                "tags": {},
                "tags_all": {},
            },
        ),
        state_resource(
            "aws_route_table_association",
            "public",
            {
                "id": association["AssociationId"],
                "route_table_id": table_id,
                "subnet_id": subnet_id,
                "gateway_id": "",
            },
        ),
        state_resource(
            "aws_network_acl",
            "app",
            {
                "id": acl_id,
                "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/{acl_id}",
                "owner_id": ACCOUNT,
                "vpc_id": vpc_id,
                "subnet_ids": [subnet_id],
                "ingress": [
                    acl_entry(
                        110, "allow", "17", cidr_block="10.0.0.0/8", from_port=53, to_port=53
                    ),
                    acl_entry(
                        100, "allow", "6", cidr_block="10.0.0.0/8", from_port=443, to_port=443
                    ),
                ],
                "egress": [acl_entry(100, "allow", "-1", cidr_block="10.0.0.0/8")],
                "tags": {"Name": "app"},
                "tags_all": {"Name": "app"},
            },
        ),
    ]
    types = [
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_network_acl",
        "aws_network_acl_rule",
    ]

    outcomes = scan([REGION], types)
    findings = detect_drift(
        state, outcomes.values(), DriftScope(providers=["aws"], regions=[REGION])
    )

    assert findings.items == []
    assert findings.summary.in_sync == 3


# --- recorded responses: what moto cannot serve -----------------------------------------------

VPC = "vpc-0c5a3e1f2b4d6a8e0"
TABLE = "rtb-0a1b2c3d4e5f60718"
VGW = "vgw-0a1b2c3d4e5f60718"
NAT = "nat-0a1b2c3d4e5f60718"
SERVICE_ENI = "eni-0aaaaaaaaaaaaaaa1"
OWN_ENI = "eni-0bbbbbbbbbbbbbbb2"
INSTANCE = "i-0123456789abcdef0"
SUBNET = "subnet-0a1b2c3d4e5f60718"

# DescribeRouteTables, as documented in the EC2 API Reference: a table that a virtual
# private gateway propagates to, with a route to an AWS service's interface.
ROUTE_TABLES = f"""<routeTableSet><item>
  <routeTableId>{TABLE}</routeTableId>
  <vpcId>{VPC}</vpcId>
  <ownerId>{ACCOUNT}</ownerId>
  <routeSet>
    <item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId>
      <state>active</state><origin>CreateRouteTable</origin></item>
    <item><destinationCidrBlock>172.16.0.0/12</destinationCidrBlock><gatewayId>{VGW}</gatewayId>
      <state>active</state><origin>EnableVgwRoutePropagation</origin></item>
    <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>{NAT}</natGatewayId>
      <state>active</state><origin>CreateRoute</origin></item>
    <item><destinationCidrBlock>100.64.0.0/10</destinationCidrBlock>
      <networkInterfaceId>{SERVICE_ENI}</networkInterfaceId>
      <state>active</state><origin>CreateRoute</origin></item>
    <item><destinationCidrBlock>192.168.0.0/16</destinationCidrBlock>
      <instanceId>{INSTANCE}</instanceId><instanceOwnerId>{ACCOUNT}</instanceOwnerId>
      <networkInterfaceId>{OWN_ENI}</networkInterfaceId>
      <state>active</state><origin>CreateRoute</origin></item>
  </routeSet>
  <associationSet><item>
    <routeTableAssociationId>rtbassoc-0a1b2c3d4e5f60718</routeTableAssociationId>
    <routeTableId>{TABLE}</routeTableId><subnetId>{SUBNET}</subnetId><main>false</main>
    <associationState><state>associated</state></associationState>
  </item></associationSet>
  <propagatingVgwSet><item><gatewayId>{VGW}</gatewayId></item></propagatingVgwSet>
  <tagSet><item><key>Name</key><value>private</value></item></tagSet>
</item></routeTableSet>"""

NETWORK_INTERFACES = f"""<networkInterfaceSet>
  <item><networkInterfaceId>{SERVICE_ENI}</networkInterfaceId><subnetId>{SUBNET}</subnetId>
    <vpcId>{VPC}</vpcId><ownerId>{ACCOUNT}</ownerId><requesterManaged>true</requesterManaged>
    <status>in-use</status><attachment><attachmentId>eni-attach-0a1b2c3d4e5f60718</attachmentId>
    <instanceOwnerId>210987654321</instanceOwnerId><deviceIndex>1</deviceIndex>
    <status>attached</status></attachment></item>
  <item><networkInterfaceId>{OWN_ENI}</networkInterfaceId><subnetId>{SUBNET}</subnetId>
    <vpcId>{VPC}</vpcId><ownerId>{ACCOUNT}</ownerId><requesterManaged>false</requesterManaged>
    <status>in-use</status><attachment><attachmentId>eni-attach-0b1b2c3d4e5f60718</attachmentId>
    <instanceId>{INSTANCE}</instanceId><instanceOwnerId>{ACCOUNT}</instanceOwnerId>
    <deviceIndex>0</deviceIndex><status>attached</status></attachment></item>
</networkInterfaceSet>"""


def filtered(params: Params) -> bool:
    """Whether a Describe call carries filters (the shared default-object lookups do)."""
    return "Filter.1.Name" in params


def route_tables(params: Params) -> str:
    return ec2_response(
        "DescribeRouteTables", "<routeTableSet/>" if filtered(params) else ROUTE_TABLES
    )


NO_DEFAULTS: dict[str, Answer] = {
    "DescribeVpcs": ec2_response("DescribeVpcs", "<vpcSet/>"),
    "DescribeSecurityGroups": ec2_response("DescribeSecurityGroups", "<securityGroupInfo/>"),
    "DescribeNetworkAcls": ec2_response("DescribeNetworkAcls", "<networkAclSet/>"),
}


def test_propagated_routes_and_routes_to_service_interfaces_stay_out_of_the_route_set(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {
        "DescribeRouteTables": route_tables,
        "DescribeNetworkInterfaces": ec2_response("DescribeNetworkInterfaces", NETWORK_INTERFACES),
        **NO_DEFAULTS,
    }
    with recorded_aws(monkeypatch, answers) as recorded:
        outcomes = scan([REGION], ["aws_route_table", "aws_route"])

    table = observed(outcomes[("aws_route_table", REGION)])[TABLE]
    assert table.attributes["propagating_vgws"] == [VGW]
    assert table.attributes["route"] == [
        table_route(cidr_block="0.0.0.0/0", nat_gateway_id=NAT),
        table_route(cidr_block="192.168.0.0/16", network_interface_id=OWN_ENI),
    ]
    assert table.attributes["tags"] == {"Name": "private"}
    # One lookup for the interfaces the routes point at.
    interface_lookups = recorded.params_of("DescribeNetworkInterfaces")
    assert len(interface_lookups) == 1
    assert sorted(v for k, v in interface_lookups[0].items() if k.startswith("Filter.1.Value")) == [
        [SERVICE_ENI],
        [OWN_ENI],
    ]

    routes = observed(outcomes[("aws_route", REGION)])
    propagated = routes[route_id(TABLE, "172.16.0.0/12")]
    assert propagated.attributes["origin"] == "EnableVgwRoutePropagation"
    assert propagated.is_default
    own = routes[route_id(TABLE, "192.168.0.0/16")]
    assert own.attributes["instance_id"] == INSTANCE
    assert own.attributes["instance_owner_id"] == ACCOUNT
    assert own.is_default is False
    assert routes[route_id(TABLE, "0.0.0.0/0")].attributes["nat_gateway_id"] == NAT


ACL = "acl-0a1b2c3d4e5f60718"

# DescribeNetworkAcls: ICMP entries carry their type and code, and an ACL of an IPv6 VPC has
# the IPv6 catch-all rule 32768.
NETWORK_ACLS = f"""<networkAclSet><item>
  <networkAclId>{ACL}</networkAclId><vpcId>{VPC}</vpcId><default>false</default>
  <ownerId>{ACCOUNT}</ownerId>
  <entrySet>
    <item><ruleNumber>100</ruleNumber><protocol>1</protocol><ruleAction>allow</ruleAction>
      <egress>false</egress><cidrBlock>10.0.0.0/8</cidrBlock>
      <icmpTypeCode><code>-1</code><type>8</type></icmpTypeCode></item>
    <item><ruleNumber>110</ruleNumber><protocol>58</protocol><ruleAction>allow</ruleAction>
      <egress>false</egress><ipv6CidrBlock>::/0</ipv6CidrBlock>
      <icmpTypeCode><code>0</code><type>128</type></icmpTypeCode></item>
    <item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction>
      <egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
    <item><ruleNumber>32768</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction>
      <egress>false</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item>
    <item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction>
      <egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item>
    <item><ruleNumber>32768</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction>
      <egress>true</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item>
  </entrySet>
  <associationSet/>
  <tagSet/>
</item></networkAclSet>"""


def test_icmp_entries_and_the_ipv6_catch_all_rule_are_mapped_as_the_provider_reads_them(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {
        "DescribeNetworkAcls": ec2_response("DescribeNetworkAcls", NETWORK_ACLS)
    }
    with recorded_aws(monkeypatch, answers):
        outcomes = scan([REGION], ["aws_network_acl", "aws_network_acl_rule"])

    acl = observed(outcomes[("aws_network_acl", REGION)])[ACL]
    assert acl.attributes["ingress"] == [
        acl_entry(110, "allow", "58", ipv6_cidr_block="::/0", icmp_type=128),
        acl_entry(100, "allow", "1", cidr_block="10.0.0.0/8", icmp_type=8, icmp_code=-1),
    ]
    assert acl.attributes["egress"] == []

    rules = observed(outcomes[("aws_network_acl_rule", REGION)])
    echo = rules[network_acl_rule_id(ACL, 100, False, "icmp")]
    assert (echo.attributes["icmp_type"], echo.attributes["icmp_code"]) == (8, -1)
    assert echo.is_default is False
    for egress in (False, True):
        assert rules[network_acl_rule_id(ACL, 32768, egress, "-1")].is_default
        assert rules[network_acl_rule_id(ACL, 32767, egress, "-1")].is_default
    assert len(rules) == 6


# DescribeNatGateways: a public gateway with a secondary address, and one AWS deleted.
NAT_GATEWAYS = f"""<natGatewaySet>
  <item><natGatewayId>{NAT}</natGatewayId><subnetId>{SUBNET}</subnetId><vpcId>{VPC}</vpcId>
    <state>available</state><connectivityType>public</connectivityType>
    <createTime>2024-05-01T10:00:00.000Z</createTime>
    <natGatewayAddressSet>
      <item><allocationId>eipalloc-0aaaaaaaaaaaaaaa1</allocationId>
        <associationId>eipassoc-0aaaaaaaaaaaaaaa1</associationId>
        <networkInterfaceId>eni-0ccccccccccccccc3</networkInterfaceId>
        <privateIp>10.0.1.10</privateIp><publicIp>198.51.100.10</publicIp>
        <isPrimary>true</isPrimary><status>succeeded</status></item>
      <item><allocationId>eipalloc-0bbbbbbbbbbbbbbb2</allocationId>
        <associationId>eipassoc-0bbbbbbbbbbbbbbb2</associationId>
        <networkInterfaceId>eni-0ccccccccccccccc3</networkInterfaceId>
        <privateIp>10.0.1.11</privateIp><publicIp>198.51.100.11</publicIp>
        <isPrimary>false</isPrimary><status>succeeded</status></item>
    </natGatewayAddressSet>
    <tagSet><item><key>Name</key><value>egress</value></item></tagSet></item>
  <item><natGatewayId>nat-0ffffffffffffffff</natGatewayId><subnetId>{SUBNET}</subnetId>
    <vpcId>{VPC}</vpcId><state>deleted</state><connectivityType>public</connectivityType>
    <createTime>2024-04-01T10:00:00.000Z</createTime><deleteTime>2024-04-02T10:00:00.000Z</deleteTime>
    <natGatewayAddressSet/><tagSet/></item>
</natGatewaySet>"""


def test_nat_gateway_secondary_addresses_are_split_from_the_primary_one(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {
        "DescribeNatGateways": ec2_response("DescribeNatGateways", NAT_GATEWAYS)
    }
    with recorded_aws(monkeypatch, answers):
        outcome = scan([REGION], ["aws_nat_gateway"])[("aws_nat_gateway", REGION)]

    gateways = observed(outcome)
    assert set(gateways) == {NAT}  # the deleted one is gone for Terraform
    assert gateways[NAT].attributes == {
        "id": NAT,
        "allocation_id": "eipalloc-0aaaaaaaaaaaaaaa1",
        "association_id": "eipassoc-0aaaaaaaaaaaaaaa1",
        "connectivity_type": "public",
        "network_interface_id": "eni-0ccccccccccccccc3",
        "private_ip": "10.0.1.10",
        "public_ip": "198.51.100.10",
        "secondary_allocation_ids": ["eipalloc-0bbbbbbbbbbbbbbb2"],
        "secondary_private_ip_address_count": 1,
        "secondary_private_ip_addresses": ["10.0.1.11"],
        "subnet_id": SUBNET,
        "tags": {"Name": "egress"},
    }


# DescribeSubnets: an IPv6 subnet (moto garbles its association state).
SUBNETS = f"""<subnetSet><item>
  <subnetId>{SUBNET}</subnetId>
  <subnetArn>arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{SUBNET}</subnetArn>
  <state>available</state><ownerId>{ACCOUNT}</ownerId><vpcId>{VPC}</vpcId>
  <cidrBlock>10.0.1.0/24</cidrBlock>
  <ipv6CidrBlockAssociationSet>
    <item><ipv6CidrBlock>2600:1f18:abcd:1200::/64</ipv6CidrBlock>
      <associationId>subnet-cidr-assoc-0a1b2c3d4e5f60718</associationId>
      <ipv6CidrBlockState><state>disassociated</state></ipv6CidrBlockState></item>
    <item><ipv6CidrBlock>2600:1f18:abcd:1201::/64</ipv6CidrBlock>
      <associationId>subnet-cidr-assoc-0b1b2c3d4e5f60718</associationId>
      <ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item>
  </ipv6CidrBlockAssociationSet>
  <availableIpAddressCount>250</availableIpAddressCount>
  <availabilityZone>us-east-1a</availabilityZone><availabilityZoneId>use1-az6</availabilityZoneId>
  <defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>
  <assignIpv6AddressOnCreation>true</assignIpv6AddressOnCreation>
  <enableDns64>true</enableDns64><ipv6Native>false</ipv6Native>
  <privateDnsNameOptionsOnLaunch><hostnameType>resource-name</hostnameType>
    <enableResourceNameDnsARecord>true</enableResourceNameDnsARecord>
    <enableResourceNameDnsAAAARecord>true</enableResourceNameDnsAAAARecord>
  </privateDnsNameOptionsOnLaunch>
  <tagSet/>
</item></subnetSet>"""


def test_an_ipv6_subnet_reports_its_associated_ipv6_block(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {"DescribeSubnets": ec2_response("DescribeSubnets", SUBNETS)}
    with recorded_aws(monkeypatch, answers):
        outcome = scan([REGION], ["aws_subnet"])[("aws_subnet", REGION)]

    attributes = observed(outcome)[SUBNET].attributes
    assert attributes["ipv6_cidr_block"] == "2600:1f18:abcd:1201::/64"
    assert attributes["ipv6_cidr_block_association_id"] == "subnet-cidr-assoc-0b1b2c3d4e5f60718"
    assert attributes["assign_ipv6_address_on_creation"] is True
    assert attributes["enable_dns64"] is True
    assert attributes["enable_resource_name_dns_a_record_on_launch"] is True
    assert attributes["enable_resource_name_dns_aaaa_record_on_launch"] is True
    assert attributes["private_dns_hostname_type_on_launch"] == "resource-name"
