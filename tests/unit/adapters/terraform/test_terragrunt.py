"""Terragrunt evaluation (includes, functions, locals) and the HCL template helpers under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.discovery import discover
from driftmgr.adapters.terraform.hcl import (
    Interpolation,
    Problem,
    Unevaluated,
    heredoc_text,
    load_hcl,
    parse_template,
    render,
)
from driftmgr.adapters.terraform.terragrunt import RemoteState, Terragrunt

TREES = Path(__file__).parent / "trees"
# The local user's own CLI; a server's roots are tested in tests/integration/backends.
LOCAL = SourcePolicy.local()
INCLUDE_ROOT = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def remote_state(config: str, backend: str = "s3") -> str:
    return f'remote_state {{\n  backend = "{backend}"\n  config = {{\n{config}\n  }}\n}}\n'


def evaluate(unit: Path, **environ: str) -> tuple[RemoteState | None, list[str]]:
    warnings: list[str] = []
    tg = Terragrunt(
        environ,
        lambda path, message: warnings.append(f"{path.name}: {message}"),
        readable=lambda path: True,
    )
    return tg.remote_state(unit), warnings


def config_of(unit: Path, **environ: str) -> dict[str, Any]:
    state, warnings = evaluate(unit, **environ)
    assert state is not None, warnings
    assert warnings == []
    return state.config


# --- Terragrunt functions ------------------------------------------------------------------------


def test_include_path_functions_are_evaluated_in_the_unit_context(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root.hcl": remote_state(
                """
    to     = path_relative_to_include()
    from   = path_relative_from_include()
    parent = get_parent_terragrunt_dir()
    here   = get_terragrunt_dir()
    unit   = get_original_terragrunt_dir()
"""
            ),
            "live/prod/app/terragrunt.hcl": INCLUDE_ROOT,
        },
    )

    config = config_of(tmp_path / "live/prod/app/terragrunt.hcl")

    assert config == {
        "to": "live/prod/app",
        "from": "../../..",
        "parent": tmp_path.as_posix(),
        "here": (tmp_path / "live/prod/app").as_posix(),
        "unit": (tmp_path / "live/prod/app").as_posix(),
    }


def test_find_in_parent_folders_starts_above_the_unit_and_falls_back_when_asked(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "root.hcl": remote_state(
                """
    nearest  = find_in_parent_folders("env.hcl")
    fallback = find_in_parent_folders("nowhere.hcl", "none")
"""
            ),
            "live/env.hcl": "",
            "live/app/env.hcl": "",  # the unit's own directory is not searched
            "live/app/terragrunt.hcl": INCLUDE_ROOT,
        },
    )

    config = config_of(tmp_path / "live/app/terragrunt.hcl")

    assert config == {"nearest": (tmp_path / "live/env.hcl").as_posix(), "fallback": "none"}


def test_get_env_uses_the_environment_then_the_default_and_reports_a_missing_variable(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "app/terragrunt.hcl": remote_state(
                """
    bucket = get_env("STATE_BUCKET", "fallback-bucket")
    key    = "${get_env("STATE_KEY")}/terraform.tfstate"
"""
            )
        },
    )
    unit = tmp_path / "app/terragrunt.hcl"

    state, _ = evaluate(unit)
    assert state is not None
    assert state.config == {
        "bucket": "fallback-bucket",
        "key": '${get_env("STATE_KEY")}/terraform.tfstate',
    }
    assert state.problems == {
        "key": [Problem('get_env("STATE_KEY")', "environment variable STATE_KEY is not set")]
    }
    assert config_of(unit, STATE_BUCKET="b", STATE_KEY="k") == {
        "bucket": "b",
        "key": "k/terraform.tfstate",
    }


def test_string_functions_and_locals_are_evaluated(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root.hcl": 'locals {\n  team = "Payments"\n  prefix = lower(local.team)\n}\n'
            + remote_state(
                """
    bucket = replace("${local.prefix}_state", "_", "-")
    key    = format("%s/%s.tfstate", basename(dirname(get_terragrunt_dir())), local.prefix)
    name   = trimsuffix(trimprefix(trimspace("  x-app-y "), "x-"), "-y")
