"""Which live AWS objects the cloud created by itself (default VPC, ``local`` routes, a zone's
NS and SOA records, service-linked roles …).

The AWS adapter calls :func:`is_cloud_default` for every object it lists and sets
``LiveResource.is_default`` from the answer. The engine then never reports such an object
as unmanaged, but still matches and compares it when a state manages it (driftctl's
``aws_default_*`` middlewares, which drop defaults from the cloud side *unless managed*).

Each predicate reads the object's Terraform-named attributes. A few facts are not
attributes of the Terraform resource; the adapter adds them to the attribute dict under
the name the provider's *data source* uses (the engine compares only what the state
records, so extra live attributes are harmless):

==============================  ==========================================================
type                            reads
==============================  ==========================================================
``aws_vpc``                     ``default`` (DescribeVpcs ``IsDefault``), or ``id`` in
                                ``CloudContext.default_vpc_ids``
``aws_subnet``                  ``default_for_az`` (DescribeSubnets ``DefaultForAz``)
``aws_security_group``          ``name == "default"`` (every VPC's own group; users cannot
                                create another group of that name)
``aws_security_group_rule``     the default group's two rules: ``security_group_id`` in
                                ``CloudContext.default_security_group_ids``
``aws_route_table``             ``main`` (DescribeRouteTables ``Associations[].Main``)
``aws_route``                   ``gateway_id == "local"``, ``origin`` ``CreateRouteTable`` or
                                ``EnableVgwRoutePropagation``, a prefix list to a gateway
                                endpoint (``vpce-``, which owns it), or ``0.0.0.0/0`` to a
                                gateway in ``CloudContext.default_internet_gateway_ids``
``aws_route_table_association`` neither ``subnet_id`` nor ``gateway_id`` (the main one), or
                                ``main``
``aws_internet_gateway``        ``vpc_id`` in ``CloudContext.default_vpc_ids``
``aws_network_acl``             ``default`` (DescribeNetworkAcls ``IsDefault``), or ``id`` in
                                ``CloudContext.default_network_acl_ids``
``aws_network_acl_rule``        rule 32767/32768 (every ACL's catch-all deny), or the allow-
                                all rules 100/101 of an ACL in ``default_network_acl_ids``
``aws_route53_record``          ``NS``/``SOA`` at the zone apex: ``CloudContext.zone_names``
``aws_iam_role``                ``path`` under ``/aws-service-role/``
``aws_iam_policy``              ``arn`` of an AWS managed policy (``arn:aws:iam::aws:policy/…``)
``aws_iam_role_policy_attach…`` ``role`` is service-linked (``AWSServiceRoleFor…`` or in
                                ``CloudContext.service_linked_role_names``)
``aws_kms_key``                 ``key_manager == "AWS"`` (DescribeKey ``KeyManager``)
``aws_kms_alias``               ``name`` under ``alias/aws/``
``aws_s3_bucket_server_side_…`` the SSE-S3 (``AES256``) encryption every bucket has had
                                since January 2023
``aws_s3_bucket_public_access…`` all four flags equal: all off is no block at all; all on
                                is what S3 sets on every new bucket since April 2023
``aws_db_subnet_group``         ``name == "default"`` (created by RDS in the default VPC)
==============================  ==========================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.identity import protocol_for_value, route53_zone_id
from driftmgr.domain.drift.normalise import canonical_cidr, canonical_dns_name

__all__ = ["CloudContext", "default_types", "is_cloud_default"]


class CloudContext(msgspec.Struct, frozen=True, kw_only=True):
    """Facts about the account that one object's attributes do not carry, learned by the
    adapter while listing (all optional: without them those predicates answer False)."""

    default_vpc_ids: frozenset[str] = frozenset()
    default_security_group_ids: frozenset[str] = frozenset()
    default_network_acl_ids: frozenset[str] = frozenset()
    default_internet_gateway_ids: frozenset[str] = frozenset()
    """Internet gateways attached to a default VPC."""
    zone_names: dict[str, str] = msgspec.field(default_factory=dict)
    """Hosted zone id (with or without ``/hostedzone/``) → zone name."""
    service_linked_role_names: frozenset[str] = frozenset()


_NO_CONTEXT = CloudContext()
_MANAGED_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
_SERVICE_LINKED_ROLE_PREFIX = "AWSServiceRoleFor"
_WORLD = ("0.0.0.0/0", "::/0")

Predicate = Callable[[Mapping[str, Any], CloudContext], bool]


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    return []


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _vpc(a: Mapping[str, Any], c: CloudContext) -> bool:
    return _flag(a.get("default")) or a.get("id") in c.default_vpc_ids


def _subnet(a: Mapping[str, Any], c: CloudContext) -> bool:
    return _flag(a.get("default_for_az"))


def _security_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("name") == "default"


def _security_group_rule(a: Mapping[str, Any], c: CloudContext) -> bool:
    # driftctl's aws_default_security_group_rule: in a default group, "all traffic from the
    # group itself" in and "all traffic to anywhere" out.
    group = a.get("security_group_id")
    if group not in c.default_security_group_ids or protocol_for_value(a.get("protocol")) != "-1":
        return False
    cidrs = [str(canonical_cidr(x)) for x in _strings(a.get("cidr_blocks"))]
    ipv6 = [str(canonical_cidr(x)) for x in _strings(a.get("ipv6_cidr_blocks"))]
    source = a.get("source_security_group_id")
    if a.get("type") == "ingress":
        return not cidrs and not ipv6 and (_flag(a.get("self")) or source == group)
    if a.get("type") == "egress":
        return not source and (cidrs + ipv6) in (["0.0.0.0/0"], ["::/0"])
    return False


def _route_table(a: Mapping[str, Any], c: CloudContext) -> bool:
    return _flag(a.get("main"))


def _route(a: Mapping[str, Any], c: CloudContext) -> bool:
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


def _route_table_association(a: Mapping[str, Any], c: CloudContext) -> bool:
    return _flag(a.get("main")) or not (a.get("subnet_id") or a.get("gateway_id"))


def _internet_gateway(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("vpc_id") in c.default_vpc_ids


def _network_acl(a: Mapping[str, Any], c: CloudContext) -> bool:
    return _flag(a.get("default")) or a.get("id") in c.default_network_acl_ids


def _network_acl_rule(a: Mapping[str, Any], c: CloudContext) -> bool:
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


def _route53_record(a: Mapping[str, Any], c: CloudContext) -> bool:
    if str(a.get("type", "")).upper() not in ("NS", "SOA"):
        return False
    zone = route53_zone_id(str(a.get("zone_id", "")))
    apex = next(
        (name for zone_id, name in c.zone_names.items() if route53_zone_id(zone_id) == zone),
        None,
    )
    name = a.get("fqdn") or a.get("name")
    return apex is not None and canonical_dns_name(name) == canonical_dns_name(apex)


def _iam_role(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("path", "")).startswith("/aws-service-role/")


def _iam_policy(a: Mapping[str, Any], c: CloudContext) -> bool:
    return bool(_MANAGED_POLICY_ARN.match(str(a.get("arn") or a.get("id") or "")))


def _role_policy_attachment(a: Mapping[str, Any], c: CloudContext) -> bool:
    role = str(a.get("role", ""))
    return role.startswith(_SERVICE_LINKED_ROLE_PREFIX) or role in c.service_linked_role_names


def _kms_key(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("key_manager", "")).upper() == "AWS"


def _kms_alias(a: Mapping[str, Any], c: CloudContext) -> bool:
    return str(a.get("name", "")).startswith("alias/aws/")


def _first(value: Any) -> Mapping[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return {}


def _bucket_encryption(a: Mapping[str, Any], c: CloudContext) -> bool:
    rules = a.get("rule")
    if not isinstance(rules, list) or len(rules) != 1:
        return False
    rule = _first(rules)
    default = _first(rule.get("apply_server_side_encryption_by_default"))
    return (
        default.get("sse_algorithm") == "AES256"
        and not default.get("kms_master_key_id")
        and not _flag(rule.get("bucket_key_enabled"))
    )


_BLOCK_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def _public_access_block(a: Mapping[str, Any], c: CloudContext) -> bool:
    return len({_flag(a.get(flag)) for flag in _BLOCK_FLAGS}) == 1


def _db_subnet_group(a: Mapping[str, Any], c: CloudContext) -> bool:
    return a.get("name") == "default"


_PREDICATES: dict[str, Predicate] = {
    "aws_vpc": _vpc,
    "aws_subnet": _subnet,
    "aws_security_group": _security_group,
    "aws_security_group_rule": _security_group_rule,
    "aws_route_table": _route_table,
    "aws_route": _route,
    "aws_route_table_association": _route_table_association,
    "aws_internet_gateway": _internet_gateway,
    "aws_network_acl": _network_acl,
    "aws_network_acl_rule": _network_acl_rule,
    "aws_route53_record": _route53_record,
    "aws_iam_role": _iam_role,
    "aws_iam_policy": _iam_policy,
    "aws_iam_role_policy_attachment": _role_policy_attachment,
    "aws_kms_key": _kms_key,
    "aws_kms_alias": _kms_alias,
    "aws_s3_bucket_server_side_encryption_configuration": _bucket_encryption,
    "aws_s3_bucket_public_access_block": _public_access_block,
    "aws_db_subnet_group": _db_subnet_group,
}


def default_types() -> frozenset[str]:
    """The Terraform types that have cloud-created defaults."""
    return frozenset(_PREDICATES)


def is_cloud_default(
    resource_type: str, attributes: Mapping[str, Any], context: CloudContext = _NO_CONTEXT
) -> bool:
    """Whether a live object of ``resource_type`` was created by AWS itself, not by a user.

    ``attributes`` are the object's Terraform-named attributes plus the extra facts listed
    in this module's table; ``context`` carries the account-wide facts. Unknown types are
    never defaults.
    """
    predicate = _PREDICATES.get(resource_type)
    return predicate is not None and predicate(attributes, context)


# --- objects AWS creates beside the ones above (called by their enumerators) ---------------

_DEFAULT_DHCP_SERVERS = ["AmazonProvidedDNS"]
_DEFAULT_DHCP_DOMAIN = re.compile(r"^(ec2\.internal|[a-z0-9-]+\.compute\.internal)$")


def _bucket_ownership(a: Mapping[str, Any]) -> bool:
    # What S3 sets on every new bucket since April 2023 (ACLs disabled).
    rules = a.get("rule")
    return (
        isinstance(rules, list)
        and len(rules) == 1
        and _first(rules).get("object_ownership") == "BucketOwnerEnforced"
    )


def _bucket_acl(a: Mapping[str, Any]) -> bool:
    # The ACL every bucket is created with: its owner's sole FULL_CONTROL grant.
    policy = _first(a.get("access_control_policy"))
    grants = policy.get("grant")
    if not isinstance(grants, list) or len(grants) != 1:
        return False
    grant = _first(grants)
    grantee = _first(grant.get("grantee"))
    owner = _first(policy.get("owner"))
    return (
        grant.get("permission") == "FULL_CONTROL"
        and grantee.get("type") == "CanonicalUser"
        and bool(grantee.get("id"))
        and grantee.get("id") == owner.get("id")
    )


def _network_interface(a: Mapping[str, Any]) -> bool:
    # Interfaces AWS services create and manage (load balancers, NAT gateways, endpoints,
    # Lambda): requester-managed, or of a type other than a plain "interface".
    interface_type = str(a.get("interface_type") or "interface")
    return _flag(a.get("requester_managed")) or interface_type != "interface"


def _dhcp_options(a: Mapping[str, Any]) -> bool:
    # The options set AWS creates in every region for its default VPC.
    return (
        _strings(a.get("domain_name_servers")) == _DEFAULT_DHCP_SERVERS
        and bool(_DEFAULT_DHCP_DOMAIN.match(str(a.get("domain_name") or "")))
        and not _strings(a.get("ntp_servers"))
        and not _strings(a.get("netbios_name_servers"))
    )


_AWS_CREATED: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "aws_s3_bucket_ownership_controls": _bucket_ownership,
    "aws_s3_bucket_acl": _bucket_acl,
    "aws_network_interface": _network_interface,
    "aws_vpc_dhcp_options": _dhcp_options,
}


def is_aws_created(resource_type: str, attributes: Mapping[str, Any]) -> bool:
    """Whether AWS made this object itself, for types :func:`is_cloud_default` does not know:

    ``aws_s3_bucket_ownership_controls`` ``BucketOwnerEnforced`` (every bucket since April
    2023); ``aws_s3_bucket_acl`` the owner's sole ``FULL_CONTROL`` grant (every bucket's
    ACL); ``aws_network_interface`` ``requester_managed`` or an ``interface_type`` other than
    ``interface`` (AWS services' interfaces); ``aws_vpc_dhcp_options`` the region's
    ``AmazonProvidedDNS`` set with domain ``ec2.internal``/``<region>.compute.internal``.
    """
    predicate = _AWS_CREATED.get(resource_type)
    return predicate is not None and predicate(attributes)
