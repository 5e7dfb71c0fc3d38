"""DigitalOcean calls counted for /metrics, fed by :mod:`.api`, which every call goes through."""

from __future__ import annotations

from driftmgr.adapters.providers.digitalocean.errors import is_throttled
from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES

__all__ = ["count_call", "count_failed_attempt", "count_retry"]

_PROVIDER = "digitalocean"


def count_call(service: str) -> None:
    PROVIDER_CALLS.add(_PROVIDER, service)


def count_failed_attempt(service: str, exc: BaseException) -> None:
    """Count ``exc`` as a throttle when DigitalOcean answered 429."""
    if is_throttled(exc):
        PROVIDER_THROTTLES.add(_PROVIDER, service)


def count_retry(service: str) -> None:
    PROVIDER_RETRIES.add(_PROVIDER, service)
