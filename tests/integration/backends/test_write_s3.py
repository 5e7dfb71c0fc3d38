"""Writing S3 states on a real moto server, locked as terraform's s3 backend locks them:
a DynamoDB lock table, the S3-native ``.tflock`` object, or both."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.adapters.terraform.backends import (
    InvalidSourceURI,
    SourceError,
    SourceNotFound,
    StateLocked,
    write_state,
)
from driftmgr.domain.state_patch import serial_of
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

Boto = Callable[..., Any]
BUCKET = "acme-tfstate"
KEY = "network/terraform.tfstate"
TABLE = "terraform-locks"
LOCK_PATH = f"{BUCKET}/{KEY}"  # terraform's LockID
QUERIES = {
    "dynamodb": f"?dynamodb_table={TABLE}",
    "lockfile": "?use_lockfile=true",
    "both": f"?dynamodb_table={TABLE}&use_lockfile=true",
}


class S3Store:
    def __init__(self, boto: Boto, mode: str) -> None:
        self.s3 = boto("s3")
        self.dynamodb = boto("dynamodb")
        self.mode = mode
        self.uri = f"tfstate+s3://{BUCKET}/{KEY}{QUERIES[mode]}"
        self.s3.create_bucket(Bucket=BUCKET)
        self.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

    @property
    def uses_table(self) -> bool:
        return self.mode in {"dynamodb", "both"}

    @property
    def uses_file(self) -> bool:
        return self.mode in {"lockfile", "both"}

    def seed(self, data: bytes) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=KEY, Body=data)
        if self.uses_table:  # as terraform leaves it after its own write
            self.dynamodb.put_item(
                TableName=TABLE,
                Item={"LockID": {"S": LOCK_PATH + "-md5"}, "Digest": {"S": md5(data)}},
            )

    def stored(self) -> bytes | None:
        try:
            body: bytes = self.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return body

    def digest(self) -> str | None:
        item = self.dynamodb.get_item(
            TableName=TABLE, Key={"LockID": {"S": LOCK_PATH + "-md5"}}
        ).get("Item")
        return item["Digest"]["S"] if item else None

    def hold_lock(self) -> Held:
        lock_id = "8f0e6d4c-3b2a-4190-8e7f-6a5b4c3d2e1f"
        info = terraform_lock_info(lock_id, LOCK_PATH)
        if self.uses_file:
            self.s3.put_object(Bucket=BUCKET, Key=KEY + ".tflock", Body=info)
        if self.uses_table:
            self.dynamodb.put_item(
                TableName=TABLE, Item={"LockID": {"S": LOCK_PATH}, "Info": {"S": info.decode()}}
            )
        return Held(id=lock_id, who=HOLDER_WHO, created=HOLDER_CREATED)

    def release_held(self) -> None:
        self.s3.delete_object(Bucket=BUCKET, Key=KEY + ".tflock")
        self.dynamodb.delete_item(TableName=TABLE, Key={"LockID": {"S": LOCK_PATH}})

    def lock_left(self) -> bool:
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=KEY + ".tflock")
        item = self.dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": LOCK_PATH}})
        return listed.get("KeyCount", 0) > 0 or "Item" in item

    def require_conditional_writes(self) -> None:
        pass


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture(params=sorted(QUERIES))
def s3_store(request: pytest.FixtureRequest, boto: Boto) -> S3Store:
    return S3Store(boto, request.param)


class TestS3Writes(WriteContract):
    @pytest.fixture
    def store(self, s3_store: S3Store) -> S3Store:
        return s3_store


@pytest.fixture
def dynamodb_store(boto: Boto) -> S3Store:
    return S3Store(boto, "dynamodb")


def test_the_dynamodb_digest_follows_the_new_state(dynamodb_store: S3Store) -> None:
    dynamodb_store.seed(seed_state())

    written = write_state(dynamodb_store.uri, POLICY, accept, who="alice")

    assert dynamodb_store.digest() == md5(written.after)


def test_a_state_that_does_not_match_its_digest_is_not_overwritten(
    dynamodb_store: S3Store,
) -> None:
    # Given: the object changed after terraform recorded its digest (a stale read, a hand edit).
    dynamodb_store.seed(seed_state())
    dynamodb_store.s3.put_object(Bucket=BUCKET, Key=KEY, Body=seed_state(serial=9))

    with pytest.raises(SourceError, match="does not match the digest"):
        write_state(dynamodb_store.uri, POLICY, accept, who="alice")

    assert dynamodb_store.stored() == seed_state(serial=9)
    assert not dynamodb_store.lock_left()


def test_a_write_that_bypassed_the_lock_meanwhile_is_not_overwritten(
    dynamodb_store: S3Store,
) -> None:
    dynamodb_store.seed(seed_state())

    def someone_writes_unlocked(current: bytes) -> bytes:
        dynamodb_store.s3.put_object(Bucket=BUCKET, Key=KEY, Body=seed_state(serial=2))
        return accept(current)

    with pytest.raises(SourceError, match="changed while driftmgr held its lock"):
        write_state(dynamodb_store.uri, POLICY, someone_writes_unlocked, who="alice")

    assert dynamodb_store.stored() == seed_state(serial=2)
    assert not dynamodb_store.lock_left()


def test_the_lock_item_is_terraform_s(dynamodb_store: S3Store) -> None:
    dynamodb_store.seed(seed_state())
    seen: dict[str, Any] = {}

    def look(current: bytes) -> bytes:
        seen.update(
            dynamodb_store.dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": LOCK_PATH}})[
                "Item"
            ]
        )
        return accept(current)

    write_state(dynamodb_store.uri, POLICY, look, who="alice", operation="accept drift")

    info = json.loads(seen["Info"]["S"])
    assert list(info) == ["ID", "Operation", "Info", "Who", "Version", "Created", "Path"]
    assert (info["Who"], info["Operation"], info["Path"]) == ("alice", "accept drift", LOCK_PATH)


def test_a_write_without_a_lock_option_is_refused_until_lock_none_says_so(
    dynamodb_store: S3Store,
) -> None:
    dynamodb_store.s3.put_object(Bucket=BUCKET, Key=KEY, Body=seed_state())
    uri = f"tfstate+s3://{BUCKET}/{KEY}"

    with pytest.raises(InvalidSourceURI, match=r"\?dynamodb_table=TABLE or \?use_lockfile=true"):
        write_state(uri, POLICY, accept, who="alice")
    assert dynamodb_store.stored() == seed_state()

    written = write_state(uri + "?lock=none", POLICY, accept, who="alice")
    assert serial_of(written.after) == 2


def test_a_missing_lock_table_is_named(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket=BUCKET)
    boto("s3").put_object(Bucket=BUCKET, Key=KEY, Body=seed_state())

    with pytest.raises(SourceNotFound, match="DynamoDB table 'nope' does not exist"):
        write_state(f"tfstate+s3://{BUCKET}/{KEY}?dynamodb_table=nope", POLICY, accept, who="a")


def test_one_lock_held_keeps_a_double_locked_write_out(boto: Boto) -> None:
    # Given: only the .tflock object is held (terraform with use_lockfile alone).
    store = S3Store(boto, "both")
    store.seed(seed_state())
    store.s3.put_object(
        Bucket=BUCKET, Key=KEY + ".tflock", Body=terraform_lock_info("held-by-file", LOCK_PATH)
    )

    with pytest.raises(StateLocked, match="held-by-file"):
        write_state(store.uri, POLICY, accept, who="alice")

    item = store.dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": LOCK_PATH}})
    assert "Item" not in item  # the lock table was never taken
    assert store.stored() == seed_state()