"""
            ),
            "live/eu/api/terragrunt.hcl": INCLUDE_ROOT,
        },
    )

    config = config_of(tmp_path / "live/eu/api/terragrunt.hcl")

    assert config == {"bucket": "payments-state", "key": "eu/payments.tfstate", "name": "app"}


def test_read_terragrunt_config_locals_are_evaluated_relative_to_the_file_read(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "root.hcl": "locals {\n"
            '  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))\n'
            "}\n" + remote_state('    bucket = "${local.account.locals.name}-tfstate"'),
            "prod/account.hcl": "locals {\n  name = basename(get_terragrunt_dir())\n}\n",
            "prod/db/terragrunt.hcl": INCLUDE_ROOT,
        },
    )

    assert config_of(tmp_path / "prod/db/terragrunt.hcl") == {"bucket": "prod-tfstate"}


def test_exposed_include_locals_are_readable_from_the_unit(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root.hcl": 'locals {\n  bucket = "shared-tfstate"\n}\n',
            "app/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n'
            "  expose = true\n}\n"
            + remote_state(
                """
    bucket = include.root.locals.bucket
    key    = "${path_relative_to_include()}/app.tfstate"
"""
            ),
        },
    )

    assert config_of(tmp_path / "app/terragrunt.hcl") == {
        "bucket": "shared-tfstate",
        "key": "app/app.tfstate",
    }


def test_with_several_includes_path_relative_to_include_needs_a_label(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root.hcl": "",
            "envs/env.hcl": "",
            "envs/prod/app/terragrunt.hcl": INCLUDE_ROOT
            + 'include "env" {\n  path = find_in_parent_folders("env.hcl")\n}\n'
            + remote_state(
                """
    labelled   = path_relative_to_include("env")
    unlabelled = path_relative_to_include()
"""
            ),
        },
    )

    state, _ = evaluate(tmp_path / "envs/prod/app/terragrunt.hcl")

    assert state is not None
    assert state.config == {"labelled": "prod/app", "unlabelled": "${path_relative_to_include()}"}
    assert state.problems["unlabelled"] == [
        Problem(
            "path_relative_to_include()", "needs an include label when there are several includes"
        )
    ]


def test_the_last_merged_include_with_a_remote_state_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "first.hcl": remote_state('    bucket = "first"'),
            "second.hcl": remote_state('    bucket = "second"'),
            "ignored.hcl": remote_state('    bucket = "ignored"'),
            "app/terragrunt.hcl": 'include "a" {\n  path = "../first.hcl"\n}\n'
            'include "b" {\n  path = "../second.hcl"\n}\n'
            'include "c" {\n  path = "../ignored.hcl"\n  merge_strategy = "no_merge"\n}\n',
        },
    )

    state, _ = evaluate(tmp_path / "app/terragrunt.hcl")

    assert state is not None
    assert state.config == {"bucket": "second"}
    assert state.declared_in == tmp_path / "second.hcl"


def test_dependency_outputs_and_self_referencing_locals_are_not_evaluated(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/terragrunt.hcl": "locals {\n  a = local.b\n  b = local.a\n}\n"
            + remote_state(
                """
    bucket = dependency.state.outputs.bucket
    key    = "${local.a}/terraform.tfstate"
"""
            )
        },
    )

    state, _ = evaluate(tmp_path / "app/terragrunt.hcl")

    assert state is not None
    assert state.config == {
        "bucket": "${dependency.state.outputs.bucket}",
        "key": "${local.a}/terraform.tfstate",
    }
    assert state.problems == {
        "bucket": [Problem("dependency.state.outputs.bucket", "dependency outputs need terraform")],
        "key": [Problem("local.a", "local.b: local.a: local.a refers to itself")],
    }


def test_repository_functions_look_for_the_enclosing_git_directory(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "repo/.git/HEAD": "ref: refs/heads/main\n",
            "repo/live/app/terragrunt.hcl": remote_state(
                """
    key  = "${get_path_from_repo_root()}/terraform.tfstate"
    back = get_path_to_repo_root()
