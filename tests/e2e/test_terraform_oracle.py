"""driftmgr against the ground truth: ``terraform plan -refresh-only`` on the same state.

Real Terraform (the hashicorp/aws provider from the mirror in /opt/tf-plugins) applies
``tests/data/terraform/oracle_project`` to the moto server. boto3 then changes resources
behind its back. Terraform's refresh-only plan says what drifted: its ``resource_drift``
messages (``update`` = modified, ``delete`` = missing) are the oracle, and the saved plan's
``before``/``after`` say which attributes changed. ``driftmgr drift detect`` on the very
``terraform.tfstate`` must report exactly those resources, with changes on exactly those
attributes, except the ones listed in :data:`NOT_COMPARED` (each with its reason).

Where the two disagree, the comparison raises :class:`Disagreement`, whose message names the
address, the attribute, Terraform's before/after and driftmgr's change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from driftmgr.domain.drift import aws as _aws_rules  # noqa: F401 - registers the AWS rules
from driftmgr.domain.drift.rules import ALWAYS_IGNORED, rules_for
from tests.e2e.conftest import Ran
from tests.support.terraform import (
    TOOLS_MISSING,
    RefreshOnly,
    ResourceDrift,
    TerraformProject,
)

ORACLE_PROJECT = Path(__file__).resolve().parent.parent / "data" / "terraform" / "oracle_project"
REGION = "us-east-1"

needs_terraform = pytest.mark.skipif(
    TOOLS_MISSING is not None,
    reason=f"needs real terraform and the hashicorp/aws provider mirror: {TOOLS_MISSING}",
)

#: Terraform's plan actions on a drifted resource, as driftmgr's finding kinds.
KINDS = {"update": "modified", "delete": "missing"}

#: Attributes Terraform refreshes that driftmgr documents as not compared (its rules'
#: ``ignored``; checked by the first test below), with the reason for each. A change
#: Terraform reports in one of them is not expected in driftmgr's ``changes``.
NOT_COMPARED: dict[str, dict[str, str]] = {
    "aws_instance": {
        "public_ip": "a new one on every stop/start: operations, not configuration",
        "public_dns": "derived from public_ip, so it changes with it",
        "private_dns": "derived from the private IP the cloud picks",
        "instance_state": "running or stopped is operations, not configuration",
        "primary_network_interface_id": "assigned by the cloud",
    },
}

#: driftmgr compares the live tags with the state's ``tags_all`` (configured tags plus the
#: provider's ``default_tags``) and reports the differences as ``tags.<key>``: a change
#: Terraform shows in ``tags`` or ``tags_all`` is a change of driftmgr's ``tags``.
SAME_AS: dict[str, str] = {"tags_all": "tags"}


class Disagreement(AssertionError):
    """driftmgr and ``terraform plan -refresh-only`` disagree; the message says where."""


# --------------------------------------------------------------------------------------------
# The tests


def test_the_attributes_this_test_skips_are_ones_driftmgr_documents_as_not_compared() -> None:
    undocumented = {
        (type_, name)
        for type_, names in NOT_COMPARED.items()
        for name in names
        if name not in rules_for(type_).ignored
    }
    assert undocumented == set()
    # tags_all is never compared as itself: it is what `tags` is compared against.
    assert set(SAME_AS) <= ALWAYS_IGNORED


@pytest.mark.slow
@needs_terraform
def test_driftmgr_reports_exactly_the_drift_terraform_refresh_only_reports(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    project = TerraformProject(ORACLE_PROJECT, tmp_path / "terraform", aws)
    project.init_and_apply()
    ids = project.ids()

    # Just applied: all in sync, and moto's default VPC, subnets and groups are no findings.
    clean = detect(driftmgr, project.state_path)
    assert clean.code == 0, clean.stdout + clean.stderr
    assert clean.report()["summary"]["in_sync"] == len(ids) == 9

    made_by_hand = drift_out_of_band(boto, ids)
    oracle = project.refresh_only()
    ran = detect(driftmgr, project.state_path)
    assert ran.code == 2, ran.stderr
    report = ran.report()

    # The oracle works: terraform saw every change made above, and nothing else.
    assert oracle.stream == {
        "aws_instance.web[0]": "update",  # instance type
        "aws_instance.web[1]": "update",  # a tag removed
        "aws_vpc.main": "update",  # a tag edited, DNS hostnames on
        "aws_security_group.web": "update",  # an ingress rule added
        'aws_s3_bucket.data["logs"]': "delete",
        'aws_s3_bucket.data["assets"]': "update",  # a default_tags-only tag edited
        "aws_iam_role.app": "update",  # description and trust policy
        "aws_iam_role.ci": "update",  # NOT a change: see no_op_drift
    }
    # The -json stream and the saved plan are the same plan.
    assert {a: d.actions for a, d in oracle.drift.items()} == {
        a: (action,) for a, action in oracle.stream.items()
    }
    # aws_iam_role.ci is configured without tags: the state holds `tags = null`, the
    # provider reads `{}` back, and Terraform calls that drift although no value changed
    # (the role's trust policy was rewritten by hand, but to an equivalent document, which
    # the provider keeps as it was). Nothing drifted: driftmgr must not report it.
    assert no_op_drift(oracle) == {"aws_iam_role.ci"}
    assert oracle.drift["aws_iam_role.ci"].changed == set()

    assert_agrees(oracle, report)

    # Unmanaged: exactly what was created by hand (moto's defaults and the default group
    # of the new VPC are not findings), and nothing that could not be checked.
    found = {(d["type"], d["id"]) for d in report["drifts"] if d["kind"] == "unmanaged"}
    assert found == made_by_hand
    assert [d for d in report["drifts"] if d["kind"] == "unobserved"] == []
    summary = report["summary"]
    assert (summary["modified"], summary["missing"], summary["unmanaged"]) == (6, 1, 3)
    assert summary["in_sync"] == 2  # aws_s3_bucket.data["backup"] and aws_iam_role.ci


@pytest.mark.slow
@needs_terraform
def test_driftmgr_reports_drift_in_settings_read_by_extra_calls_as_terraform_does(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    project = TerraformProject(ORACLE_PROJECT, tmp_path / "terraform", aws)
    project.init_and_apply()
    ids = project.ids()

    ec2, s3, iam = boto("ec2"), boto("s3"), boto("iam")
    s3.put_bucket_encryption(
        Bucket="oracle-assets",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_bucket_policy(Bucket="oracle-backup", Policy=json.dumps(DENY_DELETES))
    iam.put_role_policy(
        RoleName="oracle-app", PolicyName="by-hand", PolicyDocument=json.dumps(READ_ANYTHING)
    )
    policy = iam.create_policy(PolicyName="by-hand", PolicyDocument=json.dumps(READ_ANYTHING))
    iam.attach_role_policy(RoleName="oracle-ci", PolicyArn=policy["Policy"]["Arn"])
    ec2.modify_instance_attribute(
        InstanceId=ids["aws_instance.web[1]"], DisableApiTermination={"Value": True}
    )

    oracle = project.refresh_only()
    # Settings the provider reads with calls of their own (GetBucketEncryption,
    # GetBucketPolicy, ListRolePolicies, ListAttachedRolePolicies, DescribeInstanceAttribute).
    assert {a: d.changed for a, d in oracle.drift.items()} == {
        'aws_s3_bucket.data["assets"]': {"server_side_encryption_configuration"},
        'aws_s3_bucket.data["backup"]': {"policy"},
        "aws_iam_role.app": {"inline_policy"},
        "aws_iam_role.ci": {"managed_policy_arns"},
        "aws_instance.web[1]": {"disable_api_termination"},
    }
    ran = detect(driftmgr, project.state_path)
    assert ran.code in (0, 2), ran.stderr
    assert_agrees(oracle, ran.report())


# --------------------------------------------------------------------------------------------
# Drift by hand

#: What the trust policy of aws_iam_role.app becomes: Lambda may assume it too.
WIDER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
        }
    ],
}
#: aws_iam_role.ci's trust policy written differently but meaning the same: a single
#: Statement object instead of a list, Action as a string instead of a one-element list,
#: other key order and whitespace.
SAME_TRUST_REWRITTEN = """{
  "Statement": {
    "Principal": {"Service": "codebuild.amazonaws.com"},
    "Effect": "Allow",
    "Action": "sts:AssumeRole"
  },
  "Version": "2012-10-17"
}"""
DENY_DELETES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": "arn:aws:s3:::oracle-backup/*",
        }
    ],
}
READ_ANYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
NO_ONE = {"Version": "2012-10-17", "Statement": []}


def drift_out_of_band(boto: Callable[..., Any], ids: Mapping[str, str]) -> set[tuple[str, str]]:
    """Change the applied resources the way people do; return what was created unmanaged."""
    ec2, s3, iam = boto("ec2"), boto("s3"), boto("iam")

    # aws_instance.web[0]: resized, the only way AWS allows: stop, modify, start.
    resized = ids["aws_instance.web[0]"]
    ec2.stop_instances(InstanceIds=[resized])
    ec2.modify_instance_attribute(InstanceId=resized, InstanceType={"Value": "t3.small"})
    ec2.start_instances(InstanceIds=[resized])
    # aws_instance.web[1]: a configured tag removed.
    ec2.delete_tags(Resources=[ids["aws_instance.web[1]"]], Tags=[{"Key": "Role"}])
    # aws_vpc.main: a configured tag edited, and DNS hostnames switched on.
    vpc = ids["aws_vpc.main"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Owner", "Value": "someone-else"}])
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    # aws_security_group.web: RDP opened to the world.
    ec2.authorize_security_group_ingress(
        GroupId=ids["aws_security_group.web"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "rdp"}],
            }
        ],
    )
    # aws_s3_bucket.data["logs"]: deleted.
    s3.delete_bucket(Bucket=ids['aws_s3_bucket.data["logs"]'])
    # aws_s3_bucket.data["assets"]: the tag only the provider's default_tags sets, edited.
    # Terraform sees it in tags_all (and, as it no longer equals the default, in tags).
    assets = ids['aws_s3_bucket.data["assets"]']
    tag_set = s3.get_bucket_tagging(Bucket=assets)["TagSet"]
    s3.put_bucket_tagging(
        Bucket=assets,
        Tagging={
            "TagSet": [
                {"Key": "Team", "Value": "data"} if t["Key"] == "Team" else t for t in tag_set
            ]
        },
    )
    # aws_iam_role.app: description and trust policy changed.
    iam.update_role(RoleName=ids["aws_iam_role.app"], Description="changed by hand")
    iam.update_assume_role_policy(
        RoleName=ids["aws_iam_role.app"], PolicyDocument=json.dumps(WIDER_TRUST)
    )
    # aws_iam_role.ci: trust policy rewritten to an equivalent document. Not drift.
    iam.update_assume_role_policy(
        RoleName=ids["aws_iam_role.ci"], PolicyDocument=SAME_TRUST_REWRITTEN
    )

    # Created by hand, in no state: terraform never reports these; driftmgr must.
    s3.create_bucket(Bucket="oracle-shadow")
    group = ec2.create_security_group(
        GroupName="oracle-shadow", Description="made by hand", VpcId=vpc
    )
    iam.create_role(RoleName="oracle-shadow", AssumeRolePolicyDocument=json.dumps(NO_ONE))
    return {
        ("aws_s3_bucket", "oracle-shadow"),
        ("aws_security_group", group["GroupId"]),
        ("aws_iam_role", "oracle-shadow"),
    }


# --------------------------------------------------------------------------------------------
# Comparing driftmgr with the oracle


def detect(driftmgr: Callable[..., Ran], state: Path) -> Ran:
    return driftmgr(
        "drift", "detect", "--state", str(state), "--provider", "aws", "--region", REGION,
        "--output", "json",
    )  # fmt: skip


def no_op_drift(oracle: RefreshOnly) -> set[str]:
    """Resources Terraform reports as updated although no value changed (null → {})."""
    return {a for a, d in oracle.drift.items() if d.after is not None and not d.changed}


def terraform_findings(oracle: RefreshOnly) -> dict[str, str]:
    """The oracle as driftmgr's kinds, by address (no-op drift left out, see the test)."""
    unknown = {a: action for a, action in oracle.stream.items() if action not in KINDS}
    assert unknown == {}, f"refresh-only drift with actions this test does not know: {unknown}"
    no_op = no_op_drift(oracle)
    return {a: KINDS[action] for a, action in oracle.stream.items() if a not in no_op}


