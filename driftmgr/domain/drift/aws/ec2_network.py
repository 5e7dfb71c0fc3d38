"""How VPC networking compares: security groups and their rules (both provider styles),
VPCs, subnets, route tables and routes, internet and NAT gateways, network ACLs and their
rules, Elastic IPs, and the ``aws_default_*`` types (terraform-provider-aws 5.x,
``internal/service/ec2``).

Four relationships keep inline blocks and their standalone resources from being reported
twice, or not at all (driftctl's expanders, splitters and default filters):

- **split** — a state ``aws_security_group_rule`` with N sources is N rules in AWS, each
  with its own ``sgrule-…`` id; ``aws_vpc_security_group_{ingress,egress}_rule`` are the same
  AWS objects and are compared as ``aws_security_group_rule`` units;
- **claims** — a group's inline ``ingress``/``egress``, a route table's inline ``route`` and
  a network ACL's inline rules account for the standalone live objects they create;
- **parent** — a live rule/route belongs to its parent, which reports its drift, when the
  parent was compared on the attribute that holds it;
- **delegates** — when the state manages that child as its own resource, the parent's copy
  of the attribute is stale until the parent's next apply, so it is compared on the child.

The objects AWS makes by itself (a default VPC and what comes with every VPC) are
``cloud_default``: never unmanaged, compared when a state adopts them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.aws._common import (
    aws,
    blocks,
    child_of,
    default_of,
    name_or_id,
    strings,
    truthy,
)
from driftmgr.domain.drift.identity import (
    network_acl_rule_id,
    network_acl_rule_identity,
    network_acl_rule_import_id,
    protocol_for_value,
    route_destination,
    route_id,
    route_identity,
    route_import_id,
    route_table_association_identity,
    security_group_rule_id,
    security_group_rule_identity,
    security_group_rule_import_id,
)
from driftmgr.domain.drift.normalise import canonical_cidr
from driftmgr.domain.drift.rules import CloudContext, Key, TypeRules, rules_for
from driftmgr.domain.resources import StateResource

__all__ = [
    "security_group_inline_rule_ids",
    "split_security_group_rule",
    "unify_vpc_security_group_rule",
]

# --- what AWS makes by itself (driftctl's aws_default_* middlewares) ------------------------


def _default_vpc(a: Mapping[str, Any], c: CloudContext) -> bool:
    # DescribeVpcs IsDefault, under the data source's name `default`.
    return truthy(a.get("default")) or a.get("id") in c.default_vpc_ids


def _default_subnet(a: Mapping[str, Any], c: CloudContext) -> bool:
    return truthy(a.get("default_for_az"))  # DescribeSubnets DefaultForAz


def _default_security_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    # Every VPC's own group; users cannot create another group of that name.
    return a.get("name") == "default"


def _default_security_group_rule(a: Mapping[str, Any], c: CloudContext) -> bool:
    # driftctl's aws_default_security_group_rule: in a default group, "all traffic from the
    # group itself" in and "all traffic to anywhere" out.
    group = a.get("security_group_id")
    if group not in c.default_security_group_ids or protocol_for_value(a.get("protocol")) != "-1":
        return False
    cidrs = [str(canonical_cidr(x)) for x in strings(a.get("cidr_blocks"))]
    ipv6 = [str(canonical_cidr(x)) for x in strings(a.get("ipv6_cidr_blocks"))]
    source = a.get("source_security_group_id")
    if a.get("type") == "ingress":
        return not cidrs and not ipv6 and (truthy(a.get("self")) or source == group)
    if a.get("type") == "egress":
        return not source and (cidrs + ipv6) in (["0.0.0.0/0"], ["::/0"])
    return False


def _main_route_table(a: Mapping[str, Any], c: CloudContext) -> bool:
    return truthy(a.get("main"))  # DescribeRouteTables Associations[].Main


def _default_route(a: Mapping[str, Any], c: CloudContext) -> bool:
    if a.get("gateway_id") == "local":
        return True
    if a.get("origin") in ("CreateRouteTable", "EnableVgwRoutePropagation"):
        return True
    if a.get("destination_prefix_list_id") and a.get("vpc_endpoint_id"):
        return True  # a gateway endpoint's route: its endpoint made it and owns it
    return (
        a.get("gateway_id") in c.default_internet_gateway_ids
        and canonical_cidr(a.get("destination_cidr_block")) == "0.0.0.0/0"
    )


def _main_route_table_association(a: Mapping[str, Any], c: CloudContext) -> bool:
    return truthy(a.get("main")) or not (a.get("subnet_id") or a.get("gateway_id"))


def _default_internet_gateway(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("vpc_id") in c.default_vpc_ids


def _default_network_acl(a: Mapping[str, Any], c: CloudContext) -> bool:
    # DescribeNetworkAcls IsDefault, under the data source's name `default`.
    return truthy(a.get("default")) or a.get("id") in c.default_network_acl_ids


def _default_network_acl_rule(a: Mapping[str, Any], c: CloudContext) -> bool:
    number = _number(a.get("rule_number"))
    action = str(a.get("rule_action", "")).lower()
    protocol = str(a.get("protocol", ""))
    destination = canonical_cidr(a.get("cidr_block") or a.get("ipv6_cidr_block"))
    if protocol not in ("-1", "all") or destination not in _WORLD:
        return False
    if number in (32767, 32768):
        return action == "deny"  # the "*" rule every ACL has, IPv4 and IPv6
    return (
        number in (100, 101)
        and action == "allow"
        and a.get("network_acl_id") in (c.default_network_acl_ids)
    )


_SG = "aws_security_group"
_SG_RULE = "aws_security_group_rule"
_ROUTE_TABLE = "aws_route_table"
_NACL = "aws_network_acl"

_SG_SOURCES = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids")
_WORLD = ("0.0.0.0/0", "::/0")


def _unit(resource: StateResource, resource_type: str, attributes: dict[str, Any]) -> StateResource:
    identity = security_group_rule_identity(attributes)
    return msgspec.structs.replace(
        resource, type=resource_type, id=identity, attributes={**attributes, "id": identity}
    )


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- security groups ------------------------------------------------------------------------


def _rule_direction(attributes: Mapping[str, Any]) -> str | None:
    rule_type = attributes.get("type")
    return rule_type if rule_type in ("ingress", "egress") else None


def split_security_group_rule(resource: StateResource) -> list[StateResource]:
    """One ``aws_security_group_rule`` unit per source, as AWS lists them.

    driftctl's ``VPCSecurityGroupRuleSanitizer``: each CIDR, IPv6 CIDR and prefix list, and
    the source group (the rule's own group for ``self``), becomes a rule of its own with
    its own ``sgrule-…`` id. Protocol numbers are folded to names and the meaningless ports
    of protocol ``-1`` to 0, as the provider stores them.
    """
    attributes = resource.attributes
    group = attributes.get("security_group_id")
    base = {k: v for k, v in attributes.items() if k not in (*_SG_SOURCES, "self")}
    base.update(
        cidr_blocks=[], ipv6_cidr_blocks=[], prefix_list_ids=[], source_security_group_id=""
    )
    base["protocol"] = protocol = protocol_for_value(attributes.get("protocol"))
    if protocol == "-1":
        base["from_port"] = base["to_port"] = 0
    sources: list[dict[str, Any]] = [
        {field: [value]} for field in _SG_SOURCES for value in strings(attributes.get(field))
    ]
    source_group = attributes.get("source_security_group_id")
    if truthy(attributes.get("self")):
        sources.append({"source_security_group_id": group})
    elif source_group:
        sources.append({"source_security_group_id": str(source_group).rsplit("/", 1)[-1]})
    if not sources:
        return [_unit(resource, resource.type, base)]
    return [_unit(resource, resource.type, {**base, **source}) for source in sources]


def unify_vpc_security_group_rule(resource: StateResource) -> list[StateResource]:
    """An ``aws_vpc_security_group_{ingress,egress}_rule`` as the ``aws_security_group_rule``
    unit it is in AWS (one source per rule), so both Terraform styles match one live rule."""
    attributes = resource.attributes
    protocol = protocol_for_value(attributes.get("ip_protocol"))
    referenced = attributes.get("referenced_security_group_id")
    unit: dict[str, Any] = {
        "security_group_id": attributes.get("security_group_id"),
        "type": "ingress" if resource.type.endswith("_ingress_rule") else "egress",
        "protocol": protocol,
        "from_port": 0 if protocol == "-1" else attributes.get("from_port") or 0,
        "to_port": 0 if protocol == "-1" else attributes.get("to_port") or 0,
        "cidr_blocks": strings(attributes.get("cidr_ipv4")),
        "ipv6_cidr_blocks": strings(attributes.get("cidr_ipv6")),
        "prefix_list_ids": strings(attributes.get("prefix_list_id")),
        "source_security_group_id": str(referenced).rsplit("/", 1)[-1] if referenced else "",
        "description": attributes.get("description"),
    }
    for name in ("tags", "tags_all"):
        if name in attributes:
            unit[name] = attributes[name]
    return [_unit(resource, _SG_RULE, unit)]


def security_group_inline_rule_ids(
    security_group_id: str, rule_type: str, rule: Mapping[str, Any]
) -> list[str]:
    """The ``sgrule-…`` ids of one inline ``ingress``/``egress`` block, one per source."""

    def rule_id(**source: Any) -> str:
        return security_group_rule_id(
            security_group_id,
            rule_type,
            rule.get("protocol"),
            rule.get("from_port"),
            rule.get("to_port"),
            **source,
        )

    ids = [
        rule_id(**{field: [value]}) for field in _SG_SOURCES for value in strings(rule.get(field))
    ]
    ids += [rule_id(source_security_group_id=g) for g in strings(rule.get("security_groups"))]
    if truthy(rule.get("self")):
        ids.append(rule_id(self_referencing=True))
    return ids


def _security_group_claims(resource: StateResource) -> list[Key]:
    group = name_or_id(resource, "id")
    if group is None:
        return []
    return [
        (_SG_RULE, rule_id)
        for direction in ("ingress", "egress")
        for rule in blocks(resource.attributes.get(direction))
        for rule_id in security_group_inline_rule_ids(group, direction, rule)
    ]


_SG_RULE_PARENT, _SG_RULE_ATTRIBUTE, _SG_RULE_DELEGATES = child_of(
    _SG, "security_group_id", _rule_direction
)


def _vpc_rule_delegates(direction: str) -> Callable[[StateResource], list[tuple[Key, str]]]:
    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        group = resource.attributes.get("security_group_id")
        return [((_SG, str(group)), direction)] if group else []

    return delegates


aws(
    _SG,
    TypeRules(
        sets=frozenset({"ingress", "egress"}),
        cidrs=frozenset({"cidr_blocks", "ipv6_cidr_blocks"}),
        case_insensitive=frozenset({"protocol"}),
        # Terraform's default description, sent to AWS like any other.
        defaults={"description": "Managed by Terraform"},
        ignored=frozenset({"revoke_rules_on_delete", "name_prefix"}),
        claims=_security_group_claims,
        claimed_types=frozenset({_SG_RULE}),
        cloud_default=_default_security_group,
        severity={"egress": "medium", "ingress": "high"},
        access=True,
    ),
)

aws(
    _SG_RULE,
    TypeRules(
        cidrs=frozenset({"cidr_blocks", "ipv6_cidr_blocks"}),
        case_insensitive=frozenset({"protocol"}),
        sets=frozenset({"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"}),
        # `self` is folded into source_security_group_id by the split; the AWS rule id is
        # only set for single-source rules and is not part of Terraform's identity.
        ignored=frozenset({"self", "security_group_rule_id", "type"}),
        identity=security_group_rule_identity,
        import_id="{security_group_id}_{type}_{protocol}_{from_port}_{to_port}_{source}[_{source}]…"
        " (sources: CIDRs, prefix lists, a group id or self)",
        import_id_of=security_group_rule_import_id,
        split=split_security_group_rule,
        parent=_SG_RULE_PARENT,
        parent_attribute=_SG_RULE_ATTRIBUTE,
        delegates=_SG_RULE_DELEGATES,
        cloud_default=_default_security_group_rule,
        severity={"description": "low"},
        access=True,
        taggable=False,
    ),
)

for _direction in ("ingress", "egress"):
    aws(
        f"aws_vpc_security_group_{_direction}_rule",
        TypeRules(
            cidrs=frozenset({"cidr_ipv4", "cidr_ipv6"}),
            case_insensitive=frozenset({"ip_protocol"}),
            ignored=frozenset({"security_group_rule_id"}),
            live_type=_SG_RULE,
            split=unify_vpc_security_group_rule,
            delegates=_vpc_rule_delegates(_direction),
            access=True,
        ),
    )


# --- VPC, subnets, gateways -----------------------------------------------------------------

aws(
    "aws_vpc",
    TypeRules(
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        defaults={
            "instance_tenancy": "default",
            "enable_dns_support": True,
            "enable_dns_hostnames": False,
            "enable_network_address_usage_metrics": False,
            "assign_generated_ipv6_cidr_block": False,
        },
        ignored=frozenset(
            {
                "dhcp_options_id",
                "main_route_table_id",
                "default_network_acl_id",
                "default_route_table_id",
                "default_security_group_id",
                "ipv6_association_id",
                "ipv6_cidr_block_network_border_group",
                "ipv4_ipam_pool_id",
                "ipv4_netmask_length",
                "ipv6_ipam_pool_id",
                "ipv6_netmask_length",
            }
        ),
        cloud_default=_default_vpc,
    ),
)

aws(
    "aws_subnet",
    TypeRules(
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        defaults={
            "map_public_ip_on_launch": False,
            "assign_ipv6_address_on_creation": False,
            "enable_dns64": False,
            "enable_resource_name_dns_a_record_on_launch": False,
            "enable_resource_name_dns_aaaa_record_on_launch": False,
            "ipv6_native": False,
            "map_customer_owned_ip_on_launch": False,
            "private_dns_hostname_type_on_launch": "ip-name",
            "enable_lni_at_device_index": 0,
        },
        ignored=frozenset({"ipv6_cidr_block_association_id"}),
        cloud_default=_default_subnet,
    ),
)


def _route_table_claims(resource: StateResource) -> list[Key]:
    table = name_or_id(resource, "id")
    if table is None:
        return []
    keys: list[Key] = []
    for route in blocks(resource.attributes.get("route")):
        destination = route_destination(route)
        if destination is not None:
            keys.append(("aws_route", route_id(table, destination)))
    return keys


aws(
    _ROUTE_TABLE,
    TypeRules(
        sets=frozenset({"route", "propagating_vgws"}),
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        claims=_route_table_claims,
        claimed_types=frozenset({"aws_route"}),
        cloud_default=_main_route_table,
    ),
)

_ROUTE_PARENT, _ROUTE_ATTRIBUTE, _ROUTE_DELEGATES = child_of(
    _ROUTE_TABLE, "route_table_id", "route"
)
aws(
    "aws_route",
    TypeRules(
        cidrs=frozenset({"destination_cidr_block", "destination_ipv6_cidr_block"}),
        # origin/state are AWS's bookkeeping; instance_* are derived from the target ENI.
        ignored=frozenset({"origin", "state", "instance_id", "instance_owner_id"}),
        identity=route_identity,
        import_id="{route_table_id}_{destination} (CIDR, IPv6 CIDR or prefix list id)",
        import_id_of=route_import_id,
        parent=_ROUTE_PARENT,
        parent_attribute=_ROUTE_ATTRIBUTE,
        delegates=_ROUTE_DELEGATES,
        cloud_default=_default_route,
        taggable=False,
    ),
)

aws(
    "aws_route_table_association",
    TypeRules(
        identity=route_table_association_identity,
        cloud_default=_main_route_table_association,
        taggable=False,
    ),
)

aws(
    "aws_internet_gateway",
    # vpc_id may be set by a separate aws_internet_gateway_attachment.
    TypeRules(
        absent_when_empty=frozenset({"vpc_id"}),
        cloud_default=_default_internet_gateway,
        access=True,
    ),
)

aws(
    "aws_nat_gateway",
    TypeRules(
        sets=frozenset({"secondary_allocation_ids", "secondary_private_ip_addresses"}),
        defaults={"connectivity_type": "public"},
        ignored=frozenset(
            {"association_id", "network_interface_id", "secondary_private_ip_address_count"}
        ),
    ),
)


def _network_acl_claims(resource: StateResource) -> list[Key]:
    acl = name_or_id(resource, "id")
    if acl is None:
        return []
    return [
        (
            "aws_network_acl_rule",
            network_acl_rule_id(
                acl, rule.get("rule_no"), direction == "egress", rule.get("protocol")
            ),
        )
        for direction in ("ingress", "egress")
        for rule in blocks(resource.attributes.get(direction))
    ]


aws(
    _NACL,
    TypeRules(
        sets=frozenset({"ingress", "egress", "subnet_ids"}),
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        case_insensitive=frozenset({"action"}),
        # subnet associations may be made by aws_network_acl_association resources.
        absent_when_empty=frozenset({"subnet_ids"}),
        claims=_network_acl_claims,
        claimed_types=frozenset({"aws_network_acl_rule"}),
        cloud_default=_default_network_acl,
        severity={"egress": "high", "ingress": "high", "subnet_ids": "high"},
        access=True,
    ),
)

_NACL_RULE_PARENT, _NACL_RULE_ATTRIBUTE, _NACL_RULE_DELEGATES = child_of(
    _NACL,
    "network_acl_id",
    lambda attributes: "egress" if truthy(attributes.get("egress")) else "ingress",
)
aws(
    "aws_network_acl_rule",
    TypeRules(
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        case_insensitive=frozenset({"rule_action"}),
        defaults={"egress": False, "from_port": 0, "to_port": 0, "icmp_type": 0, "icmp_code": 0},
        identity=network_acl_rule_identity,
        import_id="{network_acl_id}:{rule_number}:{protocol number}:{egress true|false}",
        import_id_of=network_acl_rule_import_id,
        parent=_NACL_RULE_PARENT,
        parent_attribute=_NACL_RULE_ATTRIBUTE,
        delegates=_NACL_RULE_DELEGATES,
        cloud_default=_default_network_acl_rule,
        severity={"from_port": "high", "rule_action": "high", "to_port": "high"},
        access=True,
        taggable=False,
    ),
)

aws(
    "aws_eip",
    TypeRules(
        defaults={"domain": "vpc", "public_ipv4_pool": "amazon"},
        # The association may be made by a separate aws_eip_association.
        absent_when_empty=frozenset({"instance", "network_interface", "associate_with_private_ip"}),
        ignored=frozenset(
            {
                "allocation_id",
                "association_id",
                "private_ip",
                "private_dns",
                "public_dns",
                "ptr_record",
                "carrier_ip",
                "customer_owned_ip",
                "vpc",
            }
        ),
    ),
)


# --- aws_default_* ---------------------------------------------------------------------------
# Terraform adopts the objects AWS creates with these types; the cloud lists them as the plain
# types. They compare as those types (same rules), matched under the plain type's name.
for _default_type, _live_type in {
    "aws_default_vpc": "aws_vpc",
    "aws_default_subnet": "aws_subnet",
    "aws_default_security_group": _SG,
    "aws_default_route_table": _ROUTE_TABLE,
    "aws_default_network_acl": _NACL,
}.items():
    default_of(_default_type, _live_type, rules_for(_live_type))
