"""Which hosts `serve` answers, what counts as loopback, and the access settings' checks."""

from __future__ import annotations

import pytest

from driftmgr.http.auth import _host_allowed, is_loopback, serve_hosts
from driftmgr.settings import ConfigurationError, Settings


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "example.com", "", "localhost.evil"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_serve_answers_its_address_localhost_and_the_configured_names() -> None:
    settings = Settings.from_env(
        {
            "DRIFTMGR_SERVE_HOSTS": "Drift.Example.com, [fd00::1]:8443, 10.0.0.5",
            "DRIFTMGR_ACTOR": "x",
        }
    )
    allowed = serve_hosts(settings, host="0.0.0.0", port=8000)
    for host in (
        "127.0.0.1:8000",
        "localhost:8000",
        "[::1]:8000",
        "drift.example.com",
        "DRIFT.example.com:443",
        "[fd00::1]:8443",
        "10.0.0.5:8000",
    ):
        assert _host_allowed(host, allowed), host
    for host in (
        "0.0.0.0:8000",
        "localhost:8001",
        "localhost",
        "evil.example",
        "drift.example.com.evil",
        "[fd00::1]:9999",
        "",
    ):
        assert not _host_allowed(host, allowed), host
    on_80 = serve_hosts(Settings(), host="::1", port=80)
    assert _host_allowed("localhost", on_80) and _host_allowed("[::1]:80", on_80)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DRIFTMGR_OIDC_ISSUER": "https://idp"}, "DRIFTMGR_OIDC_AUDIENCE, DRIFTMGR_OIDC_JWKS"),
        (
            {
                "DRIFTMGR_OIDC_ISSUER": "https://i",
                "DRIFTMGR_OIDC_AUDIENCE": "a",
                "DRIFTMGR_OIDC_JWKS": "http://i/k",
            },
            "DRIFTMGR_OIDC_JWKS",
        ),
        ({"DRIFTMGR_CORS_ORIGINS": "*"}, "DRIFTMGR_CORS_ORIGINS"),
        ({"DRIFTMGR_CORS_ORIGINS": "https://ui.example/path"}, "DRIFTMGR_CORS_ORIGINS"),
        ({"DRIFTMGR_CORS_ORIGINS": "ui.example"}, "DRIFTMGR_CORS_ORIGINS"),
        ({"DRIFTMGR_SERVE_HOSTS": "http://drift.example"}, "DRIFTMGR_SERVE_HOSTS"),
        ({"DRIFTMGR_SERVE_HOSTS": "a b"}, "DRIFTMGR_SERVE_HOSTS"),
    ],
)
def test_malformed_access_settings_name_their_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Settings.from_env({**env, "DRIFTMGR_ACTOR": "x"})


def test_access_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "DRIFTMGR_ACTOR": "x",
            "DRIFTMGR_OIDC_ISSUER": "https://idp.example",
            "DRIFTMGR_OIDC_AUDIENCE": "driftmgr",
            "DRIFTMGR_OIDC_JWKS": "/etc/driftmgr/jwks.json",
            "DRIFTMGR_OIDC_ROLE_CLAIM": "groups",
            "DRIFTMGR_CORS_ORIGINS": "https://ui.example, http://localhost:3000",
        }
    )
    assert settings.oidc_enabled and settings.oidc_role_claim == "groups"
    assert settings.oidc_actor_claim == "email"
    assert settings.cors_origins == ("https://ui.example", "http://localhost:3000")
    assert not Settings.from_env({"DRIFTMGR_ACTOR": "x"}).oidc_enabled
