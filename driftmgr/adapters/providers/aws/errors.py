"""How AWS failures are classified: access denied, throttled, unreachable, or other.

Three questions are answered here, from the error alone:

* :func:`unobserved_reason`: the one line a failed (type, region) is reported with;
* :func:`is_retryable`: whether the same request may succeed if sent again later
  (throttling, 5xx, a dropped connection), as opposed to an answer that will not change
  (access denied, a validation error, a missing resource);
* :func:`is_breaker_failure`: whether the failure says the service or region is unwell and
  counts towards its circuit breaker. Access denied never does: it is about one type's
  permissions, not about the service.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from driftmgr.adapters.providers.scanning import ScanCancelled

__all__ = [
    "ACCESS_DENIED",
    "BAD_CREDENTIALS",
    "SERVER_ERRORS",
    "SESSION_EXPIRED",
    "THROTTLED",
    "CallTimeoutError",
    "CircuitOpenError",
    "ScanCancelled",
    "error_code",
    "error_message",
    "http_status",
    "is_breaker_failure",
    "is_retryable",
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
        "ProvisionedThroughputExceededException",
        "RequestLimitExceededException",
    }
)
#: The service failed, not the request: worth sending again (with any HTTP 5xx status).
SERVER_ERRORS = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceException",
        "ServiceException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Unavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
SESSION_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
BAD_CREDENTIALS = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AuthFailure"}
)


class CircuitOpenError(Exception):
    """A service in a region failed too often in a row; no more calls go to it this scan."""

    def __init__(self, service: str, region: str, failures: int, last_error: str) -> None:
        super().__init__(
            f"circuit open: {service} in {region} failed {failures} times in a row: {last_error}"
        )


class CallTimeoutError(Exception):
    """One API call, retries included, used up its time budget without an answer."""


def unobserved_reason(exc: Exception) -> str:
    """Why one (type, region) could not be listed, as one line for ``unobserved_reason``."""
    if isinstance(exc, ClientError):
        code, message = error_code(exc), error_message(exc)
        if code in ACCESS_DENIED:
            return f"access denied: {code}: {message}"
        if code in THROTTLED or http_status(exc) == 429:
            return f"throttled: {code}: {message}"
        return f"error: {code}: {message}"
    if isinstance(exc, ScanCancelled | CircuitOpenError):
        return one_line(exc)
    if isinstance(exc, BotoConnectionError | HTTPClientError | CallTimeoutError):
        return f"unreachable: {one_line(exc)}"
    return f"error: {type(exc).__name__}: {one_line(exc)}"


def is_retryable(exc: BaseException) -> bool:
    """Whether sending the same request again later may succeed.

    Throttling, server errors and dropped or stalled connections are; everything the
    service answered deliberately (access denied, validation, not found) is not. A refused
    connection (:class:`~botocore.exceptions.EndpointConnectionError`) is not retried here
    either: the SDK already retried it, and the circuit breaker handles a dead endpoint.
    """
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in ACCESS_DENIED or code in SESSION_EXPIRED or code in BAD_CREDENTIALS:
            return False
        status = http_status(exc)
        return code in THROTTLED or code in SERVER_ERRORS or status == 429 or status >= 500
    # HTTPClientError covers ConnectionClosedError (a reset) and ReadTimeoutError; a body
    # botocore cannot parse is an overloaded endpoint's or a proxy's HTML error page.
    return isinstance(exc, HTTPClientError | ConnectionResetError | ResponseParserError)


def is_breaker_failure(exc: BaseException) -> bool:
    """Whether a failed call (after its retries) says the service or region is unwell."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        return is_retryable(exc) or code in SESSION_EXPIRED or code in BAD_CREDENTIALS
    return isinstance(
        exc,
        BotoConnectionError
        | HTTPClientError
        | CallTimeoutError
        | ConnectionResetError
        | ResponseParserError,
    )


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def error_message(exc: ClientError) -> str:
    return one_line(exc.response.get("Error", {}).get("Message", "") or str(exc))


def http_status(exc: ClientError) -> int:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status if isinstance(status, int) else 0


def one_line(value: object) -> str:
    return " ".join(str(value).split())
