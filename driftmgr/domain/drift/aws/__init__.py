"""How terraform-provider-aws (5.x) resource types compare (registered into the rule registry).

Each entry is written from the provider's schema and read code: ``sets`` are ``TypeSet``
attributes (and single-block lists whose order cannot matter), ``defaults`` are the
provider's or the API's defaults for optional attributes, ``ignored`` attributes are
computed-and-volatile, Terraform-only (``force_destroy``, ``skip_final_snapshot``…),
write-only (passwords) or derived from the identity. What the API reports is compared;
what it cannot report is ignored.

Four relationships between types keep inline blocks and their standalone resources from
being reported twice, or not at all (driftctl's expanders, splitters and default filters):

- **split** — a state ``aws_security_group_rule`` with N sources is N rules in AWS, each
  with its own ``sgrule-…`` id; ``aws_vpc_security_group_{ingress,egress}_rule`` are the same
  AWS objects and are compared as ``aws_security_group_rule`` units;
- **claims** — a group's inline ``ingress``/``egress``, a route table's inline ``route``, a
  network ACL's inline rules, a role's ``managed_policy_arns`` and a bucket's inline
  versioning/encryption/policy account for the standalone live objects they create;
- **parent** — a live rule/route/attachment/bucket setting belongs to its parent, which
  reports its drift, when the parent was compared on the attribute that holds it;
- **delegates** — when the state manages that child as its own resource, the parent's copy
  of the attribute is stale until the parent's next apply, so it is compared on the child.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from driftmgr.domain.drift.identity import (
    bucket_identity,
    db_instance_identity,
    kms_alias_identity,
    network_acl_rule_id,
    network_acl_rule_identity,
    network_acl_rule_import_id,
    policy_attachment_id,
    policy_attachment_identity,
    protocol_for_value,
    route53_record_identity,
    route53_zone_identity,
    route_destination,
    route_id,
    route_identity,
    route_import_id,
    route_table_association_identity,
    security_group_rule_id,
    security_group_rule_identity,
    security_group_rule_import_id,
    sqs_queue_identity,
)
from driftmgr.domain.drift.normalise import drop_empty
from driftmgr.domain.drift.rules import Key, TypeRules, register, rules_for
from driftmgr.domain.resources import StateResource

__all__ = ["UNTAGGED_TYPES"]

#: Tag keys AWS reserves; the provider's ``IgnoreAWS`` drops them on read.
_AWS_RESERVED_TAGS = ("aws:",)

_SG = "aws_security_group"
_SG_RULE = "aws_security_group_rule"
_ROUTE_TABLE = "aws_route_table"
_NACL = "aws_network_acl"
_ROLE = "aws_iam_role"
_BUCKET = "aws_s3_bucket"

_SG_SOURCES = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids")


def _aws(resource_type: str, rules: TypeRules) -> None:
    register(resource_type, msgspec.structs.replace(rules, ignored_tag_prefixes=_AWS_RESERVED_TAGS))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value if v not in (None, "")]
    return []


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    return [b for b in value or [] if isinstance(b, Mapping)] if isinstance(value, list) else []


def _name_or_id(resource: StateResource, name: str) -> str | None:
    value = resource.attributes.get(name) or resource.attributes.get("id") or resource.id
    return str(value) if value else None


def _unit(resource: StateResource, resource_type: str, attributes: dict[str, Any]) -> StateResource:
    identity = security_group_rule_identity(attributes)
    return msgspec.structs.replace(
        resource, type=resource_type, id=identity, attributes={**attributes, "id": identity}
    )


def _child_of(
    parent_type: str, field: str, attribute: str | Callable[[Mapping[str, Any]], str | None]
) -> tuple[
    Callable[[Mapping[str, Any]], Key | None],
    Callable[[Mapping[str, Any]], str | None],
    Callable[[StateResource], list[tuple[Key, str]]],
]:
    """The parent, parent_attribute and delegates hooks of a child type."""

    def parent(attributes: Mapping[str, Any]) -> Key | None:
        value = attributes.get(field)
        return (parent_type, str(value)) if value else None

    def parent_attribute(attributes: Mapping[str, Any]) -> str | None:
        return attribute(attributes) if callable(attribute) else attribute

    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        key = parent(resource.attributes)
        name = parent_attribute(resource.attributes)
        return [(key, name)] if key is not None and name is not None else []

    return parent, parent_attribute, delegates


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
        {field: [value]} for field in _SG_SOURCES for value in _strings(attributes.get(field))
    ]
    source_group = attributes.get("source_security_group_id")
    if _truthy(attributes.get("self")):
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
        "cidr_blocks": _strings(attributes.get("cidr_ipv4")),
        "ipv6_cidr_blocks": _strings(attributes.get("cidr_ipv6")),
        "prefix_list_ids": _strings(attributes.get("prefix_list_id")),
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
        rule_id(**{field: [value]}) for field in _SG_SOURCES for value in _strings(rule.get(field))
    ]
    ids += [rule_id(source_security_group_id=g) for g in _strings(rule.get("security_groups"))]
    if _truthy(rule.get("self")):
        ids.append(rule_id(self_referencing=True))
    return ids


def _security_group_claims(resource: StateResource) -> list[Key]:
    group = _name_or_id(resource, "id")
    if group is None:
        return []
    return [
        (_SG_RULE, rule_id)
        for direction in ("ingress", "egress")
        for rule in _blocks(resource.attributes.get(direction))
        for rule_id in security_group_inline_rule_ids(group, direction, rule)
    ]


_SG_RULE_PARENT, _SG_RULE_ATTRIBUTE, _SG_RULE_DELEGATES = _child_of(
    _SG, "security_group_id", _rule_direction
)


def _vpc_rule_delegates(direction: str) -> Callable[[StateResource], list[tuple[Key, str]]]:
    def delegates(resource: StateResource) -> list[tuple[Key, str]]:
        group = resource.attributes.get("security_group_id")
        return [((_SG, str(group)), direction)] if group else []

    return delegates


_aws(
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
    ),
)

_aws(
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
    ),
)

for _direction in ("ingress", "egress"):
    _aws(
        f"aws_vpc_security_group_{_direction}_rule",
        TypeRules(
            cidrs=frozenset({"cidr_ipv4", "cidr_ipv6"}),
            case_insensitive=frozenset({"ip_protocol"}),
            ignored=frozenset({"security_group_rule_id"}),
            live_type=_SG_RULE,
            split=unify_vpc_security_group_rule,
            delegates=_vpc_rule_delegates(_direction),
        ),
    )


# --- VPC, subnets, gateways -----------------------------------------------------------------

_aws(
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
    ),
)

_aws(
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
    ),
)


def _route_table_claims(resource: StateResource) -> list[Key]:
    table = _name_or_id(resource, "id")
    if table is None:
        return []
    keys: list[Key] = []
    for route in _blocks(resource.attributes.get("route")):
        destination = route_destination(route)
        if destination is not None:
            keys.append(("aws_route", route_id(table, destination)))
    return keys


_aws(
    _ROUTE_TABLE,
    TypeRules(
        sets=frozenset({"route", "propagating_vgws"}),
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        claims=_route_table_claims,
        claimed_types=frozenset({"aws_route"}),
    ),
)

_ROUTE_PARENT, _ROUTE_ATTRIBUTE, _ROUTE_DELEGATES = _child_of(
    _ROUTE_TABLE, "route_table_id", "route"
)
_aws(
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
    ),
)

_aws(
    "aws_route_table_association",
    TypeRules(identity=route_table_association_identity),
)

_aws(
    "aws_internet_gateway",
    # vpc_id may be set by a separate aws_internet_gateway_attachment.
    TypeRules(absent_when_empty=frozenset({"vpc_id"})),
)

_aws(
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
    acl = _name_or_id(resource, "id")
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
        for rule in _blocks(resource.attributes.get(direction))
    ]


_aws(
    _NACL,
    TypeRules(
        sets=frozenset({"ingress", "egress", "subnet_ids"}),
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        case_insensitive=frozenset({"action"}),
        # subnet associations may be made by aws_network_acl_association resources.
        absent_when_empty=frozenset({"subnet_ids"}),
        claims=_network_acl_claims,
        claimed_types=frozenset({"aws_network_acl_rule"}),
    ),
)

_NACL_RULE_PARENT, _NACL_RULE_ATTRIBUTE, _NACL_RULE_DELEGATES = _child_of(
    _NACL,
    "network_acl_id",
    lambda attributes: "egress" if _truthy(attributes.get("egress")) else "ingress",
)
_aws(
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
    ),
)

_aws(
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


# --- compute --------------------------------------------------------------------------------


def _instance_volumes(resource: StateResource) -> list[Key]:
    blocks = resource.attributes.get("ebs_block_device") or []
    return [
        ("aws_ebs_volume", str(block["volume_id"]))
        for block in blocks
        if isinstance(block, Mapping) and block.get("volume_id")
    ]


def _scaling_group_parent(attributes: Mapping[str, Any]) -> Key | None:
    """An instance an Auto Scaling group launched belongs to the group (AWS tags it with the
    group's name); Terraform manages the group, never its instances."""
    tags = attributes.get("tags")
    group = tags.get("aws:autoscaling:groupName") if isinstance(tags, Mapping) else None
    return ("aws_autoscaling_group", str(group)) if group else None


def _launch_volume_parent(attributes: Mapping[str, Any]) -> Key | None:
    """A volume made with its instance (its root, or a launch-time block device that goes
    with it) is part of that instance: in Terraform its ``root_block_device`` or
    ``ebs_block_device``, never an ``aws_ebs_volume`` of its own."""
    for attachment in _blocks(attributes.get("attachments")):
        if attachment.get("instance_id") and (
            attachment.get("root") or attachment.get("delete_on_termination")
        ):
            return ("aws_instance", str(attachment["instance_id"]))
    return None


_aws(
    "aws_instance",
    TypeRules(
        sets=frozenset(
            {
                "vpc_security_group_ids",
                "security_groups",
                "secondary_private_ips",
                "ipv6_addresses",
                "ebs_block_device",
                "ephemeral_block_device",
                "network_interface",
            }
        ),
        hashed=frozenset({"user_data"}),
        # Root volume tags: the state holds them without default_tags (and none at all
        # with volume_tags), the API has them all; the volume's own resource compares them.
        member_ignored={"root_block_device": frozenset({"tags", "tags_all"})},
        # Volumes attached by ebs_block_device blocks are this instance's, not unmanaged.
        claims=_instance_volumes,
        claimed_types=frozenset({"aws_ebs_volume"}),
        # An Auto Scaling group's instances (an EKS node group's too) are the group's.
        parent=_scaling_group_parent,
        defaults={
            "monitoring": False,
            "ebs_optimized": False,
            "source_dest_check": True,
            "key_name": "",
            "iam_instance_profile": "",
            "disable_api_termination": False,
            "disable_api_stop": False,
            "hibernation": False,
            "instance_initiated_shutdown_behavior": "stop",
            "placement_partition_number": 0,
        },
        # public_ip/instance_state change on every stop/start without anyone drifting;
        # volume_tags are the aws_ebs_volume resources' business; launch_template holds
        # the configured version ("$Latest"), not the number AWS resolved it to.
        ignored=frozenset(
            {
                "instance_state",
                "public_ip",
                "public_dns",
                "private_dns",
                "primary_network_interface_id",
                "tenancy",
                "placement_group",
                "user_data_base64",
                "user_data_replace_on_change",
                "get_password_data",
                "password_data",
                "associate_public_ip_address",
                "instance_lifecycle",
                "spot_instance_request_id",
                "outpost_arn",
                "volume_tags",
                "launch_template",
                "cpu_core_count",
                "cpu_threads_per_core",
                "ipv6_address_count",
            }
        ),
    ),
)

_aws(
    "aws_ebs_volume",
    TypeRules(
        defaults={"encrypted": False, "multi_attach_enabled": False, "snapshot_id": ""},
        # attachments: what the adapter observed to decide the parent, not an attribute.
        ignored=frozenset({"final_snapshot", "attachments"}),
        parent=_launch_volume_parent,
    ),
)

_aws(
    "aws_key_pair",
    TypeRules(
        # The API returns the public key re-encoded (comment dropped): the fingerprint and
        # key pair id say whether the key changed.
        ignored=frozenset({"key_name_prefix", "public_key"}),
    ),
)

_aws(
    "aws_launch_template",
    TypeRules(
        sets=frozenset({"vpc_security_group_ids", "security_group_names", "license_specification"}),
        ignored=frozenset({"name_prefix", "update_default_version"}),
    ),
)


# --- S3 -------------------------------------------------------------------------------------

_BUCKET_SETTINGS = {
    "aws_s3_bucket_versioning": "versioning",
    "aws_s3_bucket_server_side_encryption_configuration": "server_side_encryption_configuration",
    "aws_s3_bucket_policy": "policy",
}


def _bucket_claims(resource: StateResource) -> list[Key]:
    bucket = _name_or_id(resource, "bucket")
    if bucket is None:
        return []
    return [
        (setting_type, bucket)
        for setting_type, attribute in _BUCKET_SETTINGS.items()
        if drop_empty(resource.attributes.get(attribute)) is not None
    ]


_aws(
    _BUCKET,
    TypeRules(
        # cors_rule stays a list: S3 applies the first CORS rule that matches.
        sets=frozenset({"grant", "server_side_encryption_configuration"}),
        policies=frozenset({"policy"}),
        defaults={
            "request_payer": "BucketOwner",
            "object_lock_enabled": False,
            "acceleration_status": "",
        },
        # Since provider v4 these are managed by separate resources too; an empty value
        # in the bucket's state means "not managed here" (see also `delegates`). Not the
        # policy: a refresh records it on the bucket, so one added by hand is drift there
        # (terraform plan -refresh-only says so); a separate aws_s3_bucket_policy delegates it.
        absent_when_empty=frozenset(
            {
                "lifecycle_rule",
                "logging",
                "website",
                "cors_rule",
                "replication_configuration",
                "object_lock_configuration",
            }
        ),
        # `acl` is write-only (the API returns grants, not the canned ACL).
        ignored=frozenset(
            {
                "acl",
                "bucket_domain_name",
                "bucket_regional_domain_name",
                "region",
                "hosted_zone_id",
                "force_destroy",
                "bucket_prefix",
                "website_endpoint",
                "website_domain",
            }
        ),
        claims=_bucket_claims,
        claimed_types=frozenset(_BUCKET_SETTINGS),
    ),
)


def _versioning_never_enabled(attributes: Mapping[str, Any]) -> bool:
    # "Disabled" is only valid for a bucket whose versioning was never enabled, which S3
    # reports as no versioning configuration at all (the adapter lists none for it).
    blocks = _blocks(attributes.get("versioning_configuration"))
    return bool(blocks) and all(b.get("status") == "Disabled" for b in blocks)


_VERSIONING_PARENT, _VERSIONING_ATTRIBUTE, _VERSIONING_DELEGATES = _child_of(
    _BUCKET, "bucket", "versioning"
)
_aws(
    "aws_s3_bucket_versioning",
    TypeRules(
        sets=frozenset({"versioning_configuration"}),
        ignored=frozenset({"expected_bucket_owner", "mfa"}),
        identity=bucket_identity,
        absent_in_cloud=_versioning_never_enabled,
        parent=_VERSIONING_PARENT,
        parent_attribute=_VERSIONING_ATTRIBUTE,
        delegates=_VERSIONING_DELEGATES,
    ),
)

_SSE_PARENT, _SSE_ATTRIBUTE, _SSE_DELEGATES = _child_of(
    _BUCKET, "bucket", "server_side_encryption_configuration"
)
_aws(
    "aws_s3_bucket_server_side_encryption_configuration",
    TypeRules(
        sets=frozenset({"rule"}),
        ignored=frozenset({"expected_bucket_owner"}),
        identity=bucket_identity,
        parent=_SSE_PARENT,
        parent_attribute=_SSE_ATTRIBUTE,
        delegates=_SSE_DELEGATES,
    ),
)

_aws(
    "aws_s3_bucket_public_access_block",
    TypeRules(
        defaults={
            "block_public_acls": False,
            "block_public_policy": False,
            "ignore_public_acls": False,
            "restrict_public_buckets": False,
        },
        identity=bucket_identity,
    ),
)

_POLICY_PARENT, _POLICY_ATTRIBUTE, _POLICY_DELEGATES = _child_of(_BUCKET, "bucket", "policy")
_aws(
    "aws_s3_bucket_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        identity=bucket_identity,
        parent=_POLICY_PARENT,
        parent_attribute=_POLICY_ATTRIBUTE,
        delegates=_POLICY_DELEGATES,
    ),
)


