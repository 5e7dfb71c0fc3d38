"""The GCP inventory adapter: Cloud Asset Inventory's ``ListAssets`` with resource content.

One listing per Terraform type, over the whole scope (a project, folder or organisation)
and every location at once: ``ListAssets(parent=scope, assetTypes=[type],
contentType=RESOURCE)``, every ``nextPageToken`` followed, each page retried on its own
(:mod:`.resilience`). A regional type's listing is then split by region, one outcome each,
so a region with none of the type still says "listed, empty".

Configuration, read when the provider is built (all optional):

* ``DRIFTMGR_GCP_SCOPE`` — ``projects/<id>``, ``folders/<number>`` or
  ``organizations/<number>``; else ``GOOGLE_CLOUD_PROJECT`` (or ``CLOUDSDK_CORE_PROJECT``),
  else the project of the Application Default Credentials;
* ``DRIFTMGR_GCP_ASSET_ENDPOINT`` — the Cloud Asset API's address (``https://host[:port]``;
  ``http://`` for a local test server), default ``cloudasset.googleapis.com``.

Credentials are Application Default Credentials (``google.auth.default()``:
``GOOGLE_APPLICATION_CREDENTIALS``, ``gcloud auth application-default login``, or the
metadata server), with the ``cloud-platform`` scope; they need
``cloudasset.assets.listResource`` on the scope (``roles/cloudasset.viewer``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import google.auth
import requests
from google.api_core import exceptions as api
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_errors
from google.cloud import asset_v1

from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)

# Importing each service module registers its mappers.
from driftmgr.adapters.providers.google import (  # noqa: F401
    compute,
    dns,
    iam,
    kms,
    pubsub,
    sql,
    storage,
    telemetry,
)
from driftmgr.adapters.providers.google.mapping import PROVIDER, Asset, plain
from driftmgr.adapters.providers.google.registry import MAPPERS, TypeSpec
from driftmgr.adapters.providers.google.resilience import (
    RetryPolicy,
    ScanCancelled,
    Stats,
    is_retryable,
    is_throttle,
    unobserved_reason,
)
from driftmgr.adapters.providers.scanning import Reporter, canonical
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = ["ENDPOINT_ENV", "KNOWN_REGIONS", "SCOPE_ENV", "GoogleProvider"]

logger = logging.getLogger(__name__)

SCOPE_ENV = "DRIFTMGR_GCP_SCOPE"
ENDPOINT_ENV = "DRIFTMGR_GCP_ASSET_ENDPOINT"
_PROJECT_ENVS = ("GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT")
_CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
_SCOPE = re.compile(r"^(projects|folders|organizations)/[A-Za-z0-9._:-]+$")
#: Listed by check_access: every scope can list projects (none is an answer too).
_PROBE_TYPE = "cloudresourcemanager.googleapis.com/Project"

#: Google Cloud's public regions: a scan with none named covers each (the listing covers
#: every location anyway; this only says which regions an empty answer speaks for).
KNOWN_REGIONS = (
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
)

_DEFAULT_REGION = "us-central1"


class GoogleProvider:
    """Lists Google Cloud resources as Terraform-shaped resources, for one scope."""

    name = PROVIDER

    def __init__(
        self,
        *,
        scope: str | None = None,
        endpoint: str | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        page_size: int = 500,
        timeout: float = 60.0,
    ) -> None:
        """
        :param scope: ``projects/<id>``, ``folders/<n>`` or ``organizations/<n>``
            (default: ``DRIFTMGR_GCP_SCOPE``, then the project, see the module docs).
        :param endpoint: the Cloud Asset API address (default: ``DRIFTMGR_GCP_ASSET_ENDPOINT``).
        :param max_concurrency: pages in flight across the scan.
        """
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        self._scope = scope or os.environ.get(SCOPE_ENV) or None
        self._endpoint = endpoint or os.environ.get(ENDPOINT_ENV) or None
        self._retry = retry or RetryPolicy()
        self._max_concurrency = max_concurrency
        self._page_size = page_size
        self._timeout = timeout
        self._client: Any = None
        self._resolved_scope: str | None = None
        self._lock = threading.Lock()
        self.last_stats = Stats()

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset(MAPPERS)

    def default_region(self) -> str:
        return (
            os.environ.get("GOOGLE_REGION")
            or os.environ.get("CLOUDSDK_COMPUTE_REGION")
            or (_DEFAULT_REGION)
        )

    # --- access -----------------------------------------------------------------------------

    def _connect(self) -> tuple[Any, str]:
        """The client and the scope, built once; raises ProviderError saying what to fix."""
        with self._lock:
            if self._client is not None and self._resolved_scope is not None:
                return self._client, self._resolved_scope
            try:
                credentials, project = google.auth.default(scopes=[_CLOUD_PLATFORM])
            except auth_errors.DefaultCredentialsError as exc:
                raise ProviderAuthError(
                    f"no Google Cloud credentials found ({_one_line(exc)}): set "
                    "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run "
                    "`gcloud auth application-default login`"
                ) from None
            scope = self._scope or _project_scope(project)
            if not _SCOPE.match(scope):
                raise ProviderError(
                    f"GCP scope {scope!r} is not projects/<id>, folders/<number> or "
                    f"organizations/<number>: check {SCOPE_ENV}"
                )
            options = ClientOptions(api_endpoint=self._endpoint) if self._endpoint else None
            self._client = asset_v1.AssetServiceClient(
                credentials=credentials, transport="rest", client_options=options
            )
            self._resolved_scope = scope
            return self._client, scope

    def check_access(self, region: str | None = None) -> str:
        """List one page of the scope's projects; return the scope."""
        client, scope = self._connect()
        where = self._endpoint or "cloudasset.googleapis.com"
        try:
            self._page(client, scope, _PROBE_TYPE, None, page_size=1)
        except (requests.ConnectionError, requests.Timeout, auth_errors.TransportError) as exc:
            raise ProviderUnreachableError(
                f"cannot reach Cloud Asset Inventory at {where} ({_one_line(exc)}): "
                f"check {ENDPOINT_ENV} and network access"
            ) from None
        except auth_errors.RefreshError as exc:
            raise ProviderAuthError(
                f"Google Cloud credentials could not be refreshed ({_one_line(exc)}): check "
                "GOOGLE_APPLICATION_CREDENTIALS or log in again"
            ) from None
        except api.Unauthorized as exc:
            raise ProviderAuthError(
                f"Cloud Asset Inventory rejected the credentials ({exc.code}: "
                f"{_one_line(exc.message)}): check GOOGLE_APPLICATION_CREDENTIALS"
            ) from None
        except api.Forbidden as exc:
            raise ProviderAuthError(
                f"the credentials may not list assets in {scope} ({exc.code}: "
                f"{_one_line(exc.message)}): grant roles/cloudasset.viewer on {scope} and "
                "enable cloudasset.googleapis.com"
            ) from None
        except api.GoogleAPICallError as exc:
            raise ProviderError(
                f"Cloud Asset Inventory call to {where} failed: {exc.code}: "
                f"{_one_line(exc.message)}"
            ) from None
        return scope

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
        """List every type once over the scope; regional types split by region.

        ``regions`` empty: every known region (and any other a listing turns up).
        ``tag_filter``: no google type is listed (they carry labels, not tags).
        """
        unknown = sorted(set(types) - set(MAPPERS))
        if unknown:
            raise ValueError(f"unsupported GCP resource types: {', '.join(unknown)}")
        wanted = list(dict.fromkeys(types))
        if tag_filter:
            wanted = []
        started = time.perf_counter()
        scan = _Scan(self, list(dict.fromkeys(regions)), cancel_event, on_scanned)
        try:
            try:
                client, scope = await asyncio.to_thread(self._connect)
            except ProviderError as exc:
                outcomes = await scan.unobserved(wanted, str(exc), None)
            else:
                groups = await asyncio.gather(*(scan.one_type(client, scope, t) for t in wanted))
                outcomes = [o for group in groups for o in group]
        finally:
            scan.close()
        self.last_stats = scan.stats
        logger.info(
            "GCP scan: %d calls, %d attempts, %d retries, %d failed calls; %.2f s; by service: %s",
            scan.stats.calls,
            scan.stats.attempts,
            scan.stats.retries,
            scan.stats.failed_calls,
            time.perf_counter() - started,
            ", ".join(
                f"{s} {v[1]:.2f} s ({v[0]:.0f} calls)"
                for s, v in sorted(scan.stats.by_service.items(), key=lambda i: -i[1][1])
            )
            or "no calls",
        )
        return sorted(outcomes, key=lambda o: (o.account or "", o.type, o.region))

    def _page(
        self,
        client: Any,
        scope: str,
        asset_type: str,
        token: str | None,
        *,
        page_size: int | None = None,
    ) -> Any:
        request = asset_v1.ListAssetsRequest(
            parent=scope,
            asset_types=[asset_type],
            content_type=asset_v1.ContentType.RESOURCE,
            page_size=page_size or self._page_size,
            page_token=token or "",
        )
        # retry=None: this module's retries are the only ones (see .resilience).
        return client.list_assets(request=request, retry=None, timeout=self._timeout)


