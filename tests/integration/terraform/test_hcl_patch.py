""" "Accept" against real terraform: a resource drifted in moto, its code patched to the
cloud's values, and ``terraform plan`` (refreshing from moto) has nothing left to change
for it; values set by expressions are refused and left as written.

The text of the edits is pinned by tests/unit/adapters/terraform/test_hcl_patch_unit.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.hcl_patch import PatchRefused, patch_attributes
from tests.integration.terraform.test_codegen import MotoTerraform, needs_terraform
from tests.support.terraform import TOOLS_MISSING

CODE = """
variable "shared_cidr" {
  type    = string
  default = "10.51.0.0/16"
}

locals {
  team = "platform"
}

resource "aws_vpc" "accepted" {
  cidr_block         = "10.50.0.0/16"
  enable_dns_support = true # the resolver
  tags = {
    Name  = "patch-accepted"
    Owner = "network"
    Stale = "yes"
  }
}

resource "aws_vpc" "shared" {
  cidr_block = var.shared_cidr
  tags = {
    Name = "patch-shared"
    Team = local.team
  }
}
"""


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> MotoTerraform:
    if TOOLS_MISSING is not None:
        pytest.skip(TOOLS_MISSING)
    return MotoTerraform.init(tmp_path_factory.mktemp("hcl") / "project", moto_endpoint, CODE)


@pytest.mark.slow
@needs_terraform
def test_patched_code_matches_the_cloud_and_an_expression_is_refused(
    boto: Callable[..., Any], initialised: MotoTerraform, tmp_path: Path
) -> None:
    project = initialised.copy(tmp_path / "project")
    project.run("apply", "-auto-approve", "-input=false", "-no-color")
    state = project.dir / "terraform.tfstate"
    ids = {r["name"]: r["instances"][0]["attributes"]["id"] for r in _resources(state)}

    # Out of band: a literal attribute, tags edited, added and removed; a tag set by a local.
    ec2 = boto("ec2")
    ec2.modify_vpc_attribute(VpcId=ids["accepted"], EnableDnsSupport={"Value": False})
    ec2.delete_tags(Resources=[ids["accepted"]], Tags=[{"Key": "Stale"}])
    ec2.create_tags(
        Resources=[ids["accepted"]],
        Tags=[{"Key": "Owner", "Value": "someone-else"}, {"Key": "CostCentre", "Value": "42"}],
    )
    ec2.create_tags(Resources=[ids["shared"]], Tags=[{"Key": "Team", "Value": "someone-else"}])
    assert project.changes() == {"aws_vpc.accepted": "update", "aws_vpc.shared": "update"}

    cloud_tags = {"Name": "patch-accepted", "Owner": "someone-else", "CostCentre": "42"}
    patch = patch_attributes(
        project.dir, "aws_vpc.accepted", {"enable_dns_support": False, "tags": cloud_tags}
    )
    assert patch.path == "main.tf"
    assert patch.notes == ()
    assert _changed_lines(patch.diff) == [
        "-  enable_dns_support = true # the resolver",
        "+  enable_dns_support = false # the resolver",
        '-    Name  = "patch-accepted"',
        '-    Owner = "network"',
        '-    Stale = "yes"',
        '+    Name       = "patch-accepted"',
        '+    Owner      = "someone-else"',
        '+    CostCentre = "42"',
    ]
    (project.dir / patch.path).write_text(patch.new_text)
    project.run("fmt", "-check", "-diff", "-no-color", patch.path)  # as CI would check it

    # Team = local.team: a literal would change the code's meaning, so it is the user's.
    before = (project.dir / "main.tf").read_text()
    with pytest.raises(PatchRefused, match=r"tags\.Team is set by an expression \(local\.team\)"):
        patch_attributes(
            project.dir,
            "aws_vpc.shared",
            {"tags": {"Name": "patch-shared", "Team": "someone-else"}},
        )
    assert (project.dir / "main.tf").read_text() == before

    # Terraform refreshes from moto: the patched resource is as the code says, the refused
    # one still drifted.
    assert project.changes() == {"aws_vpc.shared": "update"}


@needs_terraform
def test_an_attribute_set_by_a_variable_is_refused_and_the_code_left_alone(
    initialised: MotoTerraform, tmp_path: Path
) -> None:
    project = initialised.copy(tmp_path / "project")
    before = (project.dir / "main.tf").read_text()
    with pytest.raises(PatchRefused) as refused:
        patch_attributes(project.dir, "aws_vpc.shared", {"cidr_block": "10.99.0.0/16"})
    assert str(refused.value) == (
        "aws_vpc.shared: cidr_block is set by an expression (var.shared_cidr), not a literal; "
        "driftmgr does not rewrite expressions: change that code by hand"
    )
    assert (project.dir / "main.tf").read_text() == before


def _resources(state: Path) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = json.loads(state.read_text())["resources"]
    return resources


def _changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
