"""VPC endpoints, network interfaces, peering connections, flow logs and DHCP options sets.

Every type is mapped as terraform-provider-aws 5.x reads it (``internal/service/ec2``):
attribute names and shapes are the provider's, every observed attribute is present (empty
when empty), sets are sorted lists and tags plain dicts.

Objects AWS makes itself are flagged as cloud defaults: interfaces of AWS services
(requester-managed, or of a type other than ``interface``) and the region's default DHCP
options set (:func:`~driftmgr.domain.drift.defaults.is_cloud_default`). An instance's primary
interface is the instance's own: its rules name the instance as its parent.

Deleted endpoints, rejected/expired/deleted peering connections are left out, as the
provider treats them as gone.

moto 5.2 leaves out of its answers what the tests cannot check: a flow log's
``DestinationOptions`` and ``MaxAggregationInterval`` defaults, an endpoint's
``DnsOptions``/``IpAddressType``; and CreateDhcpOptions ignores ``TagSpecifications`` (the
tests tag the options set afterwards).
"""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.aws.ec2_network import arn, collect
from driftmgr.adapters.providers.aws.mapping import policy_json, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan
from driftmgr.domain.drift.defaults import is_cloud_default
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_ENDPOINT = "aws_vpc_endpoint"
_INTERFACE = "aws_network_interface"
_PEERING = "aws_vpc_peering_connection"
_FLOW_LOG = "aws_flow_log"
_DHCP = "aws_vpc_dhcp_options"

#: Endpoint and peering states the provider reads as "gone".
_GONE_ENDPOINT_STATES = ("deleted", "deleting", "rejected", "failed", "expired")
_GONE_PEERING_STATES = ("deleted", "deleting", "rejected", "failed", "expired")


def _live(
    type_: str, id_: str, region: str, account: str | None, attributes: dict[str, Any]
) -> LiveResource:
    default = is_cloud_default(type_, attributes)
    return resource(type_, id_, region, account, attributes, is_default=default)


def _strings(values: Any) -> list[str]:
    return sorted(str(v) for v in values or [] if v not in (None, ""))


# --- VPC endpoints --------------------------------------------------------------------------


