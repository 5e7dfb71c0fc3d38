"""`driftmgr schedule add|list|remove`: a drift detection the server repeats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Ran
from tests.support.fakes import state_with_vpcs


def test_a_schedule_is_added_listed_and_removed(
    driftmgr: Callable[..., Ran], existing_store: Path, tmp_path: Path
) -> None:
    state = tmp_path / "envs" / "prod.tfstate"
    state.parent.mkdir()
    state.write_text(state_with_vpcs(("vpc-1", "10.0.0.0/16")))
    (tmp_path / "rules").write_text("aws_iam_*\n")

    added = driftmgr(
        "schedule", "add", "--every", "4h", "-o", "json",
        "drift", "detect", "--state", str(state), "--provider", "aws",
        "--region", "eu-west-1", "--driftignore", str(tmp_path / "rules"),
    )  # fmt: skip
    assert added.code == 0, added.stderr
    schedule_id = added.json()["id"]

    listed = driftmgr("schedule", "list", "-o", "json")
    assert listed.code == 0, listed.stderr
    [schedule] = listed.json()
    assert schedule["id"] == schedule_id
    assert schedule["every_seconds"] == 4 * 3600
    detect = schedule["detect"]
    # The command drift detect would send, naming the state's source, not its content.
    assert detect["providers"] == ["aws"] and detect["regions"] == ["eu-west-1"]
    assert detect["ignore"] == ["aws_iam_*"]
    assert detect["states"] == [{"source": str(state), "content": None, "workspaces": False}]

    table = driftmgr("schedule", "list")
    assert table.code == 0, table.stderr
    header, row = table.stdout.splitlines()[:2]
    assert header.split()[:2] == ["ID", "EVERY"]
    assert row.split()[:3] == [schedule_id, "4h", str(state)]

    removed = driftmgr("schedule", "remove", schedule_id)
    assert removed.code == 0, removed.stderr
    assert driftmgr("schedule", "list", "-o", "json").json() == []
    [gone] = driftmgr("schedule", "list", "--all", "-o", "json").json()
    assert gone["removed_at"] is not None and gone["next_due_at"] is None

    again = driftmgr("schedule", "remove", schedule_id)
    assert again.code == 1 and "already removed" in again.stderr


def test_a_schedule_needs_a_drift_detect_command_and_a_period(
    driftmgr: Callable[..., Ran], existing_store: Path
) -> None:
    no_command = driftmgr("schedule", "add", "--every", "1h", "discover", "--provider", "aws")
    assert no_command.code == 1 and "drift detect" in no_command.stderr
    bad_period = driftmgr(
        "schedule",
        "add",
        "--every",
        "often",
        "drift",
        "detect",
        "--state",
        "x",
        "--provider",
        "aws",
    )
    assert bad_period.code == 1 and "often" in bad_period.stderr
    too_short = driftmgr(
        "schedule", "add", "--every", "0.5s",
        "drift", "detect", "--state", "tfstate+s3://b/k", "--provider", "aws",
    )  # fmt: skip
    assert too_short.code == 1 and "1 s or more" in too_short.stderr
