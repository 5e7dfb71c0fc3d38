"""GCS state objects through google-cloud-storage and Application Default Credentials.

With ``STORAGE_EMULATOR_HOST`` set (an emulator such as gcp-storage-emulator), the client
sends anonymous requests: emulators check no credentials, and ADC may not exist there.

Writes lock as terraform's gcs backend does: the lock object ``<state minus .tfstate>.tflock``
holds the lock info and is created only if absent (``ifGenerationMatch=0``); its generation
is the lock ID, and it is deleted only at that generation. The state is written only over
the generation read under the lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import google.auth.exceptions
import google.cloud.storage as storage
from google.api_core import exceptions as api
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage.retry import DEFAULT_RETRY

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
    StateTooLarge,
)
from driftmgr.adapters.terraform.backends.globs import (
    KeyGlob,
    capped,
    directory_prefix,
    literal_prefix,
)
from driftmgr.adapters.terraform.backends.uri import Source, StateObject
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = ["expand", "fetch", "lock_object_name", "locked"]

_EMULATOR_PROJECT = "driftmgr-emulator"
# (connect, read) seconds per request, and at most ~10 s of retrying transient failures
# (the library default retries for two minutes).
_TIMEOUT = (5.0, 30.0)
_RETRY: Retry = DEFAULT_RETRY.with_timeout(10.0)
_CREDENTIALS_HINT = (
    "configure Application Default Credentials (`gcloud auth application-default login`, "
    "GOOGLE_APPLICATION_CREDENTIALS or a service account) with storage.objects.get and "
    "storage.objects.list on the bucket"
)
# What the client raises; requests' connection errors and timeouts are OSErrors.
_ERRORS = (api.GoogleAPIError, google.auth.exceptions.GoogleAuthError, OSError)


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    client = _client(src)
    if src.is_glob:
        glob = KeyGlob(src.path)
        # Listing whole directories also yields the workspace siblings of every match.
        prefix = directory_prefix(src.path) if workspaces else literal_prefix(src.path)
        names = list(capped(_list(client, src, prefix), src.display))
        keys = [n for n in names if glob.matches(n)]
    else:
        keys = [src.path]
        names = []
    objects = [src.at(key).state_object() for key in keys]
    if workspaces:
        listed: dict[str, list[str]] = {}
        for key in keys:
            directory, _, name = key.rpartition("/")
            if name != "default.tfstate":
                continue
            prefix = f"{directory}/" if directory else ""
            if prefix not in listed:
                listed[prefix] = (
                    names if src.is_glob else list(_list(client, src, prefix, delimiter="/"))
                )
            objects.extend(
                src.at(sibling).state_object()
                for sibling in listed[prefix]
                if _is_workspace_sibling(prefix, sibling)
            )
    return objects


def fetch(src: Source, max_bytes: int) -> bytes:
    client = _client(src)
    blob = client.bucket(src.authority).blob(src.path)
    try:
        # A range of one byte past the limit: a larger object is refused, never buffered.
        data: bytes = blob.download_as_bytes(end=max_bytes, timeout=_TIMEOUT, retry=_RETRY)
    except _ERRORS as e:
        raise _translate(src, e) from None
    if len(data) > max_bytes:
        raise StateTooLarge(src.display, max_bytes)
    return data


def _is_workspace_sibling(prefix: str, name: str) -> bool:
    """``<prefix><ws>.tfstate`` in the same directory, as the gcs backend lays workspaces out."""
    rest = name[len(prefix) :]
    return (
        name.startswith(prefix)
        and "/" not in rest
        and rest.endswith(".tfstate")
        and rest != "default.tfstate"
        and rest != ".tfstate"
    )


def _client(src: Source) -> storage.Client:
    try:
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            project = os.environ.get("GOOGLE_CLOUD_PROJECT") or _EMULATOR_PROJECT
            return storage.Client(project=project, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
        return storage.Client()
    except _ERRORS as e:
        raise _translate(src, e) from None


def _list(
    client: storage.Client, src: Source, prefix: str, delimiter: str | None = None
) -> Iterator[str]:
    try:
        blobs = client.list_blobs(
            src.authority, prefix=prefix, delimiter=delimiter, timeout=_TIMEOUT, retry=_RETRY
        )
        for blob in blobs:
            yield blob.name
    except _ERRORS as e:
        raise _translate(src, e) from None


def _endpoint() -> str:
    return os.environ.get("STORAGE_EMULATOR_HOST") or "https://storage.googleapis.com"


def _translate(src: Source, error: Exception) -> SourceError:
    if isinstance(error, api.RetryError) and isinstance(error.cause, Exception):
        error = error.cause  # the retry deadline passed: report what kept failing
    match error:
        case api.NotFound():
            return SourceNotFound(
                f"{src.display}: no object {src.path!r} in bucket {src.authority!r} "
                "(or the bucket does not exist)"
            )
        case api.Forbidden() | api.Unauthorized():
            return SourceAccessDenied(
                f"{src.display}: Google Cloud Storage refused access ({error.code}); "
                f"{_CREDENTIALS_HINT}"
            )
        case google.auth.exceptions.DefaultCredentialsError():
            return SourceAccessDenied(
                f"{src.display}: no Google credentials found; {_CREDENTIALS_HINT}"
            )
        case google.auth.exceptions.RefreshError():
            return SourceAccessDenied(
                f"{src.display}: Google credentials could not be refreshed (expired or revoked); "
                f"{_CREDENTIALS_HINT}"
            )
        case google.auth.exceptions.TransportError():
            return SourceUnreachable(f"{src.display}: cannot reach the Google token endpoint")
        case api.ServerError() | api.TooManyRequests():
            return SourceUnreachable(
                f"{src.display}: Google Cloud Storage at {_endpoint()} failed ({error.code}); "
                "retry later"
            )
        case api.GoogleAPICallError():
            return SourceError(f"{src.display}: Google Cloud Storage error {error.code}")
        case ConnectionError() | TimeoutError():
            return SourceUnreachable(
                f"{src.display}: cannot reach Google Cloud Storage at {_endpoint()}"
            )
    # requests' ConnectionError/Timeout are OSErrors (IOError) rather than builtins' ones.
    if isinstance(error, OSError):
        return SourceUnreachable(
            f"{src.display}: cannot reach Google Cloud Storage at {_endpoint()}"
        )
    return SourceError(
        f"{src.display}: Google Cloud Storage request failed: {type(error).__name__}"
    )


# --- writing -------------------------------------------------------------------------------


def lock_object_name(name: str) -> str:
    """The lock object terraform's gcs backend uses for the state object ``name``."""
    return name.removesuffix(".tfstate") + ".tflock"


