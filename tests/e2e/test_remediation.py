"""Remediation as users run it: real Terraform applies a project to moto, boto3 drifts it,
the driftmgr CLI plans, gets a second person's approval, applies, and rolls back; driftmgr's
own drift runs and ``terraform plan -refresh-only`` judge every step."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Ran
from tests.support.terraform import TOOLS_MISSING, TerraformProject

PROJECT = Path(__file__).resolve().parent.parent / "data" / "terraform" / "remediation_project"
SHADOW = "remediation-shadow"

needs_terraform = pytest.mark.skipif(
    TOOLS_MISSING is not None,
    reason=f"needs real terraform and the hashicorp/aws provider mirror: {TOOLS_MISSING}",
)


def detect(driftmgr: Callable[..., Ran], state: Path) -> dict[str, Any]:
    ran = driftmgr(
        "drift", "detect", "--state", str(state), "--provider", "aws", "--region",
        "us-east-1", "-o", "json",
    )  # fmt: skip
    assert ran.code in (0, 2), ran.stderr
    return ran.report()


def findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Findings by address (unmanaged ones by type and id), kind/changes/options only."""
    return {
        d["address"] or f"{d['type']} {d['id']}": {
            "kind": d["kind"],
            "changes": d["changes"],
        }
        for d in report["drifts"]
        if d["kind"] != "unobserved"
    }


