"""How VPC endpoints, network interfaces, peering connections, flow logs and DHCP options
sets compare (terraform-provider-aws 5.x, ``internal/service/ec2``). All are imported by
their AWS id.

An instance's primary network interface (device index 0, or attached at launch to be
deleted with the instance) is the instance's: its ``parent`` is the ``aws_instance``, so
the engine never reports it as unmanaged — it is part of the instance, managed or not.
Interfaces AWS services create are cloud defaults (flagged by the enumerator).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.aws._common import aws, default_of, strings, truthy
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules, rules_for

__all__ = ["network_interface_parent"]


_DEFAULT_DHCP_SERVERS = ["AmazonProvidedDNS"]
_DEFAULT_DHCP_DOMAIN = re.compile(r"^(ec2\.internal|[a-z0-9-]+\.compute\.internal)$")


def _service_interface(a: Mapping[str, Any], c: CloudContext) -> bool:
    # Interfaces AWS services create and manage (load balancers, NAT gateways, endpoints,
    # Lambda): requester-managed, or of a type other than a plain "interface".
    interface_type = str(a.get("interface_type") or "interface")
    return truthy(a.get("requester_managed")) or interface_type != "interface"


def _default_dhcp_options(a: Mapping[str, Any], c: CloudContext) -> bool:
    # The options set AWS creates in every region for its default VPC.
    return (
        strings(a.get("domain_name_servers")) == _DEFAULT_DHCP_SERVERS
        and bool(_DEFAULT_DHCP_DOMAIN.match(str(a.get("domain_name") or "")))
        and not strings(a.get("ntp_servers"))
        and not strings(a.get("netbios_name_servers"))
    )


def network_interface_parent(attributes: Mapping[str, Any]) -> Key | None:
    """The instance whose primary interface this is (launched with it), if any."""
    attachments = attributes.get("attachment")
    if not isinstance(attachments, list):
        return None
    for attachment in attachments:
        if not isinstance(attachment, Mapping) or not attachment.get("instance"):
            continue
        index = attachment.get("device_index")
        primary = index is not None and str(index) == "0"
        if primary or truthy(attributes.get("delete_on_termination")):
            return ("aws_instance", str(attachment["instance"]))
    return None


aws(
    "aws_vpc_endpoint",
    TypeRules(
        sets=frozenset(
            {
                "route_table_ids",
                "subnet_ids",
                "security_group_ids",
                "network_interface_ids",
                "dns_entry",
                "subnet_configuration",
            }
        ),
        policies=frozenset({"policy"}),
        defaults={"vpc_endpoint_type": "Gateway", "private_dns_enabled": False},
        # Associations and the policy may be managed by their own resources
        # (aws_vpc_endpoint_route_table_association, _subnet_association, _policy …).
        absent_when_empty=frozenset(
            {"route_table_ids", "subnet_ids", "security_group_ids", "policy", "dns_options"}
        ),
        ignored=frozenset(
            {
                "state",
                "requester_managed",
                "network_interface_ids",
                "dns_entry",
                "cidr_blocks",
                "prefix_list_id",
                "auto_accept",
            }
        ),
        severity={"policy": "high", "security_group_ids": "high"},
        access=True,
    ),
)

aws(
    "aws_network_interface",
    TypeRules(
        sets=frozenset(
            {"private_ips", "security_groups", "ipv6_addresses", "attachment", "ipv4_prefixes"}
            | {"ipv6_prefixes"}
        ),
        cidrs=frozenset({"ipv4_prefixes", "ipv6_prefixes"}),
        defaults={"source_dest_check": True, "description": "", "interface_type": "interface"},
        # The attachment may be made by a separate aws_network_interface_attachment.
        absent_when_empty=frozenset({"attachment"}),
        member_ignored={"attachment": frozenset({"attachment_id"})},
        # The *_list/*_count attributes restate private_ips/ipv6_addresses/prefixes.
        ignored=frozenset(
            {
                "mac_address",
                "private_dns_name",
                "outpost_arn",
                "private_ip_list",
                "private_ip_list_enabled",
                "private_ips_count",
                "ipv6_address_list",
                "ipv6_address_list_enabled",
                "ipv6_address_count",
                "ipv4_prefix_count",
                "ipv6_prefix_count",
                "enable_primary_ipv6",
                "requester_managed",
                "delete_on_termination",
            }
        ),
        parent=network_interface_parent,
        cloud_default=_service_interface,
        access=True,
    ),
)

aws(
    "aws_vpc_peering_connection",
    TypeRules(
        # Options may be managed by aws_vpc_peering_connection_options; the status moves
        # from pending-acceptance to active as the peer accepts.
        absent_when_empty=frozenset({"requester", "accepter", "peer_region", "peer_owner_id"}),
        ignored=frozenset({"accept_status", "auto_accept"}),
        access=True,
    ),
)

aws(
    "aws_flow_log",
    TypeRules(
        defaults={
            "max_aggregation_interval": 600,
            "log_destination_type": "cloud-watch-logs",
            "deliver_cross_account_role": "",
            "iam_role_arn": "",
        },
        absent_when_empty=frozenset({"destination_options", "log_format"}),
        # log_group_name is the deprecated spelling of log_destination for CloudWatch.
        ignored=frozenset({"log_group_name"}),
        access=True,
    ),
)

aws(
    "aws_vpc_dhcp_options",
    TypeRules(
        defaults={"domain_name": "", "netbios_node_type": ""},
        absent_when_empty=frozenset({"ipv6_address_preferred_lease_time"}),
        cloud_default=_default_dhcp_options,
    ),
)

default_of(
    "aws_default_vpc_dhcp_options",
    "aws_vpc_dhcp_options",
    msgspec.structs.replace(
        rules_for("aws_vpc_dhcp_options"),
        ignored=rules_for("aws_vpc_dhcp_options").ignored | {"force_destroy"},
    ),
)
