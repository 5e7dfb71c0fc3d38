"""`drift detect --provider google` through the CLI: the real google-cloud-asset client and
google-auth against the local Cloud Asset fake, and a state written with terraform-provider-
google 6.x attribute names (tests/data/gcp)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Ran, kinds
from tests.support.fake_gcp import FakeGcp

DATA = Path(__file__).parents[1] / "data" / "gcp"
PROJECT = "acme-prod"
COMPUTE = f"//compute.googleapis.com/projects/{PROJECT}"


@pytest.fixture
def gcp(tmp_path: Path) -> Iterator[FakeGcp]:
    with FakeGcp(page_size=2) as fake:
        fake.load(DATA / "assets.json")
        yield fake


def detect(driftmgr: Callable[..., Ran], gcp: FakeGcp, tmp_path: Path, *extra: str) -> Ran:
    return driftmgr(
        "drift",
        "detect",
        "--state",
        str(DATA / "terraform.tfstate"),
        "--provider",
        "gcp",
        "--region",
        "us-central1",
        "--output",
        "json",
        *extra,
        env=gcp.environment(tmp_path, PROJECT),
    )


def test_an_untouched_project_is_in_sync(
    gcp: FakeGcp, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    ran = detect(driftmgr, gcp, tmp_path)
    assert ran.code == 0, ran.stderr
    report = ran.report()
    assert report["drifts"] == []
    assert report["summary"]["in_sync"] == report["summary"]["total"] == 15


def test_drift_made_in_the_console_is_found_and_only_that(
    gcp: FakeGcp, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    # Someone opens SSH to the world and resizes the VM; the data disk is deleted; a
    # debugging firewall rule is made by hand. The SQL disk auto-resized (30 GB > 20 GB):
    # not drift.
    gcp.update(f"{COMPUTE}/global/firewalls/allow-ssh", sourceRanges=["0.0.0.0/0"])
    gcp.update(
        f"{COMPUTE}/zones/us-central1-a/instances/web-1",
        machineType="https://www.googleapis.com/compute/v1/projects/acme-prod/zones/"
        "us-central1-a/machineTypes/e2-standard-4",
        labels={"env": "staging", "goog-terraform-provisioned": "true"},
    )
    gcp.remove(f"{COMPUTE}/zones/us-central1-a/disks/data-1")
    gcp.add(
        PROJECT,
        {
            "name": f"{COMPUTE}/global/firewalls/debug-open",
            "assetType": "compute.googleapis.com/Firewall",
            "resource": {
                "version": "v1",
                "data": {
                    "name": "debug-open",
                    "network": "https://www.googleapis.com/compute/v1/projects/acme-prod/"
                    "global/networks/main",
                    "direction": "INGRESS",
                    "priority": 900,
                    "allowed": [{"IPProtocol": "all"}],
                    "sourceRanges": ["0.0.0.0/0"],
                },
                "location": "global",
            },
        },
    )

    ran = detect(driftmgr, gcp, tmp_path)
    assert ran.code == 2, ran.stderr
    report = ran.report()
    assert kinds(report) == {
        "modified": {"google_compute_firewall.allow_ssh", "google_compute_instance.web"},
        "missing": {"google_compute_disk.data"},
        "unmanaged": {f"projects/{PROJECT}/global/firewalls/debug-open"},
    }
    summary = report["summary"]
    assert (summary["in_sync"], summary["modified"], summary["missing"]) == (12, 2, 1)
    by_address = {d["address"]: d for d in report["drifts"] if d["address"]}
    assert {c["path"] for c in by_address["google_compute_instance.web"]["changes"]} == {
        "effective_labels.env",
        "machine_type",
    }
    opened = by_address["google_compute_firewall.allow_ssh"]
    assert opened["severity"] == "high"
    assert [c["path"] for c in opened["changes"]] == ["source_ranges"]
    assert all(d["provider"] == "google" for d in report["drifts"])


def test_a_denied_type_is_unobserved_never_missing(
    gcp: FakeGcp, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    gcp.deny("compute.googleapis.com/Disk")
    gcp.remove(f"{COMPUTE}/zones/us-central1-a/disks/data-1")
    ran = detect(driftmgr, gcp, tmp_path)
    report = ran.report()
    assert kinds(report) == {"unobserved": {"google_compute_disk.data"}}
    [item] = report["drifts"]
    assert item["reason"].startswith("access denied: 403 PERMISSION_DENIED")


def test_bad_credentials_stop_the_run_with_what_to_check(
    gcp: FakeGcp, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    gcp.reject_all = True
    ran = detect(driftmgr, gcp, tmp_path)
    assert ran.code not in (0, 2)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert (
        json.dumps(gcp.requests[-1].asset_types)
        == '["cloudresourcemanager.googleapis.com/Project"]'
    )
