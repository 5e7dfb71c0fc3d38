"""The terraform runner without running terraform: its environment, and how it tells "not
found", "not initialised", "timed out" and terraform's own errors apart.

Runs of the real terraform (a re-created object, a run interrupted at its time limit) are
in tests/integration/terraform/test_recreate.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from driftmgr.adapters.terraform.runner import (
    Completed,
    TerraformError,
    TerraformFailed,
    TerraformNotFound,
    TerraformNotInitialised,
    TerraformTimedOut,
    _without_outputs,
    check_initialised,
    find_terraform,
    first_error,
    needs_init,
    not_a_recreation,
    recreate,
    terraform_env,
)
from driftmgr.domain.remediation import NotRemediable

#: What terraform 1.11 prints (-no-color) planning in a directory never initialised.
NOT_INITIALISED = """
Error: Inconsistent dependency lock file

The following dependency selections recorded in the lock file are
inconsistent with the current configuration:
  - provider registry.terraform.io/hashicorp/aws: required by this configuration but no version is selected

To make the initial dependency selections that will initialize the dependency
lock file, run:
  terraform init
"""  # noqa: E501 - as terraform prints it

#: The same on a terminal: terraform draws a box around each diagnostic.
BOXED = """\
╷
│ Error: Backend initialization required, please run "terraform init"
│
│ Reason: Initial configuration of the requested backend "s3"
╵
"""


@pytest.fixture
def tf_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "x"\n}\n')
    return tmp_path


def completed(returncode: int, stderr: str = "", stdout: str = "") -> Completed:
    return Completed(("terraform", "plan"), returncode, stdout, stderr, 1.0)


def test_every_runner_error_is_a_reason_not_to_remediate() -> None:
    for error in (TerraformNotFound, TerraformNotInitialised, TerraformTimedOut, TerraformFailed):
        assert issubclass(error, TerraformError)
    assert issubclass(TerraformError, NotRemediable)


# --------------------------------------------------------------------------------------------
# Environment


def test_terraform_gets_what_it_and_the_providers_read_and_none_of_driftmgrs_secrets() -> None:
    env = {
        "PATH": "/usr/bin",
        "HOME": "/home/u",
        "TF_CLI_CONFIG_FILE": "/etc/terraformrc",
        "TF_VAR_region": "eu-west-1",
        "AWS_PROFILE": "ops",
        "GOOGLE_APPLICATION_CREDENTIALS": "/k.json",
        "GOGC": "400",
        "DRIFTMGR_TOKEN": "secret",
        "DRIFTMGR_DATABASE_URL": "postgresql://u:p@h/db",
        "TF_LOG": "trace",
        "TF_LOG_PATH": "/tmp/tf.log",
        "PYTHONPATH": "/x",
    }
    assert terraform_env(env) == {
        "PATH": "/usr/bin",
        "HOME": "/home/u",
        "TF_CLI_CONFIG_FILE": "/etc/terraformrc",
        "TF_VAR_region": "eu-west-1",
        "AWS_PROFILE": "ops",
        "GOOGLE_APPLICATION_CREDENTIALS": "/k.json",
        "GOGC": "400",
        # Non-interactive, and no call home:
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }


# --------------------------------------------------------------------------------------------
# Not found, not initialised


def test_a_terraform_path_that_does_not_exist_is_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "bin" / "terraform"
    with pytest.raises(TerraformNotFound, match=f"terraform not found at {missing}"):
        find_terraform(str(missing))


def test_without_terraform_on_path_the_message_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TerraformNotFound) as missing:
        find_terraform()
    assert str(missing.value) == (
        "terraform is not on PATH: install Terraform 1.5 or newer "
        "(https://developer.hashicorp.com/terraform/install) and try again"
    )


def test_a_directory_without_terraform_init_is_refused_before_running_anything(
    tf_dir: Path,
) -> None:
    with pytest.raises(TerraformNotInitialised, match="run `terraform init` there first"):
        check_initialised(tf_dir, {})
    (tf_dir / ".terraform").mkdir()
    check_initialised(tf_dir, {})


def test_the_data_dir_is_where_tf_data_dir_says(tf_dir: Path) -> None:
    (tf_dir / ".terraform").mkdir()
    with pytest.raises(TerraformNotInitialised):
        check_initialised(tf_dir, {"TF_DATA_DIR": "elsewhere"})
    (tf_dir / "elsewhere").mkdir()
    check_initialised(tf_dir, {"TF_DATA_DIR": "elsewhere"})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing", "is not a directory"),
        (lambda d: d, "has no Terraform files"),
    ],
)
def test_a_directory_that_is_no_terraform_code_is_an_error(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    with pytest.raises(TerraformError, match=message) as refused:
        check_initialised(make(tmp_path), {})
    assert not isinstance(refused.value, TerraformNotInitialised)


@pytest.mark.parametrize(
    ("ran", "reason"),
    [
        (completed(1, NOT_INITIALISED), "Error: Inconsistent dependency lock file"),
        (
            completed(1, BOXED),
            'Error: Backend initialization required, please run "terraform init"',
        ),
        (completed(1, "Error: Invalid reference\n\nA reference to a resource type …"), None),
        (completed(0, stdout="run terraform init to …"), None),
    ],
)
def test_a_failure_for_want_of_init_is_told_from_other_failures(
    ran: Completed, reason: str | None
) -> None:
    assert needs_init(ran) == reason


def test_the_first_error_line_is_terraforms_own_words_without_the_box() -> None:
    assert first_error(BOXED) == (
        'Error: Backend initialization required, please run "terraform init"'
    )
    assert first_error("\n  something odd happened\nmore\n") == "something odd happened"
    assert first_error("") == "no output"


# --------------------------------------------------------------------------------------------
# recreate: what is refused before terraform runs


def test_recreate_refuses_what_is_not_a_resource_address(tf_dir: Path) -> None:
    for address in ("aws_vpc", "data.aws_ami.x", "aws_vpc.main -destroy", 'aws_vpc.main["a]'):
        with pytest.raises(TerraformError, match="is not a resource address"):
            recreate(tf_dir, address)


def test_recreate_in_an_uninitialised_directory_says_to_run_init(tf_dir: Path) -> None:
    # sys.executable stands in for a terraform found on PATH; it is never run.
    with pytest.raises(TerraformNotInitialised):
        recreate(tf_dir, "aws_vpc.main", terraform=sys.executable)


def test_recreate_with_its_time_used_up_times_out_before_running_terraform(
    tf_dir: Path,
) -> None:
    (tf_dir / ".terraform").mkdir()
    # Not run either: the limit is checked before each command.
    with pytest.raises(TerraformTimedOut, match="time limit was used up"):
        recreate(tf_dir, "aws_vpc.main", timeout=0, terraform=sys.executable)


def test_only_a_plan_that_just_adds_is_applied_as_a_recreation() -> None:
    assert not_a_recreation("aws_vpc.a", "Plan: 2 to add, 0 to change, 0 to destroy.") is None
    assert not_a_recreation("aws_vpc.a", "Plan: 1 to add, 1 to change, 1 to destroy.") == (
        "not applied: the plan for aws_vpc.a would also change and destroy existing objects "
        "(Plan: 1 to add, 1 to change, 1 to destroy.); re-creating a missing object never "
        "should. Run `terraform plan -target=aws_vpc.a` to see why"
    )
    # Back in the meantime, and drifted: reverting it was not what was approved.
    refusal = not_a_recreation("aws_vpc.a", "Plan: 0 to add, 1 to change, 0 to destroy.")
    assert refusal == (
        "not applied: the plan for aws_vpc.a creates nothing "
        "(Plan: 0 to add, 1 to change, 0 to destroy.)"
    )
    assert not_a_recreation("aws_vpc.a", "") == (
        "not applied: the plan for aws_vpc.a creates nothing (no plan summary)"
    )


def test_output_values_are_cut_from_what_an_apply_printed() -> None:
    printed = (
        "aws_vpc.main: Creating...\n"
        "aws_vpc.main: Creation complete after 1s [id=vpc-1]\n"
        "\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.\n"
        '\nOutputs:\n\ndb_password = <sensitive>\ntoken = "t0ken"\n'
    )
    kept = _without_outputs(printed)
    assert kept.endswith("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n")
    assert "t0ken" not in kept
