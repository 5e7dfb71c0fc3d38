"""S3 state objects through boto3's default session and credential chain.

``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``~/.aws`` and instance roles all work unchanged. A bucket
in another region than the session's is handled by botocore's S3 region redirector, which
retries the request against the bucket's region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.globs import KeyGlob, literal_prefix
from driftmgr.adapters.terraform.backends.uri import Source, StateObject

__all__ = ["expand", "fetch"]

# Bounded: a dead endpoint fails in seconds, a slow 100 MB state still downloads.
_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "total_max_attempts": 3},
)
_CREDENTIALS_HINT = (
    "configure the AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
    "~/.aws/config, SSO or an instance role) with s3:GetObject and s3:ListBucket on the bucket"
)
_NO_CREDENTIALS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, BotoConnectionError)
_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
    }
)


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    client = _client(src)
    if src.is_glob:
        glob = KeyGlob(src.path)
        keys = [k for k in _list(client, src, literal_prefix(src.path)) if glob.matches(k)]
    else:
        keys = [src.path]
    objects = [src.at(key).state_object() for key in keys]
    if workspaces:
        named = _named_workspaces(client, src)
        for key in keys:
            if src.at(key).workspace == "default":
                objects.extend(src.at(k).state_object() for k in named.get(key, ()))
    return objects


def fetch(src: Source) -> bytes:
    client = _client(src)
    try:
        body: bytes = client.get_object(Bucket=src.authority, Key=src.path)["Body"].read()
    except (ClientError, BotoCoreError) as e:
        raise _translate(src, client, e) from None
    return body


def _client(src: Source) -> Any:
    try:
        return boto3.session.Session().client("s3", config=_CONFIG)
    except _NO_CREDENTIALS as e:  # e.g. AWS_PROFILE names a profile that does not exist
        raise SourceAccessDenied(f"{src.display}: {e}; {_CREDENTIALS_HINT}") from None
    except BotoCoreError as e:
        raise SourceError(f"{src.display}: cannot set up the S3 client: {e}") from None


def _list(client: Any, src: Source, prefix: str) -> Iterator[str]:
    paginator = client.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=src.authority, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield item["Key"]
    except (ClientError, BotoCoreError) as e:
        raise _translate(src, client, e) from None


def _named_workspaces(client: Any, src: Source) -> dict[str, list[str]]:
    """Default-workspace key -> its named workspaces' keys (``<prefix>/<ws>/<key>``).

    One listing of the prefix serves every key a glob matched.
    """
    head = src.workspace_key_prefix + "/"
    found: dict[str, list[str]] = defaultdict(list)
    for key in _list(client, src, head):
        name, slash, default_key = key[len(head) :].partition("/")
        if name and slash and default_key:
            found[default_key].append(key)
    return found


def _translate(src: Source, client: Any, error: Exception) -> SourceError:
    bucket, key = src.authority, src.path
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code == "NoSuchBucket":
            return SourceNotFound(
                f"{src.display}: bucket {bucket!r} does not exist; check the name and AWS account"
            )
        if code in {"NoSuchKey", "NotFound", "404"} or status == 404:
            return SourceNotFound(f"{src.display}: no object {key!r} in bucket {bucket!r}")
        if code in _DENIED_CODES or status in {401, 403}:
            return SourceAccessDenied(
                f"{src.display}: S3 refused access ({code}); {_CREDENTIALS_HINT}"
            )
        if status >= 500 or code in {"SlowDown", "ServiceUnavailable"}:
            return SourceUnreachable(
                f"{src.display}: S3 at {_endpoint(client)} failed ({code or status}); retry later"
            )
        return SourceError(f"{src.display}: S3 error {code or status}")
    if isinstance(error, _NO_CREDENTIALS):
        return SourceAccessDenied(f"{src.display}: {error}; {_CREDENTIALS_HINT}")
    if isinstance(error, _UNREACHABLE):
        return SourceUnreachable(
            f"{src.display}: cannot reach S3 at {_endpoint(client)}; check the network, "
            "AWS_ENDPOINT_URL and the region"
        )
    return SourceError(f"{src.display}: S3 request failed: {error}")


def _endpoint(client: Any) -> str:
    return str(client.meta.endpoint_url)
