"""The AWS inventory adapter: check access, then list every requested type and region.

Endpoints, credentials and regions come only from the SDK's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``~/.aws``), so the same code runs against real AWS
and against a local moto server. Enumerators live one service per module and register
themselves in :data:`~driftmgr.adapters.providers.aws.registry.ENUMERATORS`; every API call
they make is limited, retried and guarded as
:mod:`~driftmgr.adapters.providers.aws.resilience` describes.

What a scan promises:

* one :class:`ScanOutcome` per (account, type, region), global types once per account;
* an outcome is either complete or unobserved with a reason, never a partial list;
* outcomes and their resources are in a fixed order (resources by id, attribute maps by
  key), so an unchanged account always yields byte-identical inventories.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import aioboto3
import aiobotocore.session
import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from driftmgr.adapters.providers.aws.errors import (
    BAD_CREDENTIALS,
    SESSION_EXPIRED,
    CallTimeoutError,
    CircuitOpenError,
    ScanCancelled,
    error_code,
    error_message,
    one_line,
    unobserved_reason,
)
from driftmgr.adapters.providers.aws.mapping import PROVIDER
from driftmgr.adapters.providers.aws.registry import ENUMERATORS, TypeSpec
from driftmgr.adapters.providers.aws.resilience import (
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_MAX_CONCURRENCY,
    Resilience,
    RetryPolicy,
    Stats,
)
from driftmgr.adapters.providers.aws.scan import (
    DEFAULT_REGION,
    Scan,
    dedupe_search_paths,
    gather,
    share_loader,
)
from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.adapters.providers.scanning import Reporter, canonical, carrying, tagged_only
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = ["ALL_REGIONS", "ROLE_SESSION_NAME", "AwsProvider"]

logger = logging.getLogger(__name__)

#: Region of the outcomes of regional types when the account's regions could not be listed.
ALL_REGIONS = "*"
ROLE_SESSION_NAME = "driftmgr"

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/.+$")

# Failures a listing reports as its reason without a traceback: AWS's answers and the
# scan's own verdicts. Anything else is a bug or a surprising shape, and is logged.
_EXPECTED = (BotoCoreError, ClientError, ScanCancelled, CircuitOpenError, CallTimeoutError)


class _Role(NamedTuple):
    arn: str
    account: str


class AwsProvider:
    """Lists AWS resources as Terraform-shaped resources, in one account or several."""

    name = PROVIDER

    def __init__(
        self,
        *,
        profile: str | None = None,
        account_roles: Sequence[str] = (),
        rate_limits: Mapping[str, float] | None = None,
        service_concurrency: Mapping[str, int] | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        max_attempts: int = 3,
        retry: RetryPolicy | None = None,
        breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        """
        :param account_roles: role ARNs to assume (session name ``driftmgr``), one account
            each; empty scans the account of the configured credentials.
        :param rate_limits: requests/second per (account, service, region) by boto3 service
            name, over :data:`~.resilience.DEFAULT_RATE_LIMITS`; ``inf`` for no limit.
        :param service_concurrency: calls in flight per (account, service, region) by
            service (default 8).
        :param max_concurrency: requests in flight across the whole scan.
        :param max_attempts: botocore's attempts per request (adaptive mode), 1 = none of
            its own retries; ``retry`` is our retry around that.
        :param breaker_threshold: consecutive failed calls that open a lane's breaker.
        """
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if breaker_threshold < 1:
            raise ValueError("breaker_threshold must be at least 1")
        for service, rate in (rate_limits or {}).items():
            if not rate > 0:
                raise ValueError(f"the rate limit for {service} must be positive")
        for service, count in (service_concurrency or {}).items():
            if count < 1:
                raise ValueError(f"the concurrency for {service} must be at least 1")
        self._profile = profile
        self._roles = [_parse_role(arn) for arn in dict.fromkeys(account_roles)]
        self._rate_limits = dict(rate_limits or {})
        self._service_concurrency = dict(service_concurrency or {})
        self._max_concurrency = max_concurrency
        self._retry = retry or RetryPolicy()
        self._breaker_threshold = breaker_threshold
        self.last_stats: Stats | None = None
        """What the most recent scan's API calls cost (calls, attempts, retries, breakers)."""
        self._config = Config(
            retries={"mode": "adaptive", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # check_access must fail within seconds on a dead endpoint, whatever the scan settings.
        self._probe_config = Config(
            retries={"mode": "standard", "total_max_attempts": 2},
            connect_timeout=min(connect_timeout, 2),
            read_timeout=min(read_timeout, 5),
        )

    @property
    def supported_types(self) -> frozenset[str]:
        return frozenset(ENUMERATORS)

    # --- synchronous probes, for commands ---------------------------------------------------

    def check_access(self, region: str | None = None) -> str:
        identity = self._probe("sts", region or self._default_region(), "get_caller_identity")
        return str(identity["Account"])

    def enabled_regions(self, region: str | None = None) -> list[str]:
        """The regions enabled for the credentials' account (``ec2:DescribeRegions``).

        Raises like :meth:`check_access` when AWS cannot be asked.
        """
        answer = self._probe("ec2", region or self._default_region(), "describe_regions")
        return _region_names(answer)

    def _probe(self, service: str, region: str, operation: str) -> Any:
        try:
            botocore_session = share_loader(botocore.session.Session(profile=self._profile))
            session = boto3.Session(botocore_session=botocore_session)
            dedupe_search_paths(session)
            client = session.client(service, region_name=region, config=self._probe_config)
        except ProfileNotFound:
            raise ProviderAuthError(
                f"AWS profile {self._profile!r} not found: add it to ~/.aws/config "
                "or choose another profile"
            ) from None
        endpoint = client.meta.endpoint_url
        params = {"AllRegions": False} if operation == "describe_regions" else {}
        try:
            return getattr(client, operation)(**params)
        except (BotoConnectionError, HTTPClientError) as exc:
            raise ProviderUnreachableError(
                f"cannot reach AWS at {endpoint} ({one_line(exc)}): "
                "check AWS_ENDPOINT_URL and network access"
            ) from None
        except (NoCredentialsError, PartialCredentialsError):
            raise ProviderAuthError(
                "no AWS credentials found: configure them (aws configure, AWS_PROFILE, "
                "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            ) from None
        except (TokenRetrievalError, SSOError, CredentialRetrievalError) as exc:
            raise ProviderAuthError(
                f"AWS credentials could not be refreshed ({one_line(exc)}): "
                "log in again (aws sso login) or renew the session"
            ) from None
        except ClientError as exc:
            code, message = error_code(exc), error_message(exc)
            if code in SESSION_EXPIRED:
                raise ProviderAuthError(
                    f"AWS session expired ({code}: {message}): refresh the session token "
                    "(aws sso login, or new temporary credentials)"
                ) from None
            if code in BAD_CREDENTIALS:
                raise ProviderAuthError(
                    f"AWS rejected the credentials ({code}: {message}): check the access key, "
                    "secret and profile in use"
                ) from None
            raise ProviderError(
                f"AWS {service.upper()} call to {endpoint} failed: {code}: {message}"
            ) from None
        except BotoCoreError as exc:
            raise ProviderError(
                f"AWS {service.upper()} call to {endpoint} failed: {one_line(exc)}"
            ) from None

    def default_region(self) -> str:
        """The region the SDK's configuration names (``us-east-1`` when none)."""
        return self._default_region()

    def _default_region(self) -> str:
        try:
            region = boto3.Session(profile_name=self._profile).region_name
        except BotoCoreError:
            region = None
        return str(region or DEFAULT_REGION)

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
        """List every type in every region of every account.

        ``regions`` empty: each account's enabled regions. ``cancel_event`` set (from any
        thread): listings not finished yet end as unobserved with reason ``cancelled``.
        ``tag_filter``: only resources carrying these tags; types that cannot carry tags
        are not listed at all.
        """
        unknown = sorted(set(types) - set(ENUMERATORS))
        if unknown:
            raise ValueError(f"unsupported AWS resource types: {', '.join(unknown)}")
        wanted = list(dict.fromkeys(types))
        if tag_filter:
            wanted = [t for t in wanted if rules_for(t).taggable]
            on_scanned = tagged_only(on_scanned, tag_filter)
        regions = list(dict.fromkeys(regions))
        home_region = regions[0] if regions else self._default_region()
        resilience = Resilience(
            rate_limits=self._rate_limits,
            service_concurrency=self._service_concurrency,
            max_concurrency=self._max_concurrency,
            retry=self._retry,
            breaker_threshold=self._breaker_threshold,
            cancel_event=cancel_event,
        )
        own = functools.partial(_aio_session, profile=self._profile)
        started = time.perf_counter()
        report = Reporter(on_scanned)
        scans: list[Scan] = []
        try:
            async with resilience.watching():
                if not self._roles:
                    scan = Scan(own, self._config, resilience, home_region=home_region)
                    scans.append(scan)
                    async with scan:
                        outcomes = await self._scan_account(scan, None, regions, wanted, report)
                else:
                    base = Scan(own, self._config, resilience, home_region=home_region)
                    scans.append(base)
                    async with base:
                        per_account = await gather(
                            self._scan_role(base, role, regions, wanted, report, scans)
                            for role in self._roles
                        )
                    outcomes = [outcome for group in per_account for outcome in group]
        finally:
            report.close()
        self.last_stats = resilience.stats
        logger.info(
            "AWS scan: %d calls, %d attempts, %d retries, %d failed calls; open circuits: %s; "
            "%.2f s",
            resilience.stats.calls,
            resilience.stats.attempts,
            resilience.stats.retries,
            resilience.stats.failed_calls,
            ", ".join(resilience.stats.open_circuits) or "none",
            time.perf_counter() - started,
        )
        if logger.isEnabledFor(logging.INFO):
            logger.info("AWS scan by service: %s", _by_service(scans, outcomes))
        if tag_filter:
            outcomes = [carrying(o, tag_filter) for o in outcomes]
        return sorted(outcomes, key=lambda o: (o.account or "", o.type, o.region))

    async def _scan_role(
        self,
        base: Scan,
        role: _Role,
        regions: list[str],
        types: list[str],
        report: Reporter,
        scans: list[Scan],
    ) -> list[ScanOutcome]:
        try:
            credentials = await base.resilience.until_cancelled(self._assume(base, role.arn))
        except Exception as exc:
            if isinstance(exc, ScanCancelled):
                reason = unobserved_reason(exc)
            else:
                reason = f"{unobserved_reason(exc)} (assuming role {role.arn})"
                if not isinstance(exc, _EXPECTED):
                    logger.exception("assuming %s failed unexpectedly", role.arn)
            jobs = [(t, r) for t in types for r in _regions_of(t, regions or [ALL_REGIONS])]
            return await self._unobserved(jobs, role.account, reason, report)
        session = functools.partial(
            _aio_session,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        scan = Scan(
            session,
            self._config,
            base.resilience,
            home_region=base.home_region,
            label=role.account,
            account=role.account,
        )
        scans.append(scan)
        async with scan:
            return await self._scan_account(scan, role.account, regions, types, report)

    async def _assume(self, base: Scan, role_arn: str) -> dict[str, Any]:
        sts = await base.client("sts", base.home_region)
        answer = await base.call(
            sts, "assume_role", RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME
        )
        credentials: dict[str, Any] = answer["Credentials"]
        return credentials

    async def _scan_account(
        self,
        scan: Scan,
        account: str | None,
        regions: list[str],
        types: list[str],
        report: Reporter,
    ) -> list[ScanOutcome]:
        outcomes: list[ScanOutcome] = []
        regional = [t for t in types if not ENUMERATORS[t].is_global]
        if regional and not regions:
            try:
                regions = await scan.resilience.until_cancelled(_list_regions(scan))
            except Exception as exc:
                reason = unobserved_reason(exc)
                if not isinstance(exc, ScanCancelled):
                    reason += " (listing the enabled regions)"
                account = account or await scan.account()
                jobs = [(t, ALL_REGIONS) for t in regional]
                outcomes = await self._unobserved(jobs, account, reason, report)
                types = [t for t in types if ENUMERATORS[t].is_global]
        jobs = [(t, r) for t in types for r in _regions_of(t, regions)]
        outcomes += await gather(self._scan_one(scan, account, t, r, report) for t, r in jobs)
        return outcomes

    async def _scan_one(
        self,
        scan: Scan,
        account: str | None,
        type_: str,
        region: str,
        report: Reporter,
    ) -> ScanOutcome:
        spec = ENUMERATORS[type_]
        started = time.perf_counter()
        resources: list[LiveResource] = []
        reason: str | None = None
        try:
            listed = await scan.resilience.until_cancelled(_list(scan, spec, region))
        except Exception as exc:
            reason = unobserved_reason(exc)
            if not isinstance(exc, _EXPECTED):
                logger.exception("listing %s in %s failed unexpectedly", type_, region)
        else:
            resources = canonical(listed)
        outcome = ScanOutcome(
            provider=PROVIDER,
            type=type_,
            region=region,
            resources=resources,
            unobserved_reason=reason,
            duration_ms=round((time.perf_counter() - started) * 1000),
            account=account or await scan.account(),
        )
        await report(outcome)
        return outcome

    async def _unobserved(
        self,
        jobs: list[tuple[str, str]],
        account: str | None,
        reason: str,
        report: Reporter,
    ) -> list[ScanOutcome]:
        outcomes = [
            ScanOutcome(
                provider=PROVIDER, type=t, region=r, unobserved_reason=reason, account=account
            )
            for t, r in jobs
        ]
        for outcome in outcomes:
            await report(outcome)
        return outcomes


def _aio_session(*, profile: str | None = None, **credentials: Any) -> aioboto3.Session:
    """An aioboto3 session on the process's shared botocore data loader."""
    botocore_session = share_loader(aiobotocore.session.AioSession(profile=profile))
    session = aioboto3.Session(botocore_session=botocore_session, **credentials)
    dedupe_search_paths(session)
    return session


def _by_service(scans: Sequence[Scan], outcomes: Sequence[ScanOutcome]) -> str:
    """Where a scan's time went, per AWS service: ``ec2 0.84 s (31 calls, 12 listings,
    client 0.12 s)``, slowest first. Listings overlap, so the seconds add up to more than
    the scan's wall time."""
    listed: dict[str, int] = {}
    for outcome in outcomes:
        service = ENUMERATORS[outcome.type].service
        listed[service] = listed.get(service, 0) + 1
    calls: dict[str, list[float]] = {}
    for scan in scans:
        for service, (count, seconds, client_s) in scan.timings().items():
            total = calls.setdefault(service, [0.0, 0.0, 0.0])
            total[0] += count
            total[1] += seconds
            total[2] += client_s
    parts = [
        f"{service} {seconds:.2f} s ({count:.0f} calls, {listed.get(service, 0)} listings, "
        f"client {client_s:.2f} s)"
        for service, (count, seconds, client_s) in sorted(
            calls.items(), key=lambda item: -item[1][1]
        )
    ]
    return ", ".join(parts) or "no calls"


async def _list(scan: Scan, spec: TypeSpec, region: str) -> list[LiveResource]:
    client = await scan.client(spec.service, scan.home_region if spec.is_global else region)
    return await spec.enumerate(scan, client, region)


async def _list_regions(scan: Scan) -> list[str]:
    ec2 = await scan.client("ec2", scan.home_region)
    return _region_names(await scan.call(ec2, "describe_regions", AllRegions=False))


def _region_names(answer: Mapping[str, Any]) -> list[str]:
    return sorted(
        {
            region["RegionName"]
            for region in answer.get("Regions", [])
            if region.get("OptInStatus") != "not-opted-in"
        }
    )


def _regions_of(type_: str, regions: list[str]) -> list[str]:
    return [GLOBAL_REGION] if ENUMERATORS[type_].is_global else regions


def _parse_role(arn: str) -> _Role:
    match = _ROLE_ARN.match(arn)
    if match is None:
        raise ValueError(f"{arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    return _Role(arn, match["account"])
