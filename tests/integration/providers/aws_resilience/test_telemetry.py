"""The AWS calls /metrics counts: calls, throttled attempts and retries, by service."""

from __future__ import annotations

import asyncio

import aioboto3
from botocore.config import Config

from driftmgr.adapters.providers.aws.resilience import Resilience, RetryPolicy
from driftmgr.adapters.providers.aws.scan import Scan
from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES
from tests.integration.providers.aws_resilience.conftest import TRUST, Boto
from tests.support.fault_proxy import Fault, FaultProxy

IAM = ("aws", "iam")


def test_throttled_attempts_and_their_retries_are_counted_per_service(
    proxy: FaultProxy, boto: Boto
) -> None:
    iam = boto("iam")
    for n in range(25):
        iam.create_role(RoleName=f"r{n:02d}", AssumeRolePolicyDocument=TRUST)
    # The first three requests are throttled for sure; each retry of the third goes through.
    proxy.set_faults([Fault("throttle", 1.0, service="iam", limit=3)])
    # The tallies are the process's: compare with what they held before.
    before = [
        t.snapshot().get(IAM, 0) for t in (PROVIDER_CALLS, PROVIDER_THROTTLES, PROVIDER_RETRIES)
    ]

    async def list_roles() -> int:
        # botocore sends each request once: every throttle reaches our retry layer.
        config = Config(retries={"mode": "standard", "total_max_attempts": 1})
        resilience = Resilience(retry=RetryPolicy(attempts=10, base_delay=0.01))
        async with Scan(aioboto3.Session, config, resilience, home_region="us-east-1") as scan:
            client = await scan.client("iam", "us-east-1")
            pages = [page async for page in scan.pages(client, "list_roles", MaxItems=25)]
        assert sum(len(page["Roles"]) for page in pages) == 25
        return resilience.stats.retries

    retries = asyncio.run(list_roles())

    calls, throttles, retried = (
        t.snapshot().get(IAM, 0) - b
        for t, b in zip((PROVIDER_CALLS, PROVIDER_THROTTLES, PROVIDER_RETRIES), before, strict=True)
    )
    faults = sum(1 for seen in proxy.requests(service="iam") if seen.fault)
    assert faults == 3
    assert calls >= 1
    assert throttles == faults  # each throttled answer, counted once
    assert retried == retries == faults  # and each one sent again
