"""Writing local states as terraform's local backend does, and the contract every backend keeps.

:class:`WriteContract` is the behaviour every backend's write shares; each
``test_write_<backend>.py`` runs it against a real server through a :class:`Store` of its own.
The local backend's own tests follow it, some with the real ``terraform`` binary.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceError,
    SourcePolicy,
    StateLocked,
    write_state,
)
from driftmgr.adapters.terraform.state import parse_state
from driftmgr.domain.state_patch import StatePatchError, remove_instance, serial_of, set_attributes

POLICY = SourcePolicy.local()
ADDRESS = "aws_s3_bucket.data"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
ROUNDS = 4
# Another machine's terraform, as its lock info would name it.
HOLDER_WHO = "carol@build-7"
HOLDER_CREATED = "2025-05-01T09:30:00.123456789Z"


def seed_state(serial: int = 1, lineage: str = "5b1d3a9e-7c1f-4e07-a6f5-0d2c8c1e9a11") -> bytes:
    """What terraform wrote after creating one bucket."""
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": serial,
        "lineage": lineage,
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "data",
                "provider": AWS,
                "instances": [
                    {
                        "schema_version": 0,
                        "attributes": {"id": "acme-data", "acl": "public-read"},
                        "sensitive_attributes": [],
                    }
                ],
            }
        ],
        "check_results": None,
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def accept(current: bytes) -> bytes:
    """An "accept": record the observed value in the state."""
    return set_attributes(current, ADDRESS, {"acl": f"private-{serial_of(current)}"})


def terraform_lock_info(lock_id: str, path: str) -> bytes:
    """Lock info as terraform writes it (``statemgr.LockInfo``, Go's field order)."""
    return json.dumps(
        {
            "ID": lock_id,
            "Operation": "OperationTypeApply",
            "Info": "",
            "Who": HOLDER_WHO,
            "Version": "1.11.4",
            "Created": HOLDER_CREATED,
            "Path": path,
        }
    ).encode()


@dataclass(frozen=True)
class Held:
    """A lock someone else holds, as the test created it."""

    id: str
    who: str
    created: str = ""


class Store(Protocol):
    """One backend's state object, seen from outside driftmgr."""

    uri: str

    def seed(self, data: bytes) -> None: ...

    def stored(self) -> bytes | None: ...

    def hold_lock(self) -> Held:
        """Lock the state as terraform would, as another holder."""
        ...

    def release_held(self) -> None: ...

    def lock_left(self) -> bool:
        """Whether any lock (or lock info) is still there."""
        ...

    def require_conditional_writes(self) -> None:
        """Skip, with the reason, where the server ignores the conditions a lock is made of."""
        ...


class WriteContract:
    """What every backend's write does; a subclass provides the ``store`` fixture."""

    def test_a_write_is_the_next_serial_of_the_same_lineage_and_leaves_no_lock(
        self, store: Store
    ) -> None:
        store.seed(seed_state())

        written = write_state(store.uri, POLICY, accept, who="alice")

        assert written.before == seed_state()
        assert store.stored() == written.after
        after = parse_state(written.after)
        assert (after.serial, after.lineage) == (2, parse_state(seed_state()).lineage)
        assert after.resources[0].attributes["acl"] == "private-1"
        assert not store.lock_left()

    def test_a_lock_held_as_terraform_holds_it_keeps_the_write_out(self, store: Store) -> None:
        store.require_conditional_writes()
        store.seed(seed_state())
        held = store.hold_lock()

        with pytest.raises(StateLocked) as raised:
            write_state(store.uri, POLICY, accept, who="alice")

        message = str(raised.value)
        assert held.id in message
        assert held.who in message
        assert held.created in message
        assert f"terraform force-unlock {held.id}" in message
        assert "\n" not in message
        assert store.stored() == seed_state()  # nothing written

        # Once the holder is gone, the write goes through.
        store.release_held()
        assert serial_of(write_state(store.uri, POLICY, accept, who="alice").after) == 2
        assert not store.lock_left()

    def test_an_update_that_raises_writes_nothing_and_releases_the_lock(self, store: Store) -> None:
        store.seed(seed_state())

        def refuse(current: bytes) -> bytes:
            raise StatePatchError("the plan's snapshot is stale")

        with pytest.raises(StatePatchError, match="stale"):
            write_state(store.uri, POLICY, refuse, who="alice")

        assert store.stored() == seed_state()
        assert not store.lock_left()
        assert serial_of(write_state(store.uri, POLICY, accept, who="alice").after) == 2

    def test_a_document_that_is_not_the_next_snapshot_is_not_written(self, store: Store) -> None:
        store.seed(seed_state(serial=5))

        with pytest.raises(SourceError, match="serial 5 over serial 5"):
            write_state(store.uri, POLICY, lambda current: seed_state(serial=5) + b" ", who="a")
        with pytest.raises(SourceError, match="lineage"):
            write_state(
                store.uri, POLICY, lambda current: seed_state(serial=6, lineage="x"), who="a"
            )

        assert store.stored() == seed_state(serial=5)
        assert not store.lock_left()

    def test_concurrent_writers_lose_no_update(self, store: Store) -> None:
        store.require_conditional_writes()
        store.seed(seed_state())
        wins = run_concurrent_writers(store.uri)

        assert sum(wins) >= ROUNDS  # in every round, someone got the lock
        stored = store.stored()
        assert stored is not None
        assert serial_of(stored) == 1 + sum(wins)  # every successful write counted
        assert not store.lock_left()


def run_concurrent_writers(uri: str) -> list[int]:
    """Two threads write ``ROUNDS`` times each, starting each round together; their wins."""
    barrier = threading.Barrier(2)
    wins = [0, 0]
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for _ in range(ROUNDS):
                barrier.wait(timeout=60)
                try:
                    write_state(uri, POLICY, accept, who=f"writer-{n}")
                    wins[n] += 1
                except StateLocked:
                    pass
        except BaseException as e:
            failures.append(e)
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]
    return wins


