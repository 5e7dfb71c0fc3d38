"""DRIFTMGR_MAX_STATE_BYTES and DRIFTMGR_FETCH_DEADLINE: defaults, and refusals that name them."""

from __future__ import annotations

import pytest

from driftmgr.settings import ConfigurationError, Settings


def test_defaults_allow_states_of_256_mib_fetched_within_five_minutes() -> None:
    settings = Settings.from_env({})
    assert settings.max_state_bytes == 256 * 1024 * 1024
    assert settings.fetch_deadline == 300.0


def test_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"DRIFTMGR_MAX_STATE_BYTES": "209715200", "DRIFTMGR_FETCH_DEADLINE": "30"}
    )
    assert (settings.max_state_bytes, settings.fetch_deadline) == (200 * 1024 * 1024, 30.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DRIFTMGR_MAX_STATE_BYTES", "1000"),  # below 1 MiB: no real state fits
        ("DRIFTMGR_MAX_STATE_BYTES", "-1"),
        ("DRIFTMGR_MAX_STATE_BYTES", "256MB"),
        ("DRIFTMGR_FETCH_DEADLINE", "nan"),
        ("DRIFTMGR_FETCH_DEADLINE", "inf"),
        ("DRIFTMGR_FETCH_DEADLINE", "0"),
    ],
)
def test_a_malformed_limit_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})
