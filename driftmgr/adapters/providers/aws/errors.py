"""How AWS failures are classified: access denied, throttled, unreachable, or other."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

__all__ = [
    "ACCESS_DENIED",
    "BAD_CREDENTIALS",
    "SESSION_EXPIRED",
    "THROTTLED",
    "error_code",
    "error_message",
    "one_line",
    "unobserved_reason",
]

# Error codes, as AWS spells them, that decide how a failed listing is reported.
ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
    }
)
SESSION_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
BAD_CREDENTIALS = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AuthFailure"}
)


def unobserved_reason(exc: Exception) -> str:
    """Why one (type, region) could not be listed, as one line for ``unobserved_reason``."""
    if isinstance(exc, ClientError):
        code, message = error_code(exc), error_message(exc)
        if code in ACCESS_DENIED:
            return f"access denied: {code}: {message}"
        if code in THROTTLED:
            return f"throttled: {code}: {message}"
        return f"error: {code}: {message}"
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return f"unreachable: {one_line(exc)}"
    return f"error: {type(exc).__name__}: {one_line(exc)}"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def error_message(exc: ClientError) -> str:
    return one_line(exc.response.get("Error", {}).get("Message", "") or str(exc))


def one_line(value: object) -> str:
    return " ".join(str(value).split())
