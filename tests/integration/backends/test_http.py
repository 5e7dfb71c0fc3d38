"""Terraform's http backend, against a local server speaking its protocol."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceAccessDenied,
    SourceNotFound,
    SourcePolicy,
    SourceUnreachable,
    expand_sources,
    fetch_state,
)
from tests.integration.backends.conftest import state
from tests.support.http_backend import HttpBackend

# The local user's own CLI: any path, any host (what these tests exercise is the backend).
LOCAL = SourcePolicy.local()

CREDENTIALS = ("terraform", "s3cr3t-pa55")


@pytest.fixture
def open_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpBackend]:
    for name in ("TF_HTTP_ADDRESS", "TF_HTTP_USERNAME", "TF_HTTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with HttpBackend() as backend:
        backend.states["/state/network"] = state("network")
        yield backend


@pytest.fixture
def guarded_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpBackend]:
    for name in ("TF_HTTP_ADDRESS", "TF_HTTP_USERNAME", "TF_HTTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with HttpBackend(credentials=CREDENTIALS) as backend:
        backend.states["/state/network"] = state("network")
        yield backend


def uri(backend: HttpBackend, path: str) -> str:
    return f"tfstate+{backend.url}{path}"


def test_the_state_is_the_body_of_a_get_on_the_address(open_backend: HttpBackend) -> None:
    assert fetch_state(uri(open_backend, "/state/network"), LOCAL) == state("network")
    assert [(m, p) for m, p, _ in open_backend.requests] == [("GET", "/state/network")]


def test_the_query_string_of_the_address_is_sent_as_given(open_backend: HttpBackend) -> None:
    fetch_state(uri(open_backend, "/state/network?ref=main&project=7"), LOCAL)
    assert open_backend.requests[-1][1] == "/state/network?ref=main&project=7"


def test_an_http_address_is_one_state_without_workspaces(open_backend: HttpBackend) -> None:
    [obj] = expand_sources(uri(open_backend, "/state/network"), LOCAL, workspaces=True)
    assert (obj.backend, obj.workspace) == ("http", "default")
    assert open_backend.requests == []  # expanding needs no request


def test_a_404_means_there_is_no_state(open_backend: HttpBackend) -> None:
    with pytest.raises(SourceNotFound, match="no state at this address"):
        fetch_state(uri(open_backend, "/state/unknown"), LOCAL)


def test_basic_auth_comes_from_terraforms_tf_http_variables(
    guarded_backend: HttpBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_HTTP_ADDRESS", f"{guarded_backend.url}/state/network")
    monkeypatch.setenv("TF_HTTP_USERNAME", CREDENTIALS[0])
    monkeypatch.setenv("TF_HTTP_PASSWORD", CREDENTIALS[1])
    assert fetch_state(uri(guarded_backend, "/state/network"), LOCAL) == state("network")
    expected = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()
    assert guarded_backend.requests[-1][2] == expected


def test_wrong_credentials_are_access_denied_without_echoing_them(
    guarded_backend: HttpBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_HTTP_ADDRESS", guarded_backend.url)
    monkeypatch.setenv("TF_HTTP_USERNAME", CREDENTIALS[0])
    monkeypatch.setenv("TF_HTTP_PASSWORD", "wrong-password")
    with pytest.raises(SourceAccessDenied) as denied:
        fetch_state(uri(guarded_backend, "/state/network"), LOCAL)
    message = str(denied.value)
    assert "answered 401; check TF_HTTP_USERNAME and TF_HTTP_PASSWORD" in message
    assert "wrong-password" not in message


def test_missing_credentials_are_access_denied(guarded_backend: HttpBackend) -> None:
    with pytest.raises(SourceAccessDenied, match="401"):
        fetch_state(uri(guarded_backend, "/state/network"), LOCAL)


def test_credentials_without_tf_http_address_are_sent_nowhere(
    guarded_backend: HttpBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The address terraform itself reads them with names the one origin they are for.
    monkeypatch.setenv("TF_HTTP_USERNAME", CREDENTIALS[0])
    monkeypatch.setenv("TF_HTTP_PASSWORD", CREDENTIALS[1])
    with pytest.raises(SourceAccessDenied, match="TF_HTTP_ADDRESS"):
        fetch_state(uri(guarded_backend, "/state/network"), LOCAL)
    assert [auth for _, _, auth in guarded_backend.requests] == [None]


def test_a_query_token_is_not_repeated_in_error_messages(open_backend: HttpBackend) -> None:
    with pytest.raises(SourceNotFound) as missing:
        fetch_state(uri(open_backend, "/state/unknown?token=abc123"), LOCAL)
    assert "abc123" not in str(missing.value)


def test_a_closed_port_is_unreachable_and_named() -> None:
    with pytest.raises(SourceUnreachable, match=re.escape("cannot reach http://127.0.0.1:9")):
        fetch_state("tfstate+http://127.0.0.1:9/state/network", LOCAL)
