"""Cloud Asset calls counted for /metrics, per service of the asset type listed."""

from __future__ import annotations

from driftmgr.adapters.providers.google.mapping import PROVIDER
from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES

__all__ = ["count_call", "count_retry", "count_throttle"]


def count_call(service: str) -> None:
    PROVIDER_CALLS.add(PROVIDER, service)


def count_throttle(service: str) -> None:
    PROVIDER_THROTTLES.add(PROVIDER, service)


def count_retry(service: str) -> None:
    PROVIDER_RETRIES.add(PROVIDER, service)
