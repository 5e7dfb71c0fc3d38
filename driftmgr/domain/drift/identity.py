"""Terraform-compatible ids for AWS objects whose id the cloud does not hand out.

terraform-provider-aws invents some ids itself (a CRC-32 over a rule's fields, a route
table id plus a hash of the destination, a random id for a policy attachment). The drift
engine matches state to cloud on ``(type, id)``, so both sides must build the same id from
the same facts: the state side through the ``identity`` hooks registered in
:mod:`driftmgr.domain.drift.aws`, the AWS adapter by calling the formula functions below
with what the API returned. Every formula is pure and documented with the inputs it takes.

Where Terraform's own id is random (policy attachments) or depends on how the user wrote
the configuration (``"tcp"`` or ``"6"``, ``www`` or ``www.example.com.``), the formula uses a
canonical form of the inputs instead, so that the two sides agree; the docstring says so.

CRC-32 is zlib's (IEEE), as Go's ``hash/crc32.ChecksumIEEE`` behind the provider's
``create.StringHashcode``; on 64-bit builds that value is never negative, so it is used as is.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from driftmgr.domain.drift.normalise import canonical_cidr, canonical_dns_name

__all__ = [
    "bucket_identity",
    "db_instance_identity",
    "kms_alias_identity",
    "network_acl_protocol_number",
    "network_acl_rule_id",
    "network_acl_rule_identity",
    "network_acl_rule_import_id",
    "policy_attachment_id",
    "policy_attachment_identity",
    "protocol_for_value",
    "route53_record_id",
    "route53_record_identity",
    "route53_zone_id",
    "route53_zone_identity",
    "route_destination",
    "route_id",
    "route_identity",
    "route_import_id",
    "route_table_association_id",
    "route_table_association_identity",
    "security_group_rule_id",
    "security_group_rule_identity",
    "security_group_rule_import_id",
    "sqs_queue_id",
    "sqs_queue_identity",
    "string_hashcode",
]

# Security group protocols terraform-provider-aws knows by name (``securityGroupProtocolIntegers``
# in internal/service/ec2); any other number stays a number.
_SG_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}

# IANA names the network ACL API accepts in configurations (a subset of the provider's
# ``ianaProtocolAToI``); the API itself only ever answers with numbers.
_NACL_PROTOCOL_NUMBERS = {
    "all": "-1",
    "icmp": "1",
    "igmp": "2",
    "ggp": "3",
    "ipv4": "4",
    "tcp": "6",
    "egp": "8",
    "igp": "9",
    "udp": "17",
    "ipv6": "41",
    "gre": "47",
    "esp": "50",
    "ah": "51",
    "icmpv6": "58",
    "eigrp": "88",
    "ospf": "89",
    "pim": "103",
    "vrrp": "112",
    "sctp": "132",
}


def string_hashcode(text: str) -> int:
    """The provider's ``create.StringHashcode``: CRC-32 (IEEE) of the UTF-8 bytes."""
    return zlib.crc32(text.encode())


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0


def _strings(values: Any) -> list[str]:
    if values is None or values == "":
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, Iterable):
        return [str(v) for v in values if v not in (None, "")]
    return []


# --- security group rules ------------------------------------------------------------------


def protocol_for_value(value: Any) -> str:
    """A security group protocol as terraform-provider-aws stores it (``ProtocolForValue``).

    ``"-1"`` and ``"all"`` are ``"-1"``; ``"6"``, ``"17"``, ``"1"``, ``"58"`` become ``tcp``,
    ``udp``, ``icmp``, ``icmpv6``; names are lower-cased; any other number stays a number.
    """
    protocol = str(value if value is not None else "").strip().lower()
    if protocol in ("-1", "all"):
        return "-1"
    return _SG_PROTOCOL_NAMES.get(protocol, protocol)


