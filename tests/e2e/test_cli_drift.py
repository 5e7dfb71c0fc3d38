"""The main job through the CLI: moto → resources → state file → drift detect → report."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from demo.aws_drift import REGION, World, apply, client, drift_out_of_band, terraform_state

from tests.e2e.conftest import DRIFTMGR, Ran, assert_no_secrets, kinds
from tests.support.fault_proxy import Fault, FaultProxy


def detect(driftmgr: Callable[..., Ran], state: Path, *extra: str) -> Ran:
    return driftmgr(
        "drift", "detect", "--state", str(state), "--provider", "aws", "--region", REGION, *extra
    )


def test_drift_detect_reports_real_drift_as_json_and_exits_2_then_0_once_fixed(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("e2e")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))

    clean = detect(driftmgr, state, "--output", "json")
    assert clean.code == 0, clean.stderr
    report = clean.report()  # stdout holds the report and nothing else
    assert report["status"] == "completed" and report["drifts"] == []
    assert report["summary"]["in_sync"] == report["summary"]["total"] == 8

    expected = drift_out_of_band(world)
    drifted = detect(driftmgr, state, "--output", "json")
    assert drifted.code == 2, drifted.stderr
    report = drifted.report()
    assert kinds(report) == expected
    summary = report["summary"]
    assert (summary["modified"], summary["missing"], summary["unmanaged"]) == (3, 1, 1)
    # managed (4 in sync + 3 modified) / (managed + 1 unmanaged + 1 missing)
    assert summary["coverage"] == round(7 / 9 * 100, 2)
    by_address = {d["address"]: d for d in report["drifts"] if d["address"]}
    resized = by_address["aws_instance.app[0]"]
    assert resized["changes"] == [
        {"path": "instance_type", "expected": "t3.micro", "actual": "t3.large"}
    ]
    opened = by_address["aws_security_group.web"]
    assert opened["severity"] == "critical"
    assert [r["cidr_blocks"] for r in opened["changes"][0]["added"]] == [["0.0.0.0/0"]]
    assert by_address["aws_vpc.main"]["changes"] == [
        {"path": "tags.Owner", "expected": "platform", "actual": "someone-else"}
    ]
    assert report["sources"][0]["uri"] == f"tfstate://{state.resolve()}"

    # `drift report` reads the same run back, from the same store.
    again = driftmgr("drift", "report", report["run_id"], "--output", "json")
    assert again.code == 2 and again.report() == report

    # Put the cloud back the way the state says it should be.
    put_back(world, shadow=next(iter(expected["unmanaged"])))
    fixed = detect(driftmgr, state, "--output", "json")
    assert fixed.code == 0, fixed.stdout
    assert fixed.report()["summary"]["in_sync"] == 8


def put_back(world: World, shadow: str) -> None:
    ec2, s3 = client("ec2"), client("s3")
    resized = world.instance_ids[0]
    ec2.stop_instances(InstanceIds=[resized])
    ec2.modify_instance_attribute(InstanceId=resized, InstanceType={"Value": "t3.micro"})
    ec2.start_instances(InstanceIds=[resized])
    ec2.create_tags(Resources=[world.vpc_id], Tags=[{"Key": "Owner", "Value": "platform"}])
    ec2.revoke_security_group_ingress(
        GroupId=world.security_group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    assets = world.buckets["assets"]
    s3.create_bucket(Bucket=assets)
    s3.put_bucket_tagging(Bucket=assets, Tagging={"TagSet": [{"Key": "Data", "Value": "assets"}]})
    s3.delete_bucket(Bucket=shadow)


def test_table_output_shows_each_finding_and_the_summary(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("table")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    drift_out_of_band(world)
    result = detect(driftmgr, state)
    assert result.code == 2
    assert "aws_instance.app[0]" in result.stdout
    assert "instance_type: t3.micro → t3.large" in result.stdout
    assert "3 modified, 1 missing, 1 unmanaged" in result.stdout
    assert result.stdout.count("\n") > 5
    assert "completed" in result.stderr  # progress goes to stderr


def test_state_import_and_discover_print_their_json_results(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("import")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world, serial=5)))
    imported = driftmgr("state", "import", str(state), "--output", "json")
    assert imported.code == 0, imported.stderr
    body = imported.json()
    assert (body["serial"], body["resource_count"], body["versions"]) == (5, 8, 1)
    assert body["lineage"] == "4f3b4bde-7a7e-4a31-9a55-3c1ad2f1de80"
    # Re-importing the same content records nothing new.
    assert driftmgr("state", "import", str(state), "--output", "json").json()["versions"] == 1

    discovered = driftmgr("discover", "--provider", "aws", "--region", REGION, "--output", "json")
    assert discovered.code == 0, discovered.stderr
    result = discovered.json()
    assert result["status"] == "completed" and result["unobserved"] == []
    assert result["resource_counts"]["aws_instance"] == 2
    assert result["resource_counts"]["aws_iam_role"] == 1


def test_read_models_rebuilt_from_the_log_serve_the_same_report(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("rebuild")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    drift_out_of_band(world)
    first = detect(driftmgr, state, "--output", "json")
    assert first.code == 2, first.stderr
    rebuilt = driftmgr("admin", "rebuild-projections")
    assert rebuilt.code == 0, rebuilt.stderr
    assert "rebuilt read models from" in rebuilt.stderr
    again = driftmgr("drift", "report", first.report()["run_id"], "--output", "json")
    assert again.report() == first.report()


def test_ignore_rules_drop_resources_and_paths_and_are_counted(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = apply("ignore")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    expected = drift_out_of_band(world)
    shadow = next(iter(expected["unmanaged"]))
    (tmp_path / ".driftignore").write_text(
        "# the platform team owns IAM elsewhere\naws_iam_*\n" + f"aws_s3_bucket.{shadow}\n"
    )
    monkeypatch.chdir(tmp_path)  # ./.driftignore is read by default
    result = detect(driftmgr, state, "--output", "json", "--ignore", "aws_vpc.*.tags.Owner")
    assert result.code == 2, result.stderr
    report = result.report()
    assert kinds(report) == {
        "modified": {"aws_instance.app[0]", "aws_security_group.web"},
        "missing": {'aws_s3_bucket.data["assets"]'},
    }
    # the IAM role (whole type, not even listed) and the shadow bucket
    assert report["summary"]["ignored"] == 2
    assert report["summary"]["in_sync"] == 4  # the VPC's only change was ignored

    bad = detect(driftmgr, state, "--ignore", "aws_vpc..tags")
    assert bad.code == 1 and "ignore rules line" in bad.stderr


def test_ctrl_c_cancels_the_drift_run_it_waits_for(
    aws: str, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("e2e")
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    command = ["drift", "detect", "--state", str(state), "--provider", "aws", "--region", REGION]

    code, stdout, stderr = interrupted_mid_scan(aws, command)

    assert code == 1, stderr
    assert "cancelling drift run" in stderr
    assert "was cancelled before it finished" in stderr
    assert stdout == ""  # no table that could pass for a result
    run_id = re.search(r"drift run ([0-9a-f-]{36})", stderr)
    assert run_id is not None, stderr
    # The store says so too: the run is cancelled, not left running.
    again = driftmgr("drift", "report", run_id[1], "--output", "json")
    assert again.code == 1 and again.report()["status"] == "cancelled"


def test_ctrl_c_cancels_a_discovery_and_shows_what_it_listed(aws: str) -> None:
    apply("e2e")
    command = ["discover", "--provider", "aws", "--region", REGION, "--output", "json"]

    code, stdout, stderr = interrupted_mid_scan(aws, command)

    assert code == 1, stderr
    assert "cancelling discovery" in stderr and "was cancelled" in stderr
    result = json.loads(stdout)
    assert result["status"] == "cancelled"
    # EC2 never answered: its types are unobserved as cancelled, never reported as empty.
    cancelled = {u["type"] for u in result["unobserved"] if u["reason"] == "cancelled"}
    assert {"aws_instance", "aws_vpc", "aws_security_group"} <= cancelled
    assert not {"aws_instance", "aws_vpc"} & set(result["resource_counts"])


def interrupted_mid_scan(aws: str, command: list[str]) -> tuple[int, str, str]:
    """Run a CLI command while EC2 hangs, press Ctrl-C once it is waiting on EC2."""
    with FaultProxy(aws, [Fault("hold", service="ec2")]) as proxy:
        running = subprocess.Popen(
            [DRIFTMGR, *command],
            env={**os.environ, "AWS_ENDPOINT_URL": proxy.url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proxy.holding.wait(timeout=60), "the scan never reached EC2"
            running.send_signal(signal.SIGINT)
            stdout, stderr = running.communicate(timeout=60)
        finally:
            running.kill()
    assert_no_secrets(stdout + stderr, " ".join(command))
    return running.returncode, stdout, stderr
