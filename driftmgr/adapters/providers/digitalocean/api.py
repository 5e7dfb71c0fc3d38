"""Every DigitalOcean API call a scan makes: bounded, retried, paged to the end, counted.

pydo is synchronous (azure-core over requests), so each call runs in a worker thread,
at most ``max_concurrency`` at a time. azure-core's own retries are switched off when the
client is built: retries happen here, where 429's ``Retry-After``/``ratelimit-reset`` is
honoured, the budget is shared with cancellation, and attempts are counted for /metrics.

Listings page with ``page``/``per_page`` (at most 200) and say where the next page is in
``links.pages.next``: the page number is read from that link and asked of the same client,
so the token only ever goes to the configured endpoint, whatever host a link names.
"""

from __future__ import annotations

import asyncio
import functools
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import stamina

from driftmgr.adapters.providers.backoff import check_retry_policy, full_jitter
from driftmgr.adapters.providers.digitalocean import telemetry
from driftmgr.adapters.providers.digitalocean.errors import (
    CallTimeoutError,
    PagingError,
    ScanCancelled,
    is_retryable,
    is_throttled,
    retry_after,
)
from driftmgr.adapters.providers.scanning import Cancellation

__all__ = ["PER_PAGE", "Calls", "RetryPolicy", "Stats"]

T = TypeVar("T")

#: The most DigitalOcean returns per page.
PER_PAGE = 200


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often, and for how long, one call is tried.

    Defaults: 4 attempts; between them the wait DigitalOcean asked for (``Retry-After``,
    else until ``ratelimit-reset``), or full jitter up to 0.5, 1, 2 s; all within 60 s. A
    wait longer than ``max_delay`` is not waited: the listing is reported throttled.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    budget: float = 60.0

    def __post_init__(self) -> None:
        check_retry_policy(self.attempts, self.base_delay, self.max_delay, self.budget)

    def delay(self, retry: int, rng: random.Random) -> float:
        return full_jitter(retry, self.base_delay, self.max_delay, rng)


@dataclass
class Stats:
    """What a scan's calls cost; for tests and logs."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0
    failed_calls: int = 0
    by_service: dict[str, int] = field(default_factory=dict)


class Calls(Cancellation):
    """The limits, retries and cancellation one scan's calls share. Create it in the loop."""

    def __init__(
        self,
        *,
        retry: RetryPolicy,
        max_concurrency: int,
        cancel_event: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.retry = retry
        self._slots = asyncio.Semaphore(max_concurrency)
        super().__init__(cancel_event)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.stats = Stats()

    # --- calls -----------------------------------------------------------------------------

    async def call(self, service: str, request: Callable[[], T]) -> T:
        """Run the blocking ``request`` in a thread, retrying what may succeed later."""
        self.check_cancelled()
        self.stats.calls += 1
        self.stats.by_service[service] = self.stats.by_service.get(service, 0) + 1
        telemetry.count_call(service)
        policy = self.retry
        spent = 0.0
        retries = 0
        loop = asyncio.get_running_loop()

        def backoff(exc: Exception) -> bool | float:
            nonlocal retries, spent
            telemetry.count_failed_attempt(service, exc)
            if not is_retryable(exc):
                return False
            if self.cancel_requested:
                return 0.0  # the next attempt raises ScanCancelled at once
            retries += 1
            asked = retry_after(exc)
            if asked is not None and asked > policy.max_delay:
                return False  # waiting that long is the caller's decision, not ours
            delay = asked if asked is not None else policy.delay(retries, self._rng)
            if spent + delay >= policy.budget:
                return False
            spent += delay
            self.stats.retries += 1
            telemetry.count_retry(service)
            return delay

        result: T
        try:
            async for attempt in stamina.retry_context(
                on=backoff, attempts=policy.attempts, timeout=None
            ):
                with attempt:
                    self.check_cancelled()
                    if spent >= policy.budget:
                        raise CallTimeoutError(f"no answer within {policy.budget:g} s")
                    self.stats.attempts += 1
                    started = loop.time()
                    try:
                        async with self._slots:
                            result = await asyncio.to_thread(request)
                    except Exception as exc:
                        if is_throttled(exc):
                            self.stats.throttled += 1
                        raise
                    finally:
                        spent += loop.time() - started
        except ScanCancelled:
            raise
        except Exception:
            self.stats.failed_calls += 1
            raise
        return result

    async def pages(
        self,
        service: str,
        operation: Callable[..., Mapping[str, Any]],
        key: str,
        *args: Any,
        **params: Any,
    ) -> list[dict[str, Any]]:
        """Every item of a paged listing: ``operation(*args, per_page=, page=, **params)``
        until ``links.pages.next`` is gone."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            request = functools.partial(operation, *args, per_page=PER_PAGE, page=page, **params)
            answer = await self.call(service, request)
            items.extend(item for item in answer.get(key) or [] if isinstance(item, dict))
            following = next_page(answer)
            if following is None:
                return items
            if following <= page:
                raise PagingError(f"{service}: page {page} links to page {following}")
            page = following


def next_page(answer: Mapping[str, Any]) -> int | None:
    """The page ``links.pages.next`` names, or None on the last page."""
    links = answer.get("links") or {}
    pages = links.get("pages") or {} if isinstance(links, Mapping) else {}
    link = pages.get("next") if isinstance(pages, Mapping) else None
    if not link:
        return None
    values = parse_qs(urlsplit(str(link)).query).get("page")
    if not values or not values[0].isdigit():
        raise PagingError(f"links.pages.next has no page number: {link}")
    return int(values[0])
