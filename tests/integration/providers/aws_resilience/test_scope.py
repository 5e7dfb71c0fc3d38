"""What a scan covers: the account's enabled regions, several accounts, and same bytes twice."""

from __future__ import annotations

import json
from typing import Any

import boto3
import msgspec
import pytest

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.adapters.providers.aws.provider import ALL_REGIONS
from driftmgr.domain.resources import GLOBAL_REGION
from tests.integration.providers.aws_resilience.conftest import (
    REGIONS,
    TRUST,
    TYPES,
    Boto,
    encoded,
    scan,
    seed_world,
)
from tests.support.fault_proxy import Fault, FaultProxy

ACCOUNT = "123456789012"


# --- determinism ---------------------------------------------------------------------------


def test_two_scans_of_an_unchanged_account_store_byte_identical_inventories(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto)

    first, second = scan(AwsProvider()), scan(AwsProvider(max_concurrency=3))

    assert encoded(first) == encoded(second)
    for outcome in first.values():
        ids = [r.id for r in outcome.resources]
        assert ids == sorted(ids)
        for resource in outcome.resources:
            tags = resource.attributes.get("tags", {})
            assert list(tags) == sorted(tags), "tag maps are sorted by key"
    roles = first[(ACCOUNT, "aws_iam_role", GLOBAL_REGION)].resources
    assert roles[0].attributes["tags"] == {"app": "0", "owner": "me"}


# --- regions -------------------------------------------------------------------------------


def test_without_regions_the_accounts_enabled_regions_are_scanned(
    proxy: FaultProxy, boto: Boto
) -> None:
    vpc_id = boto("ec2", "ap-southeast-2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    # moto ignores AllRegions=False and marks the opt-in regions "not-opted-in"; AWS leaves
    # them out. The provider asks with AllRegions=False and drops "not-opted-in" too.
    answer = boto("ec2").describe_regions(AllRegions=False)["Regions"]
    enabled = sorted(r["RegionName"] for r in answer if r["OptInStatus"] != "not-opted-in")
    assert len(enabled) < len(answer)
    provider = AwsProvider()

    outcomes = scan(provider, regions=[], types=["aws_vpc", "aws_iam_role"])

    assert provider.enabled_regions() == enabled
    assert len(enabled) >= 17
    assert sorted(r for _, t, r in outcomes if t == "aws_vpc") == enabled
    assert [r for _, t, r in outcomes if t == "aws_iam_role"] == [GLOBAL_REGION]
    assert all(o.observed for o in outcomes.values())
    assert vpc_id in {r.id for r in outcomes[(ACCOUNT, "aws_vpc", "ap-southeast-2")].resources}
    listing = proxy.requests(service="ec2", operation="DescribeRegions")
    assert len(listing) == 2  # once by the scan, once by enabled_regions()
    assert b"AllRegions=false" in listing[0].body


def test_regions_that_cannot_be_listed_leave_regional_types_unobserved(
    proxy: FaultProxy,
) -> None:
    proxy.set_faults([Fault("deny", service="ec2", body_contains=b"Action=DescribeRegions")])

    outcomes = scan(AwsProvider(), regions=[], types=["aws_vpc", "aws_iam_role"])

    assert set(outcomes) == {
        (ACCOUNT, "aws_vpc", ALL_REGIONS),
        (ACCOUNT, "aws_iam_role", GLOBAL_REGION),
    }
    reason = outcomes[(ACCOUNT, "aws_vpc", ALL_REGIONS)].unobserved_reason or ""
    assert reason.startswith("access denied: UnauthorizedOperation: ")
    assert reason.endswith("(listing the enabled regions)")
    assert outcomes[(ACCOUNT, "aws_iam_role", GLOBAL_REGION)].observed


# --- accounts ------------------------------------------------------------------------------

ROLES = {
    "111111111111": "arn:aws:iam::111111111111:role/driftmgr-audit",
    "222222222222": "arn:aws:iam::222222222222:role/driftmgr-audit",
}
DENIED = "arn:aws:iam::333333333333:role/driftmgr-audit"


def assumed(moto: str, role_arn: str, service: str) -> Any:
    """A boto3 client acting in the role's account, straight to moto."""
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="seed")["Credentials"]
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=moto,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture
def two_accounts(aws: str) -> dict[str, tuple[str, str]]:
    """A VPC and a role in each of two accounts; moto keeps accounts apart by credentials."""
    made: dict[str, tuple[str, str]] = {}
    for account, role_arn in ROLES.items():
        identity = assumed(aws, role_arn, "sts").get_caller_identity()
        # What moto returns for assumed-role credentials: the role's account and an
        # assumed-role ARN, so every later call with them acts in that account.
        assert identity["Account"] == account
        assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/driftmgr-audit/seed"
        vpc = assumed(aws, role_arn, "ec2").create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        role = f"app-{account}"
        assumed(aws, role_arn, "iam").create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
        made[account] = (vpc, role)
    return made


def test_each_assumed_account_is_scanned_and_its_resources_carry_its_id(
    proxy: FaultProxy, two_accounts: dict[str, tuple[str, str]]
) -> None:
    provider = AwsProvider(account_roles=list(ROLES.values()))

    outcomes = scan(provider, regions=["us-east-1"], types=["aws_vpc", "aws_iam_role"])

    assert set(outcomes) == {
        (account, t, r)
        for account in ROLES
        for t, r in (("aws_vpc", "us-east-1"), ("aws_iam_role", GLOBAL_REGION))
    }
    for (account, type_, _), outcome in outcomes.items():
        assert account is not None
        assert outcome.observed, outcome.unobserved_reason
        assert {r.account for r in outcome.resources} <= {account}
        ids = {r.id for r in outcome.resources}
        vpc, role = two_accounts[account]
        other_vpc, other_role = two_accounts[next(a for a in ROLES if a != account)]
        mine, theirs = (vpc, other_vpc) if type_ == "aws_vpc" else (role, other_role)
        assert mine in ids and theirs not in ids
    assumes = proxy.requests(service="sts", operation="AssumeRole")
    assert len(assumes) == len(ROLES)
    assert all(b"RoleSessionName=driftmgr" in seen.body for seen in assumes)


def test_an_account_whose_role_cannot_be_assumed_is_unobserved_with_the_reason(
    proxy: FaultProxy, two_accounts: dict[str, tuple[str, str]]
) -> None:
    proxy.set_faults([Fault("deny", service="sts", body_contains=b"333333333333")])
    provider = AwsProvider(account_roles=[*ROLES.values(), DENIED])

    outcomes = scan(provider, regions=list(REGIONS), types=TYPES)

    denied = {key: o for key, o in outcomes.items() if key[0] == "333333333333"}
    assert len(denied) == (len(TYPES) - 1) * len(REGIONS) + 1
    for outcome in denied.values():
        reason = outcome.unobserved_reason or ""
        assert reason.startswith("access denied: AccessDenied: "), reason
        assert reason.endswith(f"(assuming role {DENIED})")
    assert all(o.observed for key, o in outcomes.items() if key[0] in ROLES)
    payload = json.loads(msgspec.json.encode([o.account for o in outcomes.values()]))
    assert set(payload) == {*ROLES, "333333333333"}
