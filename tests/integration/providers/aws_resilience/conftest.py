"""The fault proxy in front of the session's moto server, and a small world to list."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec
import pytest

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.domain.resources import ScanOutcome
from tests.support.fault_proxy import FaultProxy

Boto = Callable[..., Any]
Key = tuple[str | None, str, str]

REGIONS = ("us-east-1", "eu-west-1")
TYPES = ("aws_instance", "aws_vpc", "aws_security_group", "aws_s3_bucket", "aws_iam_role")
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture
def proxy(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A fault proxy (no faults yet) that the SDKs in this process now talk to.

    ``boto`` clients (seeding) still go straight to moto.
    """
    with FaultProxy(aws) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def seed_world(boto: Boto, *, roles: int = 10, vpcs: int = 2) -> None:
    """A few of every listed type in both regions, tags written in unsorted order."""
    for region in REGIONS:
        ec2 = boto("ec2", region)
        for n in range(vpcs):
            vpc = ec2.create_vpc(
                CidrBlock=f"10.{n}.0.0/16",
                TagSpecifications=[
                    {
                        "ResourceType": "vpc",
                        "Tags": [{"Key": "z", "Value": "1"}, {"Key": "a", "Value": str(n)}],
                    }
                ],
            )["Vpc"]["VpcId"]
            ec2.create_security_group(GroupName=f"web-{n}", Description="web", VpcId=vpc)
        image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
        ec2.run_instances(
            ImageId=image,
            MinCount=2,
            MaxCount=2,
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": "Name", "Value": "app"}, {"Key": "Env", "Value": "test"}],
                }
            ],
        )
        s3 = boto("s3", region)
        for n in range(2):
            name = f"bucket-{region}-{n}"
            location = {} if region == "us-east-1" else {"LocationConstraint": region}
            s3.create_bucket(
                Bucket=name, **({"CreateBucketConfiguration": location} if location else {})
            )
            s3.put_bucket_tagging(
                Bucket=name,
                Tagging={"TagSet": [{"Key": "team", "Value": "x"}, {"Key": "cost", "Value": "y"}]},
            )
    iam = boto("iam")
    for n in range(roles):
        iam.create_role(
            RoleName=f"role-{n:02d}",
            AssumeRolePolicyDocument=TRUST,
            Tags=[{"Key": "owner", "Value": "me"}, {"Key": "app", "Value": str(n)}],
        )


def scan(
    provider: AwsProvider,
    regions: Sequence[str] = REGIONS,
    types: Sequence[str] = TYPES,
    cancel_event: threading.Event | None = None,
) -> dict[Key, ScanOutcome]:
    outcomes = asyncio.run(provider.scan(regions, types, cancel_event=cancel_event))
    by_key = {(o.account, o.type, o.region): o for o in outcomes}
    assert len(by_key) == len(outcomes), "one outcome per (account, type, region)"
    return by_key


def encoded(outcomes: dict[Key, ScanOutcome]) -> dict[Key, bytes]:
    """Each (account, type, region)'s inventory as the discovery job stores it."""
    return {key: msgspec.json.encode(o.resources) for key, o in outcomes.items()}


def reasons(outcomes: dict[Key, ScanOutcome]) -> dict[Key, str | None]:
    return {key: o.unobserved_reason for key, o in outcomes.items()}