# --- IAM ------------------------------------------------------------------------------------


def _role_claims(resource: StateResource) -> list[Key]:
    role = _name_or_id(resource, "name")
    if role is None:
        return []
    return [
        ("aws_iam_role_policy_attachment", policy_attachment_id(role, arn))
        for arn in _strings(resource.attributes.get("managed_policy_arns"))
    ]


_aws(
    _ROLE,
    TypeRules(
        policies=frozenset({"assume_role_policy", "policy"}),
        sets=frozenset({"managed_policy_arns", "inline_policy"}),
        defaults={
            "path": "/",
            "max_session_duration": 3600,
            "description": "",
            "permissions_boundary": "",
        },
        # A refresh records inline policies on the role whoever made them, so one added by
        # hand is drift (as terraform plan -refresh-only reports it).
        ignored=frozenset({"unique_id", "create_date", "force_detach_policies", "name_prefix"}),
        claims=_role_claims,
        claimed_types=frozenset({"aws_iam_role_policy_attachment"}),
    ),
)

_aws(
    "aws_iam_user",
    TypeRules(
        defaults={"path": "/", "permissions_boundary": ""},
        ignored=frozenset({"unique_id", "force_destroy"}),
    ),
)

_aws(
    "aws_iam_group",
    TypeRules(defaults={"path": "/"}, ignored=frozenset({"unique_id"})),
)

