"""What every cloud adapter's scan does the same way, whatever the SDK under it.

Shared so that the promises a scan makes (cancellation that wakes a waiting listing,
``on_scanned`` called in order and off the event loop, resources in a fixed order, a tag
filter applied to every outcome) are kept by one piece of code, not by four copies that
drift apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import msgspec

from driftmgr.adapters.providers.base import OnScanned
from driftmgr.domain.drift.scope import carries_tags
from driftmgr.domain.resources import LiveResource, ScanOutcome

__all__ = [
    "Cancellation",
    "Reporter",
    "ScanCancelled",
    "canonical",
    "carrying",
    "sorted_maps",
    "tagged_only",
]

T = TypeVar("T")

_CANCEL_POLL_SECONDS = 0.05


class ScanCancelled(Exception):
    """The scan was asked to stop before this listing finished."""

    def __init__(self) -> None:
        super().__init__("cancelled")


class Cancellation:
    """A scan's cancellation inside its event loop: a thread-safe ``cancel_event`` (set from
    another thread) stops every later call and wakes listings that are waiting or sleeping.
    Create it inside the loop."""

    def __init__(self, cancel_event: threading.Event | None = None) -> None:
        self._cancel_event = cancel_event
        self._cancelled = asyncio.Event()

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
        # A threading.Event cannot wake a loop; poll it (waiting in a thread would leave a
        # thread behind that asyncio.run waits for at shutdown).
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
            # Runs on our own cancellation too: never leave either task behind.
            cancelled.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if task.cancelled():
            raise ScanCancelled
        return task.result()


class Reporter:
    """Hands each outcome to ``on_scanned`` on one thread of its own, in the order they land.

    The callback usually writes to a store (the discovery job records an event per
    outcome, fsync included); run on the event loop it would stall every listing in
    flight meanwhile. One thread keeps the calls sequential; each listing still awaits its
    own call, so a failing callback fails the scan, and :meth:`close` waits for any call
    still running, so none outlives the scan.
    """

    def __init__(self, on_scanned: OnScanned | None, thread_name: str = "scan-report") -> None:
        self._on_scanned = on_scanned
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=thread_name) if on_scanned else None

    async def __call__(self, outcome: ScanOutcome) -> None:
        if self._on_scanned is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._pool, self._on_scanned, outcome)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def canonical(resources: list[LiveResource]) -> list[LiveResource]:
    """Resources in a fixed order, every attribute map (tags included) sorted by key.

    Same account, same bytes: the inventory blob's hash only changes when the cloud does.
    """
    return sorted(
        (
            msgspec.structs.replace(resource, attributes=sorted_maps(resource.attributes))
            for resource in resources
        ),
        key=lambda r: (r.id, r.region, r.account or ""),
    )


def sorted_maps(value: Any) -> Any:
    """``value`` with every dict in it, however deep, sorted by key."""
    if isinstance(value, dict):
        return {key: sorted_maps(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list):
        return [sorted_maps(item) for item in value]
    return value


def carrying(outcome: ScanOutcome, wanted: Mapping[str, str]) -> ScanOutcome:
    """``outcome`` with only the resources carrying every tag in ``wanted``."""
    kept = [r for r in outcome.resources if carries_tags(r.attributes, wanted)]
    return msgspec.structs.replace(outcome, resources=kept)


def tagged_only(on_scanned: OnScanned | None, wanted: Mapping[str, str]) -> OnScanned | None:
    """``on_scanned``, handed each outcome filtered by :func:`carrying`."""
    if on_scanned is None:
        return None
    report = on_scanned

    def filtered(outcome: ScanOutcome) -> None:
        report(carrying(outcome, wanted))

    return filtered