"""
            ),
        },
    )

    config = config_of(tmp_path / "repo/live/app/terragrunt.hcl")

    assert config == {"key": "live/app/terraform.tfstate", "back": "../.."}


# --- which files are units -----------------------------------------------------------------------


def test_a_root_file_is_a_unit_only_when_it_has_a_terraform_source(tmp_path: Path) -> None:
    key = '    bucket = "b"\n    key = "${path_relative_to_include()}/terraform.tfstate"'
    write(
        tmp_path,
        {
            "terragrunt.hcl": remote_state(key) + 'terraform {\n  source = "./modules//root"\n}\n',
            "app/terragrunt.hcl": "include {\n  path = find_in_parent_folders()\n}\n",
        },
    )

    uris = [s.uri for s in discover(tmp_path, environ={}, policy=LOCAL).sources]

    # Sorted by file: app/terragrunt.hcl, then the root's own terragrunt.hcl.
    assert uris == ["tfstate+s3://b/app/terraform.tfstate", "tfstate+s3://b/./terraform.tfstate"]
    # Without the source it is only shared configuration (see trees/terragrunt).


def test_a_lone_file_with_only_a_remote_state_is_not_a_unit(tmp_path: Path) -> None:
    write(tmp_path, {"terragrunt.hcl": remote_state('    bucket = "b"\n    key = "k"')})

    assert discover(tmp_path, environ={}, policy=LOCAL).sources == []


def test_an_empty_backend_block_in_a_unit_is_left_to_terragrunt_to_fill() -> None:
    app = TREES / "terragrunt/live/prod/app"
    assert 'backend "s3" {}' in (app / "main.tf").read_text()

    sources = [
        s for s in discover(TREES / "terragrunt", policy=LOCAL).sources if "prod/app" in s.found_in
    ]

    assert [(s.kind, s.uri) for s in sources] == [
        ("terragrunt", "tfstate+s3://acme-tfstate/live/prod/app/terraform.tfstate")
    ]


def test_an_unparseable_root_file_is_one_warning_however_many_units_include_it(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "root.hcl": "remote_state {\n",
            "a/terragrunt.hcl": INCLUDE_ROOT,
            "b/terragrunt.hcl": INCLUDE_ROOT,
        },
    )

    result = discover(tmp_path, environ={}, policy=LOCAL)

    assert result.sources == []
    assert result.warnings == [
        "root.hcl: not valid HCL (line 2, column 1: unexpected end of file); skipped"
    ]


# --- HCL templates -------------------------------------------------------------------------------


class _NoNames:
    def variable(self, name: str) -> Any:
        raise Unevaluated("")

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "upper":
            return str(args[0]).upper()
        raise Unevaluated(f"{name}() is not evaluated")


def test_a_template_splits_into_text_and_interpolations_honouring_escapes() -> None:
    parts = parse_template('a-${f("x}", "${y}")}-$${literal}-%%{also}')

    assert parts == [
        "a-",
        Interpolation('${f("x}", "${y}")}', 'f("x}", "${y}")'),
        "-${literal}-%{also}",
    ]


def test_rendering_evaluates_what_it_can_and_leaves_the_rest_as_written() -> None:
    value, problems = render(
        {"a": '${upper("a\\"b")}/${var.x == 1 ? "p" : "q"}', "b": ["%{ if c }d%{ endif }"]},
        _NoNames(),
    )

    assert value == {
        "a": 'A"B/${var.x == 1 ? "p" : "q"}',
        "b": ["%{ if c }d%{ endif }"],
    }
    assert problems == [
        Problem('var.x == 1 ? "p" : "q"'),
        Problem("%{ if c }", "template directive"),
        Problem("%{ endif }", "template directive"),
    ]


def test_an_indented_heredoc_loses_its_common_indentation() -> None:
    doc = load_hcl("x = <<-EOT\n    a\n      b\n  EOT\n")

    assert heredoc_text(doc["x"]) == "a\n  b"


@pytest.mark.parametrize("text", ["a = {", 'backend "s3" {', "x = <<EOT\nno end\n"])
def test_hcl_syntax_errors_are_one_line(text: str) -> None:
    from driftmgr.adapters.terraform.hcl import HclError

    with pytest.raises(HclError) as error:
        load_hcl(text)

    assert "\n" not in str(error.value)