_aws(
    "aws_iam_policy",
    TypeRules(
        policies=frozenset({"policy"}),
        defaults={"path": "/", "description": ""},
        ignored=frozenset({"policy_id", "name_prefix", "attachment_count"}),
    ),
)

_ROLE_ATTACHMENT_PARENT, _ROLE_ATTACHMENT_ATTRIBUTE, _ROLE_ATTACHMENT_DELEGATES = _child_of(
    _ROLE, "role", "managed_policy_arns"
)
_aws(
    "aws_iam_role_policy_attachment",
    TypeRules(
        identity=policy_attachment_identity("role"),
        import_id="{role}/{policy_arn}",
        parent=_ROLE_ATTACHMENT_PARENT,
        parent_attribute=_ROLE_ATTACHMENT_ATTRIBUTE,
        delegates=_ROLE_ATTACHMENT_DELEGATES,
    ),
)
_aws(
    "aws_iam_user_policy_attachment",
    TypeRules(identity=policy_attachment_identity("user"), import_id="{user}/{policy_arn}"),
)
_aws(
    "aws_iam_group_policy_attachment",
    TypeRules(identity=policy_attachment_identity("group"), import_id="{group}/{policy_arn}"),
)

_aws(
    "aws_iam_instance_profile",
    TypeRules(
        defaults={"path": "/"},
        ignored=frozenset({"unique_id", "create_date", "name_prefix"}),
    ),
)