@contextmanager
def locked(src: Source, info: LockInfo) -> Iterator[_GcsState]:
    client = _client(src)
    bucket = client.bucket(src.authority)
    lock = bucket.blob(lock_object_name(src.path))
    info = info.at(f"gs://{src.authority}/{lock.name}")
    try:
        lock.upload_from_string(
            info.to_json(),
            content_type="application/json",
            if_generation_match=0,
            timeout=_TIMEOUT,
            retry=_RETRY,
        )
    except api.PreconditionFailed:
        raise locked_error(src, _lock_info(lock)) from None
    except _ERRORS as e:
        raise _translate(src, e) from None
    generation = lock.generation
    lock_id = str(generation)  # terraform's lock ID here is the lock object's generation

    def release() -> None:
        lock.delete(if_generation_match=generation, timeout=_TIMEOUT, retry=_RETRY)

    with held(src, release, lock_id):
        yield _GcsState(src, bucket)


class _GcsState:
    def __init__(self, src: Source, bucket: storage.Bucket) -> None:
        self._src = src
        self._bucket = bucket
        self._generation = 0

    def read(self) -> bytes:
        try:
            blob = self._bucket.get_blob(self._src.path, timeout=_TIMEOUT, retry=_RETRY)
            if blob is None:
                self._generation = 0
                return b""
            self._generation = int(blob.generation or 0)
            data: bytes = blob.download_as_bytes(
                if_generation_match=self._generation, timeout=_TIMEOUT, retry=_RETRY
            )
        except _ERRORS as e:
            raise _translate(self._src, e) from None
        return data

    def write(self, data: bytes) -> None:
        blob = self._bucket.blob(self._src.path)
        try:
            blob.upload_from_string(
                data,
                content_type="application/json",
                if_generation_match=self._generation,
                timeout=_TIMEOUT,
                retry=_RETRY,
            )
        except api.PreconditionFailed:
            raise SourceError(
                f"{self._src.display}: the state changed while driftmgr held its lock "
                "(something wrote it without locking); nothing was written"
            ) from None
        except _ERRORS as e:
            raise _translate(self._src, e) from None


def _lock_info(lock: storage.Blob) -> LockInfo | None:
    try:
        blob = lock.bucket.get_blob(lock.name, timeout=_TIMEOUT, retry=_RETRY)
        if blob is None:
            return None
        info = LockInfo.parse(blob.download_as_bytes(timeout=_TIMEOUT, retry=_RETRY))
    except _ERRORS:
        return None
    # As terraform does: the ID is the generation, which the JSON cannot know.
    return info.with_id(str(blob.generation)) if info else None
