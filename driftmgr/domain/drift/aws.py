"""How terraform-provider-aws resource types compare (registered into the rule registry).

Each entry is written from the provider's schema and read code: sets are ``TypeSet``
attributes, defaults are the provider's defaults for optional attributes, ignored
attributes are computed, volatile or Terraform-only.
"""

from __future__ import annotations

from driftmgr.domain.drift.rules import TypeRules, register

__all__: list[str] = []

register(
    "aws_instance",
    TypeRules(
        sets=frozenset({"vpc_security_group_ids", "security_groups"}),
        hashed=frozenset({"user_data"}),
        defaults={
            "monitoring": False,
            "ebs_optimized": False,
            "source_dest_check": True,
            "key_name": "",
            "iam_instance_profile": "",
        },
        # public_ip/instance_state change on every stop/start without anyone drifting.
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
            }
        ),
    ),
)

register(
    "aws_vpc",
    TypeRules(
        cidrs=frozenset({"cidr_block", "ipv6_cidr_block"}),
        defaults={
            "instance_tenancy": "default",
            "enable_dns_support": True,
            "enable_dns_hostnames": False,
        },
        ignored=frozenset(
            {
                "dhcp_options_id",
                "main_route_table_id",
                "default_network_acl_id",
                "default_route_table_id",
                "default_security_group_id",
                "ipv6_association_id",
            }
        ),
    ),
)

register(
    "aws_security_group",
    TypeRules(
        sets=frozenset({"ingress", "egress"}),
        cidrs=frozenset({"cidr_blocks", "ipv6_cidr_blocks"}),
        case_insensitive=frozenset({"protocol"}),
        ignored=frozenset({"revoke_rules_on_delete", "name_prefix"}),
    ),
)

register(
    "aws_s3_bucket",
    TypeRules(
        policies=frozenset({"policy"}),
        ignored=frozenset(
            {
                "bucket_domain_name",
                "bucket_regional_domain_name",
                "region",
                "hosted_zone_id",
                "force_destroy",
                "bucket_prefix",
            }
        ),
    ),
)

register(
    "aws_iam_role",
    TypeRules(
        policies=frozenset({"assume_role_policy"}),
        sets=frozenset({"managed_policy_arns"}),
        defaults={"path": "/", "max_session_duration": 3600, "description": ""},
        ignored=frozenset({"unique_id", "create_date", "force_detach_policies", "name_prefix"}),
    ),
)