# --- KMS ------------------------------------------------------------------------------------

_aws(
    "aws_kms_key",
    TypeRules(
        policies=frozenset({"policy"}),
        defaults={
            "key_usage": "ENCRYPT_DECRYPT",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "is_enabled": True,
            "enable_key_rotation": False,
            "multi_region": False,
            "description": "",
            "custom_key_store_id": "",
            "xks_key_id": "",
        },
        ignored=frozenset(
            {
                "key_id",
                "deletion_window_in_days",
                "bypass_policy_lockout_safety_check",
                "rotation_period_in_days",
            }
        ),
    ),
)

_aws(
    "aws_kms_alias",
    TypeRules(
        identity=kms_alias_identity,
        ignored=frozenset({"name_prefix", "target_key_arn"}),
    ),
)


# --- databases and queues -------------------------------------------------------------------


def storage_autoscaled(state: Mapping[str, Any], cloud: Mapping[str, Any]) -> bool:
    """Storage autoscaling grew the storage: with ``max_allocated_storage`` set, the provider
    suppresses a cloud ``allocated_storage`` above the state's and up to that limit."""
    try:
        limit = int(state.get("max_allocated_storage") or 0)
        recorded, now = int(state.get("allocated_storage") or 0), int(cloud["allocated_storage"])
    except (KeyError, TypeError, ValueError):
        return False
    return limit > 0 and recorded < now <= limit


