"""Import code from real terraform against the moto server: objects made with boto3 and no
Terraform come out as ``import {}`` blocks and resources that ``terraform plan`` imports
without changing anything.

Also home of :class:`MotoTerraform`, the Terraform directory whose provider talks to moto
only, which test_hcl_patch.py and test_recreate.py use too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.codegen import Codegen, ImportTarget, generate_imports
from tests.support.terraform import TOOLS_MISSING, fixture_generator

needs_terraform = pytest.mark.skipif(
    TOOLS_MISSING is not None,
    reason=f"needs terraform and the aws provider mirror in /opt/tf-plugins: {TOOLS_MISSING}",
)

#: The provider against moto: static keys, every service used here at the endpoint, and no
#: call to anything else (account id, metadata service, credential checks).
PROVIDER_TF = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    ec2 = var.endpoint
    iam = var.endpoint
    s3  = var.endpoint
    sqs = var.endpoint
    sts = var.endpoint
  }
}
"""

#: One terraform command's limit; a plan against moto takes 10-20 s, most of it the
#: provider starting.
COMMAND_TIMEOUT_S = 240


@dataclass(frozen=True)
class MotoTerraform:
    """A Terraform directory whose aws provider talks to the moto server only."""

    dir: Path
    env: dict[str, str]
    """What terraform runs with: the CLI configuration (provider mirror) and the endpoint;
    nothing of this process's TF_* or AWS_*."""

    @classmethod
    def init(cls, directory: Path, endpoint: str, code: str) -> MotoTerraform:
        """Write ``main.tf`` (the provider, then ``code``) and run ``terraform init``.

        The mirror is an unpacked one: init links the provider (700 MB) rather than copying
        it, and takes under a second.
        """
        directory.mkdir(parents=True)
        (directory / "main.tf").write_text(PROVIDER_TF + code)
        cli_config = directory.parent / f"{directory.name}.terraformrc"
        cli_config.write_text(fixture_generator().CLI_CONFIG)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(directory.parent)),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_VAR_endpoint": endpoint,
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            # Collecting less often: a third less CPU for terraform and the provider, whose
            # start-up is most of every command's time here.
            "GOGC": "400",
        }
        project = cls(directory, env)
        project.run("init", "-input=false", "-no-color")
        return project

    def copy(self, directory: Path) -> MotoTerraform:
        """A copy of the code and state sharing this one's ``terraform init`` (.terraform)."""
        shutil.copytree(self.dir, directory, ignore=shutil.ignore_patterns(".terraform"))
        (directory / ".terraform").symlink_to(self.dir / ".terraform")
        return MotoTerraform(directory, self.env)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["terraform", *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        assert done.returncode in ok, (
            f"terraform {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done

    def plan(self) -> dict[str, Any]:
        """``terraform plan`` saved and read back with ``terraform show -json``."""
        self.run("plan", "-out=check.tfplan", "-input=false", "-lock=false", "-no-color")
        shown: dict[str, Any] = json.loads(self.run("show", "-json", "check.tfplan").stdout)
        return shown

    def changes(self) -> dict[str, str]:
        """What ``terraform plan``, refreshing from moto, would change: address → action,
        from its JSON stream (no ``show``: every command costs a provider start)."""
        stream = self.run("plan", "-json", "-input=false", "-lock=false", "-no-color").stdout
        messages = [json.loads(line) for line in stream.splitlines()]
        return {
            m["change"]["resource"]["addr"]: m["change"]["action"]
            for m in messages
            if m["type"] == "planned_change"
        }


def changing(shown: dict[str, Any]) -> dict[str, list[str]]:
    """A ``show -json`` plan's resources that it changes, with their actions."""
    return {
        r["address"]: r["change"]["actions"]
        for r in shown.get("resource_changes", [])
        if r["change"]["actions"] != ["no-op"]
    }


@pytest.fixture(scope="module")
def empty_project(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> MotoTerraform:
    """No resources: everything in moto is unmanaged. generate_imports plans in a scratch
    copy, so every test here can share this directory and its init."""
    if TOOLS_MISSING is not None:
        pytest.skip(TOOLS_MISSING)
    return MotoTerraform.init(tmp_path_factory.mktemp("codegen") / "project", moto_endpoint, "")


def unmanaged_objects(boto: Callable[..., Any]) -> list[ImportTarget]:
    """Five objects of five types made out of band, as discovery would report them."""
    ec2, s3, iam, sqs = boto("ec2"), boto("s3"), boto("iam"), boto("sqs")
    vpc = ec2.create_vpc(
        CidrBlock="10.40.0.0/16",
        TagSpecifications=[
            {
                "ResourceType": "vpc",
                "Tags": [{"Key": "Name", "Value": "Shadow Net"}, {"Key": "Team", "Value": "data"}],
            }
        ],
    )["Vpc"]["VpcId"]
    s3.create_bucket(Bucket="shadow-bucket")
    made = ec2.create_security_group(GroupName="shadow-sg", Description="by hand", VpcId=vpc)
    group = made["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https inside"}],
            }
        ],
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="shadow-role", AssumeRolePolicyDocument=json.dumps(trust))
    queue = sqs.create_queue(QueueName="shadow-queue")["QueueUrl"]
    region = "us-east-1"
    return [
        ImportTarget(
            type="aws_vpc",
            import_id=vpc,
            region=region,
            attributes={"cidr_block": "10.40.0.0/16", "tags": {"Name": "Shadow Net"}},
        ),
        ImportTarget(
            type="aws_s3_bucket",
            import_id="shadow-bucket",
            region=region,
            attributes={"bucket": "shadow-bucket"},
        ),
        ImportTarget(
            type="aws_security_group",
            import_id=group,
            region=region,
            attributes={"name": "shadow-sg", "vpc_id": vpc},
        ),
        ImportTarget(
            type="aws_iam_role",
            import_id="shadow-role",
            region=region,
            attributes={"name": "shadow-role"},
        ),
        ImportTarget(
            type="aws_sqs_queue",
            import_id=queue,
            region=region,
            attributes={"name": "shadow-queue"},
        ),
    ]


