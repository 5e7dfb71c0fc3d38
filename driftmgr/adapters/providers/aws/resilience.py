"""Rate limits, retries and circuit breakers for the AWS API calls of one scan.

Every API call a scan makes goes through :meth:`Resilience.call`, in a *lane* keyed by
(account, service, region): the unit AWS throttles by (IAM and Route 53 are account-wide,
so their region is ``global``). Per call, in this order:

1. **Lane slot** (``asyncio.Semaphore``, default 8 per lane): held for the whole call, its
   retries and backoff sleeps included. Retries are therefore depth-first: a throttled lane
   slows down as a whole instead of starting more first attempts while earlier calls back
   off, and a dead lane trips its breaker after a handful of calls instead of after every
   queued call has tried once. 8 keeps a 20 r/s lane busy at 400 ms per call (Little's law).
2. **Rate** (``aiolimiter.AsyncLimiter``, requests/second per lane, see
   :data:`DEFAULT_RATE_LIMITS`): one token per attempt, retries included.
3. **Scan-wide slot** (``max_concurrency``, default 32): bounds requests in flight across
   all lanes, so a multi-account, all-regions scan cannot open hundreds of sockets. Taken
   per attempt, never while sleeping.
4. The request, bounded by what is left of the call's time budget; botocore's own adaptive
   retry mode runs inside it (its client-side rate limiter lowers the send rate further
   after throttling, its few quick retries absorb single blips).
5. **Retry** (stamina) of what :func:`~.errors.is_retryable` accepts, with exponential
   backoff and *full* jitter (``uniform(0, min(cap, base·2ⁿ⁻¹))``, AWS's recommendation for
   many clients contending for one bucket), for at most ``attempts`` attempts and at most
   ``budget`` seconds of attempts plus sleeps. Time spent queueing for our own limits is not
   counted: it is not the service's slowness.
6. **Circuit breaker**: a call that still fails with a breaker failure (throttled, 5xx,
   unreachable, timed out) counts one; any answer (success, access denied, not found)
   resets the count. At ``threshold`` consecutive failures the lane opens for the rest of
   the scan: every later attempt in it raises :class:`~.errors.CircuitOpenError` at once.

Cancellation: a set ``cancel_event`` (a :class:`threading.Event`, set from another thread)
makes every later attempt raise :class:`~.errors.ScanCancelled`, and
:meth:`Resilience.until_cancelled` stops a listing that is waiting or sleeping. Task
cancellation needs nothing special: every wait here is an ``await`` that cancels.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, TypeVar

import stamina
from aiolimiter import AsyncLimiter

from driftmgr.adapters.providers.aws import telemetry
from driftmgr.adapters.providers.aws.errors import (
    CallTimeoutError,
    CircuitOpenError,
    ScanCancelled,
    is_breaker_failure,
    is_retryable,
    unobserved_reason,
)
from driftmgr.adapters.providers.backoff import check_retry_policy, full_jitter
from driftmgr.adapters.providers.scanning import Cancellation
from driftmgr.domain.resources import GLOBAL_REGION

__all__ = [
    "DEFAULT_BREAKER_THRESHOLD",
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_RATE",
    "DEFAULT_RATE_LIMITS",
    "DEFAULT_SERVICE_CONCURRENCY",
    "GLOBAL_SERVICES",
    "CircuitBreaker",
    "LaneKey",
    "Resilience",
    "RetryPolicy",
    "Stats",
]

T = TypeVar("T")

#: Requests/second per (account, service, region), by boto3 service name. Each is at or
#: below the documented refill rate of the bucket AWS throttles that service's read calls
#: with, leaving headroom for the other tools sharing the account's buckets.
DEFAULT_RATE_LIMITS: Mapping[str, float] = MappingProxyType(
    {
        # Non-mutating (Describe*) calls: a bucket of 100 refilled at 20/s per API, account
        # and region. One lane holds every EC2 API, so no single API's refill is exceeded.
        "ec2": 20.0,
        # IAM publishes no request rate; it is one global control plane per account and
        # throttles list/get storms early. 10/s is the customary safe pace.
        "iam": 10.0,
        # Documented hard limit: 5 requests/s per account for all Route 53 calls.
        "route53": 4.0,
        # Documented: 15 r/s per account and region for control-plane calls (not increasable).
        "lambda": 10.0,
        # CloudWatch Logs Describe*/Get* calls: documented 5 TPS per account and region.
        "logs": 5.0,
        # Per-bucket configuration reads are spread over many buckets, each with its own
        # documented 5,500 GET/s per prefix; our own CPU is the binding cost.
        "s3": 50.0,
    }
)
#: Services not listed above.
DEFAULT_RATE = 20.0
DEFAULT_SERVICE_CONCURRENCY = 8
DEFAULT_MAX_CONCURRENCY = 32
DEFAULT_BREAKER_THRESHOLD = 5

#: Services with one account-wide control plane: their lane's region is ``global``.
GLOBAL_SERVICES = frozenset({"iam", "route53", "organizations", "cloudfront"})


class LaneKey(NamedTuple):
    account: str
    service: str
    region: str

    @classmethod
    def of(cls, account: str, service: str, region: str) -> LaneKey:
        return cls(account, service, GLOBAL_REGION if service in GLOBAL_SERVICES else region)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often, and for how long, one API call is tried (on top of botocore's attempts).

    Defaults: 4 attempts, sleeping up to 0.5, 1, 2 s between them (full jitter, capped at
    8 s), within 60 s. With botocore's 3 attempts inside each, a call is sent at most 12
    times; at a 40% failure rate it still fails only with probability 0.4¹² ≈ 2·10⁻⁵.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 60.0
    """Seconds of attempts plus backoff sleeps per call; waiting for our own limits is free."""

    def __post_init__(self) -> None:
        check_retry_policy(self.attempts, self.base_delay, self.max_delay, self.budget)

    def delay(self, retry: int, rng: random.Random) -> float:
        """Full jitter: a uniform sleep up to the exponential ceiling for retry ``retry``."""
        return full_jitter(retry, self.base_delay, self.max_delay, rng)


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failed calls, and stays open."""

    def __init__(self, key: LaneKey, threshold: int) -> None:
        self.key = key
        self.threshold = threshold
        self.failures = 0
        self._open: CircuitOpenError | None = None

    @property
    def is_open(self) -> bool:
        return self._open is not None

    def check(self) -> None:
        if self._open is not None:
            raise self._open

    def record_success(self) -> None:
        if self._open is None:
            self.failures = 0

    def record_failure(self, exc: Exception) -> None:
        if self._open is not None:
            return
        self.failures += 1
        if self.failures >= self.threshold:
            self._open = CircuitOpenError(
                self.key.service, self.key.region, self.failures, unobserved_reason(exc)
            )


