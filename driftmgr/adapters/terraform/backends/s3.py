"""S3 state objects through boto3's default session and credential chain.

``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``~/.aws`` and instance roles all work unchanged. A bucket
in another region than the session's is handled by botocore's S3 region redirector, which
retries the request against the bucket's region.

Writes lock as terraform's s3 backend does: ``?dynamodb_table=T`` puts the item
``LockID="<bucket>/<key>"`` (with the lock info as ``Info``) only if it is absent, and keeps
``<bucket>/<key>-md5``'s ``Digest`` the md5 of the state; ``?use_lockfile=true`` puts
``<key>.tflock`` only if it is absent (S3 conditional writes); both together take both locks.
Without either, a write is refused unless the URI says ``?lock=none``. The state itself is
then written only if its ETag is still the one read under the lock.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
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
    InvalidSourceURI,
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
    StateTooLarge,
)
from driftmgr.adapters.terraform.backends.globs import KeyGlob, capped, literal_prefix
from driftmgr.adapters.terraform.backends.uri import Source, StateObject
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = ["LOCK_FILE_SUFFIX", "MD5_SUFFIX", "expand", "fetch", "locked"]

LOCK_FILE_SUFFIX = ".tflock"  # terraform's S3-native lock object: <key>.tflock
MD5_SUFFIX = "-md5"  # terraform's digest item: LockID = <bucket>/<key>-md5

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
        listed = capped(_list(client, src, literal_prefix(src.path)), src.display)
        keys = [k for k in listed if glob.matches(k)]
    else:
        keys = [src.path]
    objects = [src.at(key).state_object() for key in keys]
    if workspaces:
        named = _named_workspaces(client, src)
        for key in keys:
            if src.at(key).workspace == "default":
                objects.extend(src.at(k).state_object() for k in named.get(key, ()))
    return objects


def fetch(src: Source, max_bytes: int) -> bytes:
    client = _client(src)
    try:
        response = client.get_object(Bucket=src.authority, Key=src.path)
        with closing(response["Body"]) as stream:
            if response.get("ContentLength", 0) > max_bytes:
                raise StateTooLarge(src.display, max_bytes)
            body: bytes = stream.read(max_bytes + 1)
    except (ClientError, BotoCoreError) as e:
        raise _translate(src, client, e) from None
    if len(body) > max_bytes:
        raise StateTooLarge(src.display, max_bytes)
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


# --- writing -------------------------------------------------------------------------------

_CONDITION_FAILED = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})


@contextmanager
def locked(src: Source, info: LockInfo) -> Iterator[_S3State]:
    table = src.option("dynamodb_table")
    lock_file = src.option("use_lockfile") == "true"
    if not table and not lock_file and src.option("lock") != "none":
        raise InvalidSourceURI(
            f"{src.display}: writing needs the lock terraform uses for this state: add "
            "?dynamodb_table=TABLE or ?use_lockfile=true as in its backend block (or "
            "?lock=none to write without a lock, if nothing else can write it)"
        )
    s3 = _client(src)
    dynamodb = _dynamodb_client(src) if table else None
    lock_path = f"{src.authority}/{src.path}"  # terraform's LockID and lock info Path
    info = info.at(lock_path)
    with ExitStack() as stack:
        if lock_file:
            _put_lock_file(src, s3, info)
            stack.enter_context(held(src, lambda: _delete_lock_file(src, s3, info), info.id))
        if dynamodb is not None:
            assert table is not None
            _put_lock_item(src, dynamodb, table, info)
            stack.enter_context(
                held(src, lambda: _delete_lock_item(src, dynamodb, table, info), info.id)
            )
        yield _S3State(src, s3, dynamodb, table)


class _S3State:
    def __init__(self, src: Source, s3: Any, dynamodb: Any | None, table: str | None) -> None:
        self._src = src
        self._s3 = s3
        self._dynamodb = dynamodb
        self._table = table
        self._etag: str | None = None

    def read(self) -> bytes:
        src = self._src
        try:
            response = self._s3.get_object(Bucket=src.authority, Key=src.path)
            body: bytes = response["Body"].read()
            self._etag = str(response["ETag"])
        except ClientError as e:
            if _code(e) not in {"NoSuchKey", "404"}:
                raise _translate(src, self._s3, e) from None
            body, self._etag = b"", None
        except BotoCoreError as e:
            raise _translate(src, self._s3, e) from None
        expected = self._digest()
        if expected and expected != hashlib.md5(body, usedforsecurity=False).hexdigest():
            raise SourceError(
                f"{src.display}: the state in S3 does not match the digest terraform keeps in "
                f"DynamoDB table {self._table!r}; nothing was written — retry later, and if it "
                "persists check the state and the Digest of the -md5 item"
            )
        return body

    def write(self, data: bytes) -> None:
        src = self._src
        # Only over the object read under the lock, so that a writer that took no lock is
        # not overwritten (S3 conditional writes; the lock itself is what terraform honours).
        condition = {"IfMatch": self._etag} if self._etag else {"IfNoneMatch": "*"}
        try:
            self._s3.put_object(
                Bucket=src.authority,
                Key=src.path,
                Body=data,
                ContentType="application/json",
                **condition,
            )
        except ClientError as e:
            if _code(e) in _CONDITION_FAILED:
                raise SourceError(
                    f"{src.display}: the state changed while driftmgr held its lock (something "
                    "wrote it without locking); nothing was written"
                ) from None
            raise _translate(src, self._s3, e) from None
        except BotoCoreError as e:
            raise _translate(src, self._s3, e) from None
        if self._dynamodb is not None:
            digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
            item = {"LockID": {"S": self._lock_path + MD5_SUFFIX}, "Digest": {"S": digest}}
            try:
                self._dynamodb.put_item(TableName=self._table, Item=item)
            except (ClientError, BotoCoreError) as e:
                raise SourceError(
                    f"{src.display}: the state was written, but its digest in DynamoDB table "
                    f"{self._table!r} was not updated ({_describe(e)}); terraform will refuse "
                    f"the state until the -md5 item's Digest is {digest}"
                ) from None

    @property
    def _lock_path(self) -> str:
        return f"{self._src.authority}/{self._src.path}"

    def _digest(self) -> str | None:
        if self._dynamodb is None:
            return None
        key = {"LockID": {"S": self._lock_path + MD5_SUFFIX}}
        try:
            item = self._dynamodb.get_item(TableName=self._table, Key=key, ConsistentRead=True).get(
                "Item", {}
            )
        except (ClientError, BotoCoreError) as e:
            raise _lock_table_error(self._src, self._table, e) from None
        digest = item.get("Digest", {}).get("S")
        return str(digest) if digest else None


def _dynamodb_client(src: Source) -> Any:
    try:
        return boto3.session.Session().client("dynamodb", config=_CONFIG)
    except _NO_CREDENTIALS as e:
        raise SourceAccessDenied(f"{src.display}: {e}; {_CREDENTIALS_HINT}") from None
    except BotoCoreError as e:
        raise SourceError(f"{src.display}: cannot set up the DynamoDB client: {e}") from None


def _lock_key(src: Source) -> str:
    return src.path + LOCK_FILE_SUFFIX


def _put_lock_file(src: Source, s3: Any, info: LockInfo) -> None:
    try:
        s3.put_object(
            Bucket=src.authority,
            Key=_lock_key(src),
            Body=info.to_json(),
            ContentType="application/json",
            IfNoneMatch="*",
        )
    except ClientError as e:
        if _code(e) in _CONDITION_FAILED:
            raise locked_error(src, _lock_file_info(src, s3)) from None
        raise _translate(src, s3, e) from None
    except BotoCoreError as e:
        raise _translate(src, s3, e) from None


def _lock_file_info(src: Source, s3: Any) -> LockInfo | None:
    try:
        return LockInfo.parse(
            s3.get_object(Bucket=src.authority, Key=_lock_key(src))["Body"].read()
        )
    except (ClientError, BotoCoreError):
        return None


def _delete_lock_file(src: Source, s3: Any, info: LockInfo) -> None:
    held_now = _lock_file_info(src, s3)
    if held_now is None or held_now.id != info.id:
        raise SourceError(f"lock file {_lock_key(src)} is no longer ours")
    s3.delete_object(Bucket=src.authority, Key=_lock_key(src))


def _put_lock_item(src: Source, dynamodb: Any, table: str, info: LockInfo) -> None:
    try:
        dynamodb.put_item(
            TableName=table,
            Item={"LockID": {"S": info.path}, "Info": {"S": info.to_json().decode()}},
            ConditionExpression="attribute_not_exists(LockID)",
        )
    except ClientError as e:
        if _code(e) == "ConditionalCheckFailedException":
            raise locked_error(src, _lock_item_info(dynamodb, table, info.path)) from None
        raise _lock_table_error(src, table, e) from None
    except BotoCoreError as e:
        raise _lock_table_error(src, table, e) from None


def _lock_item_info(dynamodb: Any, table: str, lock_path: str) -> LockInfo | None:
    try:
        item = dynamodb.get_item(
            TableName=table, Key={"LockID": {"S": lock_path}}, ConsistentRead=True
        ).get("Item", {})
    except (ClientError, BotoCoreError):
        return None
    return LockInfo.parse(item.get("Info", {}).get("S"))


def _delete_lock_item(src: Source, dynamodb: Any, table: str, info: LockInfo) -> None:
    held_now = _lock_item_info(dynamodb, table, info.path)
    if held_now is None or held_now.id != info.id:
        raise SourceError(f"the lock item in DynamoDB table {table!r} is no longer ours")
    dynamodb.delete_item(TableName=table, Key={"LockID": {"S": info.path}})


def _lock_table_error(src: Source, table: str | None, error: Exception) -> SourceError:
    if isinstance(error, ClientError):
        code = _code(error)
        if code == "ResourceNotFoundException":
            return SourceNotFound(
                f"{src.display}: DynamoDB table {table!r} does not exist; create it with a "
                "string hash key LockID, or name the table terraform uses"
            )
        if code in _DENIED_CODES or code.startswith("AccessDenied"):
            return SourceAccessDenied(
                f"{src.display}: DynamoDB refused access to table {table!r} ({code}); allow "
                "dynamodb:GetItem, PutItem and DeleteItem on it"
            )
        return SourceError(f"{src.display}: DynamoDB error {code} on table {table!r}")
    if isinstance(error, _NO_CREDENTIALS):
        return SourceAccessDenied(f"{src.display}: {error}; {_CREDENTIALS_HINT}")
    if isinstance(error, _UNREACHABLE):
        return SourceUnreachable(f"{src.display}: cannot reach DynamoDB; check the network")
    return SourceError(f"{src.display}: DynamoDB request failed: {error}")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: Exception) -> str:
    return _code(error) if isinstance(error, ClientError) else type(error).__name__