def security_group_rule_id(
    security_group_id: str,
    rule_type: str,
    protocol: Any,
    from_port: Any = 0,
    to_port: Any = 0,
    *,
    cidr_blocks: Iterable[str] = (),
    ipv6_cidr_blocks: Iterable[str] = (),
    prefix_list_ids: Iterable[str] = (),
    source_security_group_id: str | None = None,
    self_referencing: bool = False,
) -> str:
    """The ``sgrule-<crc32>`` id of an ``aws_security_group_rule`` (``SecurityGroupRuleCreateID``).

    Inputs, as the API or the state gives them:

    - ``security_group_id``: the group the rule belongs to (``sg-…``);
    - ``rule_type``: ``"ingress"`` or ``"egress"``;
    - ``protocol``: name or number (``"tcp"``, ``"6"``, ``"-1"``, ``"all"``), folded with
      :func:`protocol_for_value`;
    - ``from_port``/``to_port``: written only when above zero, and never for protocol ``-1``
      (the provider sends no ports then);
    - the sources: IPv4 CIDRs, IPv6 CIDRs, prefix list ids, each sorted (CIDRs in their
      canonical network form, as AWS stores them), then the source group — the rule's own
      group when ``self_referencing``; an ``owner/sg-…`` source counts by its group id.

    The hashed text is ``sg-…-[from-][to-]protocol-type-`` followed by ``source-`` for each
    CIDR and prefix list and ``group--`` for a source group. driftctl splits a state rule into
    one rule per source and recomputes this id for each; the AWS adapter builds one live
    rule per source the same way, so a rule with one source has Terraform's own id.
    """
    protocol_name = protocol_for_value(protocol)
    text = f"{security_group_id}-"
    if protocol_name != "-1":
        if (low := _as_int(from_port)) > 0:
            text += f"{low}-"
        if (high := _as_int(to_port)) > 0:
            text += f"{high}-"
    text += f"{protocol_name}-{rule_type}-"
    for group in (cidr_blocks, ipv6_cidr_blocks):
        for cidr in sorted(str(canonical_cidr(c)) for c in _strings(group)):
            text += f"{cidr}-"
    for prefix_list in sorted(_strings(prefix_list_ids)):
        text += f"{prefix_list}-"
    groups: set[str] = set()
    if self_referencing:
        groups.add(security_group_id)
    if source_security_group_id:
        groups.add(source_security_group_id.rsplit("/", 1)[-1])
    for group_id in sorted(groups):
        text += f"{group_id}--"  # GroupId, then an empty GroupName
    return f"sgrule-{string_hashcode(text)}"


def security_group_rule_identity(attributes: Mapping[str, Any]) -> str | None:
    """:func:`security_group_rule_id` from ``aws_security_group_rule`` attributes."""
    group = attributes.get("security_group_id")
    rule_type = attributes.get("type")
    if not group or not rule_type:
        return None
    return security_group_rule_id(
        str(group),
        str(rule_type),
        attributes.get("protocol"),
        attributes.get("from_port"),
        attributes.get("to_port"),
        cidr_blocks=_strings(attributes.get("cidr_blocks")),
        ipv6_cidr_blocks=_strings(attributes.get("ipv6_cidr_blocks")),
        prefix_list_ids=_strings(attributes.get("prefix_list_ids")),
        source_security_group_id=attributes.get("source_security_group_id") or None,
        self_referencing=bool(attributes.get("self")),
    )


# --- routes ---------------------------------------------------------------------------------


def route_id(route_table_id: str, destination: str) -> str:
    """The ``r-<table><crc32>`` id of an ``aws_route`` (``RouteCreateID``).

    ``destination`` is the route's destination CIDR (IPv4 or IPv6) or prefix list id. CIDRs
    are hashed in their canonical form (``::/0``, not ``0::0/0``), which is how the API
    returns them; e.g. ``route_id("table", "0.0.0.0/0") == "r-table1080289494"``.
    """
    return f"r-{route_table_id}{string_hashcode(str(canonical_cidr(destination)))}"


def route_destination(attributes: Mapping[str, Any]) -> str | None:
    """An ``aws_route``'s destination: IPv4 CIDR, else IPv6 CIDR, else prefix list id.

    Also reads the field names of a route table's inline ``route`` blocks (``cidr_block``,
    ``ipv6_cidr_block``), so inline routes and ``aws_route`` resources hash alike.
    """
    for name in (
        "destination_cidr_block",
        "cidr_block",
        "destination_ipv6_cidr_block",
        "ipv6_cidr_block",
        "destination_prefix_list_id",
    ):
        value = attributes.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def route_identity(attributes: Mapping[str, Any]) -> str | None:
    """:func:`route_id` from ``aws_route`` attributes (``route_table_id`` + destination)."""
    table = attributes.get("route_table_id")
    destination = route_destination(attributes)
    if not table or destination is None:
        return None
    return route_id(str(table), destination)


