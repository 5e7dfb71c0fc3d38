"""What DigitalOcean's failures mean to a scan: retry, give up with a reason, or stop.

pydo raises azure-core exceptions: :class:`~azure.core.exceptions.HttpResponseError` (with
the HTTP status and DigitalOcean's ``{"id": …, "message": …}`` body) for any non-2xx answer,
:class:`~azure.core.exceptions.ServiceRequestError` when the request never got out and
:class:`~azure.core.exceptions.ServiceResponseError` when no answer came back.
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from botocore.exceptions import BotoCoreError, ClientError

from driftmgr.adapters.providers.scanning import ScanCancelled

__all__ = [
    "CallTimeoutError",
    "NotConfigured",
    "PagingError",
    "ScanCancelled",
    "describe",
    "is_retryable",
    "is_throttled",
    "retry_after",
    "status_of",
    "unobserved_reason",
]


class CallTimeoutError(Exception):
    """A call and its retries took longer than the retry budget."""


class NotConfigured(Exception):
    """Something a listing needs is not configured; the message says what to set."""


class PagingError(Exception):
    """A listing's ``links.pages.next`` did not move forward: the answer cannot be trusted
    to be complete."""


def status_of(exc: BaseException) -> int | None:
    if isinstance(exc, HttpResponseError):
        return exc.status_code
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None
    return None


def describe(exc: BaseException) -> str:
    """One line: DigitalOcean's own error id and message when it sent them."""
    if isinstance(exc, HttpResponseError):
        body = _body(exc)
        ident = body.get("id") or (exc.reason or "").lower().replace(" ", "_")
        message = body.get("message") or exc.reason or ""
        return _one_line(f"{exc.status_code} {ident}: {message}")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return _one_line(f"{status_of(exc)} {error.get('Code')}: {error.get('Message', '')}")
    return _one_line(str(exc) or type(exc).__name__)


def is_throttled(exc: BaseException) -> bool:
    return status_of(exc) == 429


def is_retryable(exc: BaseException) -> bool:
    """Throttling, server errors and dropped connections; never a deliberate answer
    (401, 403, 404, 422)."""
    status = status_of(exc)
    if status is not None:
        return status == 429 or status >= 500
    return isinstance(exc, ServiceResponseError | ServiceRequestError | ConnectionError)


def retry_after(exc: BaseException, now: float | None = None) -> float | None:
    """Seconds DigitalOcean asked us to wait: ``Retry-After`` (seconds), else
    ``ratelimit-reset`` (the Unix time the hourly allowance refills)."""
    if not isinstance(exc, HttpResponseError) or exc.response is None:
        return None
    headers: Any = getattr(exc.response, "headers", {})
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    reset = headers.get("ratelimit-reset")
    if reset is not None:
        try:
            return max(0.0, float(reset) - (time.time() if now is None else now))
        except ValueError:
            return None
    return None


def unobserved_reason(exc: BaseException) -> str:
    """Why one (type, region) could not be listed, as one line."""
    if isinstance(exc, ScanCancelled):
        return "cancelled"
    if isinstance(exc, NotConfigured):
        return f"not configured: {exc}"
    status = status_of(exc)
    if status == 403:
        return f"access denied: {describe(exc)}"
    if status == 401:
        return f"unauthorized: {describe(exc)}: check DIGITALOCEAN_TOKEN"
    if status == 429:
        return f"throttled: {describe(exc)}"
    if isinstance(exc, ServiceRequestError | ServiceResponseError | CallTimeoutError):
        return f"unreachable: {describe(exc)}"
    if isinstance(exc, HttpResponseError | ClientError):
        return f"error: {describe(exc)}"
    if isinstance(exc, BotoCoreError):
        return f"unreachable: {describe(exc)}"
    return f"error: {type(exc).__name__}: {describe(exc)}"


def _body(exc: HttpResponseError) -> dict[str, Any]:
    try:
        response: Any = exc.response
        body = response.json() if response is not None else None
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
