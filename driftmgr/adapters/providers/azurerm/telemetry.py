"""Azure calls counted for /metrics, fed by :mod:`.resilience`, which every call goes through."""

from __future__ import annotations

from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES

__all__ = ["count_call", "count_retry", "count_throttle"]

_PROVIDER = "azurerm"


def count_call(service: str) -> None:
    PROVIDER_CALLS.add(_PROVIDER, service)


def count_throttle(service: str) -> None:
    PROVIDER_THROTTLES.add(_PROVIDER, service)


def count_retry(service: str) -> None:
    PROVIDER_RETRIES.add(_PROVIDER, service)
