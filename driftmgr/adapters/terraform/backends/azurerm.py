"""Azure Blob state objects, with the credentials terraform's azurerm backend would use.

In order: ``AZURE_STORAGE_CONNECTION_STRING`` (which must be for the URI's account),
``ARM_ACCESS_KEY`` (the account key), ``ARM_SAS_TOKEN``, else ``DefaultAzureCredential``
(environment, workload or managed identity, Azure CLI…) against
``https://{account}.blob.core.windows.net``.

Writes lock as terraform's azurerm backend does: an infinite lease on the state blob (created
empty if it does not exist), whose ID is the lock ID, and the lock info, base64-encoded, in
the blob's ``terraformlockid`` metadata; the state is uploaded under the lease, keeping the
metadata; unlocking drops that metadata entry and releases the lease.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import DefaultAzureCredential
from azure.storage.blob import (
    BlobClient,
    BlobLeaseClient,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
    LinearRetry,
)

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
    StateTooLarge,
)
from driftmgr.adapters.terraform.backends.globs import KeyGlob, capped, literal_prefix
from driftmgr.adapters.terraform.backends.uri import AZURE_WORKSPACE_SEPARATOR, Source, StateObject
from driftmgr.adapters.terraform.backends.write import LockInfo, held, locked_error

__all__ = ["LOCK_METADATA_KEY", "expand", "fetch", "locked"]

LOCK_METADATA_KEY = "terraformlockid"  # terraform's lockInfoMetaKey


_CREDENTIALS_HINT = (
    "set AZURE_STORAGE_CONNECTION_STRING, ARM_ACCESS_KEY or ARM_SAS_TOKEN, or configure "
    "DefaultAzureCredential (`az login`, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET "
    "or a managed identity) with the Storage Blob Data Reader role"
)


def expand(src: Source, *, workspaces: bool) -> list[StateObject]:
    with ExitStack() as stack:
        container = _container(src, stack)
        if src.is_glob:
            glob = KeyGlob(src.path)
            # A workspace blob `<key>env:<ws>` shares every prefix of `<key>`, so this one
            # listing holds the matches and their workspaces.
            names = list(capped(_list(src, container, literal_prefix(src.path)), src.display))
            keys = [n for n in names if glob.matches(n)]
        else:
            keys = [src.path]
            names = (
                list(_list(src, container, src.path + AZURE_WORKSPACE_SEPARATOR))
                if workspaces
                else []
            )
        objects = [src.at(key).state_object() for key in keys]
        if workspaces:
            for key in keys:
                if src.at(key).workspace != "default":
                    continue
                head = key + AZURE_WORKSPACE_SEPARATOR
                objects.extend(
                    src.at(name).state_object()
                    for name in names
                    if name.startswith(head) and src.at(name).workspace == name[len(head) :]
                )
        return objects


def fetch(src: Source, max_bytes: int) -> bytes:
    with ExitStack() as stack:
        container = _container(src, stack)
        try:
            # A range of one byte past the limit: a larger blob is refused, never buffered.
            data: bytes = container.download_blob(
                src.path, offset=0, length=max_bytes + 1
            ).readall()
        except AzureError as e:
            raise _translate(src, e, _endpoint(container)) from None
        if len(data) > max_bytes:
            raise StateTooLarge(src.display, max_bytes)
        return data


def _container(src: Source, stack: ExitStack) -> ContainerClient:
    """A container client with the first configured credential; closed with ``stack``."""
    account = src.authority
    connection_string = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    access_key = os.environ.get("ARM_ACCESS_KEY")
    sas_token = os.environ.get("ARM_SAS_TOKEN")
    account_url = f"https://{account}.blob.core.windows.net"
    if connection_string:
        try:
            service = BlobServiceClient.from_connection_string(
                connection_string, **_client_options()
            )
        except ValueError:  # never echo the string: it holds the key
            raise SourceAccessDenied(
                f"{src.display}: AZURE_STORAGE_CONNECTION_STRING is malformed"
            ) from None
        if service.account_name != account:
            raise SourceAccessDenied(
                f"{src.display}: AZURE_STORAGE_CONNECTION_STRING is for storage account "
                f"{service.account_name!r}, not {account!r}; unset it or use one for {account!r}"
            )
    elif access_key:
        credential = AzureNamedKeyCredential(account, access_key)
        service = BlobServiceClient(account_url, credential=credential, **_client_options())
    elif sas_token:
        sas = AzureSasCredential(sas_token.lstrip("?"))
        service = BlobServiceClient(account_url, credential=sas, **_client_options())
    else:
        default = stack.enter_context(DefaultAzureCredential())
        service = BlobServiceClient(account_url, credential=default, **_client_options())
    stack.enter_context(service)
    return service.get_container_client(src.container)


def _client_options() -> dict[str, Any]:
    # Two retries about a second apart: the SDK's default waits 15 s, then 18 s, then 42 s.
    retry = LinearRetry(backoff=1, retry_total=2, random_jitter_range=1)
    return {"connection_timeout": 5, "read_timeout": 30, "retry_policy": retry}


def _list(src: Source, container: ContainerClient, prefix: str) -> Iterator[str]:
    try:
        for blob in container.list_blobs(name_starts_with=prefix or None):
            yield blob.name
    except AzureError as e:
        raise _translate(src, e, _endpoint(container)) from None


def _endpoint(container: ContainerClient) -> str:
    # A SAS from a connection string can sit in the query: show scheme, host and path only.
    parts = urllib.parse.urlsplit(container.url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _translate(src: Source, error: AzureError, endpoint: str) -> SourceError:
    # Azure's own messages can quote request URLs (and so SAS tokens): never pass them on.
    status = getattr(error, "status_code", None) or 0
    code = str(getattr(error, "error_code", "") or "")
    if isinstance(error, ResourceNotFoundError) or status == 404:
        if code == "ContainerNotFound":
            return SourceNotFound(f"{src.display}: container {src.container!r} does not exist")
        return SourceNotFound(f"{src.display}: no blob {src.path!r} in container {src.container!r}")
    if isinstance(error, ClientAuthenticationError) or status in {401, 403}:
        reason = f" ({code})" if code else ""
        return SourceAccessDenied(
            f"{src.display}: Azure refused access{reason}; {_CREDENTIALS_HINT}"
        )
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return SourceUnreachable(f"{src.display}: cannot reach Azure Blob Storage at {endpoint}")
    if isinstance(error, HttpResponseError) and status >= 500:
        return SourceUnreachable(
            f"{src.display}: Azure Blob Storage at {endpoint} failed ({status}); retry later"
        )
    return SourceError(
        f"{src.display}: Azure Blob Storage error {code or status or type(error).__name__}"
    )


# --- writing -------------------------------------------------------------------------------

_JSON = ContentSettings(content_type="application/json")


@contextmanager
def locked(src: Source, info: LockInfo) -> Iterator[_AzureState]:
    with ExitStack() as stack:
        container = _container(src, stack)
        blob = container.get_blob_client(src.path)
        endpoint = _endpoint(container)
        created = False
        try:
            try:
                lease = blob.acquire_lease(lease_duration=-1, lease_id=info.id)
            except ResourceNotFoundError as e:
                if getattr(e, "error_code", None) == "ContainerNotFound":
                    raise
                # As terraform does: an empty blob to hold the lease (and the lock info).
                with suppress(ResourceExistsError):
                    blob.upload_blob(b"", overwrite=False, content_settings=_JSON)
                    created = True
                lease = blob.acquire_lease(lease_duration=-1, lease_id=info.id)
        except HttpResponseError as e:
            if e.status_code == 409:  # LeaseAlreadyPresent
                raise locked_error(src, _lock_info(blob)) from None
            raise _translate(src, e, endpoint) from None
        except AzureError as e:
            raise _translate(src, e, endpoint) from None
        info = info.at(f"{src.container}/{src.path}")
        state = _AzureState(src, blob, lease, endpoint)

        def release() -> None:
            if created and not state.written:
                blob.delete_blob(lease=lease)  # the empty blob was ours alone
                return
            metadata = dict(blob.get_blob_properties(lease=lease).metadata or {})
            metadata.pop(LOCK_METADATA_KEY, None)
            blob.set_blob_metadata(metadata, lease=lease)
            lease.release()

        with held(src, release, lease.id):
            state.set_lock_info(info)
            yield state


class _AzureState:
    def __init__(self, src: Source, blob: BlobClient, lease: BlobLeaseClient, endpoint: str):
        self._src = src
        self._blob = blob
        self._lease = lease
        self._endpoint = endpoint
        self._metadata: dict[str, str] = {}
        self.written = False

    def set_lock_info(self, info: LockInfo) -> None:
        try:
            properties = self._blob.get_blob_properties(lease=self._lease)
            self._metadata = dict(properties.metadata or {})
            self._metadata[LOCK_METADATA_KEY] = base64.b64encode(info.to_json()).decode()
            self._blob.set_blob_metadata(self._metadata, lease=self._lease)
        except AzureError as e:
            raise _translate(self._src, e, self._endpoint) from None

    def read(self) -> bytes:
        try:
            data: bytes = self._blob.download_blob(lease=self._lease).readall()
        except AzureError as e:
            raise _translate(self._src, e, self._endpoint) from None
        return data

    def write(self, data: bytes) -> None:
        try:
            self._blob.upload_blob(
                data,
                overwrite=True,
                lease=self._lease,
                metadata=self._metadata,  # the lock info stays until the unlock, as in terraform
                content_settings=_JSON,
            )
        except AzureError as e:
            raise _translate(self._src, e, self._endpoint) from None
        self.written = True


def _lock_info(blob: BlobClient) -> LockInfo | None:
    try:
        raw = (blob.get_blob_properties().metadata or {}).get(LOCK_METADATA_KEY)
        return LockInfo.parse(base64.b64decode(raw, validate=True)) if raw else None
    except (AzureError, ValueError):
        return None
