"""HCP Terraform / TFE workspaces, against a local fake of the documented API endpoints."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceAccessDenied,
    SourceNotAllowed,
    SourceNotFound,
    SourcePolicy,
    SourceUnreachable,
    expand_sources,
    fetch_state,
)
from tests.integration.backends.conftest import state
from tests.support.tfcloud import MEDIA_TYPE, FakeTerraformCloud

# A server's default policy: TFE_ADDRESS is the operator's, so even its loopback address is
# reached; the client names only the organization and the workspace.
SERVER = SourcePolicy()

TOKEN = "atlasv1.fake-token-for-tests"
TOKEN_VARIABLE = "TF_TOKEN_127_0_0_1"  # terraform's name for host 127.0.0.1


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No token from the developer's machine: an empty HOME and no TF_TOKEN_* variables."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("TF_TOKEN_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def tfc(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTerraformCloud]:
    with FakeTerraformCloud(token=TOKEN) as fake:
        fake.add_workspace("acme", "network-prod", state("network-prod"))
        fake.add_workspace("acme", "fresh")  # created, never applied
        monkeypatch.setenv("TFE_ADDRESS", fake.url)
        yield fake


def test_the_current_state_version_is_downloaded_with_a_token_from_tf_token_host(
    tfc: FakeTerraformCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    assert fetch_state("tfstate+tfcloud://acme/network-prod", SERVER) == state("network-prod")
    assert [seen.path.split("/")[-1] for seen in tfc.requests] == [
        "network-prod",
        "current-state-version",
        "hosted_state",
    ]
    assert {seen.authorization for seen in tfc.requests} == {f"Bearer {TOKEN}"}
    assert tfc.requests[0].accept == MEDIA_TYPE


def test_the_token_can_come_from_terraform_logins_credentials_file(
    tfc: FakeTerraformCloud,
) -> None:
    credentials = Path.home() / ".terraform.d" / "credentials.tfrc.json"
    credentials.parent.mkdir(parents=True)
    credentials.write_text(json.dumps({"credentials": {f"127.0.0.1:{tfc.port}": {"token": TOKEN}}}))
    assert fetch_state("tfstate+tfcloud://acme/network-prod", SERVER) == state("network-prod")


def test_the_token_is_not_sent_to_a_download_host_other_than_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeTerraformCloud(token=TOKEN, download_host="localhost") as fake:
        fake.add_workspace("acme", "network-prod", state("network-prod"))
        monkeypatch.setenv("TFE_ADDRESS", fake.url)
        monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
        # The download host is not the operator's: a server reaches its loopback address only
        # when the operator lists it.
        listed = SourcePolicy(allowed_hosts=frozenset({"localhost"}))
        assert fetch_state("tfstate+tfcloud://acme/network-prod", listed) == state("network-prod")
        download = fake.requests[-1]
        assert download.host.startswith("localhost:")
        assert download.authorization is None


def test_a_server_does_not_fetch_a_download_url_at_an_address_it_may_not_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The API is the operator's (TFE_ADDRESS); where it sends the download is checked like
    # any other address: a loopback host nobody listed is refused before any connection.
    with FakeTerraformCloud(token=TOKEN, download_host="localhost") as fake:
        fake.add_workspace("acme", "network-prod", state("network-prod"))
        monkeypatch.setenv("TFE_ADDRESS", fake.url)
        monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
        with pytest.raises(SourceNotAllowed, match="not a public address"):
            fetch_state("tfstate+tfcloud://acme/network-prod", SERVER)
        assert [seen.host.split(":")[0] for seen in fake.requests] == ["127.0.0.1", "127.0.0.1"]


def test_an_unknown_workspace_is_not_found(
    tfc: FakeTerraformCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    with pytest.raises(SourceNotFound, match="no workspace 'nope' in organization 'acme'"):
        fetch_state("tfstate+tfcloud://acme/nope", SERVER)


def test_a_workspace_without_state_is_not_found(
    tfc: FakeTerraformCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    with pytest.raises(SourceNotFound, match="no state version yet"):
        fetch_state("tfstate+tfcloud://acme/fresh", SERVER)


def test_a_bad_token_is_access_denied_without_echoing_it(
    tfc: FakeTerraformCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, "atlasv1.revoked")
    with pytest.raises(SourceAccessDenied) as denied:
        fetch_state("tfstate+tfcloud://acme/network-prod", SERVER)
    message = str(denied.value)
    assert "refused the token (401)" in message
    assert TOKEN_VARIABLE in message
    assert "revoked" not in message


def test_no_token_at_all_is_access_denied_and_says_how_to_log_in(
    tfc: FakeTerraformCloud,
) -> None:
    with pytest.raises(SourceAccessDenied) as denied:
        fetch_state("tfstate+tfcloud://acme/network-prod", SERVER)
    assert f"set {TOKEN_VARIABLE} or run `terraform login 127.0.0.1:{tfc.port}`" in str(
        denied.value
    )
    assert tfc.requests == []


def test_the_default_host_is_app_terraform_io(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFE_ADDRESS", raising=False)
    with pytest.raises(SourceAccessDenied, match="TF_TOKEN_app_terraform_io"):
        fetch_state("tfstate+tfcloud://acme/network-prod", SERVER)


def test_a_workspace_uri_is_one_state_named_after_the_workspace() -> None:
    [obj] = expand_sources("tfstate+tfcloud://acme/network-prod", SERVER, workspaces=True)
    assert (obj.backend, obj.workspace) == ("tfcloud", "network-prod")


def test_a_dead_api_host_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFE_ADDRESS", "http://127.0.0.1:9")
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    with pytest.raises(SourceUnreachable, match="check TFE_ADDRESS"):
        fetch_state("tfstate+tfcloud://acme/network-prod", SERVER)
