"""`driftmgr providers`: what a user asks before writing `--type`: which clouds, which types."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from driftmgr.adapters.providers.aws import ENUMERATORS
from driftmgr.bootstrap import default_providers
from tests.e2e.conftest import DRIFTMGR, Ran

#: Issue 15's floor: how many types each cloud lists at least.
AT_LEAST = {"aws": 100, "azurerm": 15, "google": 15, "digitalocean": 12}


def supported() -> dict[str, list[str]]:
    return {
        name: sorted(factory().supported_types)
        for name, factory in sorted(default_providers().items())
    }


def test_providers_lists_every_type_of_every_cloud_driftmgr_scans(
    driftmgr: Callable[..., Ran],
) -> None:
    ran = driftmgr("providers", "-o", "json")
    assert ran.code == 0, ran.stderr
    listed = ran.json()
    assert list(listed) == sorted(AT_LEAST)
    assert {name: entry["types"] for name, entry in listed.items()} == supported()
    assert listed["aws"]["types"] == sorted(ENUMERATORS)
    for name, floor in AT_LEAST.items():
        types = listed[name]["types"]
        assert len(types) >= floor, (name, len(types))
        assert all(t.startswith(f"{name}_") for t in types), name


def test_providers_as_a_table_has_one_row_per_type(driftmgr: Callable[..., Ran]) -> None:
    ran = driftmgr("providers")
    assert ran.code == 0, ran.stderr
    header, *lines = ran.stdout.splitlines()
    assert header.split() == ["PROVIDER", "TYPE"]
    rows = [line.split() for line in lines if line.strip()]
    assert {tuple(r) for r in rows} == {(p, t) for p, types in supported().items() for t in types}


def test_a_reader_that_stops_early_gets_no_error(tmp_path: Path) -> None:
    # `driftmgr providers | head -1`: the pipe closes after the first line.
    ran = subprocess.run(
        f"{shlex.quote(DRIFTMGR)} providers | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DRIFTMGR_DATA_DIR": str(tmp_path / "store")},
    )
    assert ran.stdout.split() == ["PROVIDER", "TYPE"]
    # (A new store says where its key is; nothing else is said.)
    assert "error" not in ran.stderr.lower(), ran.stderr
