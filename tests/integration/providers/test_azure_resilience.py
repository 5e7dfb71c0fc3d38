"""The Azure adapter when Resource Manager misbehaves: throttling honoured then given up on,
denials and server errors reported unobserved for their type only, check_access errors a
user can act on, cancellation."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from driftmgr.adapters.providers.azurerm import AzureProvider
from driftmgr.adapters.providers.azurerm.resilience import RetryPolicy
from driftmgr.adapters.providers.base import ProviderAuthError, ProviderUnreachableError
from driftmgr.domain.resources import ScanOutcome
from driftmgr.observability import PROVIDER_RETRIES, PROVIDER_THROTTLES
from tests.integration.providers.test_azure_scan import _OTHER_CREDENTIALS
from tests.support import fake_azure as f
from tests.support.fake_azure import FakeAzure, RunningAzure

VNETS = "/providers/Microsoft.Network/virtualNetworks"
VAULTS = "/providers/Microsoft.KeyVault/vaults"
TYPES = ["azurerm_virtual_network", "azurerm_subnet", "azurerm_key_vault", "azurerm_public_ip"]
QUICK = RetryPolicy(attempts=3, base=0.01, cap=0.05, budget=30)


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningAzure]:
    for name in _OTHER_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    for running in f.serve(FakeAzure()):
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
        f.app_world(running.fake)
        yield running


def scan(
    provider: AzureProvider, *, cancel_event: threading.Event | None = None
) -> dict[str, ScanOutcome]:
    seen: list[ScanOutcome] = []
    outcomes = asyncio.run(
        provider.scan(["westeurope"], TYPES, seen.append, cancel_event=cancel_event)
    )
    assert sorted(seen, key=lambda o: o.type) == sorted(outcomes, key=lambda o: o.type)
    return {o.type: o for o in outcomes}


def test_a_429_is_retried_after_the_wait_it_asks_for(azure: RunningAzure) -> None:
    throttles = PROVIDER_THROTTLES.snapshot().get(("azurerm", "network"), 0)
    retries = PROVIDER_RETRIES.snapshot().get(("azurerm", "network"), 0)
    azure.fake.fail(VNETS, 429, retry_after="1")

    found = scan(AzureProvider(retry=QUICK))

    assert found["azurerm_virtual_network"].observed
    assert len(found["azurerm_subnet"].resources) == 2
    first, second = azure.fake.listed(VNETS)[:2]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0  # Retry-After, not our 10 ms backoff
    assert PROVIDER_THROTTLES.snapshot()[("azurerm", "network")] == throttles + 1
    assert PROVIDER_RETRIES.snapshot()[("azurerm", "network")] == retries + 1


def test_throttled_past_the_retries_is_unobserved_and_the_rest_is_listed(
    azure: RunningAzure,
) -> None:
    azure.fake.fail(VNETS, 429, times=None, retry_after="0")

    found = scan(AzureProvider(retry=QUICK))

    for shared in ("azurerm_virtual_network", "azurerm_subnet"):
        reason = found[shared].unobserved_reason
        assert reason is not None and reason.startswith("throttled: TooManyRequests"), reason
        assert found[shared].resources == []
    assert len(azure.fake.listed(VNETS)) == QUICK.attempts  # one listing, shared by both
    assert found["azurerm_key_vault"].observed and found["azurerm_public_ip"].observed


def test_a_time_budget_stops_waiting_on_a_long_retry_after(azure: RunningAzure) -> None:
    azure.fake.fail(VNETS, 429, times=None, retry_after="3600")
    started = time.monotonic()
    found = scan(AzureProvider(retry=RetryPolicy(attempts=5, budget=5)))
    assert time.monotonic() - started < 5
    assert str(found["azurerm_virtual_network"].unobserved_reason).startswith("throttled")
    assert len(azure.fake.listed(VNETS)) == 1


def test_a_denied_type_is_unobserved_without_retries_and_the_rest_is_listed(
    azure: RunningAzure,
) -> None:
    azure.fake.fail(VAULTS, 403, times=None)

    found = scan(AzureProvider(retry=QUICK))

    reason = found["azurerm_key_vault"].unobserved_reason
    assert reason is not None and reason.startswith("access denied: AuthorizationFailed"), reason
    assert len(azure.fake.listed(VAULTS)) == 1
    assert found["azurerm_virtual_network"].observed


def test_server_errors_are_retried_then_unobserved(azure: RunningAzure) -> None:
    azure.fake.fail(VAULTS, 503)
    assert scan(AzureProvider(retry=QUICK))["azurerm_key_vault"].observed

    azure.fake.fail(VAULTS, 500, times=None)
    reason = scan(AzureProvider(retry=QUICK))["azurerm_key_vault"].unobserved_reason
    assert reason is not None and reason.startswith("error: HTTP 500"), reason


def test_a_failure_on_a_later_page_leaves_no_partial_listing(azure: RunningAzure) -> None:
    fake = azure.fake
    for n in range(3):
        fake.put(f.public_ip(fake.subscription, "rg-app", f"pip-extra-{n}", "westeurope"))
    fake.fail("skiptoken=2", 500, times=None)  # the second page of a listing, for good

    found = scan(AzureProvider(retry=QUICK))

    ips = found["azurerm_public_ip"]
    assert str(ips.unobserved_reason).startswith("error: HTTP 500")
    assert ips.resources == []  # never the first page alone
    pages = azure.fake.listed("/providers/Microsoft.Network/publicIPAddresses")
    firsts = [r for r in pages if "$skiptoken" not in r.query]
    assert len(firsts) == QUICK.attempts  # each retry reads the listing from its start


def test_cancelling_stops_a_listing_waiting_out_a_retry_after(azure: RunningAzure) -> None:
    cancel = threading.Event()
    fault = azure.fake.fail(VNETS, 429, times=None, retry_after="3600")

    def cancel_once_throttled() -> None:
        if fault.fired.wait(30):
            cancel.set()

    stopper = threading.Thread(target=cancel_once_throttled)
    stopper.start()
    started = time.monotonic()
    found = scan(AzureProvider(retry=RetryPolicy(attempts=5, budget=7200)), cancel_event=cancel)
    stopper.join()
    assert time.monotonic() - started < 10
    assert found["azurerm_virtual_network"].unobserved_reason == "cancelled"


def test_check_access_names_the_subscription(azure: RunningAzure) -> None:
    assert AzureProvider().check_access() == azure.fake.subscription


def test_check_access_lists_the_credentials_subscriptions_when_none_is_set(
    azure: RunningAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    azure.fake.other_subscriptions = {"22222222-0000-0000-0000-000000000000": "Disabled"}
    assert AzureProvider().check_access() == azure.fake.subscription


def test_check_access_refuses_a_token_arm_rejects(azure: RunningAzure) -> None:
    azure.fake.fail("/subscriptions/", 401, times=None)
    with pytest.raises(ProviderAuthError, match="rejected the credentials"):
        AzureProvider().check_access()


def test_check_access_without_usable_credentials(
    azure: RunningAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDENTITY_HEADER", "wrong")
    with pytest.raises(ProviderAuthError, match="az login"):
        AzureProvider().check_access()


def test_check_access_to_an_unknown_subscription(
    azure: RunningAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "99999999-0000-0000-0000-000000000000")
    with pytest.raises(ProviderAuthError, match="AZURE_SUBSCRIPTION_ID"):
        AzureProvider().check_access()


def test_check_access_to_an_unreachable_endpoint(
    azure: RunningAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTMGR_AZURE_RESOURCE_MANAGER_URL", "https://127.0.0.1:9")
    with pytest.raises(ProviderUnreachableError, match="DRIFTMGR_AZURE_RESOURCE_MANAGER_URL"):
        AzureProvider().check_access()
