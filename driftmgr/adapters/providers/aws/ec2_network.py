"""VPC networking: subnets, route tables, routes, route table associations, internet and
NAT gateways, network ACLs and their rules — and the account facts the cloud-default
predicates read (:func:`network_facts`).

Every type is mapped as terraform-provider-aws 5.x reads it (``internal/service/ec2``):
attribute names and shapes are the provider's, every observed attribute is present (empty
when empty), sets are sorted lists and tags plain dicts. Ids the provider invents are built
with :mod:`driftmgr.domain.drift.identity`; whether AWS created an object itself comes from
:func:`~driftmgr.domain.drift.defaults.is_cloud_default`, fed the data-source facts it reads
(``default``, ``default_for_az``, ``main``, ``origin``).

What moto 5.2 cannot serve, and is therefore tested against recorded responses instead
(``tests/integration/providers/aws/test_ec2_network.py``):

* ``EnableVgwRoutePropagation`` is not implemented: no route table can have
  ``PropagatingVgws`` or routes of origin ``EnableVgwRoutePropagation``;
* network interface attachments carry no ``InstanceOwnerId``, so a route to another
  account's (an AWS service's) interface cannot be staged;
* a subnet's IPv6 association state comes back garbled (``"{'State': 'associated'}"``);
* network ACL entries lose their ``IcmpTypeCode``; a new ACL gets no catch-all rules and no
  ACL the IPv6 catch-all rule 32768;
* NAT gateway addresses carry no ``IsPrimary`` (so no secondary addresses), and public
  gateways no ``ConnectivityType``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from driftmgr.adapters.providers.aws.mapping import partition, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import CloudContext, is_cloud_default
from driftmgr.domain.drift.identity import (
    network_acl_protocol_number,
    network_acl_rule_id,
    route_id,
    route_table_association_id,
)
from driftmgr.domain.resources import LiveResource

__all__ = [
    "NetworkFacts",
    "arn",
    "chunks",
    "collect",
    "live",
    "network_facts",
    "sorted_members",
]

#: Most values one EC2 ``Filters`` entry may carry.
FILTER_VALUES = 200

#: The gateway ids of routes AWS adds and manages itself (never in a route table's set).
_LOCAL_GATEWAYS = ("local", "VpcLattice")
_PROPAGATED = "EnableVgwRoutePropagation"

#: The rule numbers of every network ACL's catch-all deny rules (IPv4, IPv6).
_CATCH_ALL_RULES = (32767, 32768)

#: The provider reads route table tags without this one (set by Amazon FSx).
_FSX_TAG = "AmazonFSx"

#: Fields of one ``route`` member of ``aws_route_table``: destinations, then targets.
_ROUTE_TABLE_ROUTE_FIELDS = (
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

#: API field of a route → its ``aws_route`` attribute (besides gateway and endpoint ids).
_ROUTE_FIELDS = {
    "DestinationCidrBlock": "destination_cidr_block",
    "DestinationIpv6CidrBlock": "destination_ipv6_cidr_block",
    "DestinationPrefixListId": "destination_prefix_list_id",
    "CarrierGatewayId": "carrier_gateway_id",
    "CoreNetworkArn": "core_network_arn",
    "EgressOnlyInternetGatewayId": "egress_only_gateway_id",
    "InstanceId": "instance_id",
    "InstanceOwnerId": "instance_owner_id",
    "LocalGatewayId": "local_gateway_id",
    "NatGatewayId": "nat_gateway_id",
    "NetworkInterfaceId": "network_interface_id",
    "Origin": "origin",
    "State": "state",
    "TransitGatewayId": "transit_gateway_id",
    "VpcPeeringConnectionId": "vpc_peering_connection_id",
}


# --- shared helpers ---------------------------------------------------------------------------


async def collect(
    scan: Scan, client: Any, operation: str, key: str, **params: Any
) -> list[Response]:
    """Every item under ``key`` of every page of ``operation``."""
    items: list[Response] = []
    async for page in scan.pages(client, operation, **params):
        items.extend(page.get(key, []))
    return items


def live(
    type_: str,
    id_: str,
    region: str,
    account: str | None,
    attributes: dict[str, Any],
    context: CloudContext | None = None,
) -> LiveResource:
    """A live resource, flagged ``is_default`` as the domain's default predicates say."""
    default = is_cloud_default(type_, attributes, context or CloudContext())
    return resource(type_, id_, region, account, attributes, is_default=default)


