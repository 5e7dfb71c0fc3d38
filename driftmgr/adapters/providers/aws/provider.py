"""The AWS inventory adapter: check access, then list every requested type and region.

Endpoints, credentials and regions come only from the SDK's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``~/.aws``), so the same code runs against real AWS
and against a local moto server. Enumerators live one service per module and register
themselves in :data:`~driftmgr.adapters.providers.aws.registry.ENUMERATORS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import boto3
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
    error_code,
    error_message,
    one_line,
    unobserved_reason,
)
from driftmgr.adapters.providers.aws.mapping import PROVIDER
from driftmgr.adapters.providers.aws.registry import ENUMERATORS
from driftmgr.adapters.providers.aws.scan import DEFAULT_REGION, Scan, gather
from driftmgr.adapters.providers.base import (
    OnScanned,
    ProviderAuthError,
    ProviderError,
    ProviderUnreachableError,
)
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource, ScanOutcome

__all__ = ["AwsProvider"]

logger = logging.getLogger(__name__)


class AwsProvider:
    """Lists EC2, VPC, security group, S3 and IAM objects as Terraform-shaped resources."""

    name = PROVIDER

    def __init__(
        self,
        *,
        profile: str | None = None,
        max_concurrency: int = 16,
        max_attempts: int = 5,
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._profile = profile
        self._max_concurrency = max_concurrency
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Every request in flight needs a pooled connection, or the semaphore is moot.
            max_pool_connections=max_concurrency,
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

    def check_access(self, region: str) -> str:
        try:
            session = boto3.Session(profile_name=self._profile)
            client = session.client("sts", region_name=region, config=self._probe_config)
        except ProfileNotFound:
            raise ProviderAuthError(
                f"AWS profile {self._profile!r} not found: add it to ~/.aws/config "
                "or choose another profile"
            ) from None
        endpoint = client.meta.endpoint_url
        try:
            identity = client.get_caller_identity()
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
            raise ProviderError(f"AWS STS call to {endpoint} failed: {code}: {message}") from None
        except BotoCoreError as exc:
            raise ProviderError(f"AWS STS call to {endpoint} failed: {one_line(exc)}") from None
        return str(identity["Account"])

    async def scan(
        self,
        regions: Sequence[str],
        types: Sequence[str],
        on_scanned: OnScanned | None = None,
    ) -> list[ScanOutcome]:
        unknown = sorted(set(types) - set(ENUMERATORS))
        if unknown:
            raise ValueError(f"unsupported AWS resource types: {', '.join(unknown)}")
        regions = list(dict.fromkeys(regions))
        jobs: list[tuple[str, str]] = []
        for type_ in dict.fromkeys(types):
            if ENUMERATORS[type_].is_global:
                jobs.append((type_, GLOBAL_REGION))
            else:
                jobs.extend((type_, region) for region in regions)

        home_region = regions[0] if regions else DEFAULT_REGION
        async with Scan(self._profile, self._config, self._max_concurrency, home_region) as scan:
            return await gather(self._scan_one(scan, t, r, on_scanned) for t, r in jobs)

    async def _scan_one(
        self, scan: Scan, type_: str, region: str, on_scanned: OnScanned | None
    ) -> ScanOutcome:
        spec = ENUMERATORS[type_]
        started = time.perf_counter()
        resources: list[LiveResource] = []
        reason: str | None = None
        try:
            client_region = scan.home_region if spec.is_global else region
            client = await scan.client(spec.service, client_region)
            resources = await spec.enumerate(scan, client, region)
        except Exception as exc:
            reason = unobserved_reason(exc)
            if not isinstance(exc, BotoCoreError | ClientError):
                # Not an AWS answer but a bug or a surprise shape: keep the traceback.
                logger.exception("listing %s in %s failed unexpectedly", type_, region)
        outcome = ScanOutcome(
            provider=PROVIDER,
            type=type_,
            region=region,
            resources=resources,
            unobserved_reason=reason,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        if on_scanned is not None:
            on_scanned(outcome)
        return outcome
