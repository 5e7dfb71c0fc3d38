"""AWS calls counted for /metrics, fed by :mod:`.resilience`, which every call goes through."""

from __future__ import annotations

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import THROTTLED, error_code, http_status
from driftmgr.observability import PROVIDER_CALLS, PROVIDER_RETRIES, PROVIDER_THROTTLES

__all__ = ["count_call", "count_failed_attempt", "count_retry"]

_PROVIDER = "aws"


def count_call(service: str) -> None:
    PROVIDER_CALLS.add(_PROVIDER, service)


def count_failed_attempt(service: str, exc: BaseException) -> None:
    """Count ``exc`` as a throttle when AWS said so (an error code or HTTP 429)."""
    if isinstance(exc, ClientError) and (error_code(exc) in THROTTLED or http_status(exc) == 429):
        PROVIDER_THROTTLES.add(_PROVIDER, service)


def count_retry(service: str) -> None:
    PROVIDER_RETRIES.add(_PROVIDER, service)
