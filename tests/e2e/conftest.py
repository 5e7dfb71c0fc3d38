"""End-to-end helpers: the driftmgr CLI as a user runs it, against the moto server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.support.report_contract import contract_problems
from tests.support.secrets import PLANTED

DRIFTMGR = str(Path(sys.executable).with_name("driftmgr"))
#: `driftmgr serve` on a free port: it announces the address it bound on stderr.
SERVE = ("serve", "--port", "0")


class Running(NamedTuple):
    process: subprocess.Popen[str]
    url: str
    """The address a `serve` announced ("" for a process that serves nothing)."""


@contextmanager
def running(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    ready: str = "listening on",
    check_exit: bool = False,
) -> Iterator[Running]:
    """`driftmgr ARGS` in a subprocess, once its first stderr line says ``ready`` (the
    process has started, no sleeping); stopped with SIGTERM afterwards if still running,
    and with ``check_exit`` its exit code must then be 0."""
    process = subprocess.Popen(
        [DRIFTMGR, *args],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ if env is None else env),
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()  # blocks until the process announces itself
        ended = process.poll() is not None
        assert ready in line, line + (process.stderr.read() if ended else "")
        url = line.split("listening on ", 1)[1].split()[0] if "listening on " in line else ""
        yield Running(process, url)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
            assert not check_exit or code == 0, f"driftmgr {' '.join(args)} exited {code}"


#: Values the test states mark sensitive (tests/data/terraform: `sensitive()` inputs and the
#: `db_password` output), and the secrets tests/support/secrets.py plants in states and in the
#: cloud. No command output and no API response may ever contain them.
SECRETS = ("s3cret-default", "s3cret-staging", "t0ken-default", "t0ken-staging", *PLANTED)


def assert_no_secrets(text: str, where: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where} leaked sensitive values {leaked}"


def guard_responses(client: Any) -> Any:
    """Make an httpx-based client check every response body for sensitive values."""

    def guard(response: Any) -> None:
        response.read()
        assert_no_secrets(response.text, f"{response.request.method} {response.request.url}")

    client.event_hooks = {"response": [guard]}
    return client


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def report(self) -> dict[str, Any]:
        """stdout as a drift report (``--output json``), checked against its contract."""
        return assert_matches_contract(self.json())


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store"
    monkeypatch.setenv("DRIFTMGR_DATA_DIR", str(path))
    monkeypatch.setenv("DRIFTMGR_ACTOR", "e2e@test")
    monkeypatch.delenv("DRIFTMGR_API_URL", raising=False)
    monkeypatch.delenv("DRIFTMGR_TOKEN", raising=False)
    monkeypatch.delenv("DRIFTMGR_DATABASE_URL", raising=False)
    monkeypatch.delenv("DRIFTMGR_CIPHER_KEY", raising=False)
    return path


@pytest.fixture
def existing_store(data_dir: Path) -> Path:
    """The data folder with its store already created (and its key), so that a command's
    stderr holds only what that command says, not the new key's back-up warning."""
    from driftmgr.commands.application import DriftmgrApplication
    from driftmgr.settings import Settings

    with DriftmgrApplication(Settings(data_dir=data_dir)):
        pass
    return data_dir


@pytest.fixture
def driftmgr(data_dir: Path) -> Callable[..., Ran]:
    """Run the installed `driftmgr` console script in a subprocess with this test's env."""

    def run(*args: str, timeout: float = 120, env: Mapping[str, str] | None = None) -> Ran:
        done = subprocess.run(
            [DRIFTMGR, *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
            check=False,
        )
        assert_no_secrets(done.stdout + done.stderr, f"driftmgr {' '.join(args)}")
        return Ran(done.returncode, done.stdout, done.stderr)

    return run


def assert_matches_contract(report: Any) -> dict[str, Any]:
    """Fail unless ``report`` is a drift report as docs/drift-report.md describes it (checked
    against docs/schemas/drift-report.v1.json); return it, to read on."""
    problems = contract_problems(report)
    assert not problems, "the drift report breaks its contract:\n" + "\n".join(problems)
    result: dict[str, Any] = report
    return result


def kinds(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for drift in report["drifts"]:
        found.setdefault(drift["kind"], set()).add(drift["address"] or drift["id"])
    return found