def write_files(code: Codegen, project: MotoTerraform) -> None:
    for name, text in code.files.items():
        (project.dir / name).write_text(text)


@pytest.mark.slow
@needs_terraform
def test_generated_code_imports_every_object_and_plans_no_other_change(
    boto: Callable[..., Any], empty_project: MotoTerraform, tmp_path: Path
) -> None:
    targets = unmanaged_objects(boto)

    code = generate_imports(targets, tf_dir=empty_project.dir, env=empty_project.env)

    assert code.problems == []
    assert code.checked is True
    assert code.summary == "Plan: 5 to import, 0 to add, 0 to change, 0 to destroy."
    assert code.addresses == [
        "aws_vpc.shadow_net",
        "aws_s3_bucket.shadow_bucket",
        "aws_security_group.shadow_sg",
        "aws_iam_role.shadow_role",
        "aws_sqs_queue.shadow_queue",
    ]
    assert list(code.files) == ["driftmgr_imports.tf"]
    assert not (empty_project.dir / "driftmgr_imports.tf").exists()  # written by the caller

    # Judged again by terraform itself, outside generate_imports: the code in a copy of the
    # directory, a saved plan, its JSON.
    copy = empty_project.copy(tmp_path / "check")
    write_files(code, copy)
    shown = copy.plan()
    assert changing(shown) == {}
    imported = {
        r["address"]: r["change"]["importing"]["id"]
        for r in shown["resource_changes"]
        if "importing" in r["change"]
    }
    assert imported == {
        address: target.import_id for address, target in zip(code.addresses, targets, strict=True)
    }
    assert len(shown["resource_changes"]) == len(targets)


@pytest.mark.slow
@needs_terraform
def test_an_object_that_cannot_be_imported_is_named_and_the_others_still_come_out(
    boto: Callable[..., Any], empty_project: MotoTerraform
) -> None:
    vpc, bucket = unmanaged_objects(boto)[:2]
    missing = ImportTarget(type="aws_iam_role", import_id="no-such-role", region="us-east-1")

    code = generate_imports([vpc, missing, bucket], tf_dir=empty_project.dir, env=empty_project.env)

    assert code.checked is False
    assert len(code.problems) == 1
    assert code.problems[0].startswith("aws_iam_role no-such-role: ")
    assert "Cannot import non-existent remote object" in code.problems[0]
    assert code.addresses == ["aws_vpc.shadow_net", "", "aws_s3_bucket.shadow_bucket"]
    # The others were still planned, and cleanly.
    assert code.summary == "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."
    (text,) = code.files.values()
    assert "to = aws_vpc.shadow_net" in text
    assert "to = aws_s3_bucket.shadow_bucket" in text
    assert "no-such-role" not in text
