"""Each normalisation transform on its own, then their fixed order in ``normalise_attribute``."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from driftmgr.domain.drift.normalise import (
    canonical_cidr,
    canonical_dns_name,
    canonical_policy,
    canonical_set,
    drop_empty,
    drop_reserved_tags,
    is_empty,
    lowercase,
    normalise_attribute,
    sort_key,
    user_data_hash,
    with_default,
)
from driftmgr.domain.drift.rules import TypeRules

SCRIPT = "#!/bin/bash\necho hello\n"
SCRIPT_SHA1 = hashlib.sha1(SCRIPT.encode()).hexdigest()


# --- empties and defaults -------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", [], {}])
def test_null_empty_string_empty_list_and_empty_map_are_empty(value: Any) -> None:
    assert is_empty(value)


@pytest.mark.parametrize("value", [0, False, " ", [None], {"a": None}, "x"])
def test_zero_false_and_containers_of_empties_are_not_empty_themselves(value: Any) -> None:
    assert not is_empty(value)


def test_drop_empty_removes_empty_map_entries_recursively() -> None:
    assert drop_empty({"a": "", "b": {"c": None, "d": []}, "e": 1}) == {"e": 1}
    assert drop_empty({"a": {"b": {}}}) is None


def test_drop_empty_keeps_list_positions_but_empties_an_all_empty_list() -> None:
    assert drop_empty([{"a": ""}, {"b": 1}]) == [None, {"b": 1}]
    assert drop_empty([{"a": ""}, None, ""]) is None
    assert drop_empty([False, 0]) == [False, 0]


def test_an_empty_value_stands_for_the_provider_default_and_a_set_one_is_kept() -> None:
    assert with_default(None, 3600) == 3600
    assert with_default("", "/") == "/"
    assert with_default(7200, 3600) == 7200
    assert with_default(False, True) is False


# --- sets -----------------------------------------------------------------------------------


def test_canonical_set_orders_members_and_drops_duplicates() -> None:
    members = [{"b": 2}, "x", {"a": 1}, "x", [2, 1]]
    assert canonical_set(members) == canonical_set(list(reversed(members)))
    assert len(canonical_set(members)) == 4


def test_sort_key_ignores_map_key_order() -> None:
    assert sort_key({"a": 1, "b": 2}) == sort_key({"b": 2, "a": 1})


# --- user_data ------------------------------------------------------------------------------


def test_user_data_base64_from_the_api_hashes_to_the_sha1_the_state_stores() -> None:
    assert user_data_hash(base64.b64encode(SCRIPT.encode()).decode()) == SCRIPT_SHA1


def test_user_data_that_is_already_a_sha1_hex_is_left_alone() -> None:
    assert user_data_hash(SCRIPT_SHA1) == SCRIPT_SHA1


def test_user_data_that_is_not_base64_is_hashed_as_written() -> None:
    assert user_data_hash(SCRIPT) == SCRIPT_SHA1


@pytest.mark.parametrize("value", [None, "", 42, ["x"]])
def test_user_data_hash_passes_non_scripts_through(value: Any) -> None:
    assert user_data_hash(value) == value


# --- policies -------------------------------------------------------------------------------

POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "B", "Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": "*"},
    ],
}


def test_policy_key_order_and_whitespace_do_not_matter() -> None:
    compact = json.dumps(POLICY, separators=(",", ":"))
    spaced = json.dumps(POLICY, indent=4, sort_keys=True)
    assert canonical_policy(compact) == canonical_policy(spaced) == canonical_policy(POLICY)


def test_policy_single_values_equal_one_element_lists() -> None:
    listed = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": ["arn:aws:s3:::b/*"],
            },
            {"Sid": "B", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": ["*"]},
        ],
    }
    assert canonical_policy(listed) == canonical_policy(POLICY)


def test_policy_statement_order_and_a_lone_statement_object_do_not_matter() -> None:
    reordered = {**POLICY, "Statement": list(reversed(POLICY["Statement"]))}
    assert canonical_policy(reordered) == canonical_policy(POLICY)
    lone = {"Version": "2012-10-17", "Statement": POLICY["Statement"][0]}
    assert canonical_policy(lone) == canonical_policy({**lone, "Statement": [lone["Statement"]]})


def test_a_star_principal_equals_aws_star() -> None:
    star = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}
    aws_star = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}]
    }
    assert canonical_policy(star) == canonical_policy(aws_star)


def test_an_account_id_principal_equals_its_root_arn() -> None:
    by_id = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "210987654321"}}]}
    by_arn = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]}}]
    }
    assert canonical_policy(by_id) == canonical_policy(by_arn)
    role = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/x"}}]
    }
    assert canonical_policy(role) != canonical_policy(by_arn)


def test_condition_values_compare_as_sets_of_strings() -> None:
    scalar = {
        "Statement": [
            {"Condition": {"Bool": {"aws:SecureTransport": False}, "StringEquals": {"k": "v"}}}
        ]
    }
    listed = {
        "Statement": [
            {
                "Condition": {
                    "StringEquals": {"k": ["v"]},
                    "Bool": {"aws:SecureTransport": ["false"]},
                }
            }
        ]
    }
    assert canonical_policy(scalar) == canonical_policy(listed)
    other = {
        "Statement": [
            {
                "Condition": {
                    "StringEquals": {"k": ["v", "w"]},
                    "Bool": {"aws:SecureTransport": "false"},
                }
            }
        ]
    }
    assert canonical_policy(other) != canonical_policy(listed)


def test_an_empty_sid_equals_no_sid() -> None:
    assert canonical_policy({"Statement": [{"Sid": "", "Effect": "Allow"}]}) == canonical_policy(
        {"Statement": [{"Effect": "Allow"}]}
    )


def test_a_different_action_is_a_different_policy() -> None:
    wider = {
        **POLICY,
        "Statement": [{**POLICY["Statement"][0], "Action": "s3:*"}, POLICY["Statement"][1]],
    }
    assert canonical_policy(wider) != canonical_policy(POLICY)


def test_a_string_that_is_not_json_is_returned_as_is() -> None:
    assert canonical_policy("not json {") == "not json {"
    assert canonical_policy('["a"]') == ["a"]


def test_non_iam_json_documents_compare_with_keys_in_any_order() -> None:
    assert canonical_policy('{"maxReceiveCount":5,"deadLetterTargetArn":"q"}') == canonical_policy(
        '{"deadLetterTargetArn": "q", "maxReceiveCount": 5}'
    )


# --- CIDRs, case, DNS names, tags -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("10.0.0.1/16", "10.0.0.0/16"),
        ("10.0.0.0/16", "10.0.0.0/16"),
        ("2001:DB8:0:0:0:0:0:0/32", "2001:db8::/32"),
        ("2600:1f18:0abc:de00::/56", "2600:1f18:abc:de00::/56"),
        ("0:0::0/0", "::/0"),
        ("pl-123", "pl-123"),
        ("not/a/cidr", "not/a/cidr"),
        (None, None),
    ],
)
def test_a_cidr_is_the_network_it_denotes(given: Any, canonical: Any) -> None:
    assert canonical_cidr(given) == canonical


def test_cidr_lists_are_canonicalised_element_by_element() -> None:
    assert canonical_cidr(["10.1.2.3/8", "::1/0"]) == ["10.0.0.0/8", "::/0"]


def test_lowercase_folds_strings_and_string_lists_only() -> None:
    assert lowercase("TCP") == "tcp"
    assert lowercase(["A", 1]) == ["a", 1]
    assert lowercase(6) == 6


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("www.Example.com.", "www.example.com"),
        ("www.example.com", "www.example.com"),
        ("\\052.example.com.", "*.example.com"),
        ("\\100home.example.com", "@home.example.com"),
        (".", "."),
        (None, None),
    ],
)
def test_dns_names_ignore_case_a_trailing_dot_and_octal_escapes(given: Any, canonical: Any) -> None:
    assert canonical_dns_name(given) == canonical


def test_dns_name_lists_are_canonicalised_element_by_element() -> None:
    assert canonical_dns_name(["NS-1.awsdns-01.org.", "ns-2.awsdns-02.com"]) == [
        "ns-1.awsdns-01.org",
        "ns-2.awsdns-02.com",
    ]


def test_reserved_tags_are_dropped_and_others_kept() -> None:
    tags = {"Name": "web", "aws:cloudformation:stack-name": "s", "aws-team": "x"}
    assert drop_reserved_tags(tags, ("aws:",)) == {"Name": "web", "aws-team": "x"}
    assert drop_reserved_tags(tags, ()) == tags
    assert drop_reserved_tags(None, ("aws:",)) is None


# --- the fixed order ------------------------------------------------------------------------

RULES = TypeRules(
    sets=frozenset({"ingress", "inline_policy", "alias", "records"}),
    policies=frozenset({"policy", "assume_role_policy"}),
    cidrs=frozenset({"cidr_block", "cidr_blocks"}),
    case_insensitive=frozenset({"protocol"}),
    dns_names=frozenset({"name", "fqdn"}),
    hashed=frozenset({"user_data"}),
    defaults={"monitoring": False, "user_data": "", "path": "/"},
    ignored_tag_prefixes=("aws:",),
)


def test_a_default_is_applied_before_anything_else() -> None:
    assert normalise_attribute("monitoring", None, RULES) is False
    assert normalise_attribute("path", "", RULES) == "/"


def test_user_data_is_hashed_on_both_sides() -> None:
    encoded = base64.b64encode(SCRIPT.encode()).decode()
    assert normalise_attribute("user_data", encoded, RULES) == normalise_attribute(
        "user_data", SCRIPT_SHA1, RULES
    )


def test_set_members_get_their_own_field_transforms_and_a_canonical_order() -> None:
    state = [
        {"protocol": "TCP", "cidr_blocks": ["10.1.0.0/16", "10.0.0.1/16"], "description": ""},
        {"protocol": "udp", "cidr_blocks": ["10.2.0.0/16"]},
    ]
    live = [
        {"protocol": "udp", "cidr_blocks": ["10.2.0.0/16"], "description": None},
        {"protocol": "tcp", "cidr_blocks": ["10.0.0.0/16", "10.1.0.0/16"]},
    ]
    assert normalise_attribute("ingress", state, RULES) == normalise_attribute(
        "ingress", live, RULES
    )


def test_policies_and_dns_names_inside_set_members_are_normalised() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    state = [{"name": "s3", "policy": json.dumps(doc, separators=(",", ":"))}]
    live = [{"name": "s3", "policy": json.dumps(doc, indent=2)}]
    assert normalise_attribute("inline_policy", state, RULES) == normalise_attribute(
        "inline_policy", live, RULES
    )
    assert normalise_attribute("alias", [{"name": "LB.example.com."}], RULES) == [
        {"name": "lb.example.com"}
    ]


def test_tags_lose_reserved_keys_and_empty_tags_are_none() -> None:
    assert normalise_attribute("tags", {"aws:x": "1", "Name": "a"}, RULES) == {"Name": "a"}
    assert normalise_attribute("tags", {"aws:x": "1"}, RULES) is None


def test_attributes_without_rules_only_lose_their_empties() -> None:
    value = {"a": "", "b": [1, 2], "c": {"d": None}}
    assert normalise_attribute("other", value, RULES) == {"b": [1, 2]}
    assert normalise_attribute("other", [2, 1], RULES) == [2, 1]
