"""Azure Blob state objects on a real azurite, laid out as terraform's azurerm backend does."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceAccessDenied,
    SourceNotFound,
    SourcePolicy,
    SourceUnreachable,
    StateObject,
    expand_sources,
    fetch_state,
)
from tests.integration.backends.conftest import (
    AZURITE_ACCOUNT,
    azurite_connection_string,
    state,
)

# A server's default policy: the operator's cloud endpoints need nothing from it.
SERVER = SourcePolicy()

Container = tuple[str, Callable[[str, bytes], None]]


@pytest.fixture
def container(azure_container: Container) -> str:
    """Two stacks, one with named workspaces (`<key>env:<workspace>`), and unrelated blobs."""
    name, upload = azure_container
    blobs = {
        "prod.terraform.tfstate": state("prod"),
        "prod.terraform.tfstateenv:staging": state("prod-staging"),
        "prod.terraform.tfstateenv:qa": state("prod-qa"),
        "apps/web.terraform.tfstate": state("web"),
        "apps/eu/api.terraform.tfstate": state("api"),
        "notes.txt": b"not a state",
    }
    for blob, body in blobs.items():
        upload(blob, body)
    return name


def blob(container: str, name: str, workspace: str = "default") -> StateObject:
    uri = f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/{name}"
    return StateObject(uri=uri, backend="azurerm", workspace=workspace)


def test_a_blob_is_fetched_by_account_container_and_name(container: str) -> None:
    uri = f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/prod.terraform.tfstate"
    assert fetch_state(uri, SERVER) == state("prod")


def test_workspaces_are_the_key_with_env_colon_and_the_name_appended(container: str) -> None:
    uri = f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/prod.terraform.tfstate"
    found = expand_sources(uri, SERVER, workspaces=True)
    assert found == [
        blob(container, "prod.terraform.tfstate"),
        blob(container, "prod.terraform.tfstateenv:qa", "qa"),
        blob(container, "prod.terraform.tfstateenv:staging", "staging"),
    ]
    assert fetch_state(found[2].uri, SERVER) == state("prod-staging")


def test_a_double_star_glob_matches_blobs_at_any_depth(container: str) -> None:
    found = expand_sources(
        f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/**/*.terraform.tfstate", SERVER
    )
    assert found == [
        blob(container, "apps/eu/api.terraform.tfstate"),
        blob(container, "apps/web.terraform.tfstate"),
        blob(container, "prod.terraform.tfstate"),
    ]


def test_a_glob_with_workspaces_adds_each_keys_workspaces(container: str) -> None:
    found = expand_sources(
        f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/prod.*", SERVER, workspaces=True
    )
    # `prod.*` also matches the workspace blobs themselves: each is listed once.
    assert found == [
        blob(container, "prod.terraform.tfstate"),
        blob(container, "prod.terraform.tfstateenv:qa", "qa"),
        blob(container, "prod.terraform.tfstateenv:staging", "staging"),
    ]


def test_a_missing_blob_is_not_found(container: str) -> None:
    with pytest.raises(SourceNotFound, match=re.escape("no blob 'gone.tfstate'")):
        fetch_state(f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/gone.tfstate", SERVER)


def test_a_missing_container_is_not_found(azure_container: Container) -> None:
    with pytest.raises(SourceNotFound, match="container 'no-such-container' does not exist"):
        fetch_state(f"tfstate+azurerm://{AZURITE_ACCOUNT}/no-such-container/prod.tfstate", SERVER)
    with pytest.raises(SourceNotFound, match="container 'no-such-container' does not exist"):
        expand_sources(
            f"tfstate+azurerm://{AZURITE_ACCOUNT}/no-such-container/**/*.tfstate", SERVER
        )


def test_a_connection_string_for_another_account_is_refused_by_name(
    azure_container: Container,
) -> None:
    with pytest.raises(SourceAccessDenied) as refused:
        fetch_state("tfstate+azurerm://otheraccount/tfstate/prod.tfstate", SERVER)
    assert "is for storage account 'devstoreaccount1', not 'otheraccount'" in str(refused.value)


def test_a_wrong_account_key_is_access_denied_without_echoing_it(
    azurite_endpoint: str, container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = azurite_connection_string(azurite_endpoint).replace(
        "AccountKey=Eby8", "AccountKey=XXXX"
    )
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", wrong)
    with pytest.raises(SourceAccessDenied) as denied:
        fetch_state(
            f"tfstate+azurerm://{AZURITE_ACCOUNT}/{container}/prod.terraform.tfstate", SERVER
        )
    assert "AccountKey" not in str(denied.value)
    assert "ARM_ACCESS_KEY" in str(denied.value)


def test_a_dead_endpoint_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # No azurite needed: nothing listens on port 9.
    monkeypatch.delenv("ARM_ACCESS_KEY", raising=False)
    monkeypatch.delenv("ARM_SAS_TOKEN", raising=False)
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string("http://127.0.0.1:9")
    )
    with pytest.raises(SourceUnreachable, match=re.escape("http://127.0.0.1:9/devstoreaccount1")):
        fetch_state(f"tfstate+azurerm://{AZURITE_ACCOUNT}/tfstate/prod.terraform.tfstate", SERVER)
