"""Local state files on a real file system: paths, globs, terraform.tfstate.d workspaces."""

from __future__ import annotations

import os
from pathlib import Path

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

# The local user's own CLI: any path, any host (what these tests exercise is the backend).
LOCAL = SourcePolicy.local()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def local(path: Path, workspace: str = "default") -> StateObject:
    return StateObject(uri=f"tfstate://{path.resolve()}", backend="local", workspace=workspace)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """envs/ with states at several depths, and files a glob must not pick up."""
    root = tmp_path / "envs"
    write(root / "prod/terraform.tfstate", state("prod"))
    write(root / "prod/eu/network.tfstate", state("prod-eu-network"))
    write(root / "dev/terraform.tfstate", state("dev"))
    write(root / "dev/terraform.tfstate.backup", state("dev-backup"))
    write(root / "dev/main.tf", b'resource "null_resource" "x" {}')
    # Backend settings and Terragrunt copies, not states of their own.
    write(root / "dev/.terraform/terraform.tfstate", b'{"version": 3, "backend": {}}')
    write(root / "dev/.terragrunt-cache/abc/def/terraform.tfstate", state("copy"))
    return root


def test_a_state_file_is_read_by_absolute_uri_relative_uri_and_bare_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "stack/terraform.tfstate", state("stack"))
    monkeypatch.chdir(tmp_path)
    assert fetch_state(f"tfstate://{path}", LOCAL) == state("stack")
    assert fetch_state("tfstate://stack/terraform.tfstate", LOCAL) == state("stack")
    assert fetch_state("./stack/terraform.tfstate", LOCAL) == state("stack")


def test_a_double_star_glob_finds_states_at_any_depth_but_not_in_terraform_working_dirs(
    tree: Path,
) -> None:
    found = expand_sources(f"tfstate://{tree}/**/*.tfstate", LOCAL)
    assert found == [
        local(tree / "dev/terraform.tfstate"),
        local(tree / "prod/eu/network.tfstate"),
        local(tree / "prod/terraform.tfstate"),
    ]
    assert [fetch_state(obj.uri, LOCAL) for obj in found] == [
        state("dev"),
        state("prod-eu-network"),
        state("prod"),
    ]


def test_a_relative_glob_is_anchored_at_the_working_directory(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree.parent)
    found = expand_sources("tfstate://./envs/**/terraform.tfstate", LOCAL)
    assert found == [local(tree / "dev/terraform.tfstate"), local(tree / "prod/terraform.tfstate")]


def test_a_single_star_matches_within_one_directory_level_only(tree: Path) -> None:
    assert expand_sources(f"tfstate://{tree}/*/terraform.tfstate", LOCAL) == [
        local(tree / "dev/terraform.tfstate"),
        local(tree / "prod/terraform.tfstate"),
    ]
    assert expand_sources(f"tfstate://{tree}/*.tfstate", LOCAL) == []


def test_naming_a_terraform_working_dir_literally_still_reaches_into_it(tree: Path) -> None:
    found = expand_sources(f"tfstate://{tree}/dev/.terragrunt-cache/**/terraform.tfstate", LOCAL)
    assert found == [local(tree / "dev/.terragrunt-cache/abc/def/terraform.tfstate")]


def test_a_glob_that_matches_nothing_expands_to_an_empty_list(tmp_path: Path) -> None:
    assert expand_sources(f"tfstate://{tmp_path}/**/*.tfstate", LOCAL) == []
    assert expand_sources(f"tfstate://{tmp_path}/missing/**/*.tfstate", LOCAL) == []


def test_workspaces_are_found_in_terraform_tfstate_d_beside_the_default_state(
    tmp_path: Path,
) -> None:
    default = write(tmp_path / "terraform.tfstate", state("default"))
    staging = write(tmp_path / "terraform.tfstate.d/staging/terraform.tfstate", state("staging"))
    prod = write(tmp_path / "terraform.tfstate.d/prod/terraform.tfstate", state("prod"))
    (tmp_path / "terraform.tfstate.d/empty").mkdir()  # `terraform workspace new` without apply

    assert expand_sources(f"tfstate://{default}", LOCAL) == [local(default)]
    found = expand_sources(f"tfstate://{default}", LOCAL, workspaces=True)
    assert found == [local(default), local(prod, "prod"), local(staging, "staging")]
    assert fetch_state(found[2].uri, LOCAL) == state("staging")


def test_a_glob_with_workspaces_lists_each_workspace_once(tmp_path: Path) -> None:
    for stack in ("app", "db"):
        write(tmp_path / stack / "terraform.tfstate", state(stack))
    write(tmp_path / "app/terraform.tfstate.d/qa/terraform.tfstate", state("app-qa"))

    # The ** glob matches the workspace file itself, and the layout adds it again: one entry.
    found = expand_sources(f"tfstate://{tmp_path}/**/terraform.tfstate", LOCAL, workspaces=True)
    assert found == [
        local(tmp_path / "app/terraform.tfstate"),
        local(tmp_path / "app/terraform.tfstate.d/qa/terraform.tfstate", "qa"),
        local(tmp_path / "db/terraform.tfstate"),
    ]


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="no such file"):
        fetch_state(f"tfstate://{tmp_path}/nope.tfstate", LOCAL)


def test_a_directory_is_not_a_state_file_and_the_message_suggests_a_glob(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound) as refused:
        fetch_state(f"tfstate://{tmp_path}", LOCAL)
    assert str(refused.value) == (
        f"tfstate://{tmp_path.resolve()}: is a directory, not a state file; name the .tfstate "
        f"file in it, or use a glob such as tfstate://{tmp_path.resolve()}/**/*.tfstate"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file regardless of its mode")
def test_an_unreadable_file_is_access_denied(tmp_path: Path) -> None:
    path = write(tmp_path / "terraform.tfstate", state("secret"))
    path.chmod(0)
    with pytest.raises(SourceAccessDenied, match="permission denied"):
        fetch_state(f"tfstate://{path}", LOCAL)
