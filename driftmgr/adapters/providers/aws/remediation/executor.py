"""Making the calls: the only IO of AWS remediation.

One synchronous boto3 client per (service, region), made from a default session, so the
SDK's own configuration applies (``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` …): no endpoint is
ever passed. Throttling and dropped connections are retried by botocore's ``standard``
mode. A call's guard is checked just before it, so that a condition true at planning time
(an empty bucket) is true when it matters. Every failure becomes one
:class:`RemediationCallError` line naming the service, the operation and the object, with
AWS's error code and message; parameter values marked secret never appear in it, and
credentials never appear anywhere.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    WaiterError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from driftmgr.adapters.providers.aws.errors import error_code, error_message, one_line
from driftmgr.adapters.providers.aws.remediation.s3 import BUCKET_IS_EMPTY
from driftmgr.adapters.providers.base import RemediationCallError
from driftmgr.domain.remediation import ApiCall
from driftmgr.domain.secrets import SENSITIVE_VALUE

__all__ = ["WAITER_CONFIG", "Executor", "call_name"]

_log = logging.getLogger(__name__)

#: How long a ``wait:`` step polls: every second, for at most five minutes.
WAITER_CONFIG = {"Delay": 1, "MaxAttempts": 300}

#: Parameters that name the object a call is about, most specific first.
_SUBJECTS = (
    "InstanceId",
    "InstanceIds",
    "GroupId",
    "VpcId",
    "VolumeId",
    "Resources",
    "Bucket",
    "RoleName",
    "UserName",
    "PolicyArn",
    "InstanceProfileName",
    "QueueUrl",
    "TopicArn",
    "ResourceArn",
    "ResourceArns",
    "Resource",
    "resourceArn",
    "FunctionName",
    "KeyId",
    "logGroupName",
    "TableName",
    "repositoryName",
    "ResourceName",
    "ResourceId",
)


def call_name(call: ApiCall) -> str:
    """``ModifyInstanceAttribute`` for ``modify_instance_attribute``; waiters as they are."""
    if call.operation.startswith("wait:"):
        return call.operation
    return "".join(part.capitalize() for part in call.operation.split("_"))


def _subject(call: ApiCall) -> str:
    for name in _SUBJECTS:
        found = call.params.get(name)
        if isinstance(found, list) and found:
            found = found[0]
        if isinstance(found, str) and found:
            return found
    return call.region


def _leaves(found: Any) -> Iterator[str]:
    if isinstance(found, dict):
        for item in found.values():
            yield from _leaves(item)
    elif isinstance(found, list):
        for item in found:
            yield from _leaves(item)
    elif found is not None and not isinstance(found, bool):
        yield str(found)


def _hidden(original: Any, shown: Any) -> Iterator[str]:
    """The values of ``original`` that its redacted form ``shown`` hides."""
    if isinstance(original, dict) and isinstance(shown, dict):
        for key, item in original.items():
            yield from _hidden(item, shown.get(key))
    elif isinstance(original, list) and isinstance(shown, list) and len(original) == len(shown):
        for item, seen in zip(original, shown, strict=True):
            yield from _hidden(item, seen)
    elif original != shown:
        yield from _leaves(original)


def _scrubber(call: ApiCall) -> Callable[[str], str]:
    """A function hiding, in a message, every secret value of the call's parameters."""
    secrets = sorted(
        {s for s in _hidden(call.params, call.shown().params) if s}, key=len, reverse=True
    )

    def scrub(message: str) -> str:
        for secret in secrets:
            # A short secret ("1") hides only where it is a word of its own.
            pattern = re.escape(secret) if len(secret) >= 4 else rf"\b{re.escape(secret)}\b"
            message = re.sub(pattern, SENSITIVE_VALUE, message)
        return message

    return scrub


class Executor:
    """Executes :class:`ApiCall` values against AWS, one at a time, synchronously."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        max_attempts: int = 5,
        session_factory: Callable[[], Any] = boto3.Session,
    ) -> None:
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._session_factory = session_factory
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        """The (cached) client of ``service`` in ``region``."""
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                if self._session is None:
                    self._session = self._session_factory()
                self._clients[key] = self._session.client(
                    service, region_name=region, config=self._config
                )
            return self._clients[key]

    def execute(self, call: ApiCall) -> Any:
        """Make ``call`` (its guard first); its answer without the response metadata."""
        where = f"{call.service} {call_name(call)} on {_subject(call)}"
        scrub = _scrubber(call)
        _log.info("AWS remediation call: %s", call.describe())
        try:
            client = self.client(call.service, call.region)
            if call.guard is not None:
                self._check(call, client, where)
            if call.operation.startswith("wait:"):
                waiter = client.get_waiter(call.operation.removeprefix("wait:"))
                waiter.wait(**call.params, WaiterConfig=WAITER_CONFIG)
                return None
            operation = getattr(client, call.operation, None)
            if operation is None:
                raise RemediationCallError(f"{where}: {call.service} has no such operation")
            answer = operation(**call.params)
        except ClientError as exc:
            raise RemediationCallError(
                scrub(f"{where}: {error_code(exc)}: {error_message(exc)}")
            ) from None
        except WaiterError as exc:
            raise RemediationCallError(
                scrub(f"{where}: gave up waiting: {one_line(exc)}")
            ) from None
        except (BotoConnectionError, HTTPClientError) as exc:
            raise RemediationCallError(f"{where}: AWS unreachable: {one_line(exc)}") from None
        except (NoCredentialsError, PartialCredentialsError):
            raise RemediationCallError(f"{where}: no usable AWS credentials") from None
        except ParamValidationError as exc:
            detail = one_line(exc) if not call.sensitive_params else "(details hidden: secrets)"
            raise RemediationCallError(scrub(f"{where}: invalid parameters: {detail}")) from None
        except BotoCoreError as exc:
            raise RemediationCallError(scrub(f"{where}: {one_line(exc)}")) from None
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
        return answer

    def _check(self, call: ApiCall, client: Any, where: str) -> None:
        if call.guard == BUCKET_IS_EMPTY and call.service == "s3":
            bucket = call.params["Bucket"]
            versions = client.list_object_versions(Bucket=bucket, MaxKeys=1)
            objects = client.list_objects_v2(Bucket=bucket, MaxKeys=1)
            if (
                versions.get("Versions")
                or versions.get("DeleteMarkers")
                or objects.get("KeyCount")
                or objects.get("Contents")
            ):
                raise RemediationCallError(f"{where}: refused: the bucket is not empty")
            return
        raise RemediationCallError(f"{where}: refused: driftmgr cannot check {call.guard!r}")
