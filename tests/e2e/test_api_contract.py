"""The OpenAPI document is the contract: schemathesis, every check, against `driftmgr serve`.

Issue 13 item 5. Schemathesis generates requests from /schema/openapi.json (valid and
invalid ones, then sequences following the links it infers) and checks each answer: no
5xx, a status and content type the operation documents, a body matching its schema, a
schema-valid request accepted and an invalid one refused, ``405`` with ``Allow`` … The run
is derandomised and bounded so that it gives the same cases each time, in a few minutes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import DRIFTMGR, Ran

SCHEMATHESIS = str(Path(DRIFTMGR).with_name("schemathesis"))
ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent / "contract"
MAX_EXAMPLES = 20
"""Cases per operation and phase: enough to reach every documented refusal."""


@pytest.fixture
def admin_server(data_dir: Path, driftmgr: Callable[..., Ran]) -> Iterator[tuple[str, str, str]]:
    """`driftmgr serve` on a fresh store: its URL, and an admin token (secret, id)."""
    created = driftmgr("token", "create", "--name", "contract", "--role", "admin", "-o", "json")
    assert created.code == 0, created.stderr
    token = created.json()
    process = subprocess.Popen(
        [DRIFTMGR, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # blocks until the server announces itself
    assert "listening on" in line, line
    yield line.split("listening on ", 1)[1].split()[0], token["token"], token["id"]
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 0


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_schemathesis_finds_nothing_with_every_check(
    admin_server: tuple[str, str, str], tmp_path: Path
) -> None:
    url, secret, token_id = admin_server
    done = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            f"{url}/schema/openapi.json",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-deterministic",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--max-response-time",
            "5",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # where schemathesis keeps its cache (.schemathesis)
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "SCHEMATHESIS_HOOKS": "tests.e2e.contract.hooks",
            "DRIFTMGR_CONTRACT_TOKEN_ID": token_id,
        },
        timeout=840,
        check=False,
    )
    output = done.stdout + done.stderr
    cases = re.search(r"(\d+) generated", output)
    print(f"schemathesis: {cases.group(1) if cases else '?'} cases")
    (tmp_path / "output.txt").write_text(output)
    print(output[-3000:])
    assert cases is not None, output[-5000:]
    assert int(cases.group(1)) > 0
    assert done.returncode == 0, output[-20000:]
    # A passing test's prints are swallowed (xdist, -q): a warning reaches CI's summary.
    warnings.warn(
        f"schemathesis --checks all: {cases.group(1)} cases, 0 failures",
        ContractReport,
        stacklevel=1,
    )


class ContractReport(UserWarning):
    """How much of the API schemathesis exercised, for the test summary."""