@dataclass
class _Lane:
    slots: asyncio.Semaphore
    rate: AsyncLimiter | None
    breaker: CircuitBreaker


@dataclass
class Stats:
    """What a scan's calls cost; for tests, benchmarks and logs."""

    calls: int = 0
    attempts: int = 0
    """Requests handed to botocore (each may be sent up to ``max_attempts`` times)."""
    retries: int = 0
    failed_calls: int = 0
    open_circuits: list[str] = field(default_factory=list)


class Resilience(Cancellation):
    """The limits, retries and breakers one scan's calls share. Create it inside the loop."""

    def __init__(
        self,
        *,
        rate_limits: Mapping[str, float] | None = None,
        service_concurrency: Mapping[str, int] | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        retry: RetryPolicy | None = None,
        breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
        cancel_event: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if breaker_threshold < 1:
            raise ValueError("breaker_threshold must be at least 1")
        self._rates = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self._concurrency = dict(service_concurrency or {})
        self.max_concurrency = max_concurrency
        self.retry = retry or RetryPolicy()
        self.breaker_threshold = breaker_threshold
        super().__init__(cancel_event)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._everything = asyncio.Semaphore(max_concurrency)
        self._lanes: dict[LaneKey, _Lane] = {}
        self.stats = Stats()

    # --- configuration ---------------------------------------------------------------------

    def rate_for(self, service: str) -> float:
        """Requests/second for one lane of ``service``; ``inf`` means unlimited."""
        return self._rates.get(service, DEFAULT_RATE)

    def concurrency_for(self, service: str) -> int:
        wanted = self._concurrency.get(service, DEFAULT_SERVICE_CONCURRENCY)
        return max(1, min(wanted, self.max_concurrency))

    def _lane(self, key: LaneKey) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            rate = self.rate_for(key.service)
            if rate <= 0:
                raise ValueError(f"the rate limit for {key.service} must be positive")
            limiter = None
            if math.isfinite(rate):
                # A burst of one second's worth (at least one request): rates below 1/s
                # become one request per 1/rate seconds.
                burst = max(1.0, rate)
                limiter = AsyncLimiter(burst, burst / rate)
            lane = _Lane(
                asyncio.Semaphore(self.concurrency_for(key.service)),
                limiter,
                CircuitBreaker(key, self.breaker_threshold),
            )
            self._lanes[key] = lane
        return lane

    def breaker(self, key: LaneKey) -> CircuitBreaker:
        return self._lane(key).breaker

    # --- calls -----------------------------------------------------------------------------

    async def call(self, key: LaneKey, request: Callable[[], Awaitable[T]]) -> T:
        """Send ``request`` within the lane's limits, retrying and tripping its breaker."""
        lane = self._lane(key)
        self.check_cancelled()
        self.stats.calls += 1
        telemetry.count_call(key.service)
        async with lane.slots:
            try:
                result = await self._with_retries(lane, request)
            except (ScanCancelled, CircuitOpenError):
                raise
            except Exception as exc:
                self.stats.failed_calls += 1
                if is_breaker_failure(exc):
                    lane.breaker.record_failure(exc)
                    if lane.breaker.is_open and str(key) not in self.stats.open_circuits:
                        self.stats.open_circuits.append(str(key))
                else:
                    lane.breaker.record_success()  # the service answered
                raise
        lane.breaker.record_success()
        return result

    async def _with_retries(self, lane: _Lane, request: Callable[[], Awaitable[T]]) -> T:
        policy = self.retry
        spent = [0.0]  # seconds of attempts and sleeps so far, shared with _attempt
        retries = 0

        def backoff(exc: Exception) -> bool | float:
            nonlocal retries
            telemetry.count_failed_attempt(lane.breaker.key.service, exc)
            if not is_retryable(exc):
                return False
            if lane.breaker.is_open or self.cancel_requested:
                return 0.0  # the next attempt raises CircuitOpenError / ScanCancelled at once
            retries += 1
            delay = policy.delay(retries, self._rng)
            if spent[0] + delay >= policy.budget:
                return False
            spent[0] += delay
            self.stats.retries += 1
            telemetry.count_retry(lane.breaker.key.service)
            return delay

        result: T
        async for attempt in stamina.retry_context(
            on=backoff, attempts=policy.attempts, timeout=None
        ):
            with attempt:
                result = await self._attempt(lane, request, spent)
        return result

    async def _attempt(
        self, lane: _Lane, request: Callable[[], Awaitable[T]], spent: list[float]
    ) -> T:
        self.check_cancelled()
        lane.breaker.check()
        if lane.rate is not None:
            await lane.rate.acquire()
        async with self._everything:
            # Both may have changed while this attempt queued.
            self.check_cancelled()
            lane.breaker.check()
            budget = self.retry.budget
            remaining = budget - spent[0]
            if remaining <= 0:
                raise CallTimeoutError(f"no answer within {budget:g} s")
            self.stats.attempts += 1
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                async with asyncio.timeout(remaining) as deadline:
                    return await request()
            except TimeoutError:
                if deadline.expired():
                    raise CallTimeoutError(f"no answer within {budget:g} s") from None
                raise
            finally:
                spent[0] += loop.time() - started
