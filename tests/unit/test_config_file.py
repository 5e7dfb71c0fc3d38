"""``driftmgr.toml`` < environment < flags: the layers, and clear errors naming the file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr import config_file
from driftmgr.cli import _parser
from driftmgr.config_file import activate, config_notices, load_settings, read_config_file
from driftmgr.settings import ConfigurationError


def write(tmp_path: Path, text: str, name: str = "driftmgr.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def process_environ() -> Iterator[None]:
    """``activate`` writes to ``os.environ`` (the CLI process's): put it back afterwards."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("DRIFTMGR_")]:
        del os.environ[name]
    try:
        yield
    finally:
        config_file._SET.clear()
        config_file._ACTIVE.clear()
        os.environ.clear()
        os.environ.update(saved)


def test_the_file_supplies_every_kind_of_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        data_dir = "store"
        job_lease_seconds = 45
        fetch_deadline = 12.5
        snapshot_interval = 0
        allowed_hosts = ["states.example.com", "*.corp.example"]
        state_roots = ["roots/a", "/srv/b"]
        remediation_defaults = { modified = "accept", unmanaged = "quarantine" }
        """,
    )
    settings = load_settings({}, config=str(path))
    assert settings.data_dir == tmp_path / "store"  # relative to the file
    assert settings.job_lease_seconds == 45.0
    assert settings.fetch_deadline == 12.5
    assert settings.snapshot_interval == 0
    assert settings.allowed_hosts == ("states.example.com", "*.corp.example")
    assert settings.state_roots == (tmp_path / "roots/a", Path("/srv/b"))
    assert settings.remediation_defaults == (("modified", "accept"), ("unmanaged", "quarantine"))


def test_the_environment_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'job_lease_seconds = 45\napproval_severity = "low"\n')
    settings = load_settings({"DRIFTMGR_JOB_LEASE_SECONDS": "60"}, config=str(path))
    assert settings.job_lease_seconds == 60.0
    assert settings.approval_severity == "low"


def test_the_file_is_found_by_variable_or_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = write(tmp_path, "snapshot_interval = 7\n", name="elsewhere.toml")
    assert load_settings({"DRIFTMGR_CONFIG": str(named)}).snapshot_interval == 7
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).snapshot_interval == 50  # no ./driftmgr.toml
    write(tmp_path, "snapshot_interval = 9\n")
    assert load_settings({}).snapshot_interval == 9


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"missing\.toml does not exist"):
        load_settings({"DRIFTMGR_CONFIG": str(tmp_path / "missing.toml")})


def test_an_invalid_value_from_the_file_is_named_by_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'approval_severity = "severe"\n')
    with pytest.raises(ConfigurationError) as raised:
        load_settings({}, config=str(path))
    assert str(raised.value).startswith(f"{path}: approval_severity: 'severe' is not one of")
    assert "DRIFTMGR_" not in str(raised.value)
    # The same value from the environment names the variable.
    with pytest.raises(ConfigurationError, match=r"^DRIFTMGR_APPROVAL_SEVERITY"):
        load_settings({"DRIFTMGR_APPROVAL_SEVERITY": "severe"}, config=str(path))


def test_an_unknown_key_names_the_nearest_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, "job_lease_second = 30\n")
    with pytest.raises(
        ConfigurationError,
        match=r"unknown key 'job_lease_second' \(did you mean job_lease_seconds\?\)",
    ):
        read_config_file(path)


def test_the_token_is_not_read_from_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DRIFTMGR_TOKEN"):
        read_config_file(write(tmp_path, 'token = "dmt_x"\n'))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('job_lease_seconds = "30"', "job_lease_seconds must be a number, not a string"),
        ("snapshot_interval = 1.5", "snapshot_interval must be an integer, not a number"),
        ("snapshot_interval = true", "snapshot_interval must be an integer, not a boolean"),
        ('allowed_hosts = "a.example"', "allowed_hosts must be a list of strings, not a string"),
        ("data_dir = 3", "data_dir must be a string, not a number"),
        ('notifications = "x"', "notifications must be an array of tables"),
        ("remediation_defaults = [1]", "remediation_defaults must be a table of strings"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error(tmp_path: Path, line: str, expected: str) -> None:
    path = write(tmp_path, line + "\n")
    with pytest.raises(ConfigurationError, match=expected):
        read_config_file(path)


def test_malformed_toml_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "x"\njob_lease_seconds = \n')
    with pytest.raises(ConfigurationError, match=r"not valid TOML: .*line 2, column 21"):
        read_config_file(path)


def test_a_secret_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    key = "k" * 40
    path = write(tmp_path, f'audit_key = "{key}"\ndatabase_url = "postgresql://u:pw@db/x"\n')
    assert read_config_file(path).notices == ()
    path.chmod(0o644)
    [notice] = read_config_file(path).notices
    assert "audit_key, database_url (its password)" in notice and "chmod 600" in notice
    assert key not in notice and "pw" not in notice
    settings = load_settings({}, config=str(path))
    assert config_notices(settings) == (notice,)


def test_notification_sinks_come_from_the_file_as_from_the_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[notifications]]
        name = "ops"
        url = "https://hooks.example.com/driftmgr"
        secret_env = "OPS_HOOK_SECRET"
        on = ["drift_found", "run_failed"]
        regions = ["eu-west-1"]
        """,
    )
    env = {"OPS_HOOK_SECRET": "x" * 32}
    [sink] = load_settings(env, config=str(path)).notifications
    assert (sink.name, sink.on, sink.regions) == (
        "ops",
        ("drift_found", "run_failed"),
        ("eu-west-1",),
    )
    variable = read_config_file(path).environ["DRIFTMGR_NOTIFICATIONS"]
    assert load_settings({**env, "DRIFTMGR_NOTIFICATIONS": variable}).notifications == (sink,)


