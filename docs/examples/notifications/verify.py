"""Verifying a driftmgr webhook delivery (docs/notifications.md); standard library only."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE_SECONDS = 300  # refuse deliveries signed longer ago than this (replays)


def verify(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``body`` was signed by driftmgr with ``secret`` recently.

    ``headers`` with lower-case names. Sign the raw body as received, before parsing it.
    """
    timestamp = headers.get("x-driftmgr-timestamp", "")
    signature = headers.get("x-driftmgr-signature", "")
    if not timestamp.isdigit() or not signature.startswith("sha256="):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.removeprefix("sha256="))