_aws(
    "aws_db_instance",
    TypeRules(
        same_when={"allocated_storage": storage_autoscaled},
        sets=frozenset({"vpc_security_group_ids", "enabled_cloudwatch_logs_exports"}),
        case_insensitive=frozenset({"maintenance_window", "backup_window"}),
        defaults={
            "publicly_accessible": False,
            "storage_encrypted": False,
            "multi_az": False,
            "deletion_protection": False,
            "copy_tags_to_snapshot": False,
            "auto_minor_version_upgrade": True,
            "iam_database_authentication_enabled": False,
            "performance_insights_enabled": False,
            "monitoring_interval": 0,
            "network_type": "IPV4",
            "character_set_name": "",
            "customer_owned_ip_enabled": False,
        },
        # password is write-only; the rest is Terraform-only, volatile, or a configured
        # prefix ("15") of what AWS reports (engine_version_actual is compared instead).
        ignored=frozenset(
            {
                "identifier",
                "identifier_prefix",
                "password",
                "password_wo",
                "password_wo_version",
                "manage_master_user_password",
                "skip_final_snapshot",
                "final_snapshot_identifier",
                "apply_immediately",
                "allow_major_version_upgrade",
                "delete_automated_backups",
                "blue_green_update",
                "snapshot_identifier",
                "restore_to_point_in_time",
                "s3_import",
                "upgrade_storage_config",
                "engine_version",
                "latest_restorable_time",
                "status",
                "resource_id",
                "replicas",
                "address",
                "endpoint",
                "hosted_zone_id",
                "listener_endpoint",
                "master_user_secret",
            }
        ),
        identity=db_instance_identity,
    ),
)

