"""Posting one notification to one sink: signed, retried with backoff, never redirected.

At most ``attempts`` tries within ``deadline`` seconds: connection errors, timeouts, 429 and
5xx are retried (exponential backoff with jitter, or the receiver's ``Retry-After`` when it
gives one); any other 4xx is final. A redirect is final too: following it would hand the
signed body to an address the operator never configured. A delivery that fails for good is
logged (the URL without its query, where a secret may hide) and counted in
``driftmgr_notifications{sink,outcome}``, and the subscriber moves on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
import stamina

from driftmgr import __version__
from driftmgr.observability import NOTIFICATIONS

__all__ = ["Delivery", "post", "redacted", "sign"]

log = logging.getLogger(__name__)

_MAX_RETRY_AFTER = 60.0


class Delivery:
    """What to send: the body and the headers that do not depend on the attempt."""

    def __init__(self, *, delivery_id: str, kind: str, body: bytes) -> None:
        self.id = delivery_id
        self.kind = kind
        self.body = body


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``"<timestamp>.<body>"`` (docs/notifications.md)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _backoff(error: Exception) -> bool | float:
    if isinstance(error, _Retryable):
        return error.retry_after if error.retry_after is not None else True
    return isinstance(error, (httpx.TransportError))


def redacted(url: str) -> str:
    """The URL to log: scheme, host and port only (a path or query may carry a secret, as
    Slack's does)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def post(
    client: httpx.Client,
    *,
    sink: str,
    url: str,
    delivery: Delivery,
    secret: bytes | None,
    attempts: int = 5,
    deadline: float = 60.0,
    wait_initial: float = 0.5,
    wait_max: float = 30.0,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Post ``delivery``; True once the receiver answered 2xx, False when it never did."""
    try:
        for attempt in stamina.retry_context(
            on=_backoff,
            attempts=attempts,
            timeout=deadline,
            wait_initial=wait_initial,
            wait_max=wait_max,
        ):
            with attempt:
                _attempt(client, url, delivery, secret, clock)
    except Exception as e:
        log.error(
            "notification %s (%s) to sink %s at %s failed for good: %s",
            delivery.id,
            delivery.kind,
            sink,
            redacted(url),
            e,
        )
        NOTIFICATIONS.add(sink, "failed")
        return False
    NOTIFICATIONS.add(sink, "delivered")
    return True


def _attempt(
    client: httpx.Client,
    url: str,
    delivery: Delivery,
    secret: bytes | None,
    clock: Callable[[], float],
) -> None:
    timestamp = int(clock())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"driftmgr/{__version__}",
        "X-Driftmgr-Event": delivery.kind,
        "X-Driftmgr-Delivery": delivery.id,
        "X-Driftmgr-Timestamp": str(timestamp),
    }
    if secret is not None:
        headers["X-Driftmgr-Signature"] = sign(secret, timestamp, delivery.body)
    try:
        response = client.post(url, content=delivery.body, headers=headers)
    except httpx.TransportError as e:
        # httpx's message can quote the URL; keep only the kind of failure.
        raise _Retryable(type(e).__name__) from None
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500:
        raise _Retryable(f"HTTP {status}", _retry_after(response))
    if 300 <= status < 400:
        raise PermissionError(f"HTTP {status}: redirects are not followed")
    raise PermissionError(f"HTTP {status}")
