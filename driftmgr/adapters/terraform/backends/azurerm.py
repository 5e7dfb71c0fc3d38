"""Azure Blob state objects, with the credentials terraform's azurerm backend would use.

In order: ``AZURE_STORAGE_CONNECTION_STRING`` (which must be for the URI's account),
``ARM_ACCESS_KEY`` (the account key), ``ARM_SAS_TOKEN``, else ``DefaultAzureCredential``
(environment, workload or managed identity, Azure CLI…) against
``https://{account}.blob.core.windows.net``.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import DefaultAzureCredential
from azure.storage.blob import BlobServiceClient, ContainerClient, LinearRetry

from driftmgr.adapters.terraform.backends.errors import (
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnreachable,
)
from driftmgr.adapters.terraform.backends.globs import KeyGlob, literal_prefix
from driftmgr.adapters.terraform.backends.uri import AZURE_WORKSPACE_SEPARATOR, Source, StateObject

__all__ = ["expand", "fetch"]


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
            names = list(_list(src, container, literal_prefix(src.path)))
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


def fetch(src: Source) -> bytes:
    with ExitStack() as stack:
        container = _container(src, stack)
        try:
            data: bytes = container.download_blob(src.path).readall()
        except AzureError as e:
            raise _translate(src, e, _endpoint(container)) from None
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