_aws(
    "aws_db_subnet_group",
    TypeRules(
        sets=frozenset({"subnet_ids", "supported_network_types"}),
        defaults={"description": "Managed by Terraform"},
        ignored=frozenset({"name_prefix"}),
    ),
)

_aws(
    "aws_dynamodb_table",
    TypeRules(
        sets=frozenset({"attribute", "global_secondary_index", "local_secondary_index", "replica"}),
        # An index's capacity moves under auto scaling, like the table's.
        member_ignored={"global_secondary_index": frozenset({"read_capacity", "write_capacity"})},
        defaults={
            "billing_mode": "PROVISIONED",
            "stream_enabled": False,
            "table_class": "STANDARD",
            "deletion_protection_enabled": False,
            "range_key": "",
        },
        # Capacities move under application auto scaling; restore_* and import_table are
        # creation-time inputs the API does not report back.
        ignored=frozenset(
            {
                "read_capacity",
                "write_capacity",
                "restore_date_time",
                "restore_source_name",
                "restore_source_table_arn",
                "restore_to_latest_time",
                "import_table",
                "stream_arn",
                "stream_label",
            }
        ),
    ),
)

_aws(
    "aws_sqs_queue",
    TypeRules(
        import_id="{url}",
        policies=frozenset({"policy", "redrive_policy", "redrive_allow_policy"}),
        defaults={
            "delay_seconds": 0,
            "max_message_size": 262144,
            "message_retention_seconds": 345600,
            "receive_wait_time_seconds": 0,
            "visibility_timeout_seconds": 30,
            "fifo_queue": False,
            "content_based_deduplication": False,
            "kms_data_key_reuse_period_seconds": 300,
            "kms_master_key_id": "",
        },
        # The policy may be managed by a separate aws_sqs_queue_policy.
        absent_when_empty=frozenset({"policy"}),
        ignored=frozenset({"url", "name_prefix"}),
        # The URL's host depends on the endpoint that answered (legacy, FIPS, VPC):
        # account and name identify the queue.
        identity=sqs_queue_identity,
    ),
)

