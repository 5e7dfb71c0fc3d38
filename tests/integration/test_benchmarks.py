"""Every benchmark still runs: ``benchmarks/*.py --smoke`` exits 0 and prints its ratios.

Nothing else runs the benchmarks, so without this they rot with the code they measure. The
glob picks up a new benchmark on its own; each must accept ``--smoke`` (tiny sizes, one
repeat, the same code paths) and end its output with one JSON line holding at least one
``ratio…`` number (a key starting with "ratio", or anything under such a key).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
#: Smoke runs that take well under 5 s; every other one, a new benchmark too, is marked slow.
QUICK = {"aggregate_load", "drift_engine", "state"}
#: Smoke runs that drive real terraform (init, apply, plan) and so take minutes on a loaded
#: 2-core machine: their limit, in seconds (every other one has 120).
TERRAFORM_DRIVEN = {"vs_terraform": 600}


def ratios(value: Any, *, named: bool = False) -> list[float]:
    """The numbers under keys starting with "ratio", at any depth."""
    if isinstance(value, dict):
        return [
            r for k, v in value.items() for r in ratios(v, named=named or k.startswith("ratio"))
        ]
    if isinstance(value, list):
        return [r for v in value for r in ratios(v, named=named)]
    if named and isinstance(value, int | float) and not isinstance(value, bool):
        return [float(value)]
    return []


def test_the_glob_finds_the_benchmarks() -> None:
    # An empty parametrization would pass vacuously if the directory moved.
    assert len(BENCHMARKS) >= 4, BENCHMARKS


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(
            p,
            id=p.stem,
            marks=()
            if p.stem in QUICK
            else (pytest.mark.slow, pytest.mark.timeout(TERRAFORM_DRIVEN.get(p.stem, 120) + 60)),
        )
        for p in BENCHMARKS
    ],
)
def test_benchmark_smoke_run_prints_its_ratios(script: Path, tmp_path: Path) -> None:
    # A moto fixture's AWS_* settings must not point a benchmark at another test's server;
    # TMPDIR keeps the stores and generated states of the run under this test's tmp_path.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, str(script), "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TERRAFORM_DRIVEN.get(script.stem, 120),
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"no output\n{done.stderr}"
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        pytest.fail(f"the last line is not the JSON result: {lines[-1]!r}")
    found = ratios(result)
    assert found, f"no ratio in the JSON result line: {lines[-1]}"
    assert all(math.isfinite(r) and r > 0 for r in found), found


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_api_benchmark_smoke_run_times_every_route_beside_the_floor(tmp_path: Path) -> None:
    # benchmarks/api.py (issue 13, item 7): four queries and one command against a real
    # `driftmgr serve`, each compared with its own fresh-connection time and with the floor.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "api.py"), "--smoke", "--requests", "8"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout.splitlines()[-1])
    queries = {"healthz", "providers", "states", "audit"}
    assert set(result["ratio_get_p50_kept_alive_over_fresh"]) == queries
    for way in ("kept-alive", "concurrent"):
        assert set(result["ratio_rps_of_floor"][way]) == queries | {"import"}
    assert set(result["rps"]) == queries | {"import", "floor"}
    assert all(isinstance(met, bool) for met in result["goals_met"].values())
