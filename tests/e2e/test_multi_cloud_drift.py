"""One `drift detect` over a state managing AWS and DigitalOcean resources: without
`--provider`, each cloud the state uses is scanned by its own provider (issue 15, item 5) —
AWS on moto, DigitalOcean on its local API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Ran, kinds
from tests.e2e.test_digitalocean_drift import STATE, TYPES, the_cloud_as_applied
from tests.support.fake_digitalocean import FakeDigitalOcean, digitalocean
from tests.support.fakes import AWS

__all__ = ["digitalocean"]


def combined_state(vpc_id: str) -> str:
    """The DigitalOcean state of the DigitalOcean e2e test, with an AWS VPC beside it."""
    state = json.loads(STATE.read_text())
    state["resources"].append(
        {
            "mode": "managed",
            "type": "aws_vpc",
            "name": "main",
            "provider": AWS,
            "instances": [
                {
                    "schema_version": 1,
                    "attributes": {
                        "id": vpc_id,
                        "cidr_block": "10.43.0.0/16",
                        "tags": {},
                        "tags_all": {},
                        "arn": f"arn:aws:ec2:us-east-1:123456789012:vpc/{vpc_id}",
                    },
                }
            ],
        }
    )
    return json.dumps(state)


def detect(driftmgr: Callable[..., Ran], state: Path) -> Ran:
    types = [arg for t in [*TYPES, "aws_vpc"] for arg in ("--type", t)]
    return driftmgr(
        "drift",
        "detect",
        "--state",
        str(state),
        "--region",
        "aws:us-east-1",
        "--region",
        "do:nyc3",
        *types,
        "--output",
        "json",
    )


def test_a_state_of_two_clouds_is_compared_with_both(
    aws: str,
    boto: Callable[..., Any],
    digitalocean: FakeDigitalOcean,
    driftmgr: Callable[..., Ran],
    tmp_path: Path,
) -> None:
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    state = tmp_path / "terraform.tfstate"
    state.write_text(combined_state(vpc))
    the_cloud_as_applied(digitalocean)

    clean = detect(driftmgr, state)
    assert clean.code == 0, clean.stderr + clean.stdout
    report = clean.report()
    assert report["scope"]["providers"] == ["aws", "digitalocean"]
    assert report["drifts"] == []
    assert report["summary"]["in_sync"] == report["summary"]["total"] == 10
    assert digitalocean.asked("/v2/droplets"), "DigitalOcean was not listed"

    ec2.delete_vpc(VpcId=vpc)
    drifted = detect(driftmgr, state)
    assert drifted.code == 2, drifted.stderr
    assert kinds(drifted.report()) == {"missing": {"aws_vpc.main"}}