def test_a_sink_error_from_the_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[[notifications]]\nname = "ops"\nurl = "http://hooks.example.com"\n')
    with pytest.raises(
        ConfigurationError, match=rf"^{path}: notifications sink 'ops': url must be an https"
    ):
        load_settings({}, config=str(path))


@given(st.integers(min_value=1, max_value=86400))
def test_a_number_means_the_same_in_the_file_and_the_environment(seconds: int) -> None:
    assert config_file._to_environ(Path("f.toml"), "job_lease_seconds", seconds) == str(seconds)


class TestFlags:
    """Flags beat the environment, which beats the file (the CLI's layered defaults)."""

    def test_file_then_environment_then_flag(self, tmp_path: Path, process_environ: None) -> None:
        path = write(tmp_path, 'log_format = "json"\napi_url = "http://from-file:8000"\n')
        activate(["--config", str(path), "providers"])
        args = _parser().parse_args(["--config", str(path), "providers"])
        assert (args.log_format, args.api_url) == ("json", "http://from-file:8000")

        os.environ["DRIFTMGR_LOG_FORMAT"] = "text"
        os.environ["DRIFTMGR_API_URL"] = "http://from-env:8000"
        activate(["--config", str(path), "providers"])
        args = _parser().parse_args(["--config", str(path), "providers"])
        assert (args.log_format, args.api_url) == ("text", "http://from-env:8000")

        argv = ["--config", str(path), "--api-url", "http://flag:8000", "providers"]
        activate(argv)
        args = _parser().parse_args([*argv, "--log-format", "json"])
        assert (args.log_format, args.api_url) == ("json", "http://flag:8000")

    def test_a_new_activation_forgets_the_previous_file(
        self, tmp_path: Path, process_environ: None
    ) -> None:
        first = write(tmp_path, 'log_format = "json"\n', name="first.toml")
        activate(["--config", str(first)])
        assert os.environ["DRIFTMGR_LOG_FORMAT"] == "json"
        activate([])
        assert "DRIFTMGR_LOG_FORMAT" not in os.environ
        assert "DRIFTMGR_CONFIG" not in os.environ

    def test_the_flag_beats_the_variable_naming_a_file(
        self, tmp_path: Path, process_environ: None
    ) -> None:
        os.environ["DRIFTMGR_CONFIG"] = str(write(tmp_path, "snapshot_interval = 1\n", "a.toml"))
        chosen = write(tmp_path, "snapshot_interval = 2\n", "b.toml")
        activate(["--config", str(chosen)])
        assert load_settings().snapshot_interval == 2
