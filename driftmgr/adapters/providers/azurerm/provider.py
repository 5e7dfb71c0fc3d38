"""The Azure inventory adapter: check access, then list every requested type and location.

Configuration is the SDK's own, plus one endpoint setting:

* credentials: ``DefaultAzureCredential`` (environment service principal, workload or
  managed identity, Azure CLI …), nothing of driftmgr's;
* subscriptions: ``AZURE_SUBSCRIPTION_ID`` (comma-separated for several), else every
  enabled subscription the credential can see;
* ``DRIFTMGR_AZURE_RESOURCE_MANAGER_URL``: the Resource Manager endpoint (default
  ``https://management.azure.com``), with ``DRIFTMGR_AZURE_CREDENTIAL_SCOPE`` when the
  token audience is not ``<url>/.default`` (sovereign clouds);
* TLS trust: the SDK's (``REQUESTS_CA_BUNDLE`` for a private CA).

ARM lists a type subscription-wide in one paged listing, so each type is listed once per
subscription and split by location: one :class:`ScanOutcome` per (subscription, type,
location) asked for (every location the subscription uses when none is named), global
types (DNS) once with region ``global``. Failures follow :mod:`.resilience`: a listing is
complete or unobserved with its reason, never partial.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import ENUMERATORS, Listing
from driftmgr.adapters.providers.azurerm.resilience import (
    Calls,
    RetryPolicy,
    ScanCancelled,
    one_line,
    unobserved_reason,
)
from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.adapters.providers.scanning import Reporter, canonical, carrying, tagged_only
from driftmgr.domain.drift.azurerm._common import PROVIDER
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = [
    "ALL_LOCATIONS",
    "CREDENTIAL_SCOPE_ENV",
    "DEFAULT_RESOURCE_MANAGER_URL",
    "RESOURCE_MANAGER_URL_ENV",
    "SUBSCRIPTION_ENV",
    "AzureProvider",
]

logger = logging.getLogger(__name__)

RESOURCE_MANAGER_URL_ENV = "DRIFTMGR_AZURE_RESOURCE_MANAGER_URL"
CREDENTIAL_SCOPE_ENV = "DRIFTMGR_AZURE_CREDENTIAL_SCOPE"
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"
DEFAULT_RESOURCE_MANAGER_URL = "https://management.azure.com"
#: Region of the outcomes of regional types when no location could be learned.
ALL_LOCATIONS = "*"

_SUBSCRIPTIONS_API = "2022-12-01"
_CANCEL_POLL_SECONDS = 0.05

#: Service → (module, client class) of its management SDK, imported on first use.
_CLIENTS = {
    "resource": ("azure.mgmt.resource.resources", "ResourceManagementClient"),
    "network": ("azure.mgmt.network", "NetworkManagementClient"),
    "compute": ("azure.mgmt.compute", "ComputeManagementClient"),
    "storage": ("azure.mgmt.storage", "StorageManagementClient"),
    "keyvault": ("azure.mgmt.keyvault", "KeyVaultManagementClient"),
    "dns": ("azure.mgmt.dns", "DnsManagementClient"),
    "web": ("azure.mgmt.web", "WebSiteManagementClient"),
}


def _location(value: str) -> str:
    return value.replace(" ", "").lower()


class AzureProvider:
    """Lists Azure resources as Terraform-shaped (``azurerm``) resources."""

    name = PROVIDER

    def __init__(
        self,
        *,
        subscriptions: Sequence[str] = (),
        resource_manager_url: str | None = None,
        credential: Any = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        """
        :param subscriptions: subscription ids to scan; empty: ``AZURE_SUBSCRIPTION_ID``,
            else every enabled subscription the credential sees.
        :param credential: an azure-identity credential; default ``DefaultAzureCredential``.
        :param max_concurrency: listings in flight (worker threads) across the scan.
        """
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        configured = subscriptions or [
            s.strip() for s in os.environ.get(SUBSCRIPTION_ENV, "").split(",") if s.strip()
        ]
        self._subscriptions = list(dict.fromkeys(configured))
        self._url = (
            resource_manager_url
            or os.environ.get(RESOURCE_MANAGER_URL_ENV)
            or DEFAULT_RESOURCE_MANAGER_URL
        ).rstrip("/")
        self._scope = os.environ.get(CREDENTIAL_SCOPE_ENV) or f"{self._url}/.default"
        self._credential = credential
        self._max_concurrency = max_concurrency
        self._retry = retry or RetryPolicy()
        self._timeouts = {"connection_timeout": connect_timeout, "read_timeout": read_timeout}
        self.last_calls: dict[str, int] = {}
        """ARM calls the most recent scan made, per service (a paged listing is one)."""

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset(ENUMERATORS)

    # --- SDK clients ------------------------------------------------------------------------

    def _credential_or_default(self) -> Any:
        if self._credential is None:
            from azure.identity import DefaultAzureCredential

            self._credential = DefaultAzureCredential()
        return self._credential

    def _client(self, service: str, subscription: str, **options: Any) -> Any:
        module, name = _CLIENTS[service]
        cls = getattr(importlib.import_module(module), name)
        # Retries are ours (resilience.Calls), where cancellation and budgets reach them.
        return cls(
            self._credential_or_default(),
            subscription,
            base_url=self._url,
            credential_scopes=[self._scope],
            retry_total=0,
            **{**self._timeouts, **options},
        )

    # --- synchronous probe, for commands ----------------------------------------------------

    def check_access(self, region: str | None = None) -> str:
        """The subscription(s) the scan will read, after one authenticated call each way."""
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )

        client = self._client(
            "resource",
            self._subscriptions[0] if self._subscriptions else "-",
            connection_timeout=min(self._timeouts["connection_timeout"], 2),
            read_timeout=min(self._timeouts["read_timeout"], 5),
        )
        try:
            if self._subscriptions:
                for subscription in self._subscriptions:
                    _get(client, f"/subscriptions/{subscription}")
                return ",".join(self._subscriptions)
            found = _visible_subscriptions(client)
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise ProviderUnreachableError(
                f"cannot reach Azure Resource Manager at {self._url} ({one_line(exc.message)}): "
                f"check {RESOURCE_MANAGER_URL_ENV} and network access"
            ) from None
        except HttpResponseError as exc:
            status = exc.status_code
            if status == 401:
                raise ProviderAuthError(
                    f"Azure rejected the credentials ({unobserved_reason(exc)}): "
                    "log in again (az login) or check the service principal"
                ) from None
            if status == 403:
                raise ProviderAuthError(
                    f"the Azure credentials may not read the subscription "
                    f"({unobserved_reason(exc)}): grant them Reader on it, or set "
                    f"{SUBSCRIPTION_ENV} to one they can read"
                ) from None
            if status == 404:
                raise ProviderAuthError(
                    f"Azure subscription not found ({unobserved_reason(exc)}): check "
                    f"{SUBSCRIPTION_ENV}"
                ) from None
            if isinstance(exc, ClientAuthenticationError) or status is None:
                raise ProviderAuthError(
                    "no usable Azure credentials: log in (az login), or set AZURE_CLIENT_ID, "
                    "AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or run with a managed identity "
                    f"({one_line(exc.message)[:300]})"
                ) from None
            raise ProviderError(
                f"Azure Resource Manager call to {self._url} failed: {unobserved_reason(exc)}"
            ) from None
        if not found:
            raise ProviderAuthError(
                "the Azure credentials see no enabled subscription: grant them Reader on "
                f"one, or set {SUBSCRIPTION_ENV}"
            )
        return ",".join(found)

    # --- the scan ---------------------------------------------------------------------------

    async def scan(
        self,
        regions: Sequence[str],
        types: Sequence[str],
        on_scanned: OnScanned | None = None,
        *,
        cancel_event: threading.Event | None = None,
        tag_filter: Mapping[str, str] | None = None,
    ) -> list[ScanOutcome]:
        """List every type in every location of every subscription.

        ``regions`` empty: every location the subscription's listed objects are in.
        """
        unknown = sorted(set(types) - set(ENUMERATORS))
        if unknown:
            raise ValueError(f"unsupported Azure resource types: {', '.join(unknown)}")
        wanted = list(dict.fromkeys(types))
        if tag_filter:
            wanted = [t for t in wanted if rules_for(t).taggable]
            on_scanned = tagged_only(on_scanned, tag_filter)
        locations = [_location(r) for r in dict.fromkeys(regions)]
        calls = Calls(self._retry, cancel_event or threading.Event())
        pool = ThreadPoolExecutor(self._max_concurrency, thread_name_prefix="azure-scan")
        report = Reporter(on_scanned)
        started = time.perf_counter()
        outcomes: list[ScanOutcome] = []
        try:
            try:
                subscriptions = await self._wait(
                    pool, calls, lambda: self._scan_subscriptions(calls)
                )
            except Exception as exc:
                reason = unobserved_reason(exc)
                if not isinstance(exc, ScanCancelled):
                    reason += " (listing the subscriptions)"
                for type_ in wanted:
                    for region in self._regions_of(type_, locations or [ALL_LOCATIONS]):
                        outcome = ScanOutcome(
                            provider=PROVIDER, type=type_, region=region, unobserved_reason=reason
                        )
                        outcomes.append(outcome)
                        await report(outcome)
            else:
                clients: dict[tuple[str, str], Any] = {}
                lock = threading.Lock()
                for subscription in subscriptions:

                    def client(service: str, subscription: str = subscription) -> Any:
                        with lock:
                            key = (subscription, service)
                            if key not in clients:
                                clients[key] = self._client(service, subscription)
                            return clients[key]

                    listing = Listing(subscription, client, calls)
                    outcomes += await self._scan_subscription(
                        pool, calls, listing, wanted, locations, report
                    )
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            report.close()
        self.last_calls = dict(calls.calls)
        logger.info(
            "Azure scan: %d listings, %.2f s; by service: %s",
            len(outcomes),
            time.perf_counter() - started,
            _by_service(calls, outcomes) or "no calls",
        )
        if tag_filter:
            outcomes = [carrying(o, tag_filter) for o in outcomes]
        return sorted(outcomes, key=lambda o: (o.account or "", o.type, o.region))

    def _scan_subscriptions(self, calls: Calls) -> list[str]:
        if self._subscriptions:
            return list(self._subscriptions)
        client = self._client("resource", "-")
        return calls.call("resource", lambda: _visible_subscriptions(client))

    async def _scan_subscription(
        self,
        pool: ThreadPoolExecutor,
        calls: Calls,
        listing: Listing,
        types: list[str],
        locations: list[str],
        report: Reporter,
    ) -> list[ScanOutcome]:
        async def one(type_: str) -> tuple[str, list[LiveResource] | BaseException, int]:
            started = time.perf_counter()
            try:
                listed: list[LiveResource] | BaseException = await self._wait(
                    pool, calls, lambda: ENUMERATORS[type_].list(listing)
                )
            except Exception as exc:
                if not isinstance(exc, _EXPECTED):
                    logger.exception("listing %s failed unexpectedly", type_)
                listed = exc
            elapsed = round((time.perf_counter() - started) * 1000)
            if locations:
                for outcome in self._split(listing, type_, listed, locations, elapsed):
                    await report(outcome)
            return type_, listed, elapsed

        results = await asyncio.gather(*(one(t) for t in types))
        if locations:
            return [
                outcome
                for type_, listed, elapsed in results
                for outcome in self._split(listing, type_, listed, locations, elapsed)
            ]
        # No location named: every location the subscription's objects are in.
        used = sorted(
            {
                r.region
                for _, listed, _ in results
                if isinstance(listed, list)
                for r in listed
                if r.region != GLOBAL_REGION
            }
        ) or [ALL_LOCATIONS]
        outcomes = [
            outcome
            for type_, listed, elapsed in results
            for outcome in self._split(listing, type_, listed, used, elapsed)
        ]
        for outcome in outcomes:
            await report(outcome)
        return outcomes

    def _split(
        self,
        listing: Listing,
        type_: str,
        listed: list[LiveResource] | BaseException,
        locations: list[str],
        elapsed: int,
    ) -> list[ScanOutcome]:
        outcomes = []
        for region in self._regions_of(type_, locations):
            if isinstance(listed, BaseException):
                outcomes.append(
                    ScanOutcome(
                        provider=PROVIDER,
                        type=type_,
                        region=region,
                        unobserved_reason=unobserved_reason(listed),
                        duration_ms=elapsed,
                        account=listing.subscription,
                    )
                )
                continue
            here = [r for r in listed if region in (ALL_LOCATIONS, r.region)]
            outcomes.append(
                ScanOutcome(
                    provider=PROVIDER,
                    type=type_,
                    region=region,
                    resources=canonical(here),
                    duration_ms=elapsed,
                    account=listing.subscription,
                )
            )
        return outcomes

    @staticmethod
    def _regions_of(type_: str, locations: list[str]) -> list[str]:
        return [GLOBAL_REGION] if ENUMERATORS[type_].is_global else locations

    @staticmethod
    async def _wait(pool: ThreadPoolExecutor, calls: Calls, work: Any) -> Any:
        """``work()`` on a worker thread; a set cancel event ends the wait promptly (the
        thread stops at its next call or backoff)."""
        future = asyncio.get_running_loop().run_in_executor(pool, work)
        while True:
            done, _ = await asyncio.wait({future}, timeout=_CANCEL_POLL_SECONDS)
            if done:
                return future.result()
            if calls.cancel_event.is_set():
                future.cancel()
                raise ScanCancelled


def _expected_errors() -> tuple[type[BaseException], ...]:
    from azure.core.exceptions import AzureError

    return (AzureError, ScanCancelled)


_EXPECTED = _expected_errors()


def _get(client: Any, path: str) -> dict[str, Any]:
    """One GET through the client's pipeline (auth, TLS, errors as azure-core raises)."""
    from azure.core.exceptions import HttpResponseError, map_error
    from azure.core.rest import HttpRequest

    response = client.send_request(
        HttpRequest("GET", path, params={"api-version": _SUBSCRIPTIONS_API})
    )
    if response.status_code != 200:
        map_error(response.status_code, response, {})
        raise HttpResponseError(response=response)
    body: dict[str, Any] = response.json()
    return body


def _visible_subscriptions(client: Any) -> list[str]:
    """Every enabled subscription the credential sees (``GET /subscriptions``, paged)."""
    found: list[str] = []
    path: str | None = "/subscriptions"
    while path:
        page = _get(client, path)
        found += [
            str(s["subscriptionId"])
            for s in page.get("value") or []
            if s.get("state", "Enabled") == "Enabled" and s.get("subscriptionId")
        ]
        path = page.get("nextLink")
    return sorted(set(found))


def _by_service(calls: Calls, outcomes: Sequence[ScanOutcome]) -> str:
    """Where a scan's time went, per management SDK: ``network 0.84 s (3 calls, 12
    listings)``, slowest first."""
    listed: dict[str, int] = {}
    for outcome in outcomes:
        service = ENUMERATORS[outcome.type].service
        listed[service] = listed.get(service, 0) + 1
    return ", ".join(
        f"{service} {seconds:.2f} s ({calls.calls.get(service, 0)} calls, "
        f"{listed.get(service, 0)} listings)"
        for service, seconds in sorted(calls.seconds.items(), key=lambda item: -item[1])
    )
