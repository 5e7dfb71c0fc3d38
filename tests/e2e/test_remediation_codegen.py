"""`driftmgr remediate codegen` as users run it: objects nobody manages, found by a drift
run, come back as Terraform code that real ``terraform plan`` imports and changes nothing
else with."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Ran
from tests.e2e.test_remediation import PROJECT, needs_terraform
from tests.support.terraform import TerraformProject

PLAN_SUMMARY = "to import, 0 to add, 0 to change, 0 to destroy"


def create_unmanaged(boto: Callable[..., Any], vpc_id: str) -> set[tuple[str, str]]:
    """Objects made beside Terraform, as (type, id)."""
    ec2, s3, iam, sqs = boto("ec2"), boto("s3"), boto("iam"), boto("sqs")
    s3.create_bucket(Bucket="codegen-shadow")
    s3.put_bucket_tagging(
        Bucket="codegen-shadow", Tagging={"TagSet": [{"Key": "Owner", "Value": "nobody"}]}
    )
    group = ec2.create_security_group(
        GroupName="codegen-ssh", Description="made by hand", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.30.0.0/16"}],
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
    iam.create_role(RoleName="codegen-role", AssumeRolePolicyDocument=json.dumps(trust))
    sqs.create_queue(QueueName="codegen-queue", Attributes={"VisibilityTimeout": "45"})
    return {
        ("aws_s3_bucket", "codegen-shadow"),
        ("aws_security_group", group),
        ("aws_iam_role", "codegen-role"),
    }


@pytest.mark.slow
@pytest.mark.timeout(900)  # a dozen terraform runs; minutes on a loaded 2-core machine
@needs_terraform
def test_codegen_gives_code_terraform_imports_without_other_changes(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    project = TerraformProject(PROJECT, tmp_path / "terraform", aws)
    project.init_and_apply()
    project.settle()
    made = create_unmanaged(boto, project.ids()["aws_vpc.main"])

    detected = driftmgr(
        "drift", "detect", "--state", str(project.state_path), "--provider", "aws",
        "--region", "us-east-1", "-o", "json",
    )  # fmt: skip
    assert detected.code == 2, detected.stderr
    report = detected.report()
    unmanaged = {(d["type"], d["id"]) for d in report["drifts"] if d["kind"] == "unmanaged"}
    assert made <= unmanaged, unmanaged

    # The code goes into a copy of the project, so that the project itself stays as applied.
    twin = project.copy(tmp_path / "with-imports")
    copy = twin.dir
    generated = driftmgr(
        "remediate", "codegen", report["run_id"], "--tf-dir", str(copy), "--out", str(copy),
        "-o", "json", timeout=600, env=twin.env,
    )  # fmt: skip
    assert generated.code == 0, generated.stdout + generated.stderr
    code = generated.json()
    assert code["problems"] == [], code["problems"]
    written = sorted(p.name for p in copy.glob("*.tf"))
    assert len(written) > 1, written  # main.tf and what codegen wrote

    said = twin.run("plan", "-input=false", "-no-color", "-lock=false", "-out=imports.plan")
    assert f"{code['imports']} {PLAN_SUMMARY}" in said, said
    shown = json.loads(twin.run("show", "-json", "-no-color", "imports.plan"))
    imported = {
        (c["type"], c["change"]["importing"]["id"])
        for c in shown["resource_changes"]
        if c["change"].get("importing")
    }
    assert made <= imported
    assert all(c["change"]["actions"] == ["no-op"] for c in shown["resource_changes"])
