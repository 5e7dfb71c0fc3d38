"""S3 state objects on a real moto server, laid out as terraform's s3 backend writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
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
from tests.integration.backends.conftest import state

# A server's default policy: the operator's cloud endpoints need nothing from it.
SERVER = SourcePolicy()

Boto = Callable[..., Any]
BUCKET = "acme-tfstate"


def s3(key: str, workspace: str = "default", query: str = "") -> StateObject:
    return StateObject(uri=f"tfstate+s3://{BUCKET}/{key}{query}", backend="s3", workspace=workspace)


@pytest.fixture
def bucket(boto: Boto) -> Any:
    """A bucket holding one stack's default state, two named workspaces and unrelated objects."""
    client = boto("s3")
    client.create_bucket(Bucket=BUCKET)
    objects = {
        "network/terraform.tfstate": state("network"),
        "env:/staging/network/terraform.tfstate": state("network-staging"),
        "env:/prod/network/terraform.tfstate": state("network-prod"),
        "apps/web/terraform.tfstate": state("web"),
        "apps/web/terraform.tfstate.tflock": b"{}",
        "apps/api/eu/terraform.tfstate": state("api-eu"),
        "apps/": b"",  # a console-made "folder"
        "README.md": b"not a state",
    }
    for key, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    return client


def test_the_default_workspace_object_is_fetched_by_bucket_and_key(bucket: Any) -> None:
    assert fetch_state(f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER) == state(
        "network"
    )


def test_named_workspaces_are_found_under_env_colon_slash(bucket: Any) -> None:
    found = expand_sources(
        f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER, workspaces=True
    )
    assert found == [
        s3("env:/prod/network/terraform.tfstate", "prod"),
        s3("env:/staging/network/terraform.tfstate", "staging"),
        s3("network/terraform.tfstate"),
    ]
    assert [fetch_state(obj.uri, SERVER) for obj in found] == [
        state("network-prod"),
        state("network-staging"),
        state("network"),
    ]


def test_a_custom_workspace_key_prefix_is_honoured(bucket: Any) -> None:
    bucket.put_object(
        Bucket=BUCKET, Key="workspaces/qa/network/terraform.tfstate", Body=state("qa")
    )
    query = "?workspace_key_prefix=workspaces"
    found = expand_sources(
        f"tfstate+s3://{BUCKET}/network/terraform.tfstate{query}", SERVER, workspaces=True
    )
    assert found == [
        s3("network/terraform.tfstate", query=query),
        s3("workspaces/qa/network/terraform.tfstate", "qa", query=query),
    ]
    assert fetch_state(found[1].uri, SERVER) == state("qa")


def test_a_double_star_glob_matches_keys_at_any_depth(bucket: Any) -> None:
    found = expand_sources(f"tfstate+s3://{BUCKET}/apps/**/terraform.tfstate", SERVER)
    assert found == [s3("apps/api/eu/terraform.tfstate"), s3("apps/web/terraform.tfstate")]


def test_a_bucket_wide_glob_with_workspaces_lists_every_state_once(bucket: Any) -> None:
    found = expand_sources(f"tfstate+s3://{BUCKET}/**/terraform.tfstate", SERVER, workspaces=True)
    assert [(obj.uri.split("/", 3)[3], obj.workspace) for obj in found] == [
        ("apps/api/eu/terraform.tfstate", "default"),
        ("apps/web/terraform.tfstate", "default"),
        ("env:/prod/network/terraform.tfstate", "prod"),
        ("env:/staging/network/terraform.tfstate", "staging"),
        ("network/terraform.tfstate", "default"),
    ]


def test_a_glob_matching_nothing_is_an_empty_list(bucket: Any) -> None:
    assert expand_sources(f"tfstate+s3://{BUCKET}/nothing/**/*.tfstate", SERVER) == []


def test_a_missing_key_is_not_found(bucket: Any) -> None:
    with pytest.raises(SourceNotFound, match=re.escape("no object 'gone/terraform.tfstate'")):
        fetch_state(f"tfstate+s3://{BUCKET}/gone/terraform.tfstate", SERVER)


def test_a_missing_bucket_is_not_found_when_fetching_and_when_listing(aws: str) -> None:
    with pytest.raises(SourceNotFound, match="bucket 'no-such-bucket' does not exist"):
        fetch_state("tfstate+s3://no-such-bucket/terraform.tfstate", SERVER)
    with pytest.raises(SourceNotFound, match="bucket 'no-such-bucket' does not exist"):
        expand_sources("tfstate+s3://no-such-bucket/**/terraform.tfstate", SERVER)


@pytest.fixture
def enforced_auth(aws: str) -> Iterator[None]:
    """Make moto check credentials and IAM policies, and always switch that off again."""
    httpx.post(f"{aws}/moto-api/reset-auth", content=b"0", timeout=10).raise_for_status()
    try:
        yield
    finally:
        # The server is shared by the whole session.
        httpx.post(f"{aws}/moto-api/reset-auth", content=b"inf", timeout=10).raise_for_status()


def test_credentials_without_s3_permissions_are_access_denied(
    bucket: Any, boto: Boto, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    iam = boto("iam")
    iam.create_user(UserName="no-s3")
    key = iam.create_access_key(UserName="no-s3")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    request.getfixturevalue("enforced_auth")

    with pytest.raises(SourceAccessDenied) as denied:
        fetch_state(f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER)
    assert "AccessDenied" in str(denied.value)
    assert "AWS_PROFILE" in str(denied.value)
    assert key["SecretAccessKey"] not in str(denied.value)
    with pytest.raises(SourceAccessDenied):
        expand_sources(f"tfstate+s3://{BUCKET}/**/terraform.tfstate", SERVER)


def test_unknown_access_keys_are_access_denied(
    bucket: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN00")
    request.getfixturevalue("enforced_auth")
    with pytest.raises(SourceAccessDenied, match="InvalidAccessKeyId"):
        fetch_state(f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER)


def test_no_credentials_at_all_is_access_denied_and_names_the_chain(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceAccessDenied, match="configure the AWS credential chain"):
        fetch_state(f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER)


def test_a_dead_endpoint_is_unreachable_and_named(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(SourceUnreachable, match=re.escape("http://127.0.0.1:9")):
        fetch_state(f"tfstate+s3://{BUCKET}/network/terraform.tfstate", SERVER)
