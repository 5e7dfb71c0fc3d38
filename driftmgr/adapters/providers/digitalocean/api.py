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
import contextlib
import functools
import random
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import stamina

from driftmgr.adapters.providers.digitalocean import telemetry
from driftmgr.adapters.providers.digitalocean.errors import (
    CallTimeoutError,
    PagingError,
    ScanCancelled,
    is_retryable,
    is_throttled,
    retry_after,
)

__all__ = ["PER_PAGE", "Calls", "RetryPolicy", "Stats"]

T = TypeVar("T")

#: The most DigitalOcean returns per page.
PER_PAGE = 200

_CANCEL_POLL_SECONDS = 0.05


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
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.budget <= 0:
            raise ValueError("delays must not be negative and the budget must be positive")

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return rng.uniform(0.0, ceiling)


@dataclass
class Stats:
    """What a scan's calls cost; for tests and logs."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0
    failed_calls: int = 0
    by_service: dict[str, int] = field(default_factory=dict)


class Calls:
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
        self._cancel_event = cancel_event
        self._cancelled = asyncio.Event()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.stats = Stats()

    # --- cancellation ----------------------------------------------------------------------

    @property
    def cancel_requested(self) -> bool:
        return self._cancelled.is_set() or (
            self._cancel_event is not None and self._cancel_event.is_set()
        )

    def check_cancelled(self) -> None:
        if self.cancel_requested:
            self._cancelled.set()
            raise ScanCancelled

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Turn the thread-safe ``cancel_event`` into a wake-up for waiting listings."""
        if self._cancel_event is None:
            yield
            return
        watcher = asyncio.create_task(self._watch(self._cancel_event))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch(self, event: threading.Event) -> None:
        while not event.is_set():  # noqa: ASYNC110 - a threading.Event, set by another thread
            await asyncio.sleep(_CANCEL_POLL_SECONDS)
        self._cancelled.set()

    async def until_cancelled(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work``; if the scan is cancelled first, stop it and raise ScanCancelled."""
        if self.cancel_requested:
            work.close()
            raise ScanCancelled
        if self._cancel_event is None:
            return await work
        task = asyncio.ensure_future(work)
        cancelled = asyncio.ensure_future(self._cancelled.wait())
        try:
            await asyncio.wait({task, cancelled}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancelled.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if task.cancelled():
            raise ScanCancelled
        return task.result()

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
