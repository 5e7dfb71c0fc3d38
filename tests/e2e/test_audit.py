"""The audit log as users read it: several people work on one store (``DRIFTMGR_ACTOR``, as
the in-process CLI attributes its actions), then ``audit log`` says who did what when, and
``audit export`` writes the same events as JSON lines and CSV."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from driftmgr.cli.audit import CSV_COLUMNS
from tests.e2e.conftest import Ran, assert_no_secrets

STATES = Path(__file__).parents[1] / "data" / "terraform" / "states"


def as_actor(driftmgr: Callable[..., Ran], actor: str, *args: str) -> Ran:
    ran = driftmgr(*args, env={"DRIFTMGR_ACTOR": actor})
    assert ran.code == 0, (args, ran.stderr)
    return ran


def test_the_log_says_who_did_what_when_and_exports_round_trip(
    driftmgr: Callable[..., Ran], existing_store: Path, tmp_path: Path
) -> None:
    for name in ("default", "staging"):
        shutil.copy(STATES / f"{name}.tfstate", tmp_path / f"{name}.tfstate")
    alice = as_actor(
        driftmgr, "alice@ops", "state", "import", str(tmp_path / "default.tfstate"), "-o", "json"
    )
    alices_state = alice.json()["id"]
    before_bob = as_actor(driftmgr, "carol@ops", "audit", "log", "-o", "json").json()["events"]
    assert {e["actor"] for e in before_bob} == {"alice@ops"}
    since = before_bob[-1]["time"]

    as_actor(driftmgr, "bob@ops", "state", "import", str(tmp_path / "staging.tfstate"))
    as_actor(driftmgr, "bob@ops", "state", "untrack", alices_state, "--reason", "moved to infra-2")

    again = driftmgr("state", "untrack", alices_state, env={"DRIFTMGR_ACTOR": "bob@ops"})
    assert again.code == 1
    assert again.stderr.strip() == (
        f"error: state {alices_state} (tfstate://{tmp_path / 'default.tfstate'}) is not tracked"
    )
    unknown = driftmgr("state", "untrack", "00000000-0000-4000-8000-000000000000")
    assert unknown.code == 1 and "no StateFile with id" in unknown.stderr
    listed = as_actor(driftmgr, "bob@ops", "state", "list", "-o", "json").json()
    assert [s["id"] for s in listed] != [] and alices_state not in [s["id"] for s in listed]

    bob = as_actor(
        driftmgr, "carol@ops", "audit", "log", "--actor", "bob@ops", "--since", since, "-o", "json"
    ).json()
    assert bob["next"] is None
    assert [e["event_type"] for e in bob["events"]] == [
        "Tracked",
        "Imported",
        "Analyzed",
        "Untracked",
    ]
    assert {e["actor"] for e in bob["events"]} == {"bob@ops"}
    assert all(
        datetime.fromisoformat(e["time"]) >= datetime.fromisoformat(since) for e in bob["events"]
    )
    untracked = bob["events"][-1]
    assert untracked["aggregate_id"] == alices_state
    assert untracked["summary"] == (
        f"bob@ops stopped tracking state {alices_state[:8]}…: moved to infra-2"
    )
    # The untracked state's history is still there, with whoever wrote it.
    history = as_actor(
        driftmgr, "carol@ops", "audit", "log", "--aggregate-id", alices_state, "-o", "json"
    ).json()["events"]
    assert [(e["actor"], e["event_type"]) for e in history] == [
        ("alice@ops", "Tracked"),
        ("alice@ops", "Imported"),
        ("alice@ops", "Analyzed"),
        ("bob@ops", "Untracked"),
    ]
    table = as_actor(driftmgr, "carol@ops", "audit", "log", "--actor", "bob@ops", "--since", "1h")
    assert "bob@ops stopped tracking state" in table.stdout
    assert "alice@ops" not in table.stdout

    every = as_actor(driftmgr, "carol@ops", "audit", "log", "--limit", "1000", "-o", "json").json()
    assert every["next"] is None
    positions = [e["position"] for e in every["events"]]
    assert len(positions) == 7

    jsonl, table_csv = tmp_path / "audit.jsonl", tmp_path / "audit.csv"
    exported = as_actor(
        driftmgr, "carol@ops", "audit", "export", "--format", "jsonl", "--out", str(jsonl)
    )
    assert exported.stderr.strip() == f"wrote 7 events to {jsonl}"
    as_actor(driftmgr, "carol@ops", "audit", "export", "--format", "csv", "--out", str(table_csv))
    assert_no_secrets(jsonl.read_text() + table_csv.read_text(), "audit export")

    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert lines == every["events"]
    with table_csv.open(newline="") as file:
        rows: list[dict[str, Any]] = list(csv.DictReader(file))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [int(r["position"]) for r in rows] == positions
    assert [json.loads(r["payload"]) for r in rows] == [e["payload"] for e in every["events"]]
    assert [r["actor"] for r in rows] == [e["actor"] for e in every["events"]]


def test_bad_input_is_one_line(driftmgr: Callable[..., Ran], existing_store: Path) -> None:
    for args, message in (
        (("audit", "log", "--since", "last tuesday"), "'last tuesday' is not a time"),
        (("audit", "log", "--aggregate-type", "Plan"), "unknown aggregate type 'Plan'"),
        (("audit", "log", "--aggregate-id", "x"), "--aggregate-id 'x' is not an id"),
        (("audit", "log", "--limit", "0"), "--limit must be at least 1"),
        (
            ("audit", "export", "--format", "csv", "--out", str(existing_store / "no" / "x.csv")),
            "cannot write",
        ),
    ):
        ran = driftmgr(*args)
        assert ran.code == 1, (args, ran.stdout)
        assert ran.stderr.startswith("error: ") and message in ran.stderr, (args, ran.stderr)
        assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
        assert "Traceback" not in ran.stderr
