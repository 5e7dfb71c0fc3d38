"""Source URIs: the grammar the rest of driftmgr codes against, and how bad ones are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftmgr.adapters.terraform.backends import (
    InvalidSourceURI,
    SourceError,
    SourcePolicy,
    canonical_uri,
    expand_sources,
    fetch_state,
)

# The local user's own CLI: any path, any host (what these tests exercise is the backend).
LOCAL = SourcePolicy.local()


@pytest.mark.parametrize(
    ("uri", "canonical"),
    [
        ("tfstate:///srv/tf/terraform.tfstate", "tfstate:///srv/tf/terraform.tfstate"),
        (
            "TFSTATE+S3://acme-tf/prod/terraform.tfstate",
            "tfstate+s3://acme-tf/prod/terraform.tfstate",
        ),
        (
            "tfstate+s3://acme-tf/env:/staging/app.tfstate",
            "tfstate+s3://acme-tf/env:/staging/app.tfstate",
        ),
        # The default prefix is implied; any other one is kept, as it decides the layout.
        ("tfstate+s3://b/k?workspace_key_prefix=env%3A", "tfstate+s3://b/k"),
        ("tfstate+s3://b/k?workspace_key_prefix=ws", "tfstate+s3://b/k?workspace_key_prefix=ws"),
        ("tfstate+s3://b/**/terraform.tfstate", "tfstate+s3://b/**/terraform.tfstate"),
        ("tfstate+gs://acme-tf/prod/default.tfstate", "tfstate+gs://acme-tf/prod/default.tfstate"),
        (
            "tfstate+azurerm://acmetf/tfstate/prod.terraform.tfstateenv:staging",
            "tfstate+azurerm://acmetf/tfstate/prod.terraform.tfstateenv:staging",
        ),
        (
            "tfstate+https://State.Example.COM:8443/tf/prod",
            "tfstate+https://state.example.com:8443/tf/prod",
        ),
        (
            "tfstate+http://127.0.0.1:8080/state?project=a",
            "tfstate+http://127.0.0.1:8080/state?project=a",
        ),
        ("tfstate+tfcloud://acme/networking-prod", "tfstate+tfcloud://acme/networking-prod"),
    ],
)
def test_canonical_uri_normalises_scheme_and_host_and_keeps_keys_literal(
    uri: str, canonical: str
) -> None:
    assert canonical_uri(uri, LOCAL) == canonical
    assert canonical_uri(canonical, LOCAL) == canonical


def test_local_paths_become_absolute_tfstate_uris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    expected = f"tfstate://{tmp_path.resolve()}/envs/prod.tfstate"
    assert canonical_uri("envs/prod.tfstate", LOCAL) == expected
    assert canonical_uri("./envs/../envs/prod.tfstate", LOCAL) == expected
    assert canonical_uri("tfstate://envs/prod.tfstate", LOCAL) == expected
    assert canonical_uri("tfstate://./envs/**/*.tfstate", LOCAL) == (
        f"tfstate://{tmp_path.resolve()}/envs/**/*.tfstate"
    )


def test_home_relative_paths_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        canonical_uri("~/tf/terraform.tfstate", LOCAL)
        == f"tfstate://{tmp_path.resolve()}/tf/terraform.tfstate"
    )


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("", "empty source URI"),
        ("s3://bucket/key", "did you mean tfstate+s3://"),
        ("ftp://host/state", "supported: tfstate://PATH"),
        ("tfstate://", "missing the path"),
        ("tfstate+s3://bucket", "expected tfstate+s3://BUCKET/KEY"),
        ("tfstate+s3://bucket/", "expected tfstate+s3://BUCKET/KEY"),
        ("tfstate+s3://buck*/key", "globs are allowed in the object key only"),
        ("tfstate+s3://bucket/key?region=eu-west-1", "unknown option 'region'"),
        ("tfstate+s3://bucket/key?workspace_key_prefix=/ws", "must not start or end with '/'"),
        ("tfstate+gs://bucket/object?generation=1", "no query options"),
        ("tfstate+gs://Bucket/object", "not a valid bucket name"),
        ("tfstate+azurerm://account/container", "ACCOUNT/CONTAINER/BLOB"),
        ("tfstate+azurerm://evil.example.com/c1/blob", "not a valid storage account name"),
        ("tfstate+azurerm://account/Bad_Container/blob", "not a valid container name"),
        ("tfstate+http://", "missing the host"),
        ("tfstate+http://host:99999/state", "invalid port"),
        ("tfstate+http://host/state#frag", "fragment"),
        ("tfstate+https://host/states/*", "globs are not supported"),
        ("tfstate+tfcloud://acme", "ORG/WORKSPACE"),
        ("tfstate+tfcloud://acme/ws/extra", "ORG/WORKSPACE"),
        ("tfstate+tfcloud://acme/ws-*", "globs are not supported"),
        ("tfstate+tfcloud://acme/bad%20name", "not a valid workspace name"),
        ("tfstate:///tmp/a\nb.tfstate", "control characters"),
    ],
)
def test_malformed_uris_are_refused_with_one_line_that_says_why(uri: str, says: str) -> None:
    with pytest.raises(InvalidSourceURI) as refused:
        canonical_uri(uri, LOCAL)
    message = str(refused.value)
    assert says in message
    assert "\n" not in message
    assert isinstance(refused.value, SourceError)


def test_credentials_in_an_http_uri_are_refused_without_being_repeated() -> None:
    with pytest.raises(InvalidSourceURI) as refused:
        canonical_uri("tfstate+https://admin:hunter2@state.example.com/tf", LOCAL)
    assert "hunter2" not in str(refused.value)
    assert "TF_HTTP_USERNAME" in str(refused.value)


def test_fetching_a_glob_is_refused_because_it_names_no_single_object(tmp_path: Path) -> None:
    with pytest.raises(InvalidSourceURI, match="expand_sources"):
        fetch_state(f"tfstate://{tmp_path}/**/*.tfstate", LOCAL)


@pytest.mark.parametrize(
    ("uri", "backend", "workspace"),
    [
        ("tfstate:///tf/terraform.tfstate", "local", "default"),
        ("tfstate:///tf/terraform.tfstate.d/staging/terraform.tfstate", "local", "staging"),
        ("tfstate+s3://b/stack/terraform.tfstate", "s3", "default"),
        ("tfstate+s3://b/env:/staging/stack/terraform.tfstate", "s3", "staging"),
        ("tfstate+s3://b/ws/qa/stack.tfstate?workspace_key_prefix=ws", "s3", "qa"),
        ("tfstate+gs://b/prefix/default.tfstate", "gcs", "default"),
        ("tfstate+gs://b/prefix/staging.tfstate", "gcs", "staging"),
        ("tfstate+gs://b/copied/terraform.tfstate", "gcs", "default"),
        ("tfstate+azurerm://acct/tfstate/prod.tfstate", "azurerm", "default"),
        ("tfstate+azurerm://acct/tfstate/prod.tfstateenv:staging", "azurerm", "staging"),
        ("tfstate+https://h/state", "http", "default"),
        ("tfstate+tfcloud://acme/net-prod", "tfcloud", "net-prod"),
    ],
)
def test_a_concrete_uri_expands_to_itself_with_the_workspace_its_layout_implies(
    uri: str, backend: str, workspace: str
) -> None:
    [obj] = expand_sources(uri, LOCAL)
    assert (obj.uri, obj.backend, obj.workspace) == (canonical_uri(uri, LOCAL), backend, workspace)