_aws(
    "aws_sns_topic",
    TypeRules(
        policies=frozenset({"policy", "delivery_policy", "archive_policy"}),
        defaults={
            "fifo_topic": False,
            "content_based_deduplication": False,
            "kms_master_key_id": "",
            "display_name": "",
        },
        absent_when_empty=frozenset({"policy", "delivery_policy"}),
        ignored=frozenset({"name_prefix", "owner", "beginning_archive_time"}),
    ),
)

_aws(
    "aws_sns_topic_subscription",
    TypeRules(
        policies=frozenset({"filter_policy", "delivery_policy", "redrive_policy", "replay_policy"}),
        defaults={"raw_message_delivery": False, "filter_policy_scope": ""},
        ignored=frozenset(
            {
                "confirmation_timeout_in_minutes",
                "endpoint_auto_confirms",
                "confirmation_was_authenticated",
                "pending_confirmation",
                "owner_id",
            }
        ),
    ),
)


# --- DNS ------------------------------------------------------------------------------------

_aws(
    "aws_route53_zone",
    TypeRules(
        sets=frozenset({"vpc", "name_servers"}),
        dns_names=frozenset({"name", "name_servers"}),
        defaults={"comment": "Managed by Terraform"},
        ignored=frozenset({"zone_id", "force_destroy", "primary_name_server"}),
        identity=route53_zone_identity,
    ),
)

_aws(
    "aws_route53_record",
    TypeRules(
        sets=frozenset(
            {
                "records",
                "alias",
                "weighted_routing_policy",
                "latency_routing_policy",
                "failover_routing_policy",
                "geolocation_routing_policy",
                "cidr_routing_policy",
            }
        ),
        # fqdn and an alias target's name are DNS names. `name` is as configured, maybe
        # relative to the zone ("www"): fqdn says the same thing absolutely, and with
        # zone_id and type it is the identity.
        dns_names=frozenset({"name", "fqdn"}),
        case_insensitive=frozenset({"type"}),
        defaults={"multivalue_answer_routing_policy": False, "health_check_id": ""},
        ignored=frozenset({"allow_overwrite", "zone_id", "name"}),
        identity=route53_record_identity,
    ),
)


# --- Lambda, load balancing, logs, ECR ------------------------------------------------------

_aws(
    "aws_lambda_function",
    TypeRules(
        sets=frozenset({"vpc_config", "architectures"}),
        defaults={
            "memory_size": 128,
            "timeout": 3,
            "package_type": "Zip",
            "reserved_concurrent_executions": -1,
            "description": "",
            "kms_key_arn": "",
            "architectures": ["x86_64"],
            "ephemeral_storage": [{"size": 512}],
            "tracing_config": [{"mode": "PassThrough"}],
        },
        # The deployment package as Terraform saw it (filename, hash, S3 object) is not what
        # the API reports; code_sha256 is, and is compared.
        ignored=frozenset(
            {
                "filename",
                "source_code_hash",
                "last_modified",
                "s3_bucket",
                "s3_key",
                "s3_object_version",
                "publish",
                "skip_destroy",
                "replace_security_groups_on_destroy",
                "replacement_security_group_ids",
                "qualified_arn",
                "qualified_invoke_arn",
                "invoke_arn",
                "version",
                "signing_job_arn",
                "signing_profile_version_arn",
                "source_code_size",
            }
        ),
    ),
)

_aws(
    "aws_lb",
    TypeRules(
        sets=frozenset({"security_groups", "subnets", "subnet_mapping"}),
        dns_names=frozenset({"dns_name"}),
        defaults={
            "internal": False,
            "load_balancer_type": "application",
            "ip_address_type": "ipv4",
            "enable_deletion_protection": False,
            "enable_http2": True,
            "idle_timeout": 60,
            "drop_invalid_header_fields": False,
            "desync_mitigation_mode": "defensive",
            "preserve_host_header": False,
            "enable_waf_fail_open": False,
            "enable_tls_version_and_cipher_suite_headers": False,
            "enable_xff_client_port": False,
            "xff_header_processing_mode": "append",
            "client_keep_alive": 3600,
        },
        ignored=frozenset({"name_prefix", "arn_suffix", "zone_id", "vpc_id"}),
    ),
)