def route_table_association_id(
    route_table_id: str, *, subnet_id: str | None = None, gateway_id: str | None = None
) -> str | None:
    """``<subnet or gateway id>/<route table id>`` — the id ``terraform import`` takes.

    Terraform stores the AWS association id (``rtbassoc-…``); matching on what is associated
    with what is stable across re-association and equally available on both sides. Returns
    None for a table's *main* association (neither subnet nor gateway), which is not an
    ``aws_route_table_association`` (see :mod:`driftmgr.domain.drift.defaults`).
    """
    target = subnet_id or gateway_id
    return f"{target}/{route_table_id}" if target and route_table_id else None


def route_table_association_identity(attributes: Mapping[str, Any]) -> str | None:
    return route_table_association_id(
        str(attributes.get("route_table_id") or ""),
        subnet_id=attributes.get("subnet_id") or None,
        gateway_id=attributes.get("gateway_id") or None,
    )


# --- network ACL rules ----------------------------------------------------------------------


def network_acl_protocol_number(value: Any) -> str:
    """A network ACL protocol as a number: ``"tcp"`` → ``"6"``, ``"all"`` → ``"-1"``."""
    protocol = str(value if value is not None else "").strip().lower()
    return _NACL_PROTOCOL_NUMBERS.get(protocol, protocol)


def network_acl_rule_id(network_acl_id: str, rule_number: Any, egress: Any, protocol: Any) -> str:
    """The ``nacl-<crc32>`` id of an ``aws_network_acl_rule`` (``networkACLRuleCreateResourceID``).

    Hashes ``acl-…-<rule number>-<true|false>-<protocol>-``. The provider hashes the protocol
    *as configured* (``"tcp"`` or ``"6"``) but stores and reads back the number; this uses
    the number (:func:`network_acl_protocol_number`) on both sides, which is Terraform's own
    id whenever the configuration used numbers (as every driftctl fixture does).
    """
    flag = "true" if egress is True or str(egress).lower() == "true" else "false"
    number = network_acl_protocol_number(protocol)
    text = f"{network_acl_id}-{_as_int(rule_number)}-{flag}-{number}-"
    return f"nacl-{string_hashcode(text)}"


def network_acl_rule_identity(attributes: Mapping[str, Any]) -> str | None:
    acl = attributes.get("network_acl_id")
    number = attributes.get("rule_number")
    if not acl or number is None:
        return None
    return network_acl_rule_id(
        str(acl), number, attributes.get("egress", False), attributes.get("protocol")
    )


# --- IAM policy attachments -----------------------------------------------------------------


def policy_attachment_id(principal: str, policy_arn: str) -> str:
    """``<role|user|group name>-<policy arn>``, as driftctl keys attachments.

    Terraform's id for ``aws_iam_{role,user,group}_policy_attachment`` is random
    (``<name>-<timestamp>``); the pair (principal, policy) is what identifies an attachment.
    The principal kind is the Terraform type, so the three types never collide.
    """
    return f"{principal}-{policy_arn}"


def policy_attachment_identity(principal_field: str) -> Callable[[Mapping[str, Any]], str | None]:
    """An identity hook reading ``policy_arn`` and ``principal_field`` (role, user or group)."""

    def identity(attributes: Mapping[str, Any]) -> str | None:
        principal = attributes.get(principal_field)
        policy = attributes.get("policy_arn")
        if not principal or not policy:
            return None
        return policy_attachment_id(str(principal), str(policy))

    return identity


# --- Route 53 -------------------------------------------------------------------------------


def route53_zone_id(zone_id: str) -> str:
    """A hosted zone id without the API's ``/hostedzone/`` prefix (``cleanZoneID``)."""
    return zone_id.removeprefix("/hostedzone/")


def route53_zone_identity(attributes: Mapping[str, Any]) -> str | None:
    zone = attributes.get("zone_id") or attributes.get("id")
    return route53_zone_id(str(zone)) if zone else None


def route53_record_id(
    zone_id: str, name: str, record_type: str, set_identifier: str | None = None
) -> str:
    """``ZONEID_NAME_TYPE[_SETIDENTIFIER]``, the provider's record id in canonical form.

    ``name`` is the record's fully qualified name as the API lists it or as the state's
    ``fqdn`` holds it; it is lower-cased, its trailing dot stripped and Route 53's octal
    escapes undone (``\\052.example.com.`` → ``*.example.com``), as driftctl's
    ``route53_records_id_reconcilier`` does. ``record_type`` is upper-cased.
    """
    parts = [route53_zone_id(zone_id), str(canonical_dns_name(name)), record_type.upper()]
    if set_identifier:
        parts.append(set_identifier)
    return "_".join(parts)


