"""The DigitalOcean inventory adapter: check access, then list every requested type and region.

Configuration is what the Terraform provider itself reads, from the environment:

* ``DIGITALOCEAN_TOKEN`` (or ``DIGITALOCEAN_ACCESS_TOKEN``): the API token;
* ``DIGITALOCEAN_API_URL``: the API endpoint (default ``https://api.digitalocean.com``);
  pydo only sends the token over TLS, and trusts the CAs ``REQUESTS_CA_BUNDLE`` names
  (requests, under pydo, reads it) besides the system's;
* ``SPACES_ACCESS_KEY_ID``/``SPACES_SECRET_ACCESS_KEY`` and ``SPACES_ENDPOINT_URL``
  (default ``https://{{.Region}}.digitaloceanspaces.com``) for Spaces buckets.

What a scan promises, as the AWS adapter does: one :class:`ScanOutcome` per (type, region),
global types once with region ``global``; an outcome is complete or unobserved with a
reason, never partial; resources in a fixed order. With no region named, the account's
available regions (``GET /v2/regions``) are the scope.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.adapters.providers.digitalocean import (  # noqa: F401 - they register themselves
    compute,
    databases,
    dns,
    kubernetes,
    networking,
    projects,
    spaces,
)
from driftmgr.adapters.providers.digitalocean.api import Calls, RetryPolicy
from driftmgr.adapters.providers.digitalocean.errors import (
    CallTimeoutError,
    NotConfigured,
    PagingError,
    ScanCancelled,
    describe,
    unobserved_reason,
)
from driftmgr.adapters.providers.digitalocean.registry import (
    ENUMERATORS,
    PROVIDER,
    Scan,
    SpacesSettings,
)
from driftmgr.adapters.providers.scanning import Reporter, canonical
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = ["ALL_REGIONS", "DEFAULT_API_URL", "DEFAULT_REGION", "DigitalOceanProvider"]

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.digitalocean.com"
DEFAULT_SPACES_ENDPOINT = "https://{{.Region}}.digitaloceanspaces.com"
#: Where global types are listed from when a command names no region.
DEFAULT_REGION = "nyc3"
#: Region of the outcomes of regional types when the account's regions could not be listed.
ALL_REGIONS = "*"

_TOKEN_VARIABLES = ("DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN")
_EXPECTED = (
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
    ScanCancelled,
    CallTimeoutError,
    PagingError,
    NotConfigured,
)


class DigitalOceanProvider:
    """Lists DigitalOcean resources as Terraform-shaped resources, through pydo."""

    name = PROVIDER

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        """
        :param environ: where the settings above are read (the process environment).
        :param max_concurrency: calls in flight across the whole scan. DigitalOcean allows
            250 requests a minute per token; paging at 200 items keeps scans far below.
        """
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._environ = environ
        self._retry = retry or RetryPolicy()
        self._max_concurrency = max_concurrency
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self.last_stats: Any = None
        """What the most recent scan's calls cost (:class:`~.api.Stats`)."""

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset(ENUMERATORS)

    def default_region(self) -> str:
        return DEFAULT_REGION

    # --- configuration ----------------------------------------------------------------------

    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def _token(self) -> str:
        env = self._env()
        token = next((env[v] for v in _TOKEN_VARIABLES if env.get(v)), None)
        if token is None:
            raise ProviderAuthError(
                "no DigitalOcean token found: set DIGITALOCEAN_TOKEN to a personal access "
                "token with read scope"
            )
        return token

    def _endpoint(self) -> str:
        endpoint = (self._env().get("DIGITALOCEAN_API_URL") or DEFAULT_API_URL).rstrip("/")
        if not endpoint.lower().startswith("https://"):
            # pydo would refuse anyway: a bearer token never travels in clear text.
            raise ProviderError(
                f"DIGITALOCEAN_API_URL must be an https:// URL (it is {endpoint!r}): "
                "the token is only ever sent over TLS"
            )
        return endpoint

    def _spaces(self) -> SpacesSettings | None:
        env = self._env()
        key, secret = env.get("SPACES_ACCESS_KEY_ID"), env.get("SPACES_SECRET_ACCESS_KEY")
        if not key or not secret:
            return None
        template = env.get("SPACES_ENDPOINT_URL") or DEFAULT_SPACES_ENDPOINT
        return SpacesSettings(template, key, secret)

    def _client(self, *, probe: bool = False) -> Any:
        import pydo  # imported on first use: its generated operations take a while to load

        return pydo.Client(
            token=self._token(),
            endpoint=self._endpoint(),
            # Retries are ours (api.Calls): azure-core's would hide 429s from the counts.
            retry_total=0,
            connection_timeout=min(self._connect_timeout, 2) if probe else self._connect_timeout,
            read_timeout=min(self._read_timeout, 5) if probe else self._read_timeout,
        )

    # --- synchronous probes, for commands ----------------------------------------------------

    def check_access(self, region: str | None = None) -> str:
        """``GET /v2/account``: the account's uuid."""
        client = self._client(probe=True)
        endpoint = self._endpoint()
        try:
            answer = client.account.get()
        except ClientAuthenticationError as exc:
            raise ProviderAuthError(
                f"DigitalOcean rejected the token ({describe(exc)}): check DIGITALOCEAN_TOKEN"
            ) from None
        except ServiceRequestError as exc:
            raise ProviderUnreachableError(
                f"cannot reach DigitalOcean at {endpoint} ({describe(exc)}): "
                "check DIGITALOCEAN_API_URL and network access"
            ) from None
        except ServiceResponseError as exc:
            raise ProviderUnreachableError(
                f"no answer from DigitalOcean at {endpoint} ({describe(exc)}): "
                "check DIGITALOCEAN_API_URL and network access"
            ) from None
        except HttpResponseError as exc:
            if exc.status_code == 403:
                raise ProviderAuthError(
                    f"DigitalOcean refused to read the account ({describe(exc)}): "
                    "check DIGITALOCEAN_TOKEN has read scope"
                ) from None
            raise ProviderError(
                f"DigitalOcean call to {endpoint} failed: {describe(exc)}"
            ) from None
        account = (answer or {}).get("account") or {}
        return str(account.get("uuid") or account.get("email") or "unknown")

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
        """List every type in every region (``regions`` empty: every available region).

        ``tag_filter``: DigitalOcean tags are plain labels, not key/value pairs, so no
        object carries a tag scope's tags; a tag-scoped scan lists nothing.
        """
        unknown = sorted(set(types) - set(ENUMERATORS))
        if unknown:
            raise ValueError(f"unsupported DigitalOcean resource types: {', '.join(unknown)}")
        wanted = list(dict.fromkeys(types))
        if tag_filter:
            wanted = []
        regions = list(dict.fromkeys(regions))
        calls = Calls(
            retry=self._retry, max_concurrency=self._max_concurrency, cancel_event=cancel_event
        )
        report = Reporter(on_scanned)
        started = time.perf_counter()
        outcomes: list[ScanOutcome] = []
        try:
            async with calls.watching():
                try:
                    scan = Scan(calls, self._client(), self._spaces())
                except ProviderError as exc:
                    jobs = [
                        (t, r) for t in wanted for r in _regions_of(t, regions or [ALL_REGIONS])
                    ]
                    return await _unobserved(jobs, str(exc), report)
                regional = [t for t in wanted if not ENUMERATORS[t].is_global]
                if regional and not regions:
                    try:
                        regions = await calls.until_cancelled(_list_regions(scan))
                    except Exception as exc:
                        reason = unobserved_reason(exc)
                        if not isinstance(exc, ScanCancelled):
                            reason += " (listing the available regions)"
                        outcomes += await _unobserved(
                            [(t, ALL_REGIONS) for t in regional], reason, report
                        )
                        wanted = [t for t in wanted if ENUMERATORS[t].is_global]
                groups = await asyncio.gather(
                    *(self._scan_type(scan, t, regions, report) for t in wanted)
                )
                outcomes += [o for group in groups for o in group]
        finally:
            report.close()
        self.last_stats = calls.stats
        logger.info(
            "DigitalOcean scan: %d calls, %d attempts, %d retries, %d throttled, "
            "%d failed calls; %.2f s; by service: %s",
            calls.stats.calls,
            calls.stats.attempts,
            calls.stats.retries,
            calls.stats.throttled,
            calls.stats.failed_calls,
            time.perf_counter() - started,
            ", ".join(f"{s} {n} calls" for s, n in sorted(calls.stats.by_service.items()))
            or "no calls",
        )
        return sorted(outcomes, key=lambda o: (o.type, o.region))

    async def _scan_type(
        self, scan: Scan, type_: str, regions: Sequence[str], report: Reporter
    ) -> list[ScanOutcome]:
        spec = ENUMERATORS[type_]
        if spec.is_global:
            return [await self._list(scan, type_, GLOBAL_REGION, "", report)]
        if spec.per_region:
            return list(
                await asyncio.gather(
                    *(self._list(scan, type_, region, region, report) for region in regions)
                )
            )
        # One listing holds every region: split it into the regions asked for.
        started = time.perf_counter()
        listed, reason = await _listing(scan, type_, "")
        elapsed = round((time.perf_counter() - started) * 1000)
        outcomes = []
        for region in regions:
            outcome = ScanOutcome(
                provider=PROVIDER,
                type=type_,
                region=region,
                resources=[r for r in listed if r.region == region],
                unobserved_reason=reason,
                duration_ms=elapsed,
            )
            await report(outcome)
            outcomes.append(outcome)
        return outcomes

    async def _list(
        self, scan: Scan, type_: str, region: str, asked: str, report: Reporter
    ) -> ScanOutcome:
        started = time.perf_counter()
        listed, reason = await _listing(scan, type_, asked)
        outcome = ScanOutcome(
            provider=PROVIDER,
            type=type_,
            region=region,
            resources=listed,
            unobserved_reason=reason,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        await report(outcome)
        return outcome


async def _listing(scan: Scan, type_: str, region: str) -> tuple[list[LiveResource], str | None]:
    """The type's objects in canonical order, or the reason they could not be listed."""
    spec = ENUMERATORS[type_]
    try:
        listed = await scan.calls.until_cancelled(spec.enumerate(scan, region))
    except Exception as exc:
        if not isinstance(exc, _EXPECTED):
            logger.exception("listing %s in %s failed unexpectedly", type_, region or "all")
        return [], unobserved_reason(exc)
    return canonical(listed), None


async def _list_regions(scan: Scan) -> list[str]:
    found = await scan.calls.pages("regions", scan.client.regions.list, "regions")
    return sorted({str(r["slug"]) for r in found if r.get("available") and r.get("slug")})


async def _unobserved(
    jobs: list[tuple[str, str]], reason: str, report: Reporter
) -> list[ScanOutcome]:
    outcomes = [
        ScanOutcome(provider=PROVIDER, type=t, region=r, unobserved_reason=reason) for t, r in jobs
    ]
    for outcome in outcomes:
        await report(outcome)
    return outcomes


def _regions_of(type_: str, regions: list[str]) -> list[str]:
    return [GLOBAL_REGION] if ENUMERATORS[type_].is_global else regions
