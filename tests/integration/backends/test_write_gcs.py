"""Writing GCS states on gcp-storage-emulator, locked as terraform's gcs backend locks them.

The lock is an object created only if absent (``ifGenerationMatch=0``). The emulator ignores
generation preconditions (see :func:`test_the_emulator_honours_generation_preconditions`), so
the contract tests that need one to hold — a held lock, two racing writers — are skipped on
it, with that reason, and run wherever the server honours them (GCS itself).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.api_core import exceptions as api

from driftmgr.adapters.terraform.backends import SourceError, write_state
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

BUCKET = "acme-tfstate"
NAME = "network/default.tfstate"
LOCK = "network/default.tflock"
NO_PRECONDITIONS = (
    "gcp-storage-emulator ignores ifGenerationMatch, so it cannot hold a lock against a "
    "second creator; GCS does"
)


def honours_preconditions(bucket: Any) -> bool:
    """Whether creating an existing object with ``ifGenerationMatch=0`` fails, as on GCS."""
    probe = bucket.blob("probe/precondition")
    probe.upload_from_string(b"1", if_generation_match=0)
    try:
        bucket.blob(probe.name).upload_from_string(b"2", if_generation_match=0)
    except api.PreconditionFailed:
        return True
    finally:
        bucket.blob(probe.name).delete()
    return False


class GcsStore:
    def __init__(self, client: Any) -> None:
        self.bucket = client.create_bucket(BUCKET)
        self.uri = f"tfstate+gs://{BUCKET}/{NAME}"
        self.conditional = honours_preconditions(self.bucket)

    def seed(self, data: bytes) -> None:
        self.bucket.blob(NAME).upload_from_string(data)

    def stored(self) -> bytes | None:
        blob = self.bucket.get_blob(NAME)
        return None if blob is None else bytes(blob.download_as_bytes())

    def hold_lock(self) -> Held:
        # Terraform writes the info before it knows the generation, then calls that the ID.
        lock = self.bucket.blob(LOCK)
        info = terraform_lock_info("", f"gs://{BUCKET}/{LOCK}")
        lock.upload_from_string(info, if_generation_match=0)
        return Held(id=str(lock.generation), who=HOLDER_WHO, created=HOLDER_CREATED)

    def release_held(self) -> None:
        self.bucket.blob(LOCK).delete()

    def lock_left(self) -> bool:
        return self.bucket.get_blob(LOCK) is not None

    def require_conditional_writes(self) -> None:
        if not self.conditional:
            pytest.skip(NO_PRECONDITIONS)


class TestGcsWrites(WriteContract):
    @pytest.fixture
    def store(self, gcs: Any) -> GcsStore:
        return GcsStore(gcs)


def test_the_emulator_honours_generation_preconditions(gcs: Any) -> None:
    """Fails once the emulator honours them: then the skipped contract tests run here too."""
    if honours_preconditions(gcs.create_bucket(BUCKET)):
        pytest.fail("the emulator honours ifGenerationMatch now: drop NO_PRECONDITIONS")
    pytest.skip(NO_PRECONDITIONS)


def test_the_lock_object_is_terraform_s_and_goes_away(gcs: Any) -> None:
    store = GcsStore(gcs)
    store.seed(seed_state())
    seen: dict[str, Any] = {}

    def look(current: bytes) -> bytes:
        lock = store.bucket.get_blob(LOCK)
        seen["info"] = json.loads(lock.download_as_bytes())
        return accept(current)

    write_state(store.uri, POLICY, look, who="alice", operation="accept drift")

    info = seen["info"]
    assert list(info) == ["ID", "Operation", "Info", "Who", "Version", "Created", "Path"]
    assert (info["Who"], info["Path"]) == ("alice", f"gs://{BUCKET}/{LOCK}")
    assert not store.lock_left()
    assert store.stored() is not None


def test_a_state_object_not_named_tfstate_gets_its_lock_beside_it(gcs: Any) -> None:
    bucket = gcs.create_bucket(BUCKET)
    bucket.blob("states/prod.json").upload_from_string(seed_state())
    seen: list[str] = []

    def look(current: bytes) -> bytes:
        seen.extend(blob.name for blob in bucket.list_blobs(prefix="states/"))
        return accept(current)

    write_state(f"tfstate+gs://{BUCKET}/states/prod.json", POLICY, look, who="alice")

    assert seen == ["states/prod.json", "states/prod.json.tflock"]


def test_a_missing_bucket_is_reported_and_nothing_is_left(gcs: Any) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        write_state(f"tfstate+gs://nope/{NAME}", POLICY, accept, who="alice")
