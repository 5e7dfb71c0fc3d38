"""Stopping a scan: from another thread (cancel_event), or by cancelling its task."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.domain.resources import ScanOutcome
from tests.integration.providers.aws_resilience.conftest import REGIONS, TYPES, Boto, seed_world
from tests.support.fault_proxy import FaultProxy

#: Slow enough that a scan of the seeded world takes many seconds (one EC2 call a second).
CRAWL = {"ec2": 1.0, "s3": 1.0, "iam": 1.0, "sts": 5.0}


def test_setting_cancel_event_from_another_thread_ends_the_scan_promptly(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto, roles=20)
    cancel = threading.Event()
    first = threading.Event()
    seen: list[ScanOutcome] = []

    def on_scanned(outcome: ScanOutcome) -> None:
        seen.append(outcome)
        first.set()

    provider = AwsProvider(rate_limits=CRAWL)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            asyncio.run, provider.scan(REGIONS, TYPES, on_scanned, cancel_event=cancel)
        )
        assert first.wait(timeout=60), "no listing finished"
        requests_at_cancel = len(proxy.requests())
        cancel.set()
        # Prompt: limiter waits and backoff sleeps end within a poll interval, not a rate tick.
        outcomes = running.result(timeout=5)

    assert len(outcomes) == len(TYPES) * len(REGIONS) - len(REGIONS) + 1  # IAM once
    assert sorted(map(id, seen)) == sorted(map(id, outcomes)), "on_scanned saw every outcome"
    cancelled = [o for o in outcomes if o.unobserved_reason == "cancelled"]
    finished = [o for o in outcomes if o.unobserved_reason is None]
    assert cancelled, "the IAM listing (20 roles at 1 call/s) cannot have finished"
    assert finished, "the first listing finished before the cancel"
    assert len(cancelled) + len(finished) == len(outcomes)
    assert all(o.resources == [] for o in cancelled)
    # At most the requests already in flight went out after the cancel.
    assert len(proxy.requests()) - requests_at_cancel <= 2 * len(outcomes)


def test_a_cancel_event_set_before_the_scan_lists_nothing(proxy: FaultProxy) -> None:
    cancel = threading.Event()
    cancel.set()

    outcomes = asyncio.run(AwsProvider().scan(REGIONS, TYPES, cancel_event=cancel))

    assert {o.unobserved_reason for o in outcomes} == {"cancelled"}
    assert proxy.requests() == []


def test_cancelling_the_task_stops_a_scan_waiting_on_its_limiters(
    proxy: FaultProxy, boto: Boto
) -> None:
    seed_world(boto, roles=20)

    async def main() -> None:
        first = asyncio.Event()
        task = asyncio.create_task(
            AwsProvider(rate_limits=CRAWL).scan(REGIONS, TYPES, lambda _: first.set())
        )
        await asyncio.wait_for(first.wait(), timeout=60)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert task in done, "the scan did not stop within 5 s of being cancelled"
        assert task.cancelled()

    asyncio.run(main())
