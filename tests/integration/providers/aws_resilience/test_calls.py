"""Scan.call and Scan.pages against moto, and the retry/breaker policies on their own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any

import aioboto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import CircuitOpenError
from driftmgr.adapters.providers.aws.resilience import (
    CircuitBreaker,
    LaneKey,
    Resilience,
    RetryPolicy,
)
from driftmgr.adapters.providers.aws.scan import Scan
from tests.integration.providers.aws_resilience.conftest import TRUST, Boto
from tests.support.fault_proxy import Fault, FaultProxy

T = Any


def with_scan(work: Callable[[Scan], Coroutine[Any, Any, T]], **limits: Any) -> T:
    async def main() -> T:
        resilience = Resilience(**limits)
        config = Config(retries={"mode": "adaptive", "total_max_attempts": 2})
        async with Scan(aioboto3.Session, config, resilience, home_region="us-east-1") as scan:
            return await work(scan)

    return asyncio.run(main())


async def all_pages(scan: Scan, service: str, operation: str, **params: Any) -> list[Any]:
    client = await scan.client(service, "us-east-1")
    return [page async for page in scan.pages(client, operation, **params)]


def test_pages_follow_markers_and_retry_a_failed_page_alone(proxy: FaultProxy, boto: Boto) -> None:
    iam = boto("iam")
    for n in range(25):
        iam.create_role(RoleName=f"r{n:02d}", AssumeRolePolicyDocument=TRUST)
    proxy.set_faults([Fault("throttle", 0.4, service="iam")], seed=3)

    pages = with_scan(
        lambda scan: all_pages(scan, "iam", "list_roles", PaginationConfig={"PageSize": 10}),
        retry=RetryPolicy(attempts=8, base_delay=0.01),
    )

    names = [role["RoleName"] for page in pages for role in page["Roles"]]
    assert sorted(names) == [f"r{n:02d}" for n in range(25)]  # each once
    assert [len(page["Roles"]) for page in pages] == [10, 10, 5]
    assert any(seen.fault for seen in proxy.requests(service="iam"))


def test_pages_follow_continuation_tokens_and_multi_part_tokens(
    proxy: FaultProxy, boto: Boto
) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="many")
    for n in range(7):
        s3.put_object(Bucket="many", Key=f"k{n}", Body=b"x")
    route53 = boto("route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="x")["HostedZone"]
    route53.change_resource_record_sets(
        HostedZoneId=zone["Id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": f"h{n}.example.com",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "10.0.0.1"}],
                    },
                }
                for n in range(5)
            ]
        },
    )

    async def both(scan: Scan) -> tuple[list[Any], list[Any]]:
        objects = await all_pages(
            scan, "s3", "list_objects_v2", Bucket="many", PaginationConfig={"PageSize": 3}
        )
        records = await all_pages(
            scan,
            "route53",
            "list_resource_record_sets",
            HostedZoneId=zone["Id"],
            PaginationConfig={"PageSize": 2},
        )
        return objects, records

    objects, records = with_scan(both)

    assert [o["Key"] for page in objects for o in page.get("Contents", [])] == [
        f"k{n}" for n in range(7)
    ]
    assert len(objects) == 3
    names = [(r["Name"], r["Type"]) for page in records for r in page["ResourceRecordSets"]]
    assert len(names) == len(set(names)) == 7  # SOA, NS and five A records
    assert len(records) == 4


def test_pages_refuse_what_they_cannot_honour(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="MaxItems"):
        with_scan(
            lambda scan: all_pages(scan, "iam", "list_roles", PaginationConfig={"MaxItems": 1})
        )


def test_a_call_that_is_not_retryable_fails_at_once(proxy: FaultProxy) -> None:
    proxy.set_faults([Fault("deny", service="iam")])

    async def denied(scan: Scan) -> None:
        iam = await scan.client("iam", "us-east-1")
        with pytest.raises(ClientError, match="AccessDenied"):
            await scan.call(iam, "get_role", RoleName="x")
        breaker = scan.resilience.breaker(LaneKey("default", "iam", "global"))
        assert breaker.failures == 0

    with_scan(denied)
    assert len(proxy.requests(service="iam")) == 1


# --- the policies on their own -------------------------------------------------------------


def test_retry_delays_are_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(0)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.delay(retry, rng) for _ in range(500)]
        assert 0 <= min(delays) < ceiling * 0.05
        assert ceiling * 0.95 < max(delays) <= ceiling


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(budget=0)


def test_the_breaker_opens_after_consecutive_failures_only_and_stays_open() -> None:
    breaker = CircuitBreaker(LaneKey("a", "ec2", "eu-west-1"), threshold=3)
    boom = RuntimeError("boom")
    breaker.record_failure(boom)
    breaker.record_failure(boom)
    breaker.record_success()
    breaker.record_failure(boom)
    breaker.record_failure(boom)
    breaker.check()  # 2 in a row: still closed
    breaker.record_failure(boom)
    with pytest.raises(CircuitOpenError) as raised:
        breaker.check()
    assert str(raised.value) == (
        "circuit open: ec2 in eu-west-1 failed 3 times in a row: error: RuntimeError: boom"
    )
    breaker.record_success()
    assert breaker.is_open


def test_lanes_of_global_services_are_account_wide() -> None:
    assert LaneKey.of("a", "iam", "us-east-1") == LaneKey("a", "iam", "global")
    assert LaneKey.of("a", "ec2", "us-east-1") == LaneKey("a", "ec2", "us-east-1")
