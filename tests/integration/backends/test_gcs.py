"""GCS state objects on a real gcp-storage-emulator, laid out as terraform's gcs backend does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.backends import (
    SourceAccessDenied,
    SourceNotFound,
    SourcePolicy,
    StateObject,
    expand_sources,
    fetch_state,
)
from tests.integration.backends.conftest import state

# A server's default policy: the operator's cloud endpoints need nothing from it.
SERVER = SourcePolicy()

BUCKET = "acme-tfstate"


def gs(name: str, workspace: str = "default") -> StateObject:
    return StateObject(uri=f"tfstate+gs://{BUCKET}/{name}", backend="gcs", workspace=workspace)


@pytest.fixture
def bucket(gcs: Any) -> Any:
    """Two stacks under their gcs-backend prefixes, with workspaces and lock files."""
    bucket = gcs.create_bucket(BUCKET)
    objects = {
        "network/default.tfstate": state("network"),
        "network/staging.tfstate": state("network-staging"),
        "network/prod.tfstate": state("network-prod"),
        "network/prod.tflock": b"{}",
        "network/old/default.tfstate": state("an unrelated prefix below"),
        "apps/web/default.tfstate": state("web"),
        "apps/web/qa.tfstate": state("web-qa"),
        "README.md": b"not a state",
    }
    for name, body in objects.items():
        bucket.blob(name).upload_from_string(body)
    return bucket


def test_an_object_is_fetched_by_bucket_and_name(bucket: Any) -> None:
    assert fetch_state(f"tfstate+gs://{BUCKET}/network/default.tfstate", SERVER) == state("network")


def test_workspaces_are_the_tfstate_siblings_of_default_tfstate(bucket: Any) -> None:
    found = expand_sources(
        f"tfstate+gs://{BUCKET}/network/default.tfstate", SERVER, workspaces=True
    )
    assert found == [
        gs("network/default.tfstate"),
        gs("network/prod.tfstate", "prod"),
        gs("network/staging.tfstate", "staging"),
    ]
    assert fetch_state(found[2].uri, SERVER) == state("network-staging")


def test_a_double_star_glob_matches_objects_at_any_depth(bucket: Any) -> None:
    found = expand_sources(f"tfstate+gs://{BUCKET}/**/default.tfstate", SERVER)
    assert found == [
        gs("apps/web/default.tfstate"),
        gs("network/default.tfstate"),
        gs("network/old/default.tfstate"),
    ]


def test_a_glob_with_workspaces_adds_each_prefixes_workspaces(bucket: Any) -> None:
    found = expand_sources(f"tfstate+gs://{BUCKET}/*/default.tfstate", SERVER, workspaces=True)
    assert found == [
        gs("network/default.tfstate"),
        gs("network/prod.tfstate", "prod"),
        gs("network/staging.tfstate", "staging"),
    ]
    found = expand_sources(
        f"tfstate+gs://{BUCKET}/apps/**/default.tfstate", SERVER, workspaces=True
    )
    assert found == [gs("apps/web/default.tfstate"), gs("apps/web/qa.tfstate", "qa")]


def test_a_missing_object_is_not_found(bucket: Any) -> None:
    with pytest.raises(SourceNotFound, match=re.escape("no object 'network/gone.tfstate'")):
        fetch_state(f"tfstate+gs://{BUCKET}/network/gone.tfstate", SERVER)


def test_a_missing_bucket_is_not_found(gcs: Any) -> None:
    with pytest.raises(SourceNotFound):
        fetch_state("tfstate+gs://no-such-bucket/default.tfstate", SERVER)
    with pytest.raises(SourceNotFound):
        expand_sources("tfstate+gs://no-such-bucket/**/default.tfstate", SERVER)


def test_without_the_emulator_missing_credentials_are_access_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ADC finds GOOGLE_APPLICATION_CREDENTIALS first; a missing key file fails without network.
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(SourceAccessDenied, match="Application Default Credentials"):
        fetch_state(f"tfstate+gs://{BUCKET}/network/default.tfstate", SERVER)
