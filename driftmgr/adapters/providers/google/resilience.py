"""Retries and verdicts for Cloud Asset calls.

Each page of a listing is one call, retried on its own (never the pages already read):

- **retried**: 429 ``RESOURCE_EXHAUSTED``, 5xx, dropped connections and timeouts — after
  ``Retry-After`` when the answer says it (capped at ``max_delay``), else after a full-jitter
  exponential backoff; at most ``attempts`` attempts within ``budget`` seconds;
- **not retried**: 401, 403 ``PERMISSION_DENIED``, 400, 404 — the service answered.

A call that still fails ends its listing as *unobserved* with :func:`unobserved_reason`.
google-api-core's own retry of ``list_assets`` is switched off, so this is the only one.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from google.api_core import exceptions as api

from driftmgr.adapters.providers.backoff import check_retry_policy, full_jitter
from driftmgr.adapters.providers.scanning import ScanCancelled

__all__ = [
    "RetryPolicy",
    "ScanCancelled",
    "Stats",
    "is_retryable",
    "is_throttle",
    "retry_after",
    "unobserved_reason",
]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often, and for how long, one page is tried. Defaults: 5 attempts, backoff up to
    0.5, 1, 2, 4 s (full jitter) or what ``Retry-After`` says up to 30 s, within 120 s."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    budget: float = 120.0

    def __post_init__(self) -> None:
        check_retry_policy(self.attempts, self.base_delay, self.max_delay, self.budget)

    def delay(self, retry: int, exc: BaseException, rng: random.Random) -> float:
        """``Retry-After`` when the service sent it, else full jitter; capped at max_delay."""
        asked = retry_after(exc)
        if asked is not None:
            return min(asked, self.max_delay)
        return full_jitter(retry, self.base_delay, self.max_delay, rng)


@dataclass
class Stats:
    """What a scan's calls cost, for tests, logs and benchmarks."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    failed_calls: int = 0
    waits: list[float] = field(default_factory=list)
    """Each backoff sleep, in seconds, in order."""
    by_service: dict[str, list[float]] = field(default_factory=dict)
    """Per service: calls, seconds in them (they overlap)."""

    def timed(self, service: str, seconds: float) -> None:
        entry = self.by_service.setdefault(service, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds


def _status(exc: BaseException) -> int | None:
    if isinstance(exc, api.GoogleAPICallError) and isinstance(exc.code, int):
        return exc.code
    return None


def _status_name(exc: api.GoogleAPICallError) -> str:
    """The error's ``status`` (``RESOURCE_EXHAUSTED``) from the REST error body."""
    response = exc.response
    if isinstance(response, requests.Response):
        try:
            error = response.json().get("error") or {}
        except ValueError:
            return ""
        return str(error.get("status") or "")
    return ""


def retry_after(exc: BaseException) -> float | None:
    """Seconds the answer asked to wait (``Retry-After``: seconds or an HTTP date)."""
    response = getattr(exc, "response", None)
    headers: Any = getattr(response, "headers", None)
    raw = headers.get("Retry-After") if headers is not None else None
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_throttle(exc: BaseException) -> bool:
    return _status(exc) == 429 or isinstance(exc, api.TooManyRequests | api.ResourceExhausted)


def is_retryable(exc: BaseException) -> bool:
    """Throttling, server errors and dropped or stalled connections."""
    status = _status(exc)
    if status is not None:
        return status == 429 or status >= 500
    return isinstance(exc, requests.ConnectionError | requests.Timeout | api.RetryError)


def unobserved_reason(exc: BaseException, attempts: int = 1) -> str:
    """Why one listing could not be finished, as one line."""
    if isinstance(exc, ScanCancelled):
        return "cancelled"
    if isinstance(exc, api.GoogleAPICallError):
        status = _status(exc)
        detail = " ".join(str(p) for p in (status, _status_name(exc)) if p)
        message = " ".join(str(exc.message or "").split())
        if status in (401, 403):
            return f"access denied: {detail}: {message}"
        tried = f" (after {attempts} attempts)" if attempts > 1 else ""
        if is_throttle(exc):
            return f"throttled: {detail}: {message}{tried}"
        return f"error: {detail}: {message}{tried}"
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return f"unreachable: {type(exc).__name__}: {' '.join(str(exc).split())}"
    return f"error: {type(exc).__name__}: {' '.join(str(exc).split())}"