def compared(drift: ResourceDrift) -> set[str]:
    """The top-level attributes of a Terraform drift that driftmgr is expected to report."""
    skipped = NOT_COMPARED.get(drift.type, {})
    return {SAME_AS.get(name, name) for name in drift.changed if name not in skipped}


def first_segment(path: str) -> str:
    """``tags.Owner`` → ``tags``; ``versioning[0].enabled`` → ``versioning``."""
    return path.split(".", 1)[0].split("[", 1)[0]


def assert_agrees(oracle: RefreshOnly, report: Mapping[str, Any]) -> None:
    problems = disagreements(oracle, report)
    if problems:
        raise Disagreement(
            f"driftmgr and terraform plan -refresh-only disagree ({len(problems)}):\n- "
            + "\n- ".join(problems)
        )


def disagreements(oracle: RefreshOnly, report: Mapping[str, Any]) -> list[str]:
    """Every resource and attribute where driftmgr's findings differ from Terraform's."""
    expected = terraform_findings(oracle)
    by_address = {d["address"]: d for d in report["drifts"] if d["address"] is not None}
    found = {a: d["kind"] for a, d in by_address.items() if d["kind"] in KINDS.values()}
    problems: list[str] = []
    for address in sorted(expected.keys() | found.keys()):
        want, got = expected.get(address), found.get(address)
        terraform, ours = oracle.drift.get(address), by_address.get(address)
        if want != got:
            problems.append(
                f"{address}: terraform: {want or 'no drift'}{_terraform_detail(terraform)}; "
                f"driftmgr: {ours['kind'] if ours else 'in sync'}{_driftmgr_detail(ours)}"
            )
        elif want == "modified":
            assert terraform is not None and ours is not None
            problems.extend(_attribute_disagreements(address, terraform, ours))
    return problems


