"""Terraform-compatible ids, splits and cloud defaults: what both sides of a match compute.

Known ids come from driftctl's fixtures (research-driftctl.md §3.4 and §4.1): the in-code
scenario "test security group rule sanitizer middleware" in pkg/driftctl_test.go, the
route table expander scenario, and enumeration/remote/test/aws_ec2_network_acl_rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from driftmgr.domain.drift.aws.ec2_network import (
    security_group_inline_rule_ids,
    split_security_group_rule,
    unify_vpc_security_group_rule,
)
from driftmgr.domain.drift.defaults import CloudContext, default_types, is_cloud_default
from driftmgr.domain.drift.engine import canonical_key
from driftmgr.domain.drift.identity import (
    db_instance_identity,
    kms_alias_identity,
    network_acl_protocol_number,
    network_acl_rule_id,
    network_acl_rule_identity,
    policy_attachment_id,
    protocol_for_value,
    route53_record_id,
    route53_record_identity,
    route_destination,
    route_id,
    route_identity,
    route_table_association_id,
    security_group_rule_id,
    security_group_rule_identity,
)
from driftmgr.domain.drift.rules import registered_types, rules_for
from driftmgr.domain.resources import StateResource

SG = "sg-0254c038e32f25530"
ACL = "acl-0ad6d657494d17ee2"

#: Every type the AWS rules cover (the task's list, terraform-provider-aws 5.x names).
AWS_TYPES = frozenset(
    {
        "aws_vpc",
        "aws_subnet",
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_internet_gateway",
        "aws_nat_gateway",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_eip",
        "aws_instance",
        "aws_ebs_volume",
        "aws_key_pair",
        "aws_launch_template",
        "aws_s3_bucket",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_policy",
        "aws_iam_role",
        "aws_iam_user",
        "aws_iam_group",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_instance_profile",
        "aws_kms_key",
        "aws_kms_alias",
        "aws_db_instance",
        "aws_db_subnet_group",
        "aws_dynamodb_table",
        "aws_sqs_queue",
        "aws_sns_topic",
        "aws_sns_topic_subscription",
        "aws_route53_zone",
        "aws_route53_record",
        "aws_lambda_function",
        "aws_lb",
        "aws_lb_target_group",
        "aws_lb_listener",
        "aws_cloudwatch_log_group",
        "aws_ecr_repository",
    }
)


def state(type_: str, attributes: dict[str, Any], **kw: Any) -> StateResource:
    return StateResource(
        address=f"{type_}.x",
        mode="managed",
        type=type_,
        name="x",
        provider="aws",
        provider_config="p",
        id=attributes.get("id"),
        attributes=attributes,
        **kw,
    )


# --- security group rules -------------------------------------------------------------------

DRIFTCTL_RULES: list[tuple[str, dict[str, Any]]] = [
    (
        "sgrule-3970541193",
        {"protocol": "tcp", "from_port": 0, "to_port": 65535, "self_referencing": True},
    ),
    (
        "sgrule-2165103420",
        {"protocol": "-1", "rule_type": "ingress", "cidr_blocks": ["5.6.7.0/24"]},
    ),
    (
        "sgrule-2582518759",
        {"protocol": "-1", "rule_type": "ingress", "cidr_blocks": ["1.2.0.0/16"]},
    ),
    ("sgrule-1707973622", {"protocol": "-1", "rule_type": "egress", "cidr_blocks": ["0.0.0.0/0"]}),
    ("sgrule-2821752134", {"protocol": "-1", "rule_type": "egress", "ipv6_cidr_blocks": ["::/0"]}),
    ("sgrule-2471889226", {"protocol": "tcp", "prefix_list_ids": ["pl-abb451c2"]}),
    (
        "sgrule-3587309474",
        {"protocol": "tcp", "to_port": 65535, "source_security_group_id": "sg-9e0204ff"},
    ),
    ("sgrule-294318973", {"protocol": "-1", "cidr_blocks": ["1.2.0.0/16", "5.6.7.0/24"]}),
]


@pytest.mark.parametrize(("expected", "rule"), DRIFTCTL_RULES, ids=[r[0] for r in DRIFTCTL_RULES])
def test_security_group_rule_ids_match_driftctls_known_ids(
    expected: str, rule: dict[str, Any]
) -> None:
    rule = {"rule_type": "ingress", "from_port": 0, "to_port": 0, **rule}
    assert security_group_rule_id(SG, rule.pop("rule_type"), rule.pop("protocol"), **rule) == (
        expected
    )


def test_a_multi_source_rule_id_sorts_its_sources_as_terraform_does() -> None:
    forward = security_group_rule_id(SG, "ingress", "-1", cidr_blocks=["1.2.0.0/16", "5.6.7.0/24"])
    backward = security_group_rule_id(SG, "ingress", "-1", cidr_blocks=["5.6.7.0/24", "1.2.0.0/16"])
    assert forward == backward == "sgrule-294318973"


def test_protocol_numbers_and_all_fold_to_the_names_terraform_stores() -> None:
    assert [protocol_for_value(p) for p in ("6", "17", "1", "58", "ALL", "-1", "TCP", "50")] == [
        "tcp",
        "udp",
        "icmp",
        "icmpv6",
        "-1",
        "-1",
        "tcp",
        "50",
    ]
    assert security_group_rule_id(SG, "ingress", "6", 443, 443, cidr_blocks=["10.0.0.0/8"]) == (
        security_group_rule_id(SG, "ingress", "tcp", 443, 443, cidr_blocks=["10.0.0.0/8"])
    )


def test_ports_of_an_all_protocols_rule_are_not_part_of_its_id() -> None:
    # The provider sends no ports for protocol -1; AWS answers with -1/-1 or nothing.
    assert security_group_rule_id(SG, "egress", "-1", -1, -1, cidr_blocks=["0.0.0.0/0"]) == (
        "sgrule-1707973622"
    )
    assert security_group_rule_id(SG, "egress", "all", 0, 65535, cidr_blocks=["0.0.0.0/0"]) == (
        "sgrule-1707973622"
    )


def test_a_rule_id_hashes_canonical_cidrs_and_the_group_of_an_owner_qualified_source() -> None:
    assert security_group_rule_id(SG, "ingress", "tcp", 22, 22, cidr_blocks=["10.0.0.1/8"]) == (
        security_group_rule_id(SG, "ingress", "tcp", 22, 22, cidr_blocks=["10.0.0.0/8"])
    )
    assert security_group_rule_id(
        SG, "ingress", "tcp", 0, 65535, source_security_group_id="123456789012/sg-9e0204ff"
    ) == ("sgrule-3587309474")


def test_a_self_rule_and_a_rule_from_its_own_group_have_one_id() -> None:
    self_rule = security_group_rule_id(SG, "ingress", "tcp", 0, 65535, self_referencing=True)
    both = security_group_rule_id(
        SG, "ingress", "tcp", 0, 65535, self_referencing=True, source_security_group_id=SG
    )
    assert self_rule == both == "sgrule-3970541193"


def test_rule_identity_reads_aws_security_group_rule_attributes() -> None:
    attributes = {
        "security_group_id": SG,
        "type": "ingress",
        "protocol": "tcp",
        "from_port": 0,
        "to_port": 65535,
        "self": True,
        "source_security_group_id": SG,
    }
    assert security_group_rule_identity(attributes) == "sgrule-3970541193"
    assert security_group_rule_identity({"type": "ingress"}) is None


def test_a_multi_source_state_rule_splits_into_driftctls_units() -> None:
    rule = state(
        "aws_security_group_rule",
        {
            "id": "sgrule-294318973",
            "type": "ingress",
            "security_group_id": SG,
            "protocol": "-1",
            "from_port": 0,
            "to_port": 0,
            "cidr_blocks": ["1.2.0.0/16", "5.6.7.0/24"],
            "description": "office",
        },
    )
    units = split_security_group_rule(rule)
    assert [u.id for u in units] == ["sgrule-2582518759", "sgrule-2165103420"]
    assert [u.attributes["cidr_blocks"] for u in units] == [["1.2.0.0/16"], ["5.6.7.0/24"]]
    assert {u.attributes["description"] for u in units} == {"office"}
    assert {u.address for u in units} == {rule.address}
    assert [canonical_key(u) for u in units] == [
        ("aws_security_group_rule", "sgrule-2582518759"),
        ("aws_security_group_rule", "sgrule-2165103420"),
    ]


def test_an_ipv4_and_ipv6_egress_rule_splits_into_two_rules() -> None:
    rule = state(
        "aws_security_group_rule",
        {
            "id": "sgrule-845917806",
            "type": "egress",
            "security_group_id": SG,
            "protocol": "-1",
            "from_port": 0,
            "to_port": 0,
            "cidr_blocks": ["0.0.0.0/0"],
            "ipv6_cidr_blocks": ["::/0"],
        },
    )
    assert [u.id for u in split_security_group_rule(rule)] == [
        "sgrule-1707973622",
        "sgrule-2821752134",
    ]


def test_a_self_rule_unit_names_its_own_group_as_source() -> None:
    rule = state(
        "aws_security_group_rule",
        {
            "type": "ingress",
            "security_group_id": SG,
            "protocol": "6",
            "from_port": 0,
            "to_port": 65535,
            "self": True,
        },
    )
    (unit,) = split_security_group_rule(rule)
    assert unit.id == "sgrule-3970541193"
    assert unit.attributes["source_security_group_id"] == SG
    assert unit.attributes["protocol"] == "tcp"


def test_vpc_security_group_rules_become_the_security_group_rule_they_are_in_aws() -> None:
    ingress = state(
        "aws_vpc_security_group_ingress_rule",
        {
            "id": "sgr-0aaa",
            "security_group_id": SG,
            "ip_protocol": "-1",
            "from_port": None,
            "to_port": None,
            "cidr_ipv4": "5.6.7.0/24",
            "tags": {"Name": "x"},
        },
    )
    (unit,) = unify_vpc_security_group_rule(ingress)
    assert (unit.type, unit.id, unit.address) == (
        "aws_security_group_rule",
        "sgrule-2165103420",
        "aws_vpc_security_group_ingress_rule.x",
    )
    assert unit.attributes["tags"] == {"Name": "x"}
    egress = state(
        "aws_vpc_security_group_egress_rule",
        {"security_group_id": SG, "ip_protocol": "-1", "cidr_ipv6": "::/0"},
    )
    assert [u.id for u in unify_vpc_security_group_rule(egress)] == ["sgrule-2821752134"]


def test_inline_rule_blocks_name_one_rule_id_per_source() -> None:
    block = {
        "protocol": "-1",
        "from_port": 0,
        "to_port": 0,
        "cidr_blocks": ["1.2.0.0/16", "5.6.7.0/24"],
        "ipv6_cidr_blocks": [],
        "security_groups": [],
        "self": False,
    }
    assert security_group_inline_rule_ids(SG, "ingress", block) == [
        "sgrule-2582518759",
        "sgrule-2165103420",
    ]
    self_block = {"protocol": "tcp", "from_port": 0, "to_port": 65535, "self": True}
    assert security_group_inline_rule_ids(SG, "ingress", self_block) == ["sgrule-3970541193"]


# --- routes and associations ----------------------------------------------------------------


def test_route_ids_match_driftctls_route_table_expander_ids() -> None:
    assert route_id("table", "0.0.0.0/0") == "r-table1080289494"
    assert route_id("table", "::/0") == "r-table2750132062"


def test_route_ids_hash_the_canonical_destination() -> None:
    assert route_id("table", "0:0::0/0") == "r-table2750132062"
    assert route_id("rtb-1", "pl-123") == route_id("rtb-1", "pl-123")


def test_route_destination_prefers_ipv4_then_ipv6_then_prefix_list() -> None:
    assert route_destination({"destination_cidr_block": "10.0.0.0/8"}) == "10.0.0.0/8"
    assert route_destination({"destination_ipv6_cidr_block": "::/0", "cidr_block": ""}) == "::/0"
    assert route_destination({"ipv6_cidr_block": "::/0"}) == "::/0"
    assert route_destination({"destination_prefix_list_id": "pl-1"}) == "pl-1"
    assert route_destination({}) is None


def test_route_identity_reads_aws_route_attributes() -> None:
    attributes = {"route_table_id": "table", "destination_ipv6_cidr_block": "::/0"}
    assert route_identity(attributes) == "r-table2750132062"
    assert route_identity({"route_table_id": "table"}) is None


def test_route_table_associations_are_keyed_by_subnet_or_gateway_and_table() -> None:
    assert route_table_association_id("rtb-1", subnet_id="subnet-1") == "subnet-1/rtb-1"
    assert route_table_association_id("rtb-2", gateway_id="igw-1") == "igw-1/rtb-2"
    assert route_table_association_id("rtb-main") is None


# --- network ACL rules ----------------------------------------------------------------------

DRIFTCTL_NACL_RULES = [
    ("nacl-2289824980", ACL, 200, False, "6"),
    ("nacl-246660311", ACL, 100, True, "17"),
    ("nacl-4293207588", ACL, 100, False, "6"),
    ("nacl-4268384215", "acl-0de54ef59074b622e", 100, True, "17"),
    ("nacl-515082162", "acl-0de54ef59074b622e", 100, False, "17"),
]


@pytest.mark.parametrize(
    ("expected", "acl", "number", "egress", "protocol"),
    DRIFTCTL_NACL_RULES,
    ids=[r[0] for r in DRIFTCTL_NACL_RULES],
)
def test_network_acl_rule_ids_match_driftctls_golden_ids(
    expected: str, acl: str, number: int, egress: bool, protocol: str
) -> None:
    assert network_acl_rule_id(acl, number, egress, protocol) == expected


def test_network_acl_protocol_names_hash_as_their_numbers() -> None:
    assert network_acl_protocol_number("TCP") == "6"
    assert network_acl_protocol_number("all") == "-1"
    assert network_acl_rule_id(ACL, 200, "false", "tcp") == "nacl-2289824980"
    assert network_acl_rule_identity(
        {"network_acl_id": ACL, "rule_number": 100, "egress": True, "protocol": "udp"}
    ) == ("nacl-246660311")
    assert network_acl_rule_identity({"network_acl_id": ACL}) is None


# --- IAM, Route 53 and one-attribute ids ----------------------------------------------------


def test_policy_attachments_are_keyed_by_principal_and_policy_arn() -> None:
    assert policy_attachment_id("role1", "arn:aws:iam::aws:policy/X") == (
        "role1-arn:aws:iam::aws:policy/X"
    )
    for type_, field in (
        ("aws_iam_role_policy_attachment", "role"),
        ("aws_iam_user_policy_attachment", "user"),
        ("aws_iam_group_policy_attachment", "group"),
    ):
        attachment = state(type_, {"id": "random-2024", field: "p", "policy_arn": "arn1"})
        assert canonical_key(attachment) == (type_, "p-arn1")


def test_route53_record_ids_fold_case_trailing_dots_escapes_and_zone_prefix() -> None:
    assert route53_record_id("/hostedzone/Z1", "\\052.Example.COM.", "cname") == (
        "Z1_*.example.com_CNAME"
    )
    assert route53_record_id("Z1", "www.example.com", "A", "blue") == "Z1_www.example.com_A_blue"
    assert route53_record_id("Z1", "www.example.com.", "A", "") == "Z1_www.example.com_A"


def test_route53_record_identity_prefers_the_fully_qualified_name() -> None:
    attributes = {"zone_id": "Z1", "name": "www", "fqdn": "www.example.com", "type": "A"}
    assert route53_record_identity(attributes) == "Z1_www.example.com_A"
    assert route53_record_identity({"zone_id": "Z1", "type": "A"}) is None


def test_one_attribute_identities() -> None:
    assert kms_alias_identity({"name": "alias/app", "id": "x"}) == "alias/app"
    assert db_instance_identity({"id": "db-ABC", "identifier": "app-db"}) == "app-db"
    assert db_instance_identity({"id": "legacy"}) == "legacy"
    bucket_setting = state("aws_s3_bucket_versioning", {"id": "b,123456789012", "bucket": "b"})
    assert canonical_key(bucket_setting) == ("aws_s3_bucket_versioning", "b")


def test_every_aws_type_of_the_task_has_registered_rules() -> None:
    assert registered_types() >= AWS_TYPES
    for type_ in AWS_TYPES:
        assert rules_for(type_).ignored_tag_prefixes == ("aws:",), type_


# --- cloud defaults: what the adapter asks for every listed object --------------------------

CONTEXT = CloudContext(
    default_vpc_ids=frozenset({"vpc-def"}),
    default_security_group_ids=frozenset({"sg-def"}),
    default_network_acl_ids=frozenset({"acl-def"}),
    default_internet_gateway_ids=frozenset({"igw-def"}),
    zone_names={"/hostedzone/Z1": "example.com."},
)


@pytest.mark.parametrize(
    ("type_", "attributes", "expected"),
    [
        ("aws_vpc", {"default": True}, True),
        ("aws_vpc", {"id": "vpc-def"}, True),
        ("aws_vpc", {"default": False, "id": "vpc-1"}, False),
        ("aws_subnet", {"default_for_az": True}, True),
        ("aws_subnet", {"default_for_az": False}, False),
        ("aws_security_group", {"name": "default"}, True),
        ("aws_security_group", {"name": "web"}, False),
        (
            "aws_security_group_rule",
            {
                "security_group_id": "sg-def",
                "type": "ingress",
                "protocol": "-1",
                "source_security_group_id": "sg-def",
            },
            True,
        ),
        (
            "aws_security_group_rule",
            {
                "security_group_id": "sg-def",
                "type": "egress",
                "protocol": "-1",
                "cidr_blocks": ["0.0.0.0/0"],
            },
            True,
        ),
        (
            "aws_security_group_rule",
            {
                "security_group_id": "sg-def",
                "type": "ingress",
                "protocol": "tcp",
                "cidr_blocks": ["0.0.0.0/0"],
            },
            False,
        ),
        (
            "aws_security_group_rule",
            {
                "security_group_id": "sg-1",
                "type": "egress",
                "protocol": "-1",
                "cidr_blocks": ["0.0.0.0/0"],
            },
            False,
        ),
        ("aws_route_table", {"main": True}, True),
        ("aws_route_table", {"main": False}, False),
        ("aws_route", {"gateway_id": "local", "destination_cidr_block": "10.0.0.0/16"}, True),
        ("aws_route", {"origin": "EnableVgwRoutePropagation"}, True),
        ("aws_route", {"gateway_id": "igw-def", "destination_cidr_block": "0.0.0.0/0"}, True),
        ("aws_route", {"gateway_id": "igw-1", "destination_cidr_block": "0.0.0.0/0"}, False),
        ("aws_route_table_association", {"route_table_id": "rtb-1"}, True),
        ("aws_route_table_association", {"route_table_id": "rtb-1", "subnet_id": "s"}, False),
        ("aws_internet_gateway", {"vpc_id": "vpc-def"}, True),
        ("aws_internet_gateway", {"vpc_id": "vpc-1"}, False),
        ("aws_network_acl", {"default": True}, True),
        ("aws_network_acl", {"id": "acl-1"}, False),
        (
            "aws_network_acl_rule",
            {
                "rule_number": 32767,
                "rule_action": "deny",
                "protocol": "-1",
                "cidr_block": "0.0.0.0/0",
            },
            True,
        ),
        (
            "aws_network_acl_rule",
            {
                "rule_number": 32768,
                "rule_action": "deny",
                "protocol": "-1",
                "ipv6_cidr_block": "::/0",
            },
            True,
        ),
        (
            "aws_network_acl_rule",
            {
                "network_acl_id": "acl-def",
                "rule_number": 100,
                "rule_action": "allow",
                "protocol": "-1",
                "cidr_block": "0.0.0.0/0",
            },
            True,
        ),
        (
            "aws_network_acl_rule",
            {
                "network_acl_id": "acl-1",
                "rule_number": 100,
                "rule_action": "allow",
                "protocol": "-1",
                "cidr_block": "0.0.0.0/0",
            },
            False,
        ),
        ("aws_route53_record", {"zone_id": "Z1", "fqdn": "example.com.", "type": "NS"}, True),
        ("aws_route53_record", {"zone_id": "Z1", "name": "Example.com", "type": "soa"}, True),
        ("aws_route53_record", {"zone_id": "Z1", "fqdn": "dev.example.com", "type": "NS"}, False),
        ("aws_route53_record", {"zone_id": "Z2", "fqdn": "example.com", "type": "NS"}, False),
        ("aws_iam_role", {"path": "/aws-service-role/ecs.amazonaws.com/"}, True),
        ("aws_iam_role", {"path": "/service-role/"}, False),
        ("aws_iam_policy", {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, True),
        ("aws_iam_policy", {"arn": "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"}, True),
        ("aws_iam_policy", {"arn": "arn:aws:iam::123456789012:policy/mine"}, False),
        ("aws_iam_role_policy_attachment", {"role": "AWSServiceRoleForECS"}, True),
        ("aws_iam_role_policy_attachment", {"role": "app"}, False),
        ("aws_kms_key", {"key_manager": "AWS"}, True),
        ("aws_kms_key", {"key_manager": "CUSTOMER"}, False),
        ("aws_kms_alias", {"name": "alias/aws/s3"}, True),
        ("aws_kms_alias", {"name": "alias/app"}, False),
        (
            "aws_s3_bucket_server_side_encryption_configuration",
            {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]},
            True,
        ),
        (
            "aws_s3_bucket_server_side_encryption_configuration",
            {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]},
            False,
        ),
        ("aws_s3_bucket_public_access_block", {"block_public_acls": False}, True),
        (
            "aws_s3_bucket_public_access_block",
            {
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
            True,
        ),
        ("aws_s3_bucket_public_access_block", {"block_public_acls": True}, False),
        ("aws_db_subnet_group", {"name": "default"}, True),
        ("aws_instance", {"name": "default"}, False),
    ],
)
def test_cloud_defaults_are_recognised_from_attributes_and_account_context(
    type_: str, attributes: dict[str, Any], expected: bool
) -> None:
    assert is_cloud_default(type_, attributes, CONTEXT) is expected


def test_defaults_that_need_account_facts_are_not_guessed_without_them() -> None:
    assert not is_cloud_default("aws_internet_gateway", {"vpc_id": "vpc-def"})
    assert not is_cloud_default("aws_route53_record", {"zone_id": "Z1", "type": "NS"})
    assert "aws_vpc" in default_types() and "aws_instance" not in default_types()