def sorted_members(members: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The members of a Terraform set of blocks, in one fixed order."""
    return sorted(members, key=lambda member: json.dumps(member, sort_keys=True, default=str))


def chunks(values: list[str], size: int = FILTER_VALUES) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def arn(region: str, owner: str, kind: str, id_: str) -> str:
    return f"arn:{partition(region)}:ec2:{region}:{owner}:{kind}/{id_}"


# --- account facts ----------------------------------------------------------------------------


class NetworkFacts(NamedTuple):
    """What one region's VPCs were given by AWS, learned once per scan and region."""

    context: CloudContext
    """Default VPCs, every VPC's default security group and network ACL, and the internet
    gateways of default VPCs: what the default predicates need beyond one object."""
    main_route_tables: dict[str, str]
    """VPC id → its main route table id."""
    default_security_groups: dict[str, str]
    """VPC id → its ``default`` security group id."""
    default_network_acls: dict[str, str]
    """VPC id → its default network ACL id."""


async def network_facts(scan: Scan, ec2: Any, region: str) -> NetworkFacts:
    """This region's :class:`NetworkFacts`, computed once per scan (five listings)."""
    facts: NetworkFacts = await scan.shared(
        f"ec2:network-facts:{region}", lambda: _network_facts(scan, ec2)
    )
    return facts


async def _network_facts(scan: Scan, ec2: Any) -> NetworkFacts:
    def by_vpc(items: list[Response], id_key: str) -> dict[str, str]:
        return {str(item["VpcId"]): str(item[id_key]) for item in items if item.get("VpcId")}

    vpcs, groups, acls, tables = await gather(
        [
            collect(
                scan,
                ec2,
                "describe_vpcs",
                "Vpcs",
                Filters=[{"Name": "is-default", "Values": ["true"]}],
                PaginationConfig={"PageSize": 1000},
            ),
            collect(
                scan,
                ec2,
                "describe_security_groups",
                "SecurityGroups",
                Filters=[{"Name": "group-name", "Values": ["default"]}],
                PaginationConfig={"PageSize": 1000},
            ),
            collect(
                scan,
                ec2,
                "describe_network_acls",
                "NetworkAcls",
                Filters=[{"Name": "default", "Values": ["true"]}],
                PaginationConfig={"PageSize": 1000},
            ),
            collect(
                scan,
                ec2,
                "describe_route_tables",
                "RouteTables",
                Filters=[{"Name": "association.main", "Values": ["true"]}],
                PaginationConfig={"PageSize": 100},
            ),
        ]
    )
    default_vpcs = sorted(str(vpc["VpcId"]) for vpc in vpcs if vpc.get("IsDefault"))
    gateways: list[Response] = []
    for batch in chunks(default_vpcs):
        gateways += await collect(
            scan,
            ec2,
            "describe_internet_gateways",
            "InternetGateways",
            Filters=[{"Name": "attachment.vpc-id", "Values": batch}],
            PaginationConfig={"PageSize": 1000},
        )
    default_groups = by_vpc(groups, "GroupId")
    default_acls = by_vpc([a for a in acls if a.get("IsDefault")], "NetworkAclId")
    context = CloudContext(
        default_vpc_ids=frozenset(default_vpcs),
        default_security_group_ids=frozenset(default_groups.values()),
        default_network_acl_ids=frozenset(default_acls.values()),
        default_internet_gateway_ids=frozenset(str(g["InternetGatewayId"]) for g in gateways),
    )
    return NetworkFacts(
        context=context,
        main_route_tables=by_vpc(tables, "RouteTableId"),
        default_security_groups=default_groups,
        default_network_acls=default_acls,
    )


# --- subnets ----------------------------------------------------------------------------------


@enumerator("aws_subnet", "ec2")
async def list_subnets(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    subnets = await collect(
        scan, ec2, "describe_subnets", "Subnets", PaginationConfig={"PageSize": 1000}
    )
    account = await scan.account()
    return [_subnet_resource(subnet, region, account) for subnet in subnets]


def _subnet_resource(subnet: Response, region: str, account: str | None) -> LiveResource:
    subnet_id: str = subnet["SubnetId"]
    owner = subnet.get("OwnerId") or account or ""
    ipv6: Response = next(
        (
            a
            for a in subnet.get("Ipv6CidrBlockAssociationSet", [])
            if a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
        ),
        {},
    )
    dns = subnet.get("PrivateDnsNameOptionsOnLaunch", {})
    attributes = {
        "id": subnet_id,
        "arn": subnet.get("SubnetArn") or arn(region, owner, "subnet", subnet_id),
        "vpc_id": subnet.get("VpcId", ""),
        "cidr_block": subnet.get("CidrBlock", ""),
        "availability_zone": subnet.get("AvailabilityZone", ""),
        "availability_zone_id": subnet.get("AvailabilityZoneId", ""),
        "assign_ipv6_address_on_creation": bool(subnet.get("AssignIpv6AddressOnCreation")),
        "customer_owned_ipv4_pool": subnet.get("CustomerOwnedIpv4Pool", ""),
        "enable_dns64": bool(subnet.get("EnableDns64")),
        "enable_lni_at_device_index": int(subnet.get("EnableLniAtDeviceIndex", 0)),
        "enable_resource_name_dns_a_record_on_launch": bool(
            dns.get("EnableResourceNameDnsARecord")
        ),
        "enable_resource_name_dns_aaaa_record_on_launch": bool(
            dns.get("EnableResourceNameDnsAAAARecord")
        ),
        "private_dns_hostname_type_on_launch": dns.get("HostnameType", ""),
        "ipv6_cidr_block": ipv6.get("Ipv6CidrBlock", ""),
        "ipv6_cidr_block_association_id": ipv6.get("AssociationId", ""),
        "ipv6_native": bool(subnet.get("Ipv6Native")),
        "map_customer_owned_ip_on_launch": bool(subnet.get("MapCustomerOwnedIpOnLaunch")),
        "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
        "outpost_arn": subnet.get("OutpostArn", ""),
        "owner_id": owner,
        "tags": tags(subnet.get("Tags")),
        # Data-source fact read by the default predicate (not a resource attribute).
        "default_for_az": bool(subnet.get("DefaultForAz")),
    }
    return live("aws_subnet", subnet_id, region, account, attributes)


# --- route tables, routes, associations ---------------------------------------------------


async def _route_tables(scan: Scan, ec2: Any, region: str) -> list[Response]:
    """Every route table of the region, listed once per scan for tables, routes and
    associations alike."""
    tables: list[Response] = await scan.shared(
        f"ec2:route-tables:{region}",
        lambda: collect(
            scan, ec2, "describe_route_tables", "RouteTables", PaginationConfig={"PageSize": 100}
        ),
    )
    return tables


@enumerator("aws_route_table", "ec2")
async def list_route_tables(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    tables = await _route_tables(scan, ec2, region)
    interfaces = sorted(
        {
            str(route["NetworkInterfaceId"])
            for table in tables
            for route in table.get("Routes", [])
            if route.get("NetworkInterfaceId")
        }
    )
    foreign = await _foreign_interfaces(scan, ec2, interfaces)
    account = await scan.account()
    return [_route_table_resource(table, foreign, region, account) for table in tables]


async def _foreign_interfaces(scan: Scan, ec2: Any, interface_ids: list[str]) -> frozenset[str]:
    """Network interfaces attached to another account's instance (AWS services' ENIs).

    The provider leaves routes to those out of a route table's ``route`` set; one listing
    per 200 interfaces tells them apart.
    """
    foreign: set[str] = set()
    for batch in chunks(interface_ids):
        for interface in await collect(
            scan,
            ec2,
            "describe_network_interfaces",
            "NetworkInterfaces",
            Filters=[{"Name": "network-interface-id", "Values": batch}],
            PaginationConfig={"PageSize": 1000},
        ):
            attachment = interface.get("Attachment")
            owner = interface.get("OwnerId", "")
            if attachment is not None and owner and attachment.get("InstanceOwnerId") != owner:
                foreign.add(str(interface["NetworkInterfaceId"]))
    return frozenset(foreign)


def _route_table_resource(
    table: Response, foreign_interfaces: frozenset[str], region: str, account: str | None
) -> LiveResource:
    table_id: str = table["RouteTableId"]
    owner = table.get("OwnerId") or account or ""
    routes = [
        _route_table_route(route)
        for route in table.get("Routes", [])
        if _in_route_set(route, foreign_interfaces)
    ]
    attributes = {
        "id": table_id,
        "arn": arn(region, owner, "route-table", table_id),
        "owner_id": owner,
        "vpc_id": table.get("VpcId", ""),
        "propagating_vgws": sorted(
            str(v["GatewayId"]) for v in table.get("PropagatingVgws", []) if v.get("GatewayId")
        ),
        "route": sorted_members(routes),
        "tags": {k: v for k, v in tags(table.get("Tags")).items() if k != _FSX_TAG},
        # Data-source fact read by the default predicate (not a resource attribute).
        "main": any(a.get("Main") for a in table.get("Associations", [])),
    }
    return live("aws_route_table", table_id, region, account, attributes)


def _in_route_set(route: Response, foreign_interfaces: frozenset[str]) -> bool:
    """Whether the provider keeps ``route`` in its table's ``route`` set (``flattenRoutes``)."""
    gateway = str(route.get("GatewayId", ""))
    if gateway in _LOCAL_GATEWAYS or route.get("Origin") == _PROPAGATED:
        return False
    if route.get("DestinationPrefixListId") and gateway.startswith("vpce-"):
        return False  # a gateway endpoint's route: aws_vpc_endpoint manages it
    return route.get("NetworkInterfaceId") not in foreign_interfaces


def _route_table_route(route: Response) -> dict[str, Any]:
    member = dict.fromkeys(_ROUTE_TABLE_ROUTE_FIELDS, "")
    member.update(
        cidr_block=route.get("DestinationCidrBlock", ""),
        ipv6_cidr_block=route.get("DestinationIpv6CidrBlock", ""),
        destination_prefix_list_id=route.get("DestinationPrefixListId", ""),
        carrier_gateway_id=route.get("CarrierGatewayId", ""),
        core_network_arn=route.get("CoreNetworkArn", ""),
        egress_only_gateway_id=route.get("EgressOnlyInternetGatewayId", ""),
        local_gateway_id=route.get("LocalGatewayId", ""),
        nat_gateway_id=route.get("NatGatewayId", ""),
        network_interface_id=route.get("NetworkInterfaceId", ""),
        transit_gateway_id=route.get("TransitGatewayId", ""),
        vpc_peering_connection_id=route.get("VpcPeeringConnectionId", ""),
    )
    gateway = str(route.get("GatewayId", ""))
    # The API reports a gateway endpoint in GatewayId.
    member["vpc_endpoint_id" if gateway.startswith("vpce-") else "gateway_id"] = gateway
    return member


@enumerator("aws_route", "ec2")
async def list_routes(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    tables = await _route_tables(scan, ec2, region)
    facts = await network_facts(scan, ec2, region)
    account = await scan.account()
    return [
        _route_resource(str(table["RouteTableId"]), route, region, account, facts.context)
        for table in tables
        for route in table.get("Routes", [])
        if _destination(route)
    ]


def _destination(route: Response) -> str:
    return str(
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId")
        or ""
    )


def _route_resource(
    table_id: str, route: Response, region: str, account: str | None, context: CloudContext
) -> LiveResource:
    """One ``aws_route``, as the provider reads it back (local routes included: AWS made
    them, so they are defaults, but ``terraform import`` can manage them)."""
    id_ = route_id(table_id, _destination(route))
    attributes: dict[str, Any] = {"id": id_, "route_table_id": table_id}
    attributes.update({name: str(route.get(field, "")) for field, name in _ROUTE_FIELDS.items()})
    gateway = str(route.get("GatewayId", ""))
    endpoint = gateway.startswith("vpce-")
    attributes["gateway_id"] = "" if endpoint else gateway
    attributes["vpc_endpoint_id"] = gateway if endpoint else ""
    return live("aws_route", id_, region, account, attributes, context)


@enumerator("aws_route_table_association", "ec2")
async def list_route_table_associations(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    tables = await _route_tables(scan, ec2, region)
    account = await scan.account()
    resources: list[LiveResource] = []
    for table in tables:
        for association in table.get("Associations", []):
            state = association.get("AssociationState", {}).get("State")
            subnet_id = str(association.get("SubnetId", ""))
            gateway_id = str(association.get("GatewayId", ""))
            id_ = route_table_association_id(
                str(table["RouteTableId"]), subnet_id=subnet_id, gateway_id=gateway_id
            )
            # A main association is an aws_main_route_table_association, not one of these.
            if id_ is None or association.get("Main") or state == "disassociated":
                continue
            attributes = {
                "id": association.get("RouteTableAssociationId", ""),
                "route_table_id": str(table["RouteTableId"]),
                "subnet_id": subnet_id,
                "gateway_id": gateway_id,
                # Data-source fact read by the default predicate (not a resource attribute).
                "main": False,
            }
            resources.append(live("aws_route_table_association", id_, region, account, attributes))
    return resources


# --- gateways ---------------------------------------------------------------------------------


@enumerator("aws_internet_gateway", "ec2")
async def list_internet_gateways(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    gateways = await collect(
        scan,
        ec2,
        "describe_internet_gateways",
        "InternetGateways",
        PaginationConfig={"PageSize": 1000},
    )
    facts = await network_facts(scan, ec2, region)
    account = await scan.account()
    return [
        _internet_gateway_resource(gateway, region, account, facts.context) for gateway in gateways
    ]


def _internet_gateway_resource(
    gateway: Response, region: str, account: str | None, context: CloudContext
) -> LiveResource:
    gateway_id: str = gateway["InternetGatewayId"]
    owner = gateway.get("OwnerId") or account or ""
    attachments = gateway.get("Attachments", [])
    attributes = {
        "id": gateway_id,
        "arn": arn(region, owner, "internet-gateway", gateway_id),
        "owner_id": owner,
        "vpc_id": attachments[0].get("VpcId", "") if attachments else "",
        "tags": tags(gateway.get("Tags")),
    }
    return live("aws_internet_gateway", gateway_id, region, account, attributes, context)


@enumerator("aws_nat_gateway", "ec2")
async def list_nat_gateways(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    gateways = await collect(
        scan, ec2, "describe_nat_gateways", "NatGateways", PaginationConfig={"PageSize": 1000}
    )
    account = await scan.account()
    return [
        _nat_gateway_resource(gateway, region, account)
        for gateway in gateways
        # The provider treats a deleted gateway as gone; AWS lists it for about an hour.
        if gateway.get("State") != "deleted"
    ]


def _nat_gateway_resource(gateway: Response, region: str, account: str | None) -> LiveResource:
    gateway_id: str = gateway["NatGatewayId"]
    addresses = gateway.get("NatGatewayAddresses", [])
    primary: Response = {}
    secondary_allocations: list[str] = []
    secondary_ips: list[str] = []
    for address in addresses:
        # As the provider: the primary address, or the only one when none says so.
        if address.get("IsPrimary") or len(addresses) == 1:
            primary = address
        else:
            if address.get("AllocationId"):
                secondary_allocations.append(str(address["AllocationId"]))
            if address.get("PrivateIp"):
                secondary_ips.append(str(address["PrivateIp"]))
    attributes = {
        "id": gateway_id,
        "allocation_id": primary.get("AllocationId", ""),
        "association_id": primary.get("AssociationId", ""),
        "connectivity_type": gateway.get("ConnectivityType", ""),
        "network_interface_id": primary.get("NetworkInterfaceId", ""),
        "private_ip": primary.get("PrivateIp", ""),
        "public_ip": primary.get("PublicIp", ""),
        "secondary_allocation_ids": sorted(secondary_allocations),
        "secondary_private_ip_address_count": len(secondary_ips),
        "secondary_private_ip_addresses": sorted(secondary_ips),
        "subnet_id": gateway.get("SubnetId", ""),
        "tags": tags(gateway.get("Tags")),
    }
    return live("aws_nat_gateway", gateway_id, region, account, attributes)


# --- network ACLs -----------------------------------------------------------------------------


async def _network_acls(scan: Scan, ec2: Any, region: str) -> list[Response]:
    """Every network ACL of the region, listed once per scan for ACLs and rules alike."""
    acls: list[Response] = await scan.shared(
        f"ec2:network-acls:{region}",
        lambda: collect(
            scan, ec2, "describe_network_acls", "NetworkAcls", PaginationConfig={"PageSize": 1000}
        ),
    )
    return acls


@enumerator("aws_network_acl", "ec2")
async def list_network_acls(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    acls = await _network_acls(scan, ec2, region)
    account = await scan.account()
    return [_network_acl_resource(acl, region, account) for acl in acls]


def _network_acl_resource(acl: Response, region: str, account: str | None) -> LiveResource:
    acl_id: str = acl["NetworkAclId"]
    owner = acl.get("OwnerId") or account or ""
    # AWS's catch-all rules can be neither configured nor deleted: the provider skips them.
    entries = [e for e in acl.get("Entries", []) if e.get("RuleNumber") not in _CATCH_ALL_RULES]
    attributes = {
        "id": acl_id,
        "arn": arn(region, owner, "network-acl", acl_id),
        "owner_id": owner,
        "vpc_id": acl.get("VpcId", ""),
        "subnet_ids": sorted(
            str(a["SubnetId"]) for a in acl.get("Associations", []) if a.get("SubnetId")
        ),
        "ingress": sorted_members(_acl_entry(e) for e in entries if not e.get("Egress")),
        "egress": sorted_members(_acl_entry(e) for e in entries if e.get("Egress")),
        "tags": tags(acl.get("Tags")),
        # Data-source fact read by the default predicate (not a resource attribute).
        "default": bool(acl.get("IsDefault")),
    }
    return live("aws_network_acl", acl_id, region, account, attributes)


def _ports_and_icmp(entry: Response) -> tuple[int, int, int, int]:
    ports = entry.get("PortRange") or {}
    icmp = entry.get("IcmpTypeCode") or {}
    return (
        int(ports.get("From", 0)),
        int(ports.get("To", 0)),
        int(icmp.get("Type", 0)),
        int(icmp.get("Code", 0)),
    )


def _acl_entry(entry: Response) -> dict[str, Any]:
    """One ``ingress``/``egress`` member of ``aws_network_acl`` (``flattenNetworkACLEntry``)."""
    from_port, to_port, icmp_type, icmp_code = _ports_and_icmp(entry)
    return {
        "rule_no": int(entry.get("RuleNumber", 0)),
        "action": entry.get("RuleAction", ""),
        "protocol": network_acl_protocol_number(entry.get("Protocol", "")),
        "cidr_block": entry.get("CidrBlock", ""),
        "ipv6_cidr_block": entry.get("Ipv6CidrBlock", ""),
        "from_port": from_port,
        "to_port": to_port,
        "icmp_type": icmp_type,
        "icmp_code": icmp_code,
    }


@enumerator("aws_network_acl_rule", "ec2")
async def list_network_acl_rules(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    acls = await _network_acls(scan, ec2, region)
    account = await scan.account()
    # The default ACLs are in this very listing: no need for the region's shared facts.
    context = CloudContext(
        default_network_acl_ids=frozenset(
            str(acl["NetworkAclId"]) for acl in acls if acl.get("IsDefault")
        )
    )
    return [
        _network_acl_rule_resource(str(acl["NetworkAclId"]), entry, region, account, context)
        for acl in acls
        for entry in acl.get("Entries", [])
    ]


def _network_acl_rule_resource(
    acl_id: str, entry: Response, region: str, account: str | None, context: CloudContext
) -> LiveResource:
    """One ``aws_network_acl_rule`` (``resourceNetworkACLRuleRead``).

    Carries no ``id`` attribute: the provider's own id hashes the protocol as it was
    configured (``tcp`` or ``6``), which the API cannot tell; the resource id is
    :func:`~driftmgr.domain.drift.identity.network_acl_rule_id` over the number.
    """
    from_port, to_port, icmp_type, icmp_code = _ports_and_icmp(entry)
    protocol = network_acl_protocol_number(entry.get("Protocol", ""))
    egress = bool(entry.get("Egress"))
    number = int(entry.get("RuleNumber", 0))
    attributes = {
        "network_acl_id": acl_id,
        "rule_number": number,
        "egress": egress,
        "protocol": protocol,
        "rule_action": entry.get("RuleAction", ""),
        "cidr_block": entry.get("CidrBlock", ""),
        "ipv6_cidr_block": entry.get("Ipv6CidrBlock", ""),
        "from_port": from_port,
        "to_port": to_port,
        "icmp_type": icmp_type,
        "icmp_code": icmp_code,
    }
    id_ = network_acl_rule_id(acl_id, number, egress, protocol)
    return live("aws_network_acl_rule", id_, region, account, attributes, context)