def _attribute_disagreements(
    address: str, terraform: ResourceDrift, ours: Mapping[str, Any]
) -> list[str]:
    want = compared(terraform)
    got = {first_segment(c["path"]) for c in ours["changes"]}
    problems = []
    for name in sorted(want ^ got):
        originals = sorted(n for n in terraform.changed if SAME_AS.get(n, n) == name)
        theirs = "; ".join(_terraform_change(terraform, n) for n in originals) or "unchanged"
        mine = [c for c in ours["changes"] if first_segment(c["path"]) == name]
        problems.append(
            f"{address} attribute {name}: terraform: {theirs}; "
            f"driftmgr: {_short(mine) if mine else 'no change'}"
        )
    return problems


def _terraform_detail(drift: ResourceDrift | None) -> str:
    if drift is None or drift.after is None:
        return ""
    if not drift.changed:
        return " (no value changed, only null -> empty)"
    return " (" + "; ".join(_terraform_change(drift, n) for n in sorted(drift.changed)) + ")"


def _terraform_change(drift: ResourceDrift, name: str) -> str:
    after = drift.after or {}
    return f"{name} {_short(drift.before.get(name))} -> {_short(after.get(name))}"


def _driftmgr_detail(item: Mapping[str, Any] | None) -> str:
    return f" {_short(item['changes'])}" if item and item["changes"] else ""


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"
