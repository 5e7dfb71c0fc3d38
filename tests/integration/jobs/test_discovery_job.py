"""The discovery job against a real moto server: events per listing, and an unchanged account
stored once — the second inventory has the same hashes and adds no blob."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from driftmgr.adapters.eventstore.blobs import blobs_table
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.discovery import StartDiscovery, start_discovery
from driftmgr.domain.base import Cause
from driftmgr.domain.discovery_run import DiscoveryRun
from driftmgr.settings import Settings

TYPES = [
    "aws_vpc",
    "aws_subnet",
    "aws_security_group",
    "aws_instance",
    "aws_s3_bucket",
    "aws_iam_role",
    "aws_route_table",
]


@pytest.fixture
def services(aws: str, tmp_path: Path) -> Iterator[Services]:
    services = bootstrap(Settings(data_dir=tmp_path / "store"))
    yield services
    services.close()


def discover(services: Services) -> DiscoveryRun:
    accepted = start_discovery(
        services.backend,
        StartDiscovery(provider="aws", regions=["us-east-1", "eu-west-1"], resource_types=TYPES),
        Cause(actor="tester"),
    )
    services.projections.catch_up()
    assert services.worker.run_pending() == 1
    return services.backend.app.get(DiscoveryRun, accepted.id)


def blob_count(services: Services) -> int:
    with services.backend.blobs._engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(blobs_table)).scalar_one())


def test_discovering_an_unchanged_account_twice_stores_no_new_inventory(
    services: Services, boto: Callable[..., Any]
) -> None:
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)
    boto("s3").create_bucket(Bucket="unchanged-logs")
    boto("iam").create_role(RoleName="unchanged", AssumeRolePolicyDocument="{}")

    first = discover(services)
    blobs_after_first = blob_count(services)
    second = discover(services)

    assert first.status == second.status == "completed"
    assert first.unobserved == second.unobserved == {}
    assert first.scans == second.scans  # (account, type, region) → the same inventory hash
    assert len(first.scans) == 6 * 2 + 1  # six regional types in two regions, IAM once
    assert blob_count(services) == blobs_after_first


def test_a_change_in_the_account_changes_only_that_listings_hash(
    services: Services, boto: Callable[..., Any]
) -> None:
    boto("s3").create_bucket(Bucket="before")
    first = discover(services)
    boto("ec2", "eu-west-1").create_vpc(CidrBlock="10.9.0.0/16")
    second = discover(services)
    changed = {key for key in first.scans if first.scans[key] != second.scans[key]}
    assert {(t, r) for _, t, r in changed} == {
        ("aws_vpc", "eu-west-1"),
        ("aws_route_table", "eu-west-1"),
        ("aws_security_group", "eu-west-1"),
    }


def test_a_tag_scope_lists_only_taggable_types_and_keeps_what_carries_the_tags(
    services: Services, boto: Callable[..., Any]
) -> None:
    ec2 = boto("ec2")
    tagged = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[tagged], Tags=[{"Key": "team", "Value": "payments"}])
    ec2.create_vpc(CidrBlock="10.2.0.0/16")
    accepted = start_discovery(
        services.backend,
        StartDiscovery(
            provider="aws",
            regions=["us-east-1"],
            tags={"team": "payments"},
            resource_types=["aws_vpc", "aws_security_group_rule", "aws_route"],
        ),
        Cause(actor="t"),
    )
    services.projections.catch_up()
    services.worker.run_pending()
    run = services.backend.app.get(DiscoveryRun, accepted.id)
    # Rules and routes cannot carry tags: not listed at all under a tag scope.
    assert {t for _, t, _ in run.scans} == {"aws_vpc"}
    assert run.resource_counts == {"aws_vpc": 1}
