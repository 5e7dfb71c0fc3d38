"""Throttling, server errors, dead services and denied services between the SDK and moto."""

from __future__ import annotations

from collections import Counter

import pytest

from driftmgr.adapters.providers.aws import ENUMERATORS, AwsProvider
from driftmgr.adapters.providers.aws.resilience import RetryPolicy
from driftmgr.domain.resources import GLOBAL_REGION
from tests.integration.providers.aws_resilience.conftest import (
    REGIONS,
    TYPES,
    Boto,
    encoded,
    reasons,
    scan,
    seed_world,
)
from tests.support.fault_proxy import Fault, FaultProxy

ACCOUNT = "123456789012"


@pytest.mark.slow
def test_throttling_and_500s_on_every_service_leave_the_inventory_complete_and_unchanged(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto)
    clean = scan(AwsProvider())
    clean_requests = len(proxy.requests())
    assert all(o.observed for o in clean.values()), reasons(clean)

    proxy.set_faults([Fault("throttle", 0.3), Fault("error", 0.1)], seed=7)
    faulty = scan(AwsProvider())

    assert reasons(faulty) == {key: None for key in clean}
    assert encoded(faulty) == encoded(clean)
    # The faults really happened, on every busy service, in roughly the shares asked for.
    seen = proxy.requests()[clean_requests:]
    injected = [s for s in seen if s.fault is not None]
    assert {s.fault for s in injected} == {"throttle", "error"}
    for service in ("ec2", "s3"):
        of_service = [s for s in seen if s.service == service]
        assert len(of_service) >= 10, service
        assert any(s.fault == "throttle" for s in of_service), service
    # IAM makes only a few account-wide calls now: whether one of them draws a fault depends
    # on arrival order, so IAM's faults are pinned by the deny and throttle tests below.
    assert any(s.service == "iam" for s in seen)
    assert 0.25 < len(injected) / len(seen) < 0.55


def test_html_error_pages_instead_of_service_errors_are_retried_like_500s(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto)
    clean = scan(AwsProvider())
    clean_requests = len(proxy.requests())

    # The first EC2 request surely gets a page, the others now and then: few enough that four
    # attempts in a row never all draw one (only our retries cover these).
    proxy.set_faults(
        [Fault("html", 1.0, service="ec2", limit=1), Fault("html", 0.05, service="ec2")], seed=3
    )
    faulty = scan(AwsProvider())

    assert reasons(faulty) == {key: None for key in clean}
    assert encoded(faulty) == encoded(clean)
    assert any(s.fault == "html" for s in proxy.requests()[clean_requests:])


def test_a_service_that_always_fails_opens_its_circuit_and_everything_else_completes(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto, roles=3)
    clean = scan(AwsProvider())
    before = len(proxy.requests(service="ec2"))
    threshold, attempts = 2, 3
    provider = AwsProvider(
        breaker_threshold=threshold,
        # One EC2 call at a time per region: the listings meet the breaker one after another.
        service_concurrency={"ec2": 1},
        max_attempts=1,
        retry=RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=0.02),
    )
    proxy.set_faults([Fault("error", service="ec2")])

    outcomes = scan(provider)

    ec2_types = [t for t in TYPES if ENUMERATORS[t].service == "ec2"]
    for region in REGIONS:
        found = [outcomes[(ACCOUNT, t, region)].unobserved_reason or "" for t in ec2_types]
        assert all(outcomes[(ACCOUNT, t, region)].resources == [] for t in ec2_types)
        for reason in found:
            assert reason.startswith(
                (f"circuit open: ec2 in {region} failed {threshold} times in a row: ", "error: ")
            ), reason
            assert "InternalError" in reason
        # Past the threshold, listings fail without a request.
        opened = [r for r in found if r.startswith("circuit open")]
        assert len(opened) == len(ec2_types) - threshold
    for key, outcome in outcomes.items():
        if ENUMERATORS[key[1]].service != "ec2":
            assert outcome.observed, (key, outcome.unobserved_reason)
            assert outcome.resources == clean[key].resources
    # Each region's lane spent at most `threshold` calls of `attempts` requests each,
    # where without a breaker every EC2 listing would have spent `attempts`.
    ec2_requests = len(proxy.requests(service="ec2")) - before
    assert ec2_requests <= len(REGIONS) * threshold * attempts
    assert ec2_requests < len(REGIONS) * len(ec2_types) * attempts


def test_an_access_denied_service_is_unobserved_once_and_not_retried(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto, roles=3)
    clean = scan(AwsProvider())
    proxy.set_faults([Fault("deny", service="iam")])
    before = len(proxy.requests(service="iam"))

    outcomes = scan(AwsProvider())

    denied = outcomes[(ACCOUNT, "aws_iam_role", GLOBAL_REGION)]
    assert denied.unobserved_reason is not None
    assert denied.unobserved_reason.startswith("access denied: AccessDenied: ")
    assert denied.resources == []
    asked = Counter(s.operation for s in proxy.requests(service="iam")[before:])
    assert set(asked.values()) == {1}, f"access denied is never retried: {asked}"
    for key, outcome in outcomes.items():
        if key[1] != "aws_iam_role":
            assert outcome.observed, (key, outcome.unobserved_reason)
            assert outcome.resources == clean[key].resources


def test_access_denied_does_not_count_towards_the_circuit_breaker(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto, roles=1)
    proxy.set_faults([Fault("deny", service="ec2", body_contains=b"Action=DescribeInstances")])

    outcomes = scan(AwsProvider(breaker_threshold=1), types=["aws_instance", "aws_vpc"])

    for region in REGIONS:
        reason = outcomes[(ACCOUNT, "aws_instance", region)].unobserved_reason or ""
        assert reason.startswith("access denied: UnauthorizedOperation: "), reason
        assert outcomes[(ACCOUNT, "aws_vpc", region)].observed


@pytest.mark.slow
def test_retries_are_bounded_when_throttling_never_stops(proxy: FaultProxy, boto: Boto) -> None:
    seed_world(boto, roles=1)
    proxy.set_faults([Fault("throttle", service="iam")])
    attempts, sdk_attempts = 3, 2
    provider = AwsProvider(
        max_attempts=sdk_attempts, retry=RetryPolicy(attempts=attempts, base_delay=0.01)
    )

    outcomes = scan(provider, types=["aws_iam_role"])

    reason = outcomes[(ACCOUNT, "aws_iam_role", GLOBAL_REGION)].unobserved_reason or ""
    assert reason.startswith("throttled: Throttling: Rate exceeded"), reason
    # Each call gives up after its attempts (or sooner, once the lane's breaker opens).
    asked = Counter(s.operation for s in proxy.requests(service="iam"))
    assert set(asked) == {"ListRoles", "GetAccountAuthorizationDetails"}, asked
    assert max(asked.values()) == attempts * sdk_attempts, asked


def test_limits_bound_requests_in_flight(proxy: FaultProxy, boto: Boto) -> None:
    seed_world(boto, roles=8, vpcs=4)

    scan(AwsProvider(service_concurrency={"ec2": 2, "iam": 3}, rate_limits={"s3": 1000}))
    assert proxy.max_in_flight["ec2"] <= 2 * len(REGIONS)  # one lane per region
    assert proxy.max_in_flight["iam"] <= 3

    proxy.max_in_flight.clear()
    scan(AwsProvider(max_concurrency=1))
    assert proxy.max_in_flight["*"] == 1
