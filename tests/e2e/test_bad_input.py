"""Bad input: one clear error line, a non-zero exit, and not a single event written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from demo.aws_drift import REGION

from driftmgr.commands.application import DriftmgrApplication
from driftmgr.settings import Settings
from tests.e2e.conftest import Ran

VALID_STATE = json.dumps(
    {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "x",
        "outputs": {},
        "resources": [],
    }
)


@pytest.fixture(autouse=True)
def _store_exists(existing_store: Path) -> None:
    """Refusals are checked on a store that exists: a new one's key warning is not theirs."""


def events_written(data_dir: Path) -> int:
    with DriftmgrApplication(Settings(data_dir=data_dir)) as app:
        return app.position()


def assert_refused(result: Ran, *fragments: str) -> None:
    assert result.code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def detect(driftmgr: Callable[..., Ran], state: Path, *extra: str, provider: str = "aws") -> Ran:
    scope = ["--provider", provider, "--region", REGION, "--output", "json"]
    return driftmgr("drift", "detect", "--state", str(state), *scope, *extra)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (b'{"version": 4, "serial": 1, "resources": [', ("not valid JSON",)),
        (b"", ("not a Terraform state",)),
        (b'{"name": "my-app", "dependencies": {}}', ("not a Terraform state",)),
        (
            json.dumps(
                {"format_version": "1.2", "planned_values": {}, "resource_changes": []}
            ).encode(),
            ("plan",),
        ),
        (json.dumps({"version": 4, "serial": "seven", "resources": []}).encode(), ("serial",)),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("not UTF-8",)),
    ],
    ids=["truncated", "empty", "package-json", "plan-json", "bad-serial", "binary"],
)
def test_a_file_that_is_not_a_usable_state_is_refused(
    aws: str,
    driftmgr: Callable[..., Ran],
    data_dir: Path,
    tmp_path: Path,
    content: bytes,
    fragments: tuple[str, ...],
) -> None:
    state = tmp_path / "terraform.tfstate"
    state.write_bytes(content)
    assert_refused(detect(driftmgr, state), *fragments)
    assert_refused(driftmgr("state", "import", str(state)), *fragments)
    assert events_written(data_dir) == 0


def test_a_state_file_that_does_not_exist_is_refused(
    aws: str, driftmgr: Callable[..., Ran], data_dir: Path, tmp_path: Path
) -> None:
    assert_refused(detect(driftmgr, tmp_path / "nope.tfstate"), "does not exist")
    assert events_written(data_dir) == 0


def test_an_unknown_provider_is_refused_with_the_supported_ones(
    aws: str, driftmgr: Callable[..., Ran], data_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "terraform.tfstate"
    state.write_text(VALID_STATE)
    assert_refused(detect(driftmgr, state, provider="oracle"), "unknown provider 'oracle'", "aws")
    assert_refused(
        driftmgr("discover", "--provider", "oracle", "--region", "x"), "unknown provider"
    )
    assert events_written(data_dir) == 0


def test_an_unreachable_endpoint_is_refused_before_anything_is_recorded(
    aws: str,
    driftmgr: Callable[..., Ran],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    state = tmp_path / "terraform.tfstate"
    state.write_text(VALID_STATE)
    assert_refused(detect(driftmgr, state), "127.0.0.1:9")
    assert_refused(driftmgr("discover", "--provider", "aws", "--region", REGION), "127.0.0.1:9")
    assert events_written(data_dir) == 0


def test_an_unknown_resource_type_is_refused(
    aws: str, driftmgr: Callable[..., Ran], data_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "terraform.tfstate"
    state.write_text(VALID_STATE)
    result = detect(driftmgr, state, "--type", "aws_nonsense")
    assert_refused(result, "aws_nonsense")
    assert events_written(data_dir) == 0


def test_a_server_that_is_not_there_is_one_clear_line(
    driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    result = driftmgr(
        "--api-url", "http://127.0.0.1:9", "drift", "report", "00000000-0000-0000-0000-000000000000"
    )
    assert_refused(result, "cannot reach the driftmgr API at http://127.0.0.1:9")


def test_a_malformed_database_url_names_the_variable(
    driftmgr: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTMGR_DATABASE_URL", "mysql://nope")
    result = driftmgr("drift", "report", "00000000-0000-0000-0000-000000000000")
    assert_refused(result, "DRIFTMGR_DATABASE_URL")
