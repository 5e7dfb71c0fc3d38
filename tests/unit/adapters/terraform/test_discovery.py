"""Discovery of state sources in a directory tree: state files, backend/cloud blocks, Terragrunt.

The trees under ``trees/`` are small hand-written configurations; tests that need what a
repository cannot hold (``.git``, symlinks) build it in ``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.discovery import (
    DiscoveryError,
    DiscoveryResult,
    FoundSource,
    discover,
    discover_state_sources,
)

TREES = Path(__file__).parent / "trees"
# The local user's own CLI; a server's roots are tested in tests/integration/backends.
LOCAL = SourcePolicy.local()
STATE = '{"version": 4, "serial": 1, "lineage": "x", "resources": []}\n'


def scan(tree: str | Path, **environ: str) -> DiscoveryResult:
    root = TREES / tree if isinstance(tree, str) else tree
    return discover(root, environ=environ, policy=LOCAL)


def local(path: Path) -> str:
    return f"tfstate://{path.resolve().as_posix()}"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def s3_backend(bucket: str, key: str) -> str:
    return (
        f'terraform {{\n  backend "s3" {{\n    bucket = "{bucket}"\n    key = "{key}"\n  }}\n}}\n'
    )


# --- state files -------------------------------------------------------------------------------


def test_state_files_are_reported_with_absolute_uris_and_workspaces_from_the_layout() -> None:
    result = scan("plain")

    root = TREES / "plain"
    assert result.sources == [
        FoundSource(
            uri=local(root / "envs/eu/network.tfstate"),
            backend="local",
            workspace="default",
            found_in="envs/eu/network.tfstate",
            kind="state_file",
        ),
        FoundSource(
            uri=local(root / "terraform.tfstate"),
            backend="local",
            workspace="default",
            found_in="terraform.tfstate",
            kind="state_file",
        ),
        FoundSource(
            uri=local(root / "terraform.tfstate.d/prod/terraform.tfstate"),
            backend="local",
            workspace="prod",
            found_in="terraform.tfstate.d/prod/terraform.tfstate",
            kind="state_file",
        ),
        FoundSource(
            uri=local(root / "terraform.tfstate.d/staging/terraform.tfstate"),
            backend="local",
            workspace="staging",
            found_in="terraform.tfstate.d/staging/terraform.tfstate",
            kind="state_file",
        ),
    ]
    assert result.warnings == []


def test_backups_and_state_under_dot_terraform_and_node_modules_are_not_reported() -> None:
    found_in = [s.found_in for s in scan("plain").sources]

    # The fixture really holds them, so their absence means something.
    assert (TREES / "plain/terraform.tfstate.backup").is_file()
    assert (TREES / "plain/.terraform/terraform.tfstate").is_file()
    assert (TREES / "plain/node_modules/pkg/terraform.tfstate").is_file()
    assert not [f for f in found_in if "backup" in f]
    assert not [f for f in found_in if ".terraform/" in f or "node_modules" in f]


def test_git_directories_are_pruned(tmp_path: Path) -> None:
    write(tmp_path, {".git/lfs/objects/terraform.tfstate": STATE, "app/terraform.tfstate": STATE})

    assert [s.found_in for s in scan(tmp_path).sources] == ["app/terraform.tfstate"]


def test_symlinked_directories_are_never_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret/terraform.tfstate": STATE})
    tree = write(tmp_path / "tree", {"app/terraform.tfstate": STATE})
    (tree / "escape").symlink_to(outside / "secret", target_is_directory=True)
    (tree / "loop").symlink_to(tree, target_is_directory=True)

    result = scan(tree)

    assert [s.found_in for s in result.sources] == ["app/terraform.tfstate"]
    assert result.warnings == []


def test_a_symlinked_state_file_pointing_outside_the_tree_is_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    outside = write(tmp_path / "outside", {"other.tfstate": STATE})
    tree = write(tmp_path / "tree", {"real/terraform.tfstate": STATE})
    (tree / "stolen.tfstate").symlink_to(outside / "other.tfstate")
    (tree / "alias.tfstate").symlink_to(tree / "real/terraform.tfstate")

    result = scan(tree)

    assert [s.found_in for s in result.sources] == ["alias.tfstate", "real/terraform.tfstate"]
    assert result.warnings == [
        "stolen.tfstate: symlink to a file outside the scanned tree; skipped"
    ]


def test_a_missing_root_raises_a_one_line_discovery_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="no such directory") as error:
        discover(tmp_path / "nowhere", policy=LOCAL)

    assert "\n" not in str(error.value)


def test_a_file_as_root_raises_a_discovery_error(tmp_path: Path) -> None:
    write(tmp_path, {"terraform.tfstate": STATE})

    with pytest.raises(DiscoveryError, match="not a directory"):
        discover(tmp_path / "terraform.tfstate", policy=LOCAL)


def test_discover_state_sources_is_discover_without_the_warnings() -> None:
    root = TREES / "backends"

    assert discover_state_sources(root, policy=LOCAL) == discover(root, policy=LOCAL).sources


# --- backend and cloud blocks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directory", "uri", "backend", "workspace"),
    [
        ("s3", "tfstate+s3://acme-tfstate/network/terraform.tfstate", "s3", "default"),
        ("gcs", "tfstate+gs://acme-tfstate-gcs/apps/web/default.tfstate", "gcs", "default"),
        ("gcs_no_prefix", "tfstate+gs://acme-tfstate-gcs/default.tfstate", "gcs", "default"),
        (
            "azurerm",
            "tfstate+azurerm://acmetfstate/tfstate/prod.terraform.tfstate",
            "azurerm",
            "default",
        ),
        (
            "http",
            "tfstate+https://state.example.com/projects/42/terraform/state/prod",
            "http",
            "default",
        ),
        ("remote", "tfstate+tfcloud://acme/networking-prod", "tfcloud", "default"),
        ("json", "tfstate+s3://acme-tfstate/json/terraform.tfstate", "s3", "default"),
    ],
)
def test_each_backend_block_becomes_one_source_uri(
    directory: str, uri: str, backend: str, workspace: str
) -> None:
    result = scan(f"backends/{directory}")

    [source] = result.sources
    assert (source.uri, source.backend, source.workspace) == (uri, backend, workspace)
    assert source.kind == "backend_block"
    assert source.note is None
    assert result.warnings == []


def test_a_local_backend_path_is_resolved_against_the_directory_of_its_file() -> None:
    [source] = scan("backends/local").sources

    assert source.uri == local(TREES / "backends/common/app.tfstate")
    assert (source.backend, source.found_in) == ("local", "backend.tf")


def test_a_local_backend_and_the_state_file_it_names_are_one_source(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/main.tf": 'terraform {\n  backend "local" {}\n}\n',
            "app/terraform.tfstate": STATE,
        },
    )

    [source] = scan(tmp_path).sources

    assert source.uri == local(tmp_path / "app/terraform.tfstate")
    assert (source.found_in, source.kind) == ("app/main.tf", "backend_block")


def test_a_cloud_block_with_a_workspace_name_names_that_workspace() -> None:
    [source] = scan("backends/cloud").sources

    assert source == FoundSource(
        uri="tfstate+tfcloud://acme/billing-prod",
        backend="tfcloud",
        workspace="billing-prod",
        found_in="main.tf",
        kind="cloud_block",
    )


def test_workspace_selectors_become_one_source_with_a_note() -> None:
    [tags] = scan("backends/cloud_tags").sources
    [project] = scan("backends/cloud_project").sources
    [prefix] = scan("backends/remote_prefix").sources

    assert tags.uri == "tfstate+tfcloud://acme/tags:app,prod"
    assert tags.note == "stands for every workspace tagged app,prod"
    assert project.uri == "tfstate+tfcloud://acme/*"
    assert project.note == "stands for every workspace in project billing"
    assert prefix.uri == "tfstate+tfcloud://acme/networking-*"
    assert prefix.note == (
        "hostname tfe.acme.internal is not part of the URI; "
        "stands for every workspace named networking-*"
    )


def test_a_partial_backend_block_is_reported_with_placeholders_and_a_note() -> None:
    [source] = scan("backends/partial").sources

    assert source.uri == "tfstate+s3://<bucket>/<key>"
    assert source.note == (
        "partial backend configuration: bucket, key not set"
        " (supplied by terraform init -backend-config)"
    )


def test_a_partial_backend_block_is_completed_by_each_sibling_tfbackend_file() -> None:
    sources = scan("backends/partial_merged").sources

    assert [(s.uri, s.note) for s in sources] == [
        (
            "tfstate+s3://acme-prod-tfstate/app/terraform.tfstate",
            "partial backend configuration completed from prod.tfbackend",
        ),
        (
            "tfstate+s3://acme-staging-tfstate/app/terraform.tfstate",
            "partial backend configuration completed from staging.tfbackend",
        ),
    ]
    assert {s.found_in for s in sources} == {"backend.tf"}


def test_backend_hcl_files_override_a_complete_block_and_say_so(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": s3_backend("acme-dev", "app.tfstate"),
            "prod.backend.hcl": 'bucket = "acme-prod"\n',
        },
    )

    [source] = scan(tmp_path).sources

    assert source.uri == "tfstate+s3://acme-prod/app.tfstate"
    assert source.note == "settings merged from prod.backend.hcl"


def test_a_backend_file_that_leaves_settings_missing_still_reports_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"main.tf": 'terraform {\n  backend "azurerm" {}\n}\n', "backend.hcl": 'key = "k"\n'},
    )

    [source] = scan(tmp_path).sources

    assert source.uri == "tfstate+azurerm://<storage_account_name>/<container_name>/k"
    assert source.note == (
        "partial backend configuration: storage_account_name, container_name not set,"
        " even with backend.hcl"
    )


def test_a_cloud_block_without_workspaces_points_at_the_environment(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "terraform {\n  cloud {}\n}\n"})

    [source] = scan(tmp_path).sources

    assert source.uri == "tfstate+tfcloud://<organization>/<workspace>"
    assert source.note == (
        "partial cloud configuration: organization, workspaces not set"
        " (supplied by TF_CLOUD_ORGANIZATION / TF_WORKSPACE)"
    )


def test_variables_in_a_backend_block_are_left_as_written_and_named_in_the_note() -> None:
    [source] = scan("backends/variables").sources

    assert source.uri == "tfstate+s3://acme-${var.env}-tfstate/${local.state_key}"
    assert source.note == "bucket uses var.env; key uses local.state_key; left as written"


def test_an_unparseable_file_is_skipped_with_a_warning_and_the_scan_goes_on() -> None:
    result = scan("backends")

    assert (
        "broken/backend.tf: not valid HCL (line 5, column 1: unexpected end of file); skipped"
        in (result.warnings)
    )
    assert not [s for s in result.sources if s.found_in.startswith("broken/")]
    assert "s3/main.tf" in [s.found_in for s in result.sources]


def test_a_backend_type_without_a_source_uri_is_skipped_with_a_warning() -> None:
    result = scan("backends/unsupported")

    assert result.sources == []
    assert result.warnings == ['backend.tf: backend "consul" has no driftmgr source URI; skipped']


def test_sources_are_sorted_by_file_then_uri_and_one_per_uri(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "b/main.tf": s3_backend("acme", "shared.tfstate"),
            "a/main.tf": s3_backend("acme", "shared.tfstate"),
            "a/other.tf": s3_backend("acme", "a.tfstate"),
        },
    )

    sources = scan(tmp_path).sources

    assert [(s.found_in, s.uri) for s in sources] == [
        ("a/main.tf", "tfstate+s3://acme/shared.tfstate"),
        ("a/other.tf", "tfstate+s3://acme/a.tfstate"),
    ]


def test_equal_uris_that_are_not_fully_known_are_kept_once_per_file(tmp_path: Path) -> None:
    partial = 'terraform {\n  backend "s3" {}\n}\n'
    write(tmp_path, {"a/main.tf": partial, "b/main.tf": partial})

    sources = scan(tmp_path).sources

    assert [(s.found_in, s.uri) for s in sources] == [
        ("a/main.tf", "tfstate+s3://<bucket>/<key>"),
        ("b/main.tf", "tfstate+s3://<bucket>/<key>"),
    ]


def test_files_that_never_mention_a_backend_are_not_parsed(tmp_path: Path) -> None:
    # Not valid HCL, but it cannot configure state, so it costs neither a parse nor a warning.
    write(tmp_path, {"main.tf": 'resource "x" "y" {\n'})

    assert scan(tmp_path) == DiscoveryResult(sources=[], warnings=[])


# --- Terragrunt ----------------------------------------------------------------------------------


def test_a_terragrunt_tree_yields_exactly_one_s3_state_per_child_unit() -> None:
    result = scan("terragrunt")

    assert result.sources == [
        FoundSource(
            uri="tfstate+s3://acme-tfstate/live/prod/app/terraform.tfstate",
            backend="s3",
            workspace="default",
            found_in="live/prod/app/terragrunt.hcl",
            kind="terragrunt",
        ),
        FoundSource(
            uri="tfstate+s3://acme-tfstate/live/prod/vpc/terraform.tfstate",
            backend="s3",
            workspace="default",
            found_in="live/prod/vpc/terragrunt.hcl",
            kind="terragrunt",
        ),
        FoundSource(
            uri="tfstate+s3://acme-tfstate/live/staging/vpc/terraform.tfstate",
            backend="s3",
            workspace="default",
            found_in="live/staging/vpc/terragrunt.hcl",
            kind="terragrunt",
        ),
    ]
    assert result.warnings == []


def test_the_terragrunt_fixture_really_has_a_cache_with_state_and_config_copies() -> None:
    # Guards the test above: it only means something if the cache holds tempting files.
    cache = TREES / "terragrunt/live/prod/vpc/.terragrunt-cache"
    names = {p.name for p in cache.rglob("*") if p.is_file()}

    assert {"terraform.tfstate", "backend.tf", "main.tf", "terragrunt.hcl"} <= names
    [working_dir_hash] = cache.iterdir()
    [source_hash] = working_dir_hash.iterdir()
    assert len(working_dir_hash.name) == len(source_hash.name) == 27


def test_a_root_hcl_included_by_name_gives_each_unit_its_gcs_prefix() -> None:
    result = scan("terragrunt_root_hcl")

    assert [(s.found_in, s.uri, s.kind) for s in result.sources] == [
        (
            "live/dev/db/terragrunt.hcl",
            "tfstate+gs://acme-prod-tfstate/live/dev/db/default.tfstate",
            "terragrunt",
        ),
        (
            "live/dev/legacy/terragrunt.hcl",
            "tfstate+gs://acme-legacy-tfstate/legacy/legacy/default.tfstate",
            "terragrunt",
        ),
        (
            "live/dev/net/terragrunt.hcl",
            "tfstate+gs://acme-prod-tfstate/live/dev/net/default.tfstate",
            "terragrunt",
        ),
    ]
    assert result.warnings == []


def test_get_env_reads_the_given_environment_before_its_default() -> None:
    sources = scan("terragrunt_root_hcl", TG_STATE_PROJECT="acme-test").sources

    assert "tfstate+gs://acme-test-tfstate/live/dev/db/default.tfstate" in [s.uri for s in sources]


def test_unknown_terragrunt_functions_are_left_as_written_and_named_in_the_note() -> None:
    result = scan("terragrunt_unevaluated")

    assert [(s.found_in, s.uri, s.note) for s in result.sources] == [
        (
            "app/terragrunt.hcl",
            "tfstate+s3://tfstate-${get_aws_account_id()}/app/terraform.tfstate",
            "bucket uses get_aws_account_id() (needs AWS credentials); left as written",
        ),
        (
            "dep/terragrunt.hcl",
            'tfstate+s3://acme-tfstate/${run_cmd("git", "rev-parse", "--abbrev-ref", "HEAD")}'
            "/dep.tfstate",
            'key uses run_cmd("git", "rev-parse", "--abbrev-ref", "HEAD")'
            " (run_cmd() is not evaluated); left as written",
        ),
    ]


def test_an_include_whose_parent_cannot_be_found_is_a_warning() -> None:
    result = scan("terragrunt_unevaluated")

    assert result.warnings == [
        'orphan/terragrunt.hcl: include "root": find_in_parent_folders("missing-root.hcl"):'
        " no missing-root.hcl in a parent folder; include ignored"
    ]


def test_a_backend_written_by_a_generate_block_is_evaluated_for_each_unit() -> None:
    [source] = scan("terragrunt_generate").sources

    assert source == FoundSource(
        uri="tfstate+azurerm://acmetfstate/tfstate/stacks/payments.tfstate",
        backend="azurerm",
        workspace="default",
        found_in="stacks/payments/terragrunt.hcl",
        kind="terragrunt",
    )


def test_scanning_below_the_terragrunt_root_still_finds_the_included_file() -> None:
    # find_in_parent_folders looks above the scanned root, as Terragrunt does.
    sources = scan("terragrunt/live/staging").sources

    assert [(s.found_in, s.uri) for s in sources] == [
        ("vpc/terragrunt.hcl", "tfstate+s3://acme-tfstate/live/staging/vpc/terraform.tfstate")
    ]


def test_results_do_not_depend_on_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "TG_STATE_PROJECT", "from-process")

    assert "from-process" not in str(scan("terragrunt_root_hcl").sources)
    assert "from-process" in str(discover(TREES / "terragrunt_root_hcl", policy=LOCAL).sources)