_aws(
    "aws_lb_target_group",
    TypeRules(
        case_insensitive=frozenset({"protocol"}),
        defaults={
            "deregistration_delay": "300",
            "slow_start": 0,
            "proxy_protocol_v2": False,
            "lambda_multi_value_headers_enabled": False,
            "connection_termination": False,
            "load_balancing_algorithm_type": "round_robin",
            "target_type": "instance",
            "ip_address_type": "ipv4",
        },
        # load_balancer_arns changes whenever a listener rule elsewhere points here.
        ignored=frozenset({"name_prefix", "arn_suffix", "load_balancer_arns"}),
    ),
)

_aws(
    "aws_lb_listener",
    TypeRules(
        # A weighted forward's target groups are a TypeSet inside the action block.
        sets=frozenset({"default_action.forward.target_group"}),
        case_insensitive=frozenset({"protocol"}),
        ignored=frozenset({"mutual_authentication"}),
    ),
)

_aws(
    "aws_cloudwatch_log_group",
    TypeRules(
        defaults={"retention_in_days": 0, "kms_key_id": "", "log_group_class": "STANDARD"},
        ignored=frozenset({"name_prefix", "skip_destroy"}),
    ),
)

_aws(
    "aws_ecr_repository",
    TypeRules(
        defaults={
            "image_tag_mutability": "MUTABLE",
            "encryption_configuration": [{"encryption_type": "AES256", "kms_key": ""}],
            "image_scanning_configuration": [{"scan_on_push": False}],
        },
        ignored=frozenset({"force_delete", "registry_id", "repository_url"}),
    ),
)


# --- aws_default_* ---------------------------------------------------------------------------
# Terraform adopts the objects AWS creates with these types; the cloud lists them as the plain
# types. They compare as those types (same rules), matched under the plain type's name.
for _default_type, _live_type in {
    "aws_default_vpc": "aws_vpc",
    "aws_default_subnet": "aws_subnet",
    "aws_default_security_group": "aws_security_group",
    "aws_default_route_table": "aws_route_table",
    "aws_default_network_acl": "aws_network_acl",
    "aws_default_vpc_dhcp_options": "aws_vpc_dhcp_options",
}.items():
    register(_default_type, msgspec.structs.replace(rules_for(_live_type), live_type=_live_type))


#: Types whose Terraform schema has no ``tags``: never in a tag scope, so a tag-scoped
#: discovery does not list them at all.
UNTAGGED_TYPES = frozenset(
    {
        "aws_route",
        "aws_route_table_association",
        "aws_security_group_rule",
        "aws_network_acl_rule",
        "aws_iam_group",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_kms_alias",
        "aws_route53_record",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_policy",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_event_target",
        "aws_lambda_permission",
        "aws_lambda_alias",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_logging",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_cors_configuration",
        "aws_s3_bucket_website_configuration",
        "aws_s3_bucket_notification",
        "aws_sqs_queue_policy",
        "aws_sns_topic_policy",
        "aws_ecr_repository_policy",
        "aws_ecr_lifecycle_policy",
        "aws_iam_user_group_membership",
        "aws_cloudwatch_log_metric_filter",
        "aws_api_gateway_resource",
        "aws_api_gateway_method",
        "aws_api_gateway_integration",
        "aws_api_gateway_deployment",
        "aws_apigatewayv2_route",
        "aws_apigatewayv2_integration",
        "aws_lb_target_group_attachment",
    }
)

# The services' own modules register their types (they import the helpers above).
from driftmgr.domain.drift.aws import (  # noqa: E402,F401
    apigateway,
    app_services,
    cloudwatch,
    databases,
    ecs,
    eks,
    elb_more,
    iam_more,
    network_more,
    policies,
    s3_more,
)
