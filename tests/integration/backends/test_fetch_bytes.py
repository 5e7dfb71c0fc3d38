"""Every state read is counted in bytes, by backend, for /metrics."""

from __future__ import annotations

from pathlib import Path

from driftmgr.adapters.terraform.backends import SourcePolicy, fetch_state
from driftmgr.observability import FETCHED_BYTES


def test_fetched_state_bytes_are_counted_under_their_backend(tmp_path: Path) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_bytes(b'{"version": 4, "resources": []}' + b" " * 1000)
    before = FETCHED_BYTES.snapshot().get(("local",), 0)  # the process's running total

    for _ in range(2):
        assert fetch_state(str(path), SourcePolicy.local()) == path.read_bytes()

    assert FETCHED_BYTES.snapshot()[("local",)] - before == 2 * path.stat().st_size
