"""`.driftignore`: driftctl's syntax and gitignore's semantics."""

from __future__ import annotations

import pytest

from driftmgr.domain.drift.ignore import IgnoreRules, IgnoreSyntaxError


def rules(*lines: str) -> IgnoreRules:
    return IgnoreRules.parse(lines)


def test_an_exact_type_and_id_line_ignores_that_resource_only() -> None:
    r = rules("aws_s3_bucket.logs")
    assert r.is_ignored("aws_s3_bucket", "logs")
    assert not r.is_ignored("aws_s3_bucket", "logs2")
    assert not r.is_ignored("aws_s3_bucket", "data")


def test_comments_and_blank_lines_are_skipped() -> None:
    r = rules("# unmanaged on purpose", "", "   ", "aws_vpc.vpc-1")
    assert r.is_ignored("aws_vpc", "vpc-1") and not r.is_ignored("aws_vpc", "vpc-2")


def test_wildcards_match_ids_and_types() -> None:
    r = rules("aws_instance.i-0abc*", "aws_iam_*")
    assert r.is_ignored("aws_instance", "i-0abcdef")
    assert not r.is_ignored("aws_instance", "i-0bcd")
    assert r.is_ignored("aws_iam_role", "admin") and r.is_ignored("aws_iam_user", "bob")


def test_negation_re_includes_and_the_last_matching_line_wins() -> None:
    r = rules("*", "!aws_iam_*")
    assert r.is_ignored("aws_vpc", "vpc-1")
    assert not r.is_ignored("aws_iam_role", "admin")
    back = rules("!aws_vpc.vpc-1", "aws_vpc.*")
    assert back.is_ignored("aws_vpc", "vpc-1")


def test_escaped_dots_match_ids_that_contain_dots() -> None:
    r = rules(r"aws_s3_bucket.my\.bucket\.example\.com")
    assert r.is_ignored("aws_s3_bucket", "my.bucket.example.com")
    assert not r.is_ignored("aws_s3_bucket", "my-bucket-example-com")


def test_ids_with_slashes_match_wildcards_across_them() -> None:
    r = rules("aws_iam_policy.arn:aws:iam::123456789012:policy/team-*")
    assert r.is_ignored("aws_iam_policy", "arn:aws:iam::123456789012:policy/team-a")
    assert not r.is_ignored("aws_iam_policy", "arn:aws:iam::123456789012:policy/other")


def test_attribute_lines_ignore_paths_not_resources() -> None:
    r = rules("aws_instance.*.tags.Owner", "aws_security_group.sg-1.ingress")
    assert not r.is_ignored("aws_instance", "i-1")
    assert r.is_path_ignored("aws_instance", "i-1", "tags.Owner")
    assert not r.is_path_ignored("aws_instance", "i-1", "tags.Name")
    assert r.is_path_ignored("aws_security_group", "sg-1", "ingress")
    assert not r.is_path_ignored("aws_security_group", "sg-2", "ingress")
    assert r.is_path_ignored("aws_security_group", "sg-1", "ingress[0].from_port")


def test_a_negated_attribute_line_re_includes_a_path() -> None:
    r = rules("aws_instance.*.tags", "!aws_instance.*.tags.Owner")
    assert r.is_path_ignored("aws_instance", "i-1", "tags.Name")
    assert not r.is_path_ignored("aws_instance", "i-1", "tags.Owner")


def test_whole_types_are_known_so_their_listing_can_be_skipped() -> None:
    r = rules("aws_iam_*", "aws_vpc.vpc-1", "aws_s3_bucket.*", "!aws_s3_bucket.keep")
    assert r.ignores_whole_type("aws_iam_role")
    assert not r.ignores_whole_type("aws_vpc")  # only one id
    assert not r.ignores_whole_type("aws_s3_bucket")  # one id re-included
    assert not r.ignores_whole_type("aws_instance")


@pytest.mark.parametrize("line", ["!", "aws_vpc.", ".vpc-1", "aws_vpc..tags"])
def test_a_line_that_names_nothing_is_refused_with_its_number(line: str) -> None:
    with pytest.raises(IgnoreSyntaxError, match=r"\.driftignore line 2"):
        IgnoreRules.parse(["# fine", line])


def test_no_rules_ignore_nothing() -> None:
    empty = IgnoreRules.empty()
    assert empty.is_empty and not empty.is_ignored("aws_vpc", "vpc-1")
    assert not empty.is_path_ignored("aws_vpc", "vpc-1", "tags")
