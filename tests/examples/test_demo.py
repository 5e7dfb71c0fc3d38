"""`make demo` keeps its promise: real drift of every kind, found through the real pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_demo_finds_modified_missing_and_unmanaged_resources(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
    demo = ROOT / "docs" / "examples" / "demo" / "aws_drift.py"
    done = subprocess.run(
        [sys.executable, str(demo)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = done.stdout.split("--region us-east-1\n")[-1]
    for kind in ("modified", "missing", "unmanaged"):
        assert f"\n{kind} " in report, report
    assert "3 modified, 1 missing, 1 unmanaged" in report
    assert "before the changes 0 (no drift), after 2 (drift found)" in done.stdout


def test_the_demo_with_serve_prints_the_dashboard_and_a_token_that_opens_it(
    tmp_path: Path,
) -> None:
    import signal

    import httpx

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTMGR_"))}
    env["DRIFTMGR_DEMO_PORT"] = "0"  # a free port
    demo = ROOT / "docs" / "examples" / "demo" / "aws_drift.py"
    process = subprocess.Popen(
        [sys.executable, str(demo), "--serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        seen = []
        for line in process.stdout:  # ends if the demo exits early
            seen.append(line)
            if line.startswith("The dashboard: "):
                url = line.removeprefix("The dashboard: ").strip()
                break
        else:
            raise AssertionError("".join(seen) + (process.stderr.read() if process.stderr else ""))
        next(process.stdout)  # "Log in with this admin token …"
        token = next(process.stdout).strip()
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and 'src="/assets/app.js"' in page.text
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}api/v1/me", headers=auth, timeout=30).json()["role"] == "admin"
        runs = httpx.get(f"{url}api/v1/drift-runs", headers=auth, timeout=30).json()
        summaries = [r["summary"] for r in runs if r["summary"]]
        assert any(s["modified"] == 3 and s["missing"] == 1 for s in summaries), runs
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
