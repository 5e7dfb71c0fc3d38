"""The account a finding's ids name: AWS ARNs, Azure resource ids, GCP project paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.domain.drift.accounts import account_in, account_of

ACCOUNT = st.text("0123456789", min_size=12, max_size=12)
WORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)
TAIL = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)


@pytest.mark.parametrize(
    ("identifier", "account"),
    [
        ("arn:aws:iam::123456789012:role/deploy", "123456789012"),
        ("arn:aws-us-gov:ec2:us-gov-west-1:210987654321:vpc/vpc-1", "210987654321"),
        ("arn:aws:sns:eu-west-1:123456789012:topic:with:colons", "123456789012"),
        ("arn:aws:s3:::my-bucket", None),  # buckets' ARNs name no account
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),  # AWS-managed: nobody's account
        ("arn:aws:iam::12345:role/short", None),
        ("arn:aws:iam", None),
        (
            "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg/providers"
            "/Microsoft.Network/virtualNetworks/net",
            "0b1f6471-1bf0-4dda-aec3-111122223333",
        ),
        ("/SUBSCRIPTIONS/sub-1/resourceGroups/rg", "sub-1"),  # Azure ids ignore case
        ("/subscriptions/sub-1", "sub-1"),
        ("projects/my-project/global/networks/default", "my-project"),
        ("//compute.googleapis.com/projects/p-1/zones/z/instances/i", "p-1"),
        ("https://www.googleapis.com/compute/v1/projects/p-2/regions/r/subnetworks/s", "p-2"),
        ("projects/lonely", None),  # a project with nothing under it is no path
        ("vpc-0123", None),
        ("12345678", None),
        ("", None),
    ],
)
def test_account_in_reads_each_clouds_id_shape(identifier: str, account: str | None) -> None:
    assert account_in(identifier) == account


def test_account_of_takes_the_first_identifier_that_names_one() -> None:
    arn = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"
    assert account_of(["vpc-1", None, arn]) == "123456789012"
    assert account_of([None, "", "vpc-1"]) is None
    assert account_of(["projects/a/x", arn]) == "a"
    assert account_of([]) is None


@given(
    partition=st.sampled_from(["aws", "aws-cn", "aws-us-gov"]),
    service=WORD,
    region=st.one_of(st.just(""), WORD),
    account=ACCOUNT,
    resource=TAIL,
)
def test_an_arns_account_field_is_its_account_whatever_its_resource(
    partition: str, service: str, region: str, account: str, resource: str
) -> None:
    assert account_in(f"arn:{partition}:{service}:{region}:{account}:{resource}") == account


@given(subscription=WORD, tail=TAIL)
def test_an_azure_ids_subscription_is_its_account(subscription: str, tail: str) -> None:
    assert account_in(f"/subscriptions/{subscription}/{tail}") == subscription


@given(prefix=st.sampled_from(["", "//compute.googleapis.com/", "https://x/v1/"]), project=WORD)
def test_a_gcp_project_segment_is_its_account(prefix: str, project: str) -> None:
    assert account_in(f"{prefix}projects/{project}/global/networks/n") == project


@given(identifier=TAIL)
def test_any_text_gives_none_or_a_part_of_itself(identifier: str) -> None:
    # Never raises, and never invents an account the id does not spell out.
    account = account_in(identifier)
    assert account is None or (account and account in identifier and "/" not in account)
