"""Notification sinks as the operator configures them (``[[notifications]]`` in
``driftmgr.toml`` or ``DRIFTMGR_NOTIFICATIONS`` as JSON), validated once at start-up.

Sinks come from the operator only, never from an API client: a URL named by a client would
let it make the server call any address (docs/security.md). The webhook's HMAC secret is not
in the configuration either, only the name of the environment variable holding it, so a
configuration file can be shared and versioned.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec

__all__ = ["KINDS", "NotificationKind", "SinkConfig", "parse_sinks"]

NotificationKind = Literal["drift_found", "drift_resolved", "approval_waiting", "run_failed"]
KINDS: tuple[NotificationKind, ...] = (
    "drift_found",
    "drift_resolved",
    "approval_waiting",
    "run_failed",
)
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SinkConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One receiver of notifications. An empty scope filter matches everything; a filter
    that is set matches a run when the run's value is among the filter's values."""

    name: str
    url: str | None = None
    """The receiver's URL; https unless its host is loopback."""
    url_env: str | None = None
    """Or the NAME of an environment variable holding the URL (a Slack webhook URL carries
    its secret, so it is best kept out of the file)."""
    format: Literal["webhook", "slack"] = "webhook"
    secret_env: str | None = None
    """The NAME of the environment variable holding the HMAC secret (webhook format)."""
    on: tuple[NotificationKind, ...] = KINDS
    providers: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    """A run matches when it covers one of these regions (a run over every enabled region
    matches any filter: it covers them all)."""
    states: tuple[str, ...] = ()
    """State source URIs or state ids; a run matches when it compares one of them."""

    def resolve_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The URL to post to (read from ``url_env`` at delivery time when set)."""
        if self.url is not None:
            return self.url
        env = os.environ if environ is None else environ
        return env.get(self.url_env or "", "")

    def secret(self, environ: Mapping[str, str] | None = None) -> bytes | None:
        if self.secret_env is None:
            return None
        env = os.environ if environ is None else environ
        value = env.get(self.secret_env)
        return value.encode() if value else None


def parse_sinks(
    data: Any, *, source: str, environ: Mapping[str, str] | None = None
) -> tuple[SinkConfig, ...]:
    """Validate the configured sinks; ``source`` names where they came from in errors."""
    from driftmgr.settings import ConfigurationError

    if not isinstance(data, list):
        raise ConfigurationError(f"{source}: expected a list of sinks (tables), not {data!r:.40}")
    env = os.environ if environ is None else environ
    sinks: list[SinkConfig] = []
    for index, item in enumerate(data):
        where = f"{source}[{index}]"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            where = f"{source} sink {item['name']!r}"
        try:
            sink = msgspec.convert(item, SinkConfig)
        except msgspec.ValidationError as e:
            raise ConfigurationError(f"{where}: {e}") from None
        _check(sink, where, env)
        if any(s.name == sink.name for s in sinks):
            raise ConfigurationError(f"{where}: another sink has the name {sink.name!r}")
        sinks.append(sink)
    return tuple(sinks)


def _check(sink: SinkConfig, where: str, env: Mapping[str, str]) -> None:
    from driftmgr.settings import ConfigurationError

    if not _NAME.fullmatch(sink.name):
        raise ConfigurationError(
            f"{where}: name must be 1-64 lower-case letters, digits, '.', '_' or '-'"
        )
    if (sink.url is None) == (sink.url_env is None):
        raise ConfigurationError(f"{where}: set exactly one of url and url_env")
    for field, value in (("url_env", sink.url_env), ("secret_env", sink.secret_env)):
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ConfigurationError(
                f"{where}: {field} is the NAME of an environment variable, like "
                "DRIFTMGR_HOOK_SECRET, not its value"
            )
    if sink.url is not None:
        _check_url(sink.url, where, "url")
    elif sink.url_env is not None:
        url = env.get(sink.url_env)
        if not url:
            raise ConfigurationError(f"{where}: the environment variable {sink.url_env} is unset")
        _check_url(url, where, f"the URL in {sink.url_env}")
    if sink.format == "webhook":
        if sink.secret_env is None:
            raise ConfigurationError(
                f"{where}: a webhook sink needs secret_env, the NAME of an environment variable "
                "holding its HMAC secret (receivers verify the signature with it)"
            )
        if not env.get(sink.secret_env):
            raise ConfigurationError(
                f"{where}: the environment variable {sink.secret_env} (secret_env) is unset"
            )
    if not sink.on:
        raise ConfigurationError(f"{where}: on is empty; list some of {', '.join(KINDS)}")


def _check_url(url: str, where: str, what: str) -> None:
    """https, or http to a loopback host (a receiver on the same machine, a test)."""
    from driftmgr.settings import ConfigurationError

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and _is_loopback(host):
        return
    # The URL itself may be a secret (Slack's): name the problem, not the URL.
    raise ConfigurationError(
        f"{where}: {what} must be an https:// URL (http:// only to a loopback host)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