# --- local --------------------------------------------------------------------------------

_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
with open(sys.argv[2], "wb") as f:
    f.write(sys.argv[3].encode())
print("locked", flush=True)
sys.stdin.read()
os.unlink(sys.argv[2])
"""


class LocalStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "terraform.tfstate"
        self.info_path = directory / ".terraform.tfstate.lock.info"
        self.uri = f"tfstate://{self.path}"
        self._holder: subprocess.Popen[str] | None = None

    def seed(self, data: bytes) -> None:
        self.path.write_bytes(data)

    def stored(self) -> bytes | None:
        return self.path.read_bytes() if self.path.exists() else None

    def hold_lock(self) -> Held:
        # Another process, as terraform is: an fcntl lock held here would not exclude us.
        lock_id = "0d7c1d2e-8a3b-4f5e-9c6d-7e8f9a0b1c2d"
        info = terraform_lock_info(lock_id, str(self.path)).decode()
        self._holder = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(self.path), str(self.info_path), info],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._holder.stdout is not None
        assert self._holder.stdout.readline() == "locked\n"
        return Held(id=lock_id, who=HOLDER_WHO, created=HOLDER_CREATED)

    def release_held(self) -> None:
        assert self._holder is not None
        self._holder.communicate("", timeout=30)
        self._holder = None

    def lock_left(self) -> bool:
        if self.info_path.exists():
            return True
        # Is the fcntl lock free? Only another process can tell.
        probe = (
            "import fcntl, os, sys; "
            "fcntl.lockf(os.open(sys.argv[1], os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB)"
        )
        if not self.path.exists():
            return False
        return subprocess.run([sys.executable, "-c", probe, str(self.path)]).returncode != 0

    def require_conditional_writes(self) -> None:
        pass

    def close(self) -> None:
        if self._holder is not None:
            self._holder.kill()
            self._holder.wait()


@pytest.fixture
def local_store(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore(tmp_path)
    yield store
    store.close()


class TestLocalWrites(WriteContract):
    @pytest.fixture
    def store(self, local_store: LocalStore) -> LocalStore:
        return local_store


def test_the_previous_state_is_kept_as_the_backup_terraform_keeps(local_store: LocalStore) -> None:
    local_store.seed(seed_state())
    os.chmod(local_store.path, 0o640)

    write_state(local_store.uri, POLICY, accept, who="alice")

    assert Path(f"{local_store.path}.backup").read_bytes() == seed_state()
    # Written in place, through the locked descriptor: same file, same mode.
    assert stat.S_IMODE(local_store.path.stat().st_mode) == 0o640


def test_a_new_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.tfstate"

    write_state(f"tfstate://{path}", POLICY, lambda current: seed_state(), who="alice")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == seed_state()
    assert not Path(f"{path}.backup").exists()  # there was nothing to back up


def test_an_aborted_write_to_a_missing_state_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.tfstate"

    with pytest.raises(StatePatchError):
        write_state(f"tfstate://{path}", POLICY, lambda c: remove_instance(c, ADDRESS), who="a")

    assert sorted(os.listdir(tmp_path)) == []


def test_a_state_in_a_missing_directory_is_reported_not_created(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="directory does not exist"):
        write_state(f"tfstate://{tmp_path}/nope/terraform.tfstate", POLICY, accept, who="a")


def test_a_server_writes_only_under_its_state_roots(tmp_path: Path) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_bytes(seed_state())
    server = SourcePolicy(roots=(tmp_path / "elsewhere",))

    with pytest.raises(SourceError, match="DRIFTMGR_STATE_ROOTS"):
        write_state(f"tfstate://{path}", server, accept, who="alice")

    assert path.read_bytes() == seed_state()


# --- with terraform itself ----------------------------------------------------------------

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
CONFIG = """
resource "terraform_data" "web" {
  input = "%s"
}
"""


def terraform(directory: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    return subprocess.run(
        [TERRAFORM, *args, "-no-color"],
        cwd=directory,
        env=_terraform_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        **kwargs,
    )


def _terraform_env() -> dict[str, str]:
    return {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}


@pytest.fixture
def applied(tmp_path: Path) -> Path:
    """A project whose local state terraform itself wrote (terraform_data is built in)."""
    (tmp_path / "main.tf").write_text(CONFIG % "one")
    terraform(tmp_path, "init", "-input=false")
    terraform(tmp_path, "apply", "-auto-approve", "-input=false")
    return tmp_path


@needs_terraform
def test_terraform_reads_what_driftmgr_wrote(applied: Path) -> None:
    path = applied / "terraform.tfstate"

    def accept_input(current: bytes) -> bytes:
        return set_attributes(
            current, "terraform_data.web", {"input": {"value": "two", "type": "string"}}
        )

    write_state(f"tfstate://{path}", POLICY, accept_input, who="alice")

    assert terraform(applied, "state", "list").stdout.split() == ["terraform_data.web"]
    shown = json.loads(terraform(applied, "show", "-json").stdout)
    (web,) = shown["values"]["root_module"]["resources"]
    assert web["values"]["input"] == "two"
    assert parse_state(path.read_bytes()).serial == 2

    # And terraform writes the next snapshot over ours: the serial goes on.
    write_state(
        f"tfstate://{path}", POLICY, lambda c: remove_instance(c, "terraform_data.web"), who="a"
    )
    assert terraform(applied, "state", "list").stdout.split() == []
    (applied / "main.tf").write_text(CONFIG % "three")
    lineage = parse_state(path.read_bytes()).lineage
    terraform(applied, "apply", "-auto-approve", "-input=false")
    after = parse_state(path.read_bytes())
    assert after.lineage == lineage
    assert after.serial is not None and after.serial > 3


@needs_terraform
def test_a_terraform_apply_in_progress_keeps_the_write_out(applied: Path) -> None:
    path = applied / "terraform.tfstate"
    before = path.read_bytes()
    (applied / "main.tf").write_text(CONFIG % "two")
    assert TERRAFORM is not None
    # `terraform apply` holds the state lock while it waits for its approval.
    apply = subprocess.Popen(
        [TERRAFORM, "apply", "-no-color"],
        cwd=applied,
        env=_terraform_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert apply.stdout is not None
        _read_until(apply.stdout, "Enter a value:")

        with pytest.raises(StateLocked) as raised:
            write_state(f"tfstate://{path}", POLICY, lambda c: c + b"", who="alice")

        message = str(raised.value)
        lock = json.loads((applied / ".terraform.tfstate.lock.info").read_bytes())
        assert f"terraform force-unlock {lock['ID']}" in message
        assert lock["Who"] in message and "OperationTypeApply" in message
        assert path.read_bytes() == before
    finally:
        apply.communicate("no\n", timeout=60)
    # Terraform's own apply was cancelled; it unlocked, and so may we.
    write_state(
        f"tfstate://{path}",
        POLICY,
        lambda c: set_attributes(c, "terraform_data.web", {"triggers_replace": None}),
        who="alice",
    )
    assert parse_state(path.read_bytes()).serial == 2


@needs_terraform
def test_terraform_waits_out_a_lock_driftmgr_holds(applied: Path) -> None:
    path = applied / "terraform.tfstate"
    (applied / "main.tf").write_text(CONFIG % "two")
    seen: dict[str, str] = {}

    def while_locked(current: bytes) -> bytes:
        # terraform, run while driftmgr holds the lock, is refused and names driftmgr.
        result = subprocess.run(
            [TERRAFORM or "terraform", "apply", "-auto-approve", "-no-color", "-input=false"],
            cwd=applied,
            env=_terraform_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        seen["returncode"], seen["output"] = str(result.returncode), result.stdout + result.stderr
        return set_attributes(current, "terraform_data.web", {"triggers_replace": None})

    write_state(f"tfstate://{path}", POLICY, while_locked, who="alice", operation="accept drift")

    assert seen["returncode"] != "0"
    assert "Error acquiring the state lock" in seen["output"]
    assert "alice" in seen["output"] and "accept drift" in seen["output"]
    assert parse_state(path.read_bytes()).serial == 2
    terraform(applied, "apply", "-auto-approve", "-input=false")  # free again


def _read_until(stream: IO[str], marker: str) -> str:
    """Read ``stream`` until ``marker`` shows (the prompt has no newline after it)."""
    seen = ""
    while marker not in seen:
        char = stream.read(1)
        if not char:
            raise AssertionError(f"the process ended before {marker!r}: {seen[-2000:]}")
        seen += char
    return seen
