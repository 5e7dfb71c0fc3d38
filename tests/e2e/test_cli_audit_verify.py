"""`driftmgr audit verify` as a user runs it: exit 0 on an intact log, 1 naming the first
broken position, a JSON object with ``-o json``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Ran

STATE = Path(__file__).parents[1] / "data" / "terraform" / "states" / "default.tfstate"


def test_verify_exits_0_on_an_intact_log_and_1_at_the_first_broken_position(
    driftmgr: Callable[..., Ran], data_dir: Path
) -> None:
    # A checkpoint every 2 events, so this small log has one.
    imported = driftmgr(
        "state", "import", str(STATE), env={"DRIFTMGR_AUDIT_CHECKPOINT_INTERVAL": "2"}
    )
    assert imported.code == 0, imported.stderr

    intact = driftmgr("audit", "verify")
    assert intact.code == 0, intact.stderr
    [line] = intact.stdout.splitlines()
    assert line.endswith("events verified, chain intact, last checkpoint at 2"), line
    assert driftmgr("audit", "verify", "-o", "json").json()["ok"] is True

    with sqlite3.connect(data_dir / "events.sqlite3") as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE rowid = 1").fetchone()
        damaged = bytes([state[0] ^ 0x01]) + bytes(state[1:])
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 1", (damaged,))

    broken = driftmgr("audit", "verify")
    assert broken.code == 1
    assert broken.stdout.splitlines() == [
        "log broken at position 1: its stored bytes were changed"
    ], broken.stdout
    assert "Traceback" not in broken.stderr
    report = driftmgr("audit", "verify", "-o", "json")
    assert report.code == 1
    assert report.json()["broken_at"] == 1 and report.json()["problem"] == "changed"


def test_verify_without_a_store_is_one_line(driftmgr: Callable[..., Ran], data_dir: Path) -> None:
    missing = driftmgr("audit", "verify")
    assert missing.code == 1
    assert missing.stderr.strip().splitlines() == [
        f"error: no event store at {data_dir.resolve() / 'events.sqlite3'}"
    ]
    assert not data_dir.exists()
