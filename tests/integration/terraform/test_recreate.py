"""``recreate`` against real terraform and moto: an object deleted out of band is built
again by a targeted plan and its apply, after which ``terraform plan`` has nothing to do;
a run past its time limit is interrupted and leaves no state lock behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.runner import TerraformTimedOut, recreate
from tests.integration.terraform.test_codegen import MotoTerraform, needs_terraform
from tests.support.terraform import TOOLS_MISSING

CODE = """
resource "aws_iam_role" "app" {
  name = "recreate-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = {
    Team = "platform"
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}
"""


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> MotoTerraform:
    if TOOLS_MISSING is not None:
        pytest.skip(TOOLS_MISSING)
    return MotoTerraform.init(tmp_path_factory.mktemp("recreate") / "project", moto_endpoint, CODE)


@pytest.mark.slow
@needs_terraform
def test_an_object_deleted_out_of_band_is_recreated_and_the_plan_is_clean(
    boto: Callable[..., Any], initialised: MotoTerraform, tmp_path: Path
) -> None:
    project = initialised.copy(tmp_path / "project")
    project.run("apply", "-auto-approve", "-input=false", "-no-color")
    vpc_before = _state_ids(project)["aws_vpc.main"]
    boto("iam").delete_role(RoleName="recreate-app")

    outcome = recreate(project.dir, "aws_iam_role.app", env=project.env, timeout=300)

    assert outcome.ok and outcome.changed
    assert outcome.address == "aws_iam_role.app"
    assert outcome.plan_summary == "Plan: 1 to add, 0 to change, 0 to destroy."
    assert outcome.summary == "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."
    role = boto("iam").get_role(RoleName="recreate-app")["Role"]
    assert {t["Key"]: t["Value"] for t in role["Tags"]} == {"Team": "platform"}
    # Only the target was touched, and terraform now finds nothing to do.
    assert _state_ids(project)["aws_vpc.main"] == vpc_before
    assert project.changes() == {}


@needs_terraform
def test_a_run_past_its_time_limit_is_interrupted_and_releases_the_state_lock(
    initialised: MotoTerraform, tmp_path: Path
) -> None:
    project = initialised.copy(tmp_path / "project")
    # The aws provider alone takes seconds to start: one second always runs out first.
    with pytest.raises(TerraformTimedOut, match="ran past its 1 s limit and was interrupted"):
        recreate(project.dir, "aws_iam_role.app", env=project.env, timeout=1)
    # Interrupted with SIGINT, terraform released the lock it held on the local state.
    assert not (project.dir / ".terraform.tfstate.lock.info").exists()


def _state_ids(project: MotoTerraform) -> dict[str, str]:
    state = json.loads((project.dir / "terraform.tfstate").read_text())
    return {
        f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]["id"]
        for r in state["resources"]
    }