class _Failed(Exception):
    """A page that failed for good, and after how many attempts."""

    def __init__(self, cause: Exception, attempts: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.attempts = attempts


class _Scan:
    """One scan's shared state: the limits, the stats, the reporter."""

    def __init__(
        self,
        provider: GoogleProvider,
        regions: list[str],
        cancel_event: threading.Event | None,
        on_scanned: OnScanned | None,
    ) -> None:
        self.provider = provider
        self.regions = regions
        self.cancel_event = cancel_event
        self.stats = Stats()
        self._slots = asyncio.Semaphore(provider._max_concurrency)
        self._rng = random.Random()  # noqa: S311 - jitter, not cryptography
        self.report = Reporter(on_scanned, "gcp-report")

    def close(self) -> None:
        self.report.close()

    def check_cancelled(self) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            raise ScanCancelled

    async def unobserved(
        self, types: Sequence[str], reason: str, account: str | None
    ) -> list[ScanOutcome]:
        outcomes = [
            ScanOutcome(
                provider=PROVIDER, type=t, region=r, unobserved_reason=reason, account=account
            )
            for t in types
            for r in self._regions_of(t, [])
        ]
        for outcome in outcomes:
            await self.report(outcome)
        return outcomes

    def _regions_of(self, type_: str, seen: Sequence[str]) -> list[str]:
        if MAPPERS[type_].is_global:
            return [GLOBAL_REGION]
        if self.regions:
            return list(self.regions)
        return sorted(set(KNOWN_REGIONS) | set(seen))

    async def one_type(self, client: Any, scope: str, type_: str) -> list[ScanOutcome]:
        spec = MAPPERS[type_]
        started = time.perf_counter()
        account = scope.split("/", 1)[1] if scope.startswith("projects/") else None
        try:
            resources = await self._list(client, scope, spec, type_)
        except _Failed as failed:
            reason = unobserved_reason(failed.cause, failed.attempts)
            return await self.unobserved([type_], reason, account)
        except Exception as exc:
            if not isinstance(exc, ScanCancelled | ProviderError):
                logger.exception("listing %s failed unexpectedly", type_)
            return await self.unobserved([type_], unobserved_reason(exc), account)
        elapsed = round((time.perf_counter() - started) * 1000)
        by_region: dict[str, list[LiveResource]] = {}
        for resource in resources:
            by_region.setdefault(resource.region, []).append(resource)
        outcomes = [
            ScanOutcome(
                provider=PROVIDER,
                type=type_,
                region=region,
                resources=by_region.get(region, []),
                duration_ms=elapsed,
                account=account,
            )
            for region in self._regions_of(type_, sorted(by_region))
        ]
        for outcome in outcomes:
            await self.report(outcome)
        return outcomes

    async def _list(
        self, client: Any, scope: str, spec: TypeSpec, type_: str
    ) -> list[LiveResource]:
        resources: list[LiveResource] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            page = await self._call(client, scope, spec, token)
            for asset in page.assets:
                converted = spec.convert(_asset(asset))
                if converted is not None:
                    resources.append(converted)
            token = page.next_page_token or None
            if token is None:
                break
            if token in seen_tokens:
                raise ProviderError(f"Cloud Asset Inventory sent the page token {token!r} twice")
            seen_tokens.add(token)
        if spec.finish is not None:
            resources = spec.finish(resources)
        return canonical(resources)

    async def _call(self, client: Any, scope: str, spec: TypeSpec, token: str | None) -> Any:
        """One page, retried on its own."""
        policy = self.provider._retry
        self.stats.calls += 1
        telemetry.count_call(spec.service)
        spent = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.check_cancelled()
            async with self._slots:
                self.check_cancelled()
                self.stats.attempts += 1
                started = time.perf_counter()
                try:
                    return await asyncio.to_thread(
                        self.provider._page, client, scope, spec.asset_type, token
                    )
                except Exception as exc:
                    failure = exc
                finally:
                    took = time.perf_counter() - started
                    spent += took
                    self.stats.timed(spec.service, took)
            if is_throttle(failure):
                telemetry.count_throttle(spec.service)
            delay = policy.delay(attempt, failure, self._rng)
            if (
                not is_retryable(failure)
                or attempt >= policy.attempts
                or spent + delay > policy.budget
            ):
                self.stats.failed_calls += 1
                raise _Failed(failure, attempt) from failure
            self.stats.retries += 1
            self.stats.waits.append(delay)
            telemetry.count_retry(spec.service)
            spent += delay
            await self._sleep(delay)

    async def _sleep(self, seconds: float) -> None:
        """Back off, waking at once if the scan is cancelled meanwhile."""
        if self.cancel_event is None:
            await asyncio.sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.check_cancelled()
            await asyncio.sleep(min(left, 0.05))
        self.check_cancelled()


def _asset(message: Any) -> Asset:
    resource = message.resource
    data = asset_v1.Resource.to_dict(resource).get("data") or {}
    return Asset(
        name=message.name,
        asset_type=message.asset_type,
        location=resource.location,
        data=plain(data),
    )


def _project_scope(credential_project: str | None) -> str:
    for name in _PROJECT_ENVS:
        if os.environ.get(name):
            return f"projects/{os.environ[name]}"
    if credential_project:
        return f"projects/{credential_project}"
    raise ProviderError(
        f"no GCP scope: set {SCOPE_ENV} (projects/<id>, folders/<number> or "
        "organizations/<number>) or GOOGLE_CLOUD_PROJECT"
    )


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
