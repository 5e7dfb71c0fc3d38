"""How virtual networks, subnets, security groups and rules, public IPs and network
interfaces compare (terraform-provider-azurerm 4.x, ``internal/services/network``).

Subnets and security rules are children: their ids are under their parent's, and the
parent holds a copy (``subnet`` of a network, ``security_rule`` of a group, both
Optional+Computed). As with AWS's group rules, a separate child resource leaves the
parent's copy uncompared, and a live child of a parent compared on that attribute is the
parent's to report.
"""

from __future__ import annotations

from driftmgr.domain.drift.azurerm._common import azurerm, child_of
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

_RULE_FIELDS = frozenset(
    {
        "source_port_ranges",
        "destination_port_ranges",
        "source_address_prefixes",
        "destination_address_prefixes",
        "source_application_security_group_ids",
        "destination_application_security_group_ids",
    }
)

azurerm(
    "azurerm_virtual_network",
    TypeRules(
        sets=frozenset({"subnet", "dns_servers"}),
        cidrs=frozenset({"address_space", "address_prefixes"}),
        case_insensitive=frozenset({"security_group", "id"}),
        defaults={
            "dns_servers": [],
            "flow_timeout_in_minutes": 0,
            "bgp_community": "",
            "edge_zone": "",
            "private_endpoint_vnet_policies": "Disabled",
        },
        ignored=frozenset({"guid", "ddos_protection_plan", "encryption"}),
        # The subnets' other settings are theirs to compare (azurerm_subnet).
        member_ignored={
            "subnet": frozenset(
                {
                    "default_outbound_access_enabled",
                    "delegation",
                    "private_endpoint_network_policies",
                    "private_link_service_network_policies_enabled",
                    "route_table_id",
                    "service_endpoints",
                    "service_endpoint_policy_ids",
                }
            )
        },
        severity={"address_space": "high", "dns_servers": "high"},
    ),
)

_subnet_parent, _subnet_attr, _subnet_delegates = child_of("azurerm_virtual_network", "subnet")
azurerm(
    "azurerm_subnet",
    TypeRules(
        sets=frozenset({"service_endpoints", "service_endpoint_policy_ids", "delegation"}),
        cidrs=frozenset({"address_prefixes"}),
        defaults={
            "service_endpoints": [],
            "default_outbound_access_enabled": True,
            "private_endpoint_network_policies": "Disabled",
            "private_link_service_network_policies_enabled": True,
        },
        ignored=frozenset({"virtual_network_name", "resource_group_name"}),
        parent=_subnet_parent,
        parent_attribute=_subnet_attr,
        delegates=_subnet_delegates,
        severity={"address_prefixes": "high"},
        taggable=False,
    ),
    located=False,
)

azurerm(
    "azurerm_network_security_group",
    TypeRules(
        sets=frozenset({"security_rule", *_RULE_FIELDS}),
        cidrs=frozenset({"source_address_prefixes", "destination_address_prefixes"}),
        case_insensitive=frozenset({"protocol", "direction", "access"}),
        member_ignored={"security_rule": frozenset({"id"})},
        access=True,
        severity={"security_rule": "high"},
    ),
)

_rule_parent, _rule_attr, _rule_delegates = child_of(
    "azurerm_network_security_group", "security_rule"
)
azurerm(
    "azurerm_network_security_rule",
    TypeRules(
        sets=_RULE_FIELDS,
        cidrs=frozenset({"source_address_prefixes", "destination_address_prefixes"}),
        case_insensitive=frozenset({"protocol", "direction", "access"}),
        defaults={
            "description": "",
            "source_port_range": "",
            "destination_port_range": "",
            "source_address_prefix": "",
            "destination_address_prefix": "",
        },
        ignored=frozenset({"network_security_group_name", "resource_group_name"}),
        parent=_rule_parent,
        parent_attribute=_rule_attr,
        delegates=_rule_delegates,
        access=True,
        severity={
            "access": "critical",
            "source_address_prefix": "critical",
            "source_address_prefixes": "critical",
            "destination_port_range": "high",
            "destination_port_ranges": "high",
        },
        taggable=False,
    ),
    located=False,
)

azurerm(
    "azurerm_public_ip",
    TypeRules(
        sets=frozenset({"zones", "ip_tags"}),
        defaults={
            "sku": "Standard",
            "sku_tier": "Regional",
            "ip_version": "IPv4",
            "idle_timeout_in_minutes": 4,
            "domain_name_label": "",
            "ddos_protection_mode": "VirtualNetworkInherited",
            "zones": [],
        },
        ignored=frozenset({"ip_address", "fqdn"}),
        access=True,
    ),
)

azurerm(
    "azurerm_network_interface",
    TypeRules(
        sets=frozenset({"dns_servers"}),
        case_insensitive=frozenset({"subnet_id", "public_ip_address_id"}),
        defaults={
            "accelerated_networking_enabled": False,
            "ip_forwarding_enabled": False,
            "dns_servers": [],
            "internal_dns_name_label": "",
        },
        member_ignored={
            "ip_configuration": frozenset({"gateway_load_balancer_frontend_ip_configuration_id"})
        },
        ignored=frozenset(
            {
                "mac_address",
                "private_ip_address",
                "private_ip_addresses",
                "virtual_machine_id",
                "applied_dns_servers",
                "internal_domain_name_suffix",
            }
        ),
        severity={"ip_configuration": "high", "ip_forwarding_enabled": "high"},
    ),
)
