"""VPC endpoints, network interfaces, peering connections, flow logs and DHCP options sets
against a real moto server.

Expected attributes are shaped as terraform-provider-aws 5.x stores these resources. moto
5.2 gives no endpoint ``DnsOptions``/``IpAddressType`` and no flow log
``DestinationOptions``, and ignores CreateDhcpOptions' ``TagSpecifications``; those stay
empty here, and the options set is tagged afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import ACCOUNT, REGION, observed, scan, state_resource

Boto = Callable[..., Any]

ENDPOINT = "aws_vpc_endpoint"
INTERFACE = "aws_network_interface"
PEERING = "aws_vpc_peering_connection"
FLOW_LOG = "aws_flow_log"
DHCP = "aws_vpc_dhcp_options"
INSTANCE = "aws_instance"
TYPES = [ENDPOINT, INTERFACE, PEERING, FLOW_LOG, DHCP]
SCOPE = DriftScope(providers=["aws"], regions=[REGION])
FLOW_BUCKET = "flow-logs-bucket"


def an_ami(ec2: Any) -> str:
    image: str = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    return image


def tag(key: str, value: str) -> list[dict[str, Any]]:
    return [{"Key": key, "Value": value}]


def seed(boto: Boto) -> dict[str, str]:
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    peer = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        RouteTableIds=[table],
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tag("Name", "s3")}],
    )["VpcEndpoint"]["VpcEndpointId"]
    interface = ec2.create_network_interface(
        SubnetId=subnet,
        Description="app",
        Groups=[group],
        PrivateIpAddress="10.0.1.10",
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": tag("Name", "app")}],
    )["NetworkInterface"]["NetworkInterfaceId"]
    instance = ec2.run_instances(ImageId=an_ami(ec2), MinCount=1, MaxCount=1, SubnetId=subnet)[
        "Instances"
    ][0]["InstanceId"]
    peering = ec2.create_vpc_peering_connection(
        VpcId=vpc,
        PeerVpcId=peer,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": tag("Name", "p")}],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    boto("s3").create_bucket(Bucket=FLOW_BUCKET)
    (flow_log,) = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{FLOW_BUCKET}",
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": tag("Name", "fl")}],
    )["FlowLogIds"]
    dhcp = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["10.0.0.2", "10.0.0.3"]},
        ],
    )["DhcpOptions"]["DhcpOptionsId"]
    # moto's CreateDhcpOptions ignores TagSpecifications.
    ec2.create_tags(Resources=[dhcp], Tags=tag("Name", "corp"))
    return {
        "vpc": vpc,
        "peer": peer,
        "subnet": subnet,
        "table": table,
        "group": group,
        "endpoint": endpoint,
        "interface": interface,
        "instance": instance,
        "peering": peering,
        "flow_log": flow_log,
        "dhcp": dhcp,
    }


def test_each_type_is_read_as_the_provider_stores_it(boto: Boto) -> None:
    ids = seed(boto)

    outcomes = scan([REGION], TYPES)

    endpoint = observed(outcomes[(ENDPOINT, REGION)])[ids["endpoint"]]
    assert endpoint.is_default is False
    attributes = dict(endpoint.attributes)
    assert json.loads(attributes.pop("policy"))["Statement"][0]["Effect"] == "Allow"
    assert attributes == {
        "id": ids["endpoint"],
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/{ids['endpoint']}",
        "owner_id": ACCOUNT,
        "vpc_id": ids["vpc"],
        "service_name": f"com.amazonaws.{REGION}.s3",
        "vpc_endpoint_type": "",
        "state": "available",
        "private_dns_enabled": attributes["private_dns_enabled"],
        "requester_managed": False,
        "ip_address_type": "",
        "dns_options": [],
        "route_table_ids": [ids["table"]],
        "subnet_ids": [],
        "security_group_ids": [],
        "network_interface_ids": [],
        "dns_entry": [],
        "tags": {"Name": "s3"},
    }

    interfaces = observed(outcomes[(INTERFACE, REGION)])
    interface = interfaces[ids["interface"]]
    assert interface.is_default is False
    assert {k: interface.attributes[k] for k in sorted(interface.attributes)} == {
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/{ids['interface']}",
        "attachment": [],
        "delete_on_termination": False,
        "description": "app",
        "id": ids["interface"],
        "interface_type": "interface",
        "ipv4_prefix_count": 0,
        "ipv4_prefixes": [],
        "ipv6_address_count": 0,
        "ipv6_address_list": [],
        "ipv6_addresses": [],
        "ipv6_prefix_count": 0,
        "ipv6_prefixes": [],
        "mac_address": interface.attributes["mac_address"],
        "outpost_arn": "",
        "owner_id": ACCOUNT,
        "private_dns_name": interface.attributes["private_dns_name"],
        "private_ip": "10.0.1.10",
        "private_ip_list": ["10.0.1.10"],
        "private_ips": ["10.0.1.10"],
        "private_ips_count": 0,
        "requester_managed": False,
        "security_groups": [ids["group"]],
        "source_dest_check": True,
        "subnet_id": ids["subnet"],
        "tags": {"Name": "app"},
    }
    (primary,) = [i for i in interfaces.values() if i.attributes["attachment"]]
    assert primary.attributes["attachment"] == [
        {
            "attachment_id": primary.attributes["attachment"][0]["attachment_id"],
            "instance": ids["instance"],
            "device_index": 0,
            "network_card_index": 0,
        }
    ]

    (peering,) = observed(outcomes[(PEERING, REGION)]).values()
    assert peering.attributes == {
        "id": ids["peering"],
        "vpc_id": ids["vpc"],
        "peer_vpc_id": ids["peer"],
        "peer_owner_id": ACCOUNT,
        "peer_region": REGION,
        "accept_status": "pending-acceptance",
        "requester": [{"allow_remote_vpc_dns_resolution": False}],
        "accepter": [{"allow_remote_vpc_dns_resolution": False}],
        "tags": {"Name": "p"},
    }

    (flow_log,) = observed(outcomes[(FLOW_LOG, REGION)]).values()
    assert flow_log.attributes == {
        "id": ids["flow_log"],
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/{ids['flow_log']}",
        "traffic_type": "REJECT",
        "log_destination_type": "s3",
        "log_destination": f"arn:aws:s3:::{FLOW_BUCKET}",
        "log_group_name": "",
        "log_format": flow_log.attributes["log_format"],
        "iam_role_arn": "",
        "deliver_cross_account_role": "",
        "max_aggregation_interval": 600,
        "destination_options": [],
        "vpc_id": ids["vpc"],
        "subnet_id": "",
        "eni_id": "",
        "transit_gateway_id": "",
        "transit_gateway_attachment_id": "",
        "tags": {"Name": "fl"},
    }
    assert flow_log.attributes["log_format"].startswith("${version} ${account-id}")

    dhcp = observed(outcomes[(DHCP, REGION)])[ids["dhcp"]]
    assert dhcp.is_default is False
    assert dhcp.attributes == {
        "id": ids["dhcp"],
        "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:dhcp-options/{ids['dhcp']}",
        "owner_id": ACCOUNT,
        "domain_name": "corp.example",
        "domain_name_servers": ["10.0.0.2", "10.0.0.3"],
        "ntp_servers": [],
        "netbios_name_servers": [],
        "netbios_node_type": "",
        "ipv6_address_preferred_lease_time": "",
        "tags": {"Name": "corp"},
    }


def test_the_regions_amazon_provided_dhcp_options_are_a_cloud_default(boto: Boto) -> None:
    ec2 = boto("ec2")
    options = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["ec2.internal"]},
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]},
        ]
    )["DhcpOptions"]["DhcpOptionsId"]

    assert observed(scan([REGION], [DHCP])[(DHCP, REGION)])[options].is_default is True


def test_an_instances_primary_interface_is_never_unmanaged(boto: Boto) -> None:
    ids = seed(boto)
    outcomes = scan([REGION], [INSTANCE, INTERFACE]).values()

    # The instance unmanaged: one finding, the instance's.
    findings = detect_drift([], outcomes, SCOPE)
    unmanaged = sorted((i.type, i.id) for i in findings.items if i.kind == "unmanaged")
    assert unmanaged == [(INSTANCE, ids["instance"]), (INTERFACE, ids["interface"])]

    # The instance managed: its primary interface is its own, not unmanaged.
    instance = state_resource(INSTANCE, "app", {"id": ids["instance"], "tags_all": {}})
    findings = detect_drift([instance], outcomes, SCOPE)
    assert [(i.kind, i.type, i.id) for i in findings.items if i.kind == "unmanaged"] == [
        ("unmanaged", INTERFACE, ids["interface"])
    ]


def _state(ids: dict[str, str]) -> list[StateResource]:
    vpc_state = {"tags": {"Name": "s3"}, "tags_all": {"Name": "s3"}}
    return [
        state_resource(
            ENDPOINT,
            "s3",
            {
                "id": ids["endpoint"],
                "vpc_id": ids["vpc"],
                "service_name": f"com.amazonaws.{REGION}.s3",
                "vpc_endpoint_type": "Gateway",
                "route_table_ids": [ids["table"]],
                "subnet_ids": [],
                "security_group_ids": [],
                "auto_accept": None,
                "state": "available",
                **vpc_state,
            },
        ),
        state_resource(
            INTERFACE,
            "app",
            {
                "id": ids["interface"],
                "subnet_id": ids["subnet"],
                "description": "app",
                "interface_type": "interface",
                "private_ip": "10.0.1.10",
                "private_ips": ["10.0.1.10"],
                "private_ip_list": ["10.0.1.10"],
                "private_ip_list_enabled": False,
                "private_ips_count": 0,
                "security_groups": [ids["group"]],
                "source_dest_check": True,
                "attachment": [],
                "ipv6_addresses": [],
                "tags": {"Name": "app"},
                "tags_all": {"Name": "app"},
            },
        ),
        state_resource(
            PEERING,
            "p",
            {
                "id": ids["peering"],
                "vpc_id": ids["vpc"],
                "peer_vpc_id": ids["peer"],
                "peer_owner_id": ACCOUNT,
                "peer_region": REGION,
                "accept_status": "pending-acceptance",
                "auto_accept": False,
                "requester": [{"allow_remote_vpc_dns_resolution": False}],
                "accepter": [{"allow_remote_vpc_dns_resolution": False}],
                "tags": {"Name": "p"},
                "tags_all": {"Name": "p"},
            },
        ),
        state_resource(
            FLOW_LOG,
            "fl",
            {
                "id": ids["flow_log"],
                "vpc_id": ids["vpc"],
                "traffic_type": "REJECT",
                "log_destination_type": "s3",
                "log_destination": f"arn:aws:s3:::{FLOW_BUCKET}",
                "max_aggregation_interval": 600,
                "destination_options": [],
                "tags": {"Name": "fl"},
                "tags_all": {"Name": "fl"},
            },
        ),
        state_resource(
            DHCP,
            "corp",
            {
                "id": ids["dhcp"],
                "domain_name": "corp.example",
                "domain_name_servers": ["10.0.0.2", "10.0.0.3"],
                "ntp_servers": [],
                "netbios_name_servers": [],
                "netbios_node_type": "",
                "tags": {"Name": "corp"},
                "tags_all": {"Name": "corp"},
            },
        ),
    ]


def test_types_are_in_sync_after_creation_and_drift_after_out_of_band_changes(
    boto: Boto,
) -> None:
    ids = seed(boto)
    state = _state(ids)

    findings = detect_drift(state, scan([REGION], TYPES).values(), SCOPE)
    # moto's own (region default) DHCP options and the instance's primary interface are
    # neither managed nor reported: the instance is not scanned, so its interface is.
    assert [(i.kind, i.type) for i in findings.items if i.kind != "unmanaged"] == []
    assert findings.summary.in_sync == len(state)

    ec2 = boto("ec2")
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=ids["interface"], Description={"Value": "changed"}
    )
    ec2.create_tags(Resources=[ids["endpoint"]], Tags=tag("Name", "renamed"))
    ec2.create_tags(Resources=[ids["peering"]], Tags=tag("owner", "someone"))
    ec2.create_tags(Resources=[ids["dhcp"]], Tags=tag("Name", "other"))
    ec2.delete_flow_logs(FlowLogIds=[ids["flow_log"]])

    findings = detect_drift(state, scan([REGION], TYPES).values(), SCOPE)

    drift = {(i.kind, i.type): [c.path for c in i.changes] for i in findings.items}
    assert drift[("modified", INTERFACE)] == ["description"]
    assert drift[("modified", ENDPOINT)] == ["tags.Name"]
    assert drift[("modified", PEERING)] == ["tags.owner"]
    assert drift[("modified", DHCP)] == ["tags.Name"]
    assert drift[("missing", FLOW_LOG)] == []


def test_import_ids_are_the_aws_ids() -> None:
    assert {rules_for(t).import_id for t in TYPES} == {"{id}"}
