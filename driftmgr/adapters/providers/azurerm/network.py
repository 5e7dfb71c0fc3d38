"""Virtual networks and subnets, security groups and rules, public IPs and network
interfaces, through azure-mgmt-network's subscription-wide ``list_all`` listings.

Subnets and rules come inside their parents' listings (ARM embeds them), so they cost no
call of their own; they are in their parent's location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import (
    ids,
    props,
    resource_group_of,
    sub_id,
    tags,
    wire,
)
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _all(listing: Listing, operations: str) -> list[dict[str, Any]]:
    def make() -> list[dict[str, Any]]:
        client = getattr(listing.client("network"), operations)
        return [wire(item) for item in listing.pages("network", client.list_all)]

    found: list[dict[str, Any]] = listing.shared(f"network.{operations}", make)
    return found


def _prefixes(properties: Mapping[str, Any]) -> list[str]:
    many = properties.get("addressPrefixes")
    if many:
        return [str(p) for p in many]
    one = properties.get("addressPrefix")
    return [str(one)] if one else []


def _subnet_block(subnet: Mapping[str, Any]) -> dict[str, Any]:
    p = props(subnet)
    return {
        "name": subnet.get("name", ""),
        "address_prefixes": _prefixes(p),
        "security_group": sub_id(p.get("networkSecurityGroup")),
        "id": subnet.get("id", ""),
    }


@enumerator("azurerm_virtual_network", "network")
def virtual_networks(listing: Listing) -> list[LiveResource]:
    found = []
    for vnet in _all(listing, "virtual_networks"):
        p = props(vnet)
        found.append(
            listing.live(
                "azurerm_virtual_network",
                vnet["id"],
                vnet.get("location"),
                {
                    "name": vnet.get("name", ""),
                    "resource_group_name": resource_group_of(vnet["id"]),
                    "location": vnet.get("location", ""),
                    "address_space": list(
                        (p.get("addressSpace") or {}).get("addressPrefixes") or []
                    ),
                    "dns_servers": list((p.get("dhcpOptions") or {}).get("dnsServers") or []),
                    "flow_timeout_in_minutes": p.get("flowTimeoutInMinutes") or 0,
                    "bgp_community": (p.get("bgpCommunities") or {}).get("virtualNetworkCommunity")
                    or "",
                    "private_endpoint_vnet_policies": p.get("privateEndpointVNetPolicies")
                    or "Disabled",
                    "subnet": [_subnet_block(s) for s in p.get("subnets") or []],
                    "tags": tags(vnet),
                },
            )
        )
    return found


@enumerator("azurerm_subnet", "network")
def subnets(listing: Listing) -> list[LiveResource]:
    found = []
    for vnet in _all(listing, "virtual_networks"):
        for subnet in props(vnet).get("subnets") or []:
            p = props(subnet)
            found.append(
                listing.live(
                    "azurerm_subnet",
                    subnet["id"],
                    vnet.get("location"),
                    {
                        "name": subnet.get("name", ""),
                        "resource_group_name": resource_group_of(vnet["id"]),
                        "virtual_network_name": vnet.get("name", ""),
                        "address_prefixes": _prefixes(p),
                        "service_endpoints": [
                            str(e.get("service")) for e in p.get("serviceEndpoints") or []
                        ],
                        "private_endpoint_network_policies": p.get("privateEndpointNetworkPolicies")
                        or "Disabled",
                        "private_link_service_network_policies_enabled": (
                            p.get("privateLinkServiceNetworkPolicies") or "Enabled"
                        )
                        == "Enabled",
                        "default_outbound_access_enabled": p.get("defaultOutboundAccess", True)
                        is not False,
                        "delegation": [
                            {
                                "name": d.get("name", ""),
                                "service_delegation": [
                                    {
                                        "name": props(d).get("serviceName", ""),
                                        "actions": list(props(d).get("actions") or []),
                                    }
                                ],
                            }
                            for d in p.get("delegations") or []
                        ],
                    },
                )
            )
    return found


def _rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    p = props(rule)
    return {
        "name": rule.get("name", ""),
        "description": p.get("description") or "",
        "protocol": p.get("protocol") or "",
        "source_port_range": p.get("sourcePortRange") or "",
        "source_port_ranges": list(p.get("sourcePortRanges") or []),
        "destination_port_range": p.get("destinationPortRange") or "",
        "destination_port_ranges": list(p.get("destinationPortRanges") or []),
        "source_address_prefix": p.get("sourceAddressPrefix") or "",
        "source_address_prefixes": list(p.get("sourceAddressPrefixes") or []),
        "destination_address_prefix": p.get("destinationAddressPrefix") or "",
        "destination_address_prefixes": list(p.get("destinationAddressPrefixes") or []),
        "source_application_security_group_ids": ids(p.get("sourceApplicationSecurityGroups")),
        "destination_application_security_group_ids": ids(
            p.get("destinationApplicationSecurityGroups")
        ),
        "access": p.get("access") or "",
        "priority": p.get("priority"),
        "direction": p.get("direction") or "",
    }


@enumerator("azurerm_network_security_group", "network")
def security_groups(listing: Listing) -> list[LiveResource]:
    return [
        listing.live(
            "azurerm_network_security_group",
            group["id"],
            group.get("location"),
            {
                "name": group.get("name", ""),
                "resource_group_name": resource_group_of(group["id"]),
                "location": group.get("location", ""),
                "security_rule": [_rule(r) for r in props(group).get("securityRules") or []],
                "tags": tags(group),
            },
        )
        for group in _all(listing, "network_security_groups")
    ]


@enumerator("azurerm_network_security_rule", "network")
def security_rules(listing: Listing) -> list[LiveResource]:
    found = []
    for group in _all(listing, "network_security_groups"):
        for rule in props(group).get("securityRules") or []:
            found.append(
                listing.live(
                    "azurerm_network_security_rule",
                    rule["id"],
                    group.get("location"),
                    {
                        **_rule(rule),
                        "resource_group_name": resource_group_of(group["id"]),
                        "network_security_group_name": group.get("name", ""),
                    },
                )
            )
    return found


@enumerator("azurerm_public_ip", "network")
def public_ips(listing: Listing) -> list[LiveResource]:
    found = []
    for ip in _all(listing, "public_ip_addresses"):
        p = props(ip)
        sku = ip.get("sku") or {}
        found.append(
            listing.live(
                "azurerm_public_ip",
                ip["id"],
                ip.get("location"),
                {
                    "name": ip.get("name", ""),
                    "resource_group_name": resource_group_of(ip["id"]),
                    "location": ip.get("location", ""),
                    "allocation_method": p.get("publicIPAllocationMethod") or "",
                    "sku": sku.get("name") or "",
                    "sku_tier": sku.get("tier") or "",
                    "ip_version": p.get("publicIPAddressVersion") or "",
                    "idle_timeout_in_minutes": p.get("idleTimeoutInMinutes"),
                    "domain_name_label": (p.get("dnsSettings") or {}).get("domainNameLabel") or "",
                    "ddos_protection_mode": (p.get("ddosSettings") or {}).get("protectionMode")
                    or "VirtualNetworkInherited",
                    "zones": list(ip.get("zones") or []),
                    "ip_address": p.get("ipAddress") or "",
                    "fqdn": (p.get("dnsSettings") or {}).get("fqdn") or "",
                    "tags": tags(ip),
                },
            )
        )
    return found


@enumerator("azurerm_network_interface", "network")
def network_interfaces(listing: Listing) -> list[LiveResource]:
    found = []
    for nic in _all(listing, "network_interfaces"):
        p = props(nic)
        dns = p.get("dnsSettings") or {}
        configurations = []
        for configuration in p.get("ipConfigurations") or []:
            c = props(configuration)
            configurations.append(
                {
                    "name": configuration.get("name", ""),
                    "subnet_id": sub_id(c.get("subnet")),
                    "private_ip_address_allocation": c.get("privateIPAllocationMethod") or "",
                    "private_ip_address": c.get("privateIPAddress") or "",
                    "private_ip_address_version": c.get("privateIPAddressVersion") or "IPv4",
                    "public_ip_address_id": sub_id(c.get("publicIPAddress")),
                    "primary": bool(c.get("primary")),
                }
            )
        found.append(
            listing.live(
                "azurerm_network_interface",
                nic["id"],
                nic.get("location"),
                {
                    "name": nic.get("name", ""),
                    "resource_group_name": resource_group_of(nic["id"]),
                    "location": nic.get("location", ""),
                    "ip_configuration": configurations,
                    "accelerated_networking_enabled": bool(p.get("enableAcceleratedNetworking")),
                    "ip_forwarding_enabled": bool(p.get("enableIPForwarding")),
                    "dns_servers": list(dns.get("dnsServers") or []),
                    "internal_dns_name_label": dns.get("internalDnsNameLabel") or "",
                    "mac_address": p.get("macAddress") or "",
                    "virtual_machine_id": sub_id(p.get("virtualMachine")),
                    "tags": tags(nic),
                },
            )
        )
    return found