@enumerator(_ENDPOINT, "ec2")
async def list_vpc_endpoints(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    endpoints = await collect(
        scan, ec2, "describe_vpc_endpoints", "VpcEndpoints", PaginationConfig={"PageSize": 1000}
    )
    account = await scan.account()
    return [
        _endpoint_resource(e, region, account)
        for e in endpoints
        if str(e.get("State", "")).lower() not in _GONE_ENDPOINT_STATES
    ]


def _endpoint_resource(endpoint: Response, region: str, account: str | None) -> LiveResource:
    endpoint_id: str = endpoint["VpcEndpointId"]
    owner = endpoint.get("OwnerId") or account or ""
    dns = endpoint.get("DnsOptions")
    attributes = {
        "id": endpoint_id,
        "arn": arn(region, owner, "vpc-endpoint", endpoint_id),
        "owner_id": owner,
        "vpc_id": endpoint.get("VpcId", ""),
        "service_name": endpoint.get("ServiceName", ""),
        "vpc_endpoint_type": endpoint.get("VpcEndpointType", ""),
        "state": endpoint.get("State", ""),
        "policy": policy_json(endpoint.get("PolicyDocument") or None),
        "private_dns_enabled": bool(endpoint.get("PrivateDnsEnabled", False)),
        "requester_managed": bool(endpoint.get("RequesterManaged", False)),
        "ip_address_type": endpoint.get("IpAddressType", ""),
        "dns_options": (
            [
                {
                    "dns_record_ip_type": dns.get("DnsRecordIpType", ""),
                    "private_dns_only_for_inbound_resolver_endpoint": bool(
                        dns.get("PrivateDnsOnlyForInboundResolverEndpoint", False)
                    ),
                }
            ]
            if dns
            else []
        ),
        "route_table_ids": _strings(endpoint.get("RouteTableIds")),
        "subnet_ids": _strings(endpoint.get("SubnetIds")),
        "security_group_ids": _strings(
            g.get("GroupId") for g in endpoint.get("Groups", []) if isinstance(g, dict)
        ),
        "network_interface_ids": _strings(endpoint.get("NetworkInterfaceIds")),
        "dns_entry": [
            {"dns_name": d.get("DnsName", ""), "hosted_zone_id": d.get("HostedZoneId", "")}
            for d in endpoint.get("DnsEntries", [])
        ],
        "tags": tags(endpoint.get("Tags")),
    }
    return _live(_ENDPOINT, endpoint_id, region, account, attributes)


# --- network interfaces ---------------------------------------------------------------------


@enumerator(_INTERFACE, "ec2")
async def list_network_interfaces(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    interfaces = await collect(
        scan,
        ec2,
        "describe_network_interfaces",
        "NetworkInterfaces",
        PaginationConfig={"PageSize": 1000},
    )
    account = await scan.account()
    return [_interface_resource(i, region, account) for i in interfaces]


def _interface_resource(interface: Response, region: str, account: str | None) -> LiveResource:
    interface_id: str = interface["NetworkInterfaceId"]
    owner = interface.get("OwnerId") or account or ""
    addresses = interface.get("PrivateIpAddresses", [])
    primary: Response = next((a for a in addresses if a.get("Primary")), {})
    ordered = [primary, *(a for a in addresses if a is not primary)] if primary else addresses
    private_ips = [str(a["PrivateIpAddress"]) for a in ordered if a.get("PrivateIpAddress")]
    ipv6 = [str(a["Ipv6Address"]) for a in interface.get("Ipv6Addresses", [])]
    attachment = interface.get("Attachment")
    attributes: dict[str, Any] = {
        "id": interface_id,
        "arn": arn(region, owner, "network-interface", interface_id),
        "owner_id": owner,
        "subnet_id": interface.get("SubnetId", ""),
        "description": interface.get("Description", ""),
        "interface_type": interface.get("InterfaceType", ""),
        "mac_address": interface.get("MacAddress", ""),
        "outpost_arn": interface.get("OutpostArn", ""),
        "private_dns_name": interface.get("PrivateDnsName", ""),
        "private_ip": interface.get("PrivateIpAddress", ""),
        "private_ips": sorted(private_ips),
        "private_ip_list": private_ips,
        "private_ips_count": max(len(private_ips) - 1, 0),
        "ipv6_addresses": sorted(ipv6),
        "ipv6_address_list": ipv6,
        "ipv6_address_count": len(ipv6),
        "ipv4_prefixes": _strings(p.get("Ipv4Prefix") for p in interface.get("Ipv4Prefixes", [])),
        "ipv4_prefix_count": len(interface.get("Ipv4Prefixes", [])),
        "ipv6_prefixes": _strings(p.get("Ipv6Prefix") for p in interface.get("Ipv6Prefixes", [])),
        "ipv6_prefix_count": len(interface.get("Ipv6Prefixes", [])),
        "security_groups": _strings(g.get("GroupId") for g in interface.get("Groups", [])),
        "source_dest_check": bool(interface.get("SourceDestCheck", True)),
        "attachment": (
            [
                {
                    "attachment_id": attachment.get("AttachmentId", ""),
                    "instance": attachment.get("InstanceId", ""),
                    "device_index": int(attachment.get("DeviceIndex", 0)),
                    "network_card_index": int(attachment.get("NetworkCardIndex", 0)),
                }
            ]
            if attachment and attachment.get("InstanceId")
            else []
        ),
        "tags": tags(interface.get("TagSet") or interface.get("Tags")),
        # Data-source facts read by the default predicate and the parent hook.
        "requester_managed": bool(interface.get("RequesterManaged", False)),
        "delete_on_termination": bool((attachment or {}).get("DeleteOnTermination", False)),
    }
    return _live(_INTERFACE, interface_id, region, account, attributes)


# --- peering connections --------------------------------------------------------------------


@enumerator(_PEERING, "ec2")
async def list_vpc_peering_connections(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    connections = await collect(
        scan,
        ec2,
        "describe_vpc_peering_connections",
        "VpcPeeringConnections",
        PaginationConfig={"PageSize": 1000},
    )
    account = await scan.account()
    return [
        _peering_resource(c, region, account)
        for c in connections
        if str((c.get("Status") or {}).get("Code", "")).lower() not in _GONE_PEERING_STATES
    ]


def _peering_options(info: Response) -> list[dict[str, Any]]:
    options = info.get("PeeringOptions")
    if not options:
        return []
    return [
        {
            "allow_remote_vpc_dns_resolution": bool(
                options.get("AllowDnsResolutionFromRemoteVpc", False)
            )
        }
    ]


def _peering_resource(connection: Response, region: str, account: str | None) -> LiveResource:
    connection_id: str = connection["VpcPeeringConnectionId"]
    requester = connection.get("RequesterVpcInfo") or {}
    accepter = connection.get("AccepterVpcInfo") or {}
    attributes = {
        "id": connection_id,
        "vpc_id": requester.get("VpcId", ""),
        "peer_vpc_id": accepter.get("VpcId", ""),
        "peer_owner_id": accepter.get("OwnerId", ""),
        "peer_region": accepter.get("Region", ""),
        "accept_status": (connection.get("Status") or {}).get("Code", ""),
        "requester": _peering_options(requester),
        "accepter": _peering_options(accepter),
        "tags": tags(connection.get("Tags")),
    }
    return _live(_PEERING, connection_id, region, account, attributes)


# --- flow logs ------------------------------------------------------------------------------


@enumerator(_FLOW_LOG, "ec2")
async def list_flow_logs(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    logs = await collect(
        scan, ec2, "describe_flow_logs", "FlowLogs", PaginationConfig={"PageSize": 1000}
    )
    account = await scan.account()
    return [_flow_log_resource(log, region, account) for log in logs]


#: A flow log's source, by its id's prefix → the Terraform attribute naming it.
_SOURCES = {
    "vpc-": "vpc_id",
    "subnet-": "subnet_id",
    "eni-": "eni_id",
    "tgw-attach-": "transit_gateway_attachment_id",
    "tgw-": "transit_gateway_id",
}


def _flow_log_resource(log: Response, region: str, account: str | None) -> LiveResource:
    log_id: str = log["FlowLogId"]
    owner = account or ""
    destination_type = log.get("LogDestinationType", "")
    options = log.get("DestinationOptions")
    attributes: dict[str, Any] = {
        "id": log_id,
        "arn": arn(region, owner, "vpc-flow-log", log_id),
        "traffic_type": log.get("TrafficType", ""),
        "log_destination_type": destination_type,
        "log_destination": log.get("LogDestination", ""),
        "log_group_name": log.get("LogGroupName", ""),
        "log_format": log.get("LogFormat", ""),
        "iam_role_arn": log.get("DeliverLogsPermissionArn", ""),
        "deliver_cross_account_role": log.get("DeliverCrossAccountRole", ""),
        "max_aggregation_interval": int(log.get("MaxAggregationInterval", 600)),
        "destination_options": (
            [
                {
                    "file_format": options.get("FileFormat", ""),
                    "hive_compatible_partitions": bool(
                        options.get("HiveCompatiblePartitions", False)
                    ),
                    "per_hour_partition": bool(options.get("PerHourPartition", False)),
                }
            ]
            if options
            else []
        ),
        "tags": tags(log.get("Tags")),
    }
    attributes.update(dict.fromkeys(_SOURCES.values(), ""))
    source = str(log.get("ResourceId", ""))
    for prefix, name in _SOURCES.items():
        if source.startswith(prefix):
            attributes[name] = source
            break
    return _live(_FLOW_LOG, log_id, region, account, attributes)


# --- DHCP options ---------------------------------------------------------------------------


@enumerator(_DHCP, "ec2")
async def list_vpc_dhcp_options(scan: Scan, ec2: Any, region: str) -> list[LiveResource]:
    options = await collect(
        scan, ec2, "describe_dhcp_options", "DhcpOptions", PaginationConfig={"PageSize": 1000}
    )
    account = await scan.account()
    return [_dhcp_resource(o, region, account) for o in options]


def _dhcp_resource(options: Response, region: str, account: str | None) -> LiveResource:
    options_id: str = options["DhcpOptionsId"]
    owner = options.get("OwnerId") or account or ""
    values: dict[str, list[str]] = {}
    for configuration in options.get("DhcpConfigurations", []):
        values[str(configuration.get("Key", ""))] = [
            str(v.get("Value", "")) for v in configuration.get("Values", [])
        ]

    def first(key: str) -> str:
        found = values.get(key) or [""]
        return found[0]

    lease = first("ipv6-address-preferred-lease-time")
    attributes = {
        "id": options_id,
        "arn": arn(region, owner, "dhcp-options", options_id),
        "owner_id": owner,
        "domain_name": first("domain-name"),
        "domain_name_servers": values.get("domain-name-servers", []),
        "ntp_servers": values.get("ntp-servers", []),
        "netbios_name_servers": values.get("netbios-name-servers", []),
        "netbios_node_type": first("netbios-node-type"),
        "ipv6_address_preferred_lease_time": lease,
        "tags": tags(options.get("Tags")),
    }
    return _live(_DHCP, options_id, region, account, attributes)
