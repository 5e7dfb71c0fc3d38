"""Encrypted at rest with no setting: the CLI creates the key once, says so once, and refuses
a run with another key in one line — after which the store still works."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Ran

STATE = Path(__file__).parents[1] / "data" / "terraform" / "states" / "default.tfstate"


def stored_states(data_dir: Path) -> list[bytes]:
    with sqlite3.connect(data_dir / "events.sqlite3") as conn:
        return [bytes(row[0]) for row in conn.execute("SELECT state FROM stored_events")]


def contents(data_dir: Path) -> dict[str, object]:
    """What the store holds — every row of both databases — and the key file's bytes.

    Rows, not file bytes: opening a database may fold a write-ahead log an earlier run left
    behind into the database file, which changes its bytes but none of its rows.
    """
    dumps: dict[str, object] = {"key": (data_dir / "cipher.key").read_bytes()}
    for name in ("events", "views"):
        conn = sqlite3.connect(data_dir / f"{name}.sqlite3")
        try:
            dumps[name] = list(conn.iterdump())
        finally:
            conn.close()
    return dumps


def test_a_fresh_store_gets_a_key_with_one_warning_and_refuses_another_key(
    driftmgr: Callable[..., Ran], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = driftmgr("state", "import", str(STATE))
    assert first.code == 0, first.stderr
    key_file = data_dir / "cipher.key"
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, first.stderr
    assert str(key_file.resolve()) in warnings[0] and "back this file up" in warnings[0]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    states = stored_states(data_dir)
    assert states and not any(_zlib_opens(s) for s in states)  # encrypted, not just compressed

    again = driftmgr("state", "import", str(STATE))
    assert again.code == 0, again.stderr
    assert "warning: " not in again.stderr and "cipher.key" not in again.stderr

    before = contents(data_dir)
    monkeypatch.setenv("DRIFTMGR_CIPHER_KEY", base64.b64encode(os.urandom(32)).decode())
    refused = driftmgr("state", "list")
    assert refused.code == 1, (refused.stdout, refused.stderr)
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("error: ") and "encrypted with another key" in lines[0]
    assert "DRIFTMGR_CIPHER_KEY" in lines[0] and "Traceback" not in refused.stderr
    assert contents(data_dir) == before

    monkeypatch.delenv("DRIFTMGR_CIPHER_KEY")
    listed = driftmgr("state", "list", "--output", "json")
    assert listed.code == 0, listed.stderr
    assert listed.stderr == ""
    assert len(listed.json()) == 1


def _zlib_opens(payload: bytes) -> bool:
    try:
        zlib.decompress(payload)
    except zlib.error:
        return False
    return True
