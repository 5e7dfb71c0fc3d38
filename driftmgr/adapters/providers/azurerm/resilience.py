"""Retries, throttling and failure reasons for the Azure Resource Manager calls of a scan.

The SDK's own retry policy is switched off (``retry_total=0``): it sleeps inside the call,
where neither a scan's cancellation nor its time budget can reach it. Instead every call
(a whole paged listing: ``list(pager)``) goes through :meth:`Calls.call`, which retries
what may succeed later (429, 5xx, a dropped connection) with exponential backoff and full
jitter, waiting what ARM's ``Retry-After`` asks when it says, for at most ``attempts``
attempts and ``budget`` seconds; then the error stands and the (type, location) is
unobserved with :func:`unobserved_reason`. A retry of a paged listing starts it again:
an outcome is a complete listing or none.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from driftmgr.adapters.providers.azurerm import telemetry
from driftmgr.adapters.providers.scanning import ScanCancelled

__all__ = ["Calls", "RetryPolicy", "ScanCancelled", "one_line", "unobserved_reason"]

T = TypeVar("T")

_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_DENIED = frozenset({401, 403})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Attempts per call, the first included."""
    base: float = 0.5
    """First backoff ceiling in seconds; doubles per attempt up to ``cap``."""
    cap: float = 20.0
    budget: float = 120.0
    """Seconds of attempts and waits one call may take before its error stands."""


def one_line(value: object) -> str:
    return " ".join(str(value).split())


def error_code(exc: HttpResponseError) -> str:
    code = getattr(exc.error, "code", None) if exc.error is not None else None
    return str(code or exc.reason or exc.status_code or "")


def _message(exc: HttpResponseError) -> str:
    message = getattr(exc.error, "message", None) if exc.error is not None else None
    return one_line(message or exc.message or exc)


def unobserved_reason(exc: BaseException) -> str:
    """Why one (type, location) could not be listed, as one line."""
    if isinstance(exc, ScanCancelled):
        return "cancelled"
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        code, message = error_code(exc), _message(exc)
        if exc.status_code in _DENIED:
            return f"access denied: {code}: {message}"
        if exc.status_code == 429:
            return f"throttled: {code}: {message}"
        return f"error: HTTP {exc.status_code}: {code}: {message}"
    if isinstance(exc, ClientAuthenticationError):
        return f"access denied: {one_line(exc.message)}"
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return f"unreachable: {one_line(exc.message)}"
    return f"error: {type(exc).__name__}: {one_line(exc)}"


def _retry_after(exc: HttpResponseError) -> float | None:
    response: Any = exc.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: ARM sends seconds; back off our own way


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ClientAuthenticationError):
        return False
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        return exc.status_code in _RETRYABLE_STATUS
    return isinstance(exc, ServiceRequestError | ServiceResponseError)


@dataclass
class Calls:
    """Every ARM call of one scan: retried, counted, cancellable."""

    retry: RetryPolicy
    cancel_event: threading.Event = field(default_factory=threading.Event)
    calls: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, service: str, function: Callable[[], T]) -> T:
        """``function()`` (blocking; on a worker thread), retried as the module says."""
        telemetry.count_call(service)
        started = time.monotonic()
        attempt = 0
        try:
            while True:
                if self.cancel_event.is_set():
                    raise ScanCancelled
                attempt += 1
                try:
                    return function()
                except Exception as exc:
                    if isinstance(exc, HttpResponseError) and exc.status_code == 429:
                        telemetry.count_throttle(service)
                    if not _retryable(exc) or attempt >= self.retry.attempts:
                        raise
                    told = _retry_after(exc) if isinstance(exc, HttpResponseError) else None
                    ceiling = min(self.retry.cap, self.retry.base * 2 ** (attempt - 1))
                    jitter = random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret
                    delay = told if told is not None else jitter
                    if time.monotonic() - started + delay > self.retry.budget:
                        raise
                    telemetry.count_retry(service)
                    if self.cancel_event.wait(delay):
                        raise ScanCancelled from None
        finally:
            with self._lock:
                self.calls[service] = self.calls.get(service, 0) + 1
                self.seconds[service] = self.seconds.get(service, 0.0) + (
                    time.monotonic() - started
                )

    def pages(self, service: str, pager: Callable[[], Any]) -> list[Any]:
        """Every item of a paged listing (each ``nextLink`` followed), as one call."""
        return self.call(service, lambda: list(pager()))
