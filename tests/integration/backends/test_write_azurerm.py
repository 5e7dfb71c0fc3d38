"""Writing Azure Blob states on azurite, locked as terraform's azurerm backend locks them:
an infinite blob lease whose ID is the lock ID, the lock info in ``terraformlockid``."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from driftmgr.adapters.terraform.backends import StateLocked, write_state
from driftmgr.domain.state_patch import StatePatchError
from tests.integration.backends.conftest import AZURITE_ACCOUNT
from tests.integration.backends.test_write_local import (
    HOLDER_CREATED,
    HOLDER_WHO,
    POLICY,
    Held,
    WriteContract,
    accept,
    seed_state,
    terraform_lock_info,
)

BLOB = "prod.terraform.tfstate"
METADATA_KEY = "terraformlockid"


class AzureStore:
    def __init__(self, container_name: str, service: BlobServiceClient) -> None:
        self.container = service.get_container_client(container_name)
        self.blob = self.container.get_blob_client(BLOB)
        self.uri = f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container_name}/{BLOB}"
        self._lease: BlobLeaseClient | None = None

    def seed(self, data: bytes) -> None:
        self.blob.upload_blob(data, overwrite=True, metadata={"owner": "platform"})

    def stored(self) -> bytes | None:
        if not self.blob.exists():
            return None
        return bytes(self.blob.download_blob().readall())

    def metadata(self) -> dict[str, str]:
        return dict(self.blob.get_blob_properties().metadata or {})

    def hold_lock(self) -> Held:
        lock_id = "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e"
        self._lease = self.blob.acquire_lease(lease_duration=-1, lease_id=lock_id)
        info = terraform_lock_info(lock_id, f"{self.container.container_name}/{BLOB}")
        metadata = {**self.metadata(), METADATA_KEY: base64.b64encode(info).decode()}
        self.blob.set_blob_metadata(metadata, lease=self._lease)
        return Held(id=lock_id, who=HOLDER_WHO, created=HOLDER_CREATED)

    def release_held(self) -> None:
        assert self._lease is not None
        metadata = self.metadata()
        metadata.pop(METADATA_KEY)
        self.blob.set_blob_metadata(metadata, lease=self._lease)
        self._lease.release()

    def lock_left(self) -> bool:
        if not self.blob.exists():
            return False
        properties = self.blob.get_blob_properties()
        return properties.lease.state != "available" or METADATA_KEY in (properties.metadata or {})

    def require_conditional_writes(self) -> None:
        pass


@pytest.fixture
def azure_store(
    azure_container: tuple[str, Callable[[str, bytes], None]],
) -> Iterator[AzureStore]:
    name, _ = azure_container
    with BlobServiceClient.from_connection_string(
        os.environ["AZURE_STORAGE_CONNECTION_STRING"]
    ) as service:
        yield AzureStore(name, service)


class TestAzureWrites(WriteContract):
    @pytest.fixture
    def store(self, azure_store: AzureStore) -> AzureStore:
        return azure_store


def test_the_lock_info_is_terraform_s_and_other_metadata_survives(
    azure_store: AzureStore,
) -> None:
    azure_store.seed(seed_state())
    seen: dict[str, Any] = {}

    def look(current: bytes) -> bytes:
        properties = azure_store.blob.get_blob_properties()
        seen["lease"] = properties.lease.state
        seen["info"] = json.loads(base64.b64decode(properties.metadata[METADATA_KEY]))
        return accept(current)

    write_state(azure_store.uri, POLICY, look, who="alice", operation="accept drift")

    info = seen["info"]
    assert seen["lease"] == "leased"
    assert list(info) == ["ID", "Operation", "Info", "Who", "Version", "Created", "Path"]
    assert (info["Who"], info["Operation"]) == ("alice", "accept drift")
    assert info["Path"] == f"{azure_store.container.container_name}/{BLOB}"
    assert azure_store.metadata() == {"owner": "platform"}
    assert not azure_store.lock_left()


def test_the_lease_id_is_the_lock_id_terraform_force_unlock_takes(azure_store: AzureStore) -> None:
    azure_store.seed(seed_state())
    held = azure_store.hold_lock()

    with pytest.raises(StateLocked) as raised:
        write_state(azure_store.uri, POLICY, accept, who="alice")

    # `terraform force-unlock ID` releases the lease with that ID: it must be the lease's.
    assert raised.value.lock_id == held.id
    BlobLeaseClient(azure_store.blob, lease_id=held.id).release()


def test_a_missing_blob_is_created_for_the_lease_and_removed_when_nothing_is_written(
    azure_store: AzureStore,
) -> None:
    def refuse(current: bytes) -> bytes:
        assert current == b""
        raise StatePatchError("nothing to write")

    with pytest.raises(StatePatchError):
        write_state(azure_store.uri, POLICY, refuse, who="alice")

    assert not azure_store.blob.exists()
