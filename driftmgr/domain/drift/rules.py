"""Per resource type: which attributes are sets, policies, or not worth comparing.

Written from terraform-provider-aws's schemas: an attribute is *ignored* when the provider
computes it (ARNs, owner ids, creation dates), when it is Terraform-only, or when it is the
identity the match was made on.
"""

from __future__ import annotations

from functools import cache

import msgspec

__all__ = ["TypeRules", "rules_for"]


class TypeRules(msgspec.Struct, frozen=True, kw_only=True):
    sets: frozenset[str] = frozenset()
    """Attributes whose member order means nothing (TypeSet in the provider schema)."""
    policies: frozenset[str] = frozenset()
    """JSON policy documents, compared semantically."""
    ignored: frozenset[str] = frozenset()
    """Computed, volatile or identity attributes: never reported as drift."""


_ALWAYS_IGNORED = frozenset({"id", "arn", "owner_id", "tags_all"})

_RULES: dict[str, TypeRules] = {
    "aws_instance": TypeRules(
        sets=frozenset({"vpc_security_group_ids", "security_groups"}),
        # public_ip/instance_state change on every stop/start without anyone drifting.
        ignored=frozenset(
            {
                "instance_state",
                "public_ip",
                "public_dns",
                "private_dns",
                "primary_network_interface_id",
                "tenancy",
            }
        ),
    ),
    "aws_vpc": TypeRules(
        ignored=frozenset(
            {
                "dhcp_options_id",
                "main_route_table_id",
                "default_network_acl_id",
                "default_route_table_id",
                "default_security_group_id",
            }
        ),
    ),
    "aws_security_group": TypeRules(
        sets=frozenset({"ingress", "egress"}),
    ),
    "aws_s3_bucket": TypeRules(
        policies=frozenset({"policy"}),
        ignored=frozenset(
            {"bucket_domain_name", "bucket_regional_domain_name", "region", "hosted_zone_id"}
        ),
    ),
    "aws_iam_role": TypeRules(
        policies=frozenset({"assume_role_policy"}),
        sets=frozenset({"managed_policy_arns"}),
        ignored=frozenset({"unique_id", "create_date"}),
    ),
}


@cache
def rules_for(resource_type: str) -> TypeRules:
    rules = _RULES.get(resource_type, TypeRules())
    return TypeRules(
        sets=rules.sets, policies=rules.policies, ignored=rules.ignored | _ALWAYS_IGNORED
    )
