"""``driftmgr --config``/``DRIFTMGR_CONFIG`` in a real process (docs/configuration.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_the_cli_and_its_store_honour_the_file(tmp_path: Path) -> None:
    """A real ``driftmgr`` process: the token lands in the store the file names, and a bad
    value is one error line naming the file."""
    path = write(tmp_path, 'data_dir = "from-file"\nactor = "file@test"\n', name="conf.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTMGR_")}
    driftmgr = str(Path(sys.executable).with_name("driftmgr"))
    done = subprocess.run(
        [driftmgr, "--config", str(path), "token", "create", "--name", "ci", "--role", "viewer"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-file" / "events.sqlite3").exists()
    path.write_text("job_lease_seconds = 0\n")
    done = subprocess.run(
        [driftmgr, "token", "list"],
        env={**env, "DRIFTMGR_CONFIG": str(path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: {path}: job_lease_seconds: '0' is not a number of seconds from 1 to 86400"
    )
    path.write_text('data_dir = "x"\njob_lease_seconds = ]\n')
    done = subprocess.run(
        [driftmgr, "--config", str(path), "token", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not valid TOML" in done.stderr and "line 2, column 21" in done.stderr


def test_serve_honours_the_file(tmp_path: Path) -> None:
    """The store and the accepted Host names of `serve` come from the file."""
    path = write(
        tmp_path, 'data_dir = "served"\nserve_hosts = ["drift.example.com"]\n', "conf.toml"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTMGR_")}
    driftmgr = str(Path(sys.executable).with_name("driftmgr"))
    process = subprocess.Popen(
        [driftmgr, "serve", "--port", "0", "--config", str(path)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()
        assert "listening on" in line, line + process.stderr.read()
        url = line.split("listening on ", 1)[1].split()[0]
        named = httpx.get(f"{url}/healthz", headers={"Host": "drift.example.com"})
        other = httpx.get(f"{url}/healthz", headers={"Host": "elsewhere.example.com"})
        assert named.status_code == 200, named.text
        assert other.status_code != 200
        assert (tmp_path / "served" / "events.sqlite3").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
