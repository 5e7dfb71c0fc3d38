"""Sink configuration: what the operator may write, and the errors for what they may not."""

from __future__ import annotations

from typing import Any

import pytest

from driftmgr.notifications.config import KINDS, parse_sinks
from driftmgr.settings import ConfigurationError

ENV = {"HOOK_SECRET": "x" * 32, "SLACK_URL": "https://hooks.slack.com/services/T/B/X"}


def sink(**fields: Any) -> dict[str, Any]:
    return {
        "name": "ops",
        "url": "https://hooks.example.com/d",
        "secret_env": "HOOK_SECRET",
        **fields,
    }


def parse(*items: dict[str, Any]) -> Any:
    return parse_sinks(list(items), source="driftmgr.toml notifications", environ=ENV)


def test_a_webhook_sink_defaults_to_every_kind() -> None:
    [parsed] = parse(sink())
    assert parsed.format == "webhook" and parsed.on == KINDS
    assert parsed.secret(ENV) == ENV["HOOK_SECRET"].encode()


def test_a_slack_sink_may_take_its_url_from_the_environment() -> None:
    [parsed] = parse({"name": "chat", "format": "slack", "url_env": "SLACK_URL"})
    assert parsed.resolve_url(ENV) == ENV["SLACK_URL"] and parsed.secret(ENV) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"format": "email"}, "Invalid enum value 'email'"),
        ({"secret_env": None}, "a webhook sink needs secret_env"),
        ({"secret_env": "UNSET_SECRET"}, "UNSET_SECRET \\(secret_env\\) is unset"),
        ({"secret_env": "s3cr3t value!"}, "secret_env is the NAME of an environment variable"),
        ({"url": "http://hooks.example.com/d"}, "url must be an https:// URL"),
        ({"url": "ftp://127.0.0.1/d"}, "url must be an https:// URL"),
        ({"on": ["drift_found", "drift_exploded"]}, "Invalid enum value 'drift_exploded'"),
        ({"on": []}, "on is empty"),
        ({"url_env": "SLACK_URL"}, "set exactly one of url and url_env"),
        ({"name": "Ops Team"}, "name must be 1-64 lower-case"),
        ({"colour": "red"}, "unknown field `colour`"),
    ],
)
def test_a_bad_sink_is_refused_naming_it(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^driftmgr.toml notifications.*{expected}"):
        parse(sink(**fields))


def test_http_is_allowed_to_a_loopback_receiver_only() -> None:
    for url in ("http://127.0.0.1:9000/h", "http://localhost/h", "http://[::1]:80/h"):
        assert parse(sink(url=url))[0].url == url


def test_a_slack_url_in_the_environment_is_checked_without_being_quoted() -> None:
    env = {**ENV, "SLACK_URL": "http://hooks.slack.com/services/T/B/SECRET"}
    with pytest.raises(ConfigurationError) as raised:
        parse_sinks(
            [{"name": "chat", "format": "slack", "url_env": "SLACK_URL"}], source="s", environ=env
        )
    assert "SECRET" not in str(raised.value) and "the URL in SLACK_URL" in str(raised.value)


def test_two_sinks_cannot_share_a_name() -> None:
    with pytest.raises(ConfigurationError, match="another sink has the name 'ops'"):
        parse(sink(), sink())


def test_sinks_must_be_a_list() -> None:
    with pytest.raises(ConfigurationError, match="expected a list of sinks"):
        parse_sinks({"name": "ops"}, source="DRIFTMGR_NOTIFICATIONS", environ=ENV)
