"""How the GCP adapter meets throttling, denial, server errors and bad configuration:
retried as the service asks, else reported unobserved, never missing; never a traceback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftmgr.adapters.providers.base import (
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.adapters.providers.google import GoogleProvider
from driftmgr.adapters.providers.google.resilience import RetryPolicy
from driftmgr.domain.resources import ScanOutcome
from driftmgr.observability import PROVIDER_RETRIES, PROVIDER_THROTTLES
from tests.support.fake_gcp import FakeGcp

PROJECT = "acme-prod"
ASSETS = Path(__file__).parents[2] / "data" / "gcp" / "assets.json"
INSTANCE = "compute.googleapis.com/Instance"
#: Quick retries, so a test never waits long; Retry-After is capped at max_delay.
QUICK = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.2, budget=5)


@pytest.fixture
def gcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcp]:
    with FakeGcp() as fake:
        fake.load(ASSETS)
        for name, value in fake.environment(tmp_path, PROJECT).items():
            monkeypatch.setenv(name, value)
        yield fake


def scan(provider: GoogleProvider, *types: str, **kwargs: object) -> list[ScanOutcome]:
    return asyncio.run(provider.scan(["us-central1"], list(types), **kwargs))  # type: ignore[arg-type]


def test_a_throttled_page_is_retried_after_retry_after_then_listed(gcp: FakeGcp) -> None:
    gcp.throttle(INSTANCE, times=2, retry_after="0.15")
    throttles = PROVIDER_THROTTLES.snapshot().get(("google", "compute"), 0)
    retries = PROVIDER_RETRIES.snapshot().get(("google", "compute"), 0)
    provider = GoogleProvider(retry=QUICK)

    [outcome] = scan(provider, "google_compute_instance")

    assert outcome.observed and len(outcome.resources) == 1
    assert [r.status for r in gcp.listings_of(INSTANCE)] == [429, 429, 200]
    assert provider.last_stats.waits == [0.15, 0.15]  # what the service asked, not a guess
    assert PROVIDER_THROTTLES.snapshot()[("google", "compute")] == throttles + 2
    assert PROVIDER_RETRIES.snapshot()[("google", "compute")] == retries + 2


def test_a_long_retry_after_is_capped_by_the_policy(gcp: FakeGcp) -> None:
    gcp.throttle(INSTANCE, times=1, retry_after="3600")
    provider = GoogleProvider(retry=QUICK)
    [outcome] = scan(provider, "google_compute_instance")
    assert outcome.observed
    assert provider.last_stats.waits == [QUICK.max_delay]


def test_throttled_past_the_retries_is_unobserved_and_other_types_still_listed(
    gcp: FakeGcp,
) -> None:
    gcp.throttle(INSTANCE, times=None)
    outcomes = scan(GoogleProvider(retry=QUICK), "google_compute_instance", "google_compute_disk")
    by_type = {o.type: o for o in outcomes}
    throttled = by_type["google_compute_instance"]
    assert not throttled.observed and throttled.resources == []
    assert throttled.unobserved_reason is not None
    assert throttled.unobserved_reason.startswith("throttled: 429 RESOURCE_EXHAUSTED")
    assert "after 3 attempts" in throttled.unobserved_reason
    assert len(gcp.listings_of(INSTANCE)) == QUICK.attempts
    assert by_type["google_compute_disk"].observed


def test_a_server_error_is_retried(gcp: FakeGcp) -> None:
    gcp.fail(INSTANCE, times=1, status=503)
    [outcome] = scan(GoogleProvider(retry=QUICK), "google_compute_instance")
    assert outcome.observed and len(outcome.resources) == 1
    assert [r.status for r in gcp.listings_of(INSTANCE)] == [503, 200]


def test_a_lasting_server_error_is_unobserved(gcp: FakeGcp) -> None:
    gcp.fail(INSTANCE, times=None, status=500)
    [outcome] = scan(GoogleProvider(retry=QUICK), "google_compute_instance")
    assert outcome.unobserved_reason is not None
    assert outcome.unobserved_reason.startswith("error: 500 INTERNAL")


def test_a_denied_asset_type_is_unobserved_at_once_and_only_that_type(gcp: FakeGcp) -> None:
    gcp.deny(INSTANCE)
    outcomes = scan(GoogleProvider(retry=QUICK), "google_compute_instance", "google_pubsub_topic")
    by_type = {o.type: o for o in outcomes}
    reason = by_type["google_compute_instance"].unobserved_reason
    assert reason is not None and reason.startswith("access denied: 403 PERMISSION_DENIED")
    assert len(gcp.listings_of(INSTANCE)) == 1  # a deliberate answer is not retried
    assert by_type["google_pubsub_topic"].observed


def test_a_failure_on_a_later_page_leaves_the_listing_unobserved_not_partial(
    gcp: FakeGcp,
) -> None:
    # Three topics at two a page; the second page is throttled past the retries.
    for name in ("a", "b"):
        gcp.add(
            PROJECT,
            {
                "name": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/{name}",
                "assetType": "pubsub.googleapis.com/Topic",
                "resource": {"data": {"name": f"projects/{PROJECT}/topics/{name}"}},
            },
        )
    provider = GoogleProvider(retry=QUICK)
    original = provider._page
    calls = 0

    def second_page_throttled(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            gcp.throttle("pubsub.googleapis.com/Topic", times=None)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    provider._page = second_page_throttled  # type: ignore[method-assign]
    [outcome] = scan(provider, "google_pubsub_topic")
    assert not outcome.observed and outcome.resources == []
    assert [r.page_token for r in gcp.listings_of("pubsub.googleapis.com/Topic")][:2] == ["", "2"]


def test_a_cancelled_scan_stops_backing_off(gcp: FakeGcp) -> None:
    gcp.throttle(INSTANCE, times=None, retry_after="30")
    cancel = threading.Event()
    provider = GoogleProvider(retry=RetryPolicy(attempts=5, max_delay=30, budget=300))

    # Cancel as the first (throttled) request arrives: the 30 s backoff must not be slept.
    gcp.on_request = lambda listing: cancel.set()
    [outcome] = scan(provider, "google_compute_instance", cancel_event=cancel)
    assert outcome.unobserved_reason == "cancelled"
    assert len(gcp.listings_of(INSTANCE)) == 1


def test_check_access_returns_the_scope(gcp: FakeGcp) -> None:
    assert GoogleProvider().check_access() == f"projects/{PROJECT}"
    assert gcp.requests[-1].asset_types == ["cloudresourcemanager.googleapis.com/Project"]


def test_check_access_names_rejected_credentials(gcp: FakeGcp) -> None:
    gcp.reject_all = True
    with pytest.raises(
        ProviderAuthError, match=r"rejected the credentials.*GOOGLE_APPLICATION_CREDENTIALS"
    ):
        GoogleProvider().check_access()


def test_check_access_names_a_scope_it_may_not_list(gcp: FakeGcp) -> None:
    gcp.deny("cloudresourcemanager.googleapis.com/Project")
    with pytest.raises(ProviderAuthError, match=r"roles/cloudasset\.viewer on projects/acme-prod"):
        GoogleProvider().check_access()


def test_check_access_names_an_unreachable_endpoint(
    gcp: FakeGcp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTMGR_GCP_ASSET_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(ProviderUnreachableError, match="DRIFTMGR_GCP_ASSET_ENDPOINT"):
        GoogleProvider().check_access()


def test_check_access_without_credentials_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(ProviderAuthError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        GoogleProvider().check_access()


def test_a_malformed_scope_is_refused(gcp: FakeGcp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTMGR_GCP_SCOPE", "acme-prod")
    with pytest.raises(ProviderError, match="DRIFTMGR_GCP_SCOPE"):
        GoogleProvider().check_access()


def test_a_scan_without_credentials_reports_every_listing_unobserved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    [outcome] = scan(GoogleProvider(), "google_pubsub_topic")
    assert outcome.unobserved_reason is not None
    assert "GOOGLE_APPLICATION_CREDENTIALS" in outcome.unobserved_reason