def route53_record_identity(attributes: Mapping[str, Any]) -> str | None:
    """:func:`route53_record_id` from ``aws_route53_record`` attributes.

    Prefers ``fqdn`` (always fully qualified) over ``name`` (which the user may have written
    relative to the zone).
    """
    zone = attributes.get("zone_id")
    name = attributes.get("fqdn") or attributes.get("name")
    record_type = attributes.get("type")
    if not zone or not name or not record_type:
        return None
    return route53_record_id(
        str(zone), str(name), str(record_type), attributes.get("set_identifier") or None
    )


# --- ids that are one attribute -------------------------------------------------------------


def bucket_identity(attributes: Mapping[str, Any]) -> str | None:
    """S3 bucket settings (versioning, encryption, public access block, policy): the bucket."""
    bucket = attributes.get("bucket")
    return str(bucket) if bucket else None


def kms_alias_identity(attributes: Mapping[str, Any]) -> str | None:
    """``aws_kms_alias``: the alias name (``alias/…``)."""
    name = attributes.get("name")
    return str(name) if name else None


def db_instance_identity(attributes: Mapping[str, Any]) -> str | None:
    """``aws_db_instance``: the DB instance identifier.

    Provider v5 changed the resource id to the ``db-…`` resource id, while v4 states hold the
    identifier; ``identifier`` is in every state and is what ``DescribeDBInstances`` lists.
    """
    identifier = attributes.get("identifier") or attributes.get("id")
    return str(identifier) if identifier else None


# --- SQS ------------------------------------------------------------------------------------


def sqs_queue_id(url: str) -> str | None:
    """``ACCOUNT/NAME`` from a queue URL (``https://sqs.REGION.amazonaws.com/ACCOUNT/NAME``).

    The provider's id is the URL, but its host depends on the endpoint that answered
    (``queue.amazonaws.com``, FIPS, VPC endpoints): the path is what identifies the queue.
    """
    path = url.split("://", 1)[-1].split("/", 1)[-1].strip("/")
    parts = path.split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 and parts[-1] else None


def sqs_queue_identity(attributes: Mapping[str, Any]) -> str | None:
    url = attributes.get("url") or attributes.get("id")
    return sqs_queue_id(str(url)) if url else None


# --- what `terraform import` takes, where a template over attributes cannot say it -----------


def security_group_rule_import_id(_identity: str, attributes: Mapping[str, Any]) -> str | None:
    """``SG_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE]*`` (``resourceSecurityGroupRuleImport``).

    Sources are CIDRs, IPv6 CIDRs, prefix list ids, a source group id or ``self``; the
    protocol is the provider's name or number (``tcp``, ``-1``).
    """
    group = attributes.get("security_group_id")
    rule_type = attributes.get("type")
    if not group or rule_type not in ("ingress", "egress"):
        return None
    protocol = protocol_for_value(attributes.get("protocol"))
    low, high = _as_int(attributes.get("from_port")), _as_int(attributes.get("to_port"))
    if protocol == "-1":
        low = high = 0
    sources = [
        str(canonical_cidr(c))
        for field in ("cidr_blocks", "ipv6_cidr_blocks")
        for c in _strings(attributes.get(field))
    ]
    sources += _strings(attributes.get("prefix_list_ids"))
    source_group = str(attributes.get("source_security_group_id") or "").rsplit("/", 1)[-1]
    if _truthy_flag(attributes.get("self")) or source_group == group:
        sources.append("self")
    elif source_group:
        sources.append(source_group)
    if not sources:
        return None
    return "_".join([str(group), str(rule_type), protocol, str(low), str(high), *sources])


def route_import_id(_identity: str, attributes: Mapping[str, Any]) -> str | None:
    """``ROUTETABLE_DESTINATION`` (CIDR, IPv6 CIDR or prefix list id)."""
    table = attributes.get("route_table_id")
    destination = route_destination(attributes)
    return f"{table}_{destination}" if table and destination else None


def network_acl_rule_import_id(_identity: str, attributes: Mapping[str, Any]) -> str | None:
    """``ACL:RULE_NUMBER:PROTOCOL:EGRESS`` (``true``/``false``), the protocol as a number."""
    acl = attributes.get("network_acl_id")
    number = attributes.get("rule_number")
    if not acl or number is None:
        return None
    egress = "true" if _truthy_flag(attributes.get("egress")) else "false"
    protocol = network_acl_protocol_number(attributes.get("protocol"))
    return f"{acl}:{_as_int(number)}:{protocol}:{egress}"


def _truthy_flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