def drift_by_hand(boto: Callable[..., Any], ids: dict[str, str]) -> None:
    ec2, s3 = boto("ec2"), boto("s3")
    instance = ids["aws_instance.web"]
    ec2.stop_instances(InstanceIds=[instance])
    ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "t3.small"})
    ec2.start_instances(InstanceIds=[instance])
    s3.put_bucket_tagging(
        Bucket="remediation-data", Tagging={"TagSet": [{"Key": "Team", "Value": "someone-else"}]}
    )
    ec2.authorize_security_group_ingress(
        GroupId=ids["aws_security_group.web"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    s3.put_bucket_versioning(
        Bucket="remediation-data", VersioningConfiguration={"Status": "Suspended"}
    )
    s3.create_bucket(Bucket=SHADOW)


@pytest.mark.slow
@pytest.mark.timeout(900)  # a dozen terraform runs; minutes on a loaded 2-core machine
@needs_terraform
def test_plan_approve_apply_and_roll_back_real_drift(
    aws: str,
    boto: Callable[..., Any],
    driftmgr: Callable[..., Ran],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project = TerraformProject(PROJECT, tmp_path / "terraform", aws)
    project.init_and_apply()
    project.settle()
    assert project.refresh_only().stream == {}
    ids = project.ids()
    drift_by_hand(boto, ids)
    assert set(project.refresh_only().stream) == {
        "aws_instance.web",
        "aws_s3_bucket.data",
        "aws_security_group.web",
        "aws_s3_bucket_versioning.data",
    }

    monkeypatch.setenv("DRIFTMGR_ACTOR", "alice@example")
    since = datetime.now(UTC).isoformat()
    drifted = detect(driftmgr, project.state_path)
    before = findings(drifted)
    assert set(before) == {
        "aws_instance.web",
        "aws_s3_bucket.data",
        "aws_security_group.web",
        "aws_s3_bucket_versioning.data",
        f"aws_s3_bucket {SHADOW}",
    }
    options = {d["address"] or d["id"]: d["options"] for d in drifted["drifts"]}
    assert options["aws_instance.web"] == ["revert", "accept"]
    assert options[SHADOW][:2] == ["import", "quarantine"]

    # Plan: revert ×4, quarantine ×1, every call listed, nothing changed yet.
    planned = driftmgr(
        "remediate", "plan", drifted["run_id"], "--strategy", "unmanaged=quarantine", "-o", "json"
    )
    assert planned.code == 0, planned.stderr
    plan = planned.json()
    plan_id = plan["id"]
    assert sorted(a["strategy"] for a in plan["actions"]) == ["quarantine"] + ["revert"] * 4
    assert plan["requires_approval"] and plan["status"] == "planned"
    steps = "\n".join(plan["preview"])
    for operation in (
        "ModifyInstanceAttribute",
        "RevokeSecurityGroupIngress",
        "PutBucketVersioning",
        "PutBucketTagging",
    ):
        assert operation in steps, steps
    assert findings(detect(driftmgr, project.state_path)) == before  # a dry run

    # Alice may not approve her own plan, nor apply it unapproved.
    own = driftmgr("remediate", "approve", plan_id)
    assert own.code == 1 and len(own.stderr.strip().splitlines()) == 1, own.stderr
    assert "another person must approve" in own.stderr
    early = driftmgr("remediate", "apply", plan_id)
    assert early.code == 1 and "needs approval" in early.stderr, early.stderr

    monkeypatch.setenv("DRIFTMGR_ACTOR", "bob@example")
    approved = driftmgr("remediate", "approve", plan_id, "--reason", "matches the ticket")
    assert approved.code == 0, approved.stderr

    monkeypatch.setenv("DRIFTMGR_ACTOR", "alice@example")
    applied = driftmgr("remediate", "apply", plan_id, "-o", "json")
    assert applied.code == 0, applied.stdout + applied.stderr
    assert applied.json()["status"] == "applied"

    # The cloud matches the state again: driftmgr and terraform agree.
    after = detect(driftmgr, project.state_path)
    assert set(findings(after)) == {f"aws_s3_bucket {SHADOW}"}
    tags = boto("s3").get_bucket_tagging(Bucket=SHADOW)["TagSet"]
    assert {"Key": "driftmgr:quarantined", "Value": plan_id} in tags
    judged = project.refresh_only()
    assert judged.stream == {}, {a: d.changed for a, d in judged.drift.items()}

    # `show` answers from the events: who planned, who approved, what was called, when.
    shown = driftmgr("remediate", "show", plan_id, "-o", "json")
    view = shown.json()
    assert (view["planned_by"], view["decided_by"]) == ("alice@example", "bob@example")
    resized = next(a for a in view["actions"] if a["address"] == "aws_instance.web")
    outcome = resized["outcome"]
    assert outcome["status"] == "applied" and outcome["at"]
    assert any("ModifyInstanceAttribute" in call for call in outcome["calls"])
    assert outcome["before"]["instance_type"] == "t3.small"
    assert outcome["after"]["instance_type"] == "t3.micro"
    table = driftmgr("remediate", "show", plan_id)
    assert "approved by bob@example" in table.stdout

    # Roll back: the original drift, attribute by attribute.
    rolled = driftmgr("remediate", "rollback", plan_id)
    assert rolled.code == 0, rolled.stdout + rolled.stderr
    again = findings(detect(driftmgr, project.state_path))
    assert again == before
    tags = boto("s3").get_bucket_tagging(Bucket=SHADOW)["TagSet"] if _has_tags(boto) else []
    assert all(t["Key"] != "driftmgr:quarantined" for t in tags)
    assert set(project.refresh_only().stream) == {
        "aws_instance.web",
        "aws_s3_bucket.data",
        "aws_security_group.web",
        "aws_s3_bucket_versioning.data",
    }
    assert json.loads(project.state_path.read_text())["serial"] >= 1

    # The audit log answers who imported, detected, planned, approved, applied and rolled back.
    def done_by(actor: str) -> list[tuple[str, str, str]]:
        ran = driftmgr("audit", "log", "--actor", actor, "--since", since, "-o", "json")
        assert ran.code == 0, ran.stderr
        events = ran.json()["events"]
        start = datetime.fromisoformat(since)
        assert all(e["actor"] == actor and e["summary"] for e in events)
        assert all(datetime.fromisoformat(e["time"]) >= start for e in events)
        return [(e["aggregate_type"], e["event_type"], e["aggregate_id"]) for e in events]

    alice, bob = done_by("alice@example"), done_by("bob@example")
    assert {("StateFile", "Imported"), ("DriftRun", "Requested")} <= {a[:2] for a in alice}
    assert [a for a in alice if a[0] == "RemediationPlan" and a[1].endswith("Requested")] == [
        ("RemediationPlan", "ApplyRequested", plan_id),
        ("RemediationPlan", "RollbackRequested", plan_id),
    ]
    assert ("RemediationPlan", "Planned", plan_id) in alice
    assert ("RemediationPlan", "Approved", plan_id) in bob
    assert all(b[0] != "RemediationPlan" or b[1] == "Approved" for b in bob)


def _has_tags(boto: Callable[..., Any]) -> bool:
    try:
        boto("s3").get_bucket_tagging(Bucket=SHADOW)
    except Exception:  # NoSuchTagSet: no tags at all, so no quarantine tag either
        return False
    return True
