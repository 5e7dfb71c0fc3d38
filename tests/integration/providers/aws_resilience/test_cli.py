"""The drift pipeline end to end through the CLI, with one service denied by the proxy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from demo.aws_drift import REGION, apply, terraform_state

from tests.e2e.conftest import Ran, assert_matches_contract, data_dir, driftmgr
from tests.support.fault_proxy import Fault, FaultProxy

__all__ = ["data_dir", "driftmgr"]  # fixtures, shared with the e2e tests

TYPES = ("aws_vpc", "aws_security_group", "aws_instance", "aws_s3_bucket", "aws_iam_role")


def test_drift_detect_reports_a_denied_type_as_unobserved_and_exits_3(
    proxy: FaultProxy, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    world = apply("denied")  # through the proxy, which has no faults yet
    state = tmp_path / "terraform.tfstate"
    state.write_text(json.dumps(terraform_state(world)))
    proxy.set_faults([Fault("deny", service="iam")])

    ran = driftmgr(
        "drift",
        "detect",
        "--state",
        str(state),
        "--provider",
        "aws",
        "--region",
        REGION,
        *(arg for t in TYPES for arg in ("--type", t)),
        "--output",
        "json",
    )

    assert ran.code == 3, ran.stderr
    report = ran.json()
    assert_matches_contract(report)
    summary = report["summary"]
    assert (summary["modified"], summary["missing"], summary["unmanaged"]) == (0, 0, 0)
    assert summary["unobserved"] == 1
    assert summary["in_sync"] == 6  # vpc, security group, 2 instances, 2 buckets
    [unobserved] = report["drifts"]
    assert unobserved["kind"] == "unobserved"
    assert unobserved["address"] == "module.iam.aws_iam_role.app"
    assert unobserved["reason"].startswith("access denied: AccessDenied: ")
    # The subprocess's requests went through the proxy: IAM was asked once, and refused.
    denied = proxy.requests(service="iam", operation="ListRoles")
    assert [seen.fault for seen in denied] == ["deny"]
