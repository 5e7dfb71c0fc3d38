"""``drift detect --provider digitalocean`` through the CLI, against a local DigitalOcean API:
a digitalocean 2.x state, the cloud changed behind its back, the report that follows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Ran, kinds
from tests.support.fake_digitalocean import REGIONS, FakeDigitalOcean, digitalocean, droplet

__all__ = ["digitalocean"]

STATE = Path(__file__).parents[1] / "data" / "digitalocean" / "terraform.tfstate"
TYPES = [
    "digitalocean_droplet",
    "digitalocean_volume",
    "digitalocean_vpc",
    "digitalocean_ssh_key",
    "digitalocean_firewall",
    "digitalocean_domain",
    "digitalocean_record",
    "digitalocean_certificate",
]


def the_cloud_as_applied(fake: FakeDigitalOcean) -> None:
    """What `terraform apply` made (tests/data/digitalocean/terraform.tfstate), plus what
    DigitalOcean made by itself (a default VPC, the zone's SOA and NS records)."""
    fake.put("/v2/regions", *REGIONS)
    fake.put("/v2/droplets", droplet(3164444, "web-1"), droplet(3164445, "web-2"))
    fake.put(
        "/v2/volumes",
        {
            "id": "506f78a4-e098-11e5-ad9f-000f53306ae0",
            "name": "data-0",
            "region": {"slug": "nyc3"},
            "size_gigabytes": 10,
            "description": "Block store for examples",
            "droplet_ids": [],
            "filesystem_type": "ext4",
            "filesystem_label": "",
            "tags": ["data"],
        },
    )
    fake.put(
        "/v2/vpcs",
        {
            "id": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
            "name": "main",
            "region": "nyc3",
            "description": "",
            "ip_range": "10.10.4.0/24",
            "default": False,
        },
        {
            "id": "0d3176ad-41e0-4021-b831-0c5c45c60959",
            "name": "default-nyc3",
            "region": "nyc3",
            "description": "",
            "ip_range": "10.116.0.0/20",
            "default": True,
        },
    )
    fake.put(
        "/v2/account/keys",
        {
            "id": 512189,
            "name": "ops",
            "fingerprint": "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:f0",
            "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIops ops@example.com",
        },
    )
    fake.put(
        "/v2/firewalls",
        {
            "id": "bb4b2611-3d72-467b-8602-280330ecd650",
            "name": "web",
            "status": "succeeded",
            "inbound_rules": [
                {"protocol": "tcp", "ports": "22", "sources": {"addresses": ["192.0.2.0/24"]}}
            ],
            "outbound_rules": [
                {
                    "protocol": "tcp",
                    "ports": "0",
                    "destinations": {"addresses": ["::/0", "0.0.0.0/0"]},
                }
            ],
            "droplet_ids": [],
            "tags": ["web"],
            "pending_changes": [],
        },
    )
    fake.put("/v2/domains", {"name": "example.com", "ttl": 1800, "zone_file": ""})
    fake.put(
        "/v2/domains/example.com/records",
        {"id": 1000, "type": "SOA", "name": "@", "data": "1800", "ttl": 1800},
        *(
            {
                "id": 1000 + n,
                "type": "NS",
                "name": "@",
                "data": f"ns{n}.digitalocean.com",
                "ttl": 1800,
            }
            for n in (3, 4, 5)
        ),
        {"id": 1002, "type": "A", "name": "www", "data": "104.236.32.182", "ttl": 3600},
    )
    fake.put(
        "/v2/certificates",
        {
            "id": "892071a0-bb95-49bc-8021-3afd67a210b9",
            "name": "cert-www",
            "not_after": "2027-02-22T00:00:00Z",
            "sha1_fingerprint": "dfcc9f57d86bf58e321c2c6c31c7a971be244ac7",
            "dns_names": ["www.example.com"],
            "state": "verified",
            "type": "lets_encrypt",
        },
    )


def drift_out_of_band(fake: FakeDigitalOcean) -> None:
    """Someone resized a droplet, opened SSH to the world, deleted the certificate and
    started a droplet by hand."""
    fake.find("/v2/droplets", id=3164445)["size_slug"] = "s-2vcpu-4gb"
    fake.find("/v2/firewalls", name="web")["inbound_rules"].append(
        {"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0"]}}
    )
    fake.remove("/v2/certificates", name="cert-www")
    fake.put("/v2/droplets", droplet(3164446, "shadow", tags=[]))


def detect(driftmgr: Callable[..., Ran], state: Path) -> Ran:
    types = [arg for t in TYPES for arg in ("--type", t)]
    return driftmgr(
        "drift",
        "detect",
        "--state",
        str(state),
        "--provider",
        "digitalocean",
        "--region",
        "nyc3",
        *types,
        "--output",
        "json",
    )


def test_drift_detect_finds_modified_missing_and_unmanaged_digitalocean_resources(
    digitalocean: FakeDigitalOcean, driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    state = tmp_path / "terraform.tfstate"
    state.write_text(STATE.read_text())
    the_cloud_as_applied(digitalocean)

    clean = detect(driftmgr, state)
    assert clean.code == 0, clean.stderr + clean.stdout
    report = clean.report()
    assert report["drifts"] == []
    assert report["summary"]["in_sync"] == report["summary"]["total"] == 9

    drift_out_of_band(digitalocean)
    drifted = detect(driftmgr, state)
    assert drifted.code == 2, drifted.stderr
    report = drifted.report()
    assert kinds(report) == {
        "modified": {"digitalocean_droplet.web[1]", "digitalocean_firewall.web"},
        "missing": {"digitalocean_certificate.www"},
        "unmanaged": {"3164446"},
    }
    summary = report["summary"]
    assert (summary["in_sync"], summary["modified"], summary["missing"]) == (6, 2, 1)
    by_address: dict[str, Any] = {d["address"]: d for d in report["drifts"] if d["address"]}
    assert by_address["digitalocean_droplet.web[1]"]["changes"] == [
        {"path": "size", "expected": "s-1vcpu-1gb", "actual": "s-2vcpu-4gb"}
    ]
    opened = by_address["digitalocean_firewall.web"]
    assert opened["severity"] == "critical"
    assert [c["path"] for c in opened["changes"]] == ["inbound_rule"]
    assert [r["source_addresses"] for r in opened["changes"][0]["added"]] == [["0.0.0.0/0"]]
    shadow = next(d for d in report["drifts"] if d["kind"] == "unmanaged")
    assert (shadow["type"], shadow["region"]) == ("digitalocean_droplet", "nyc3")
    # Every listing was followed past its first page where it had one.
    assert {r.query.get("page") for r in digitalocean.asked("/v2/droplets")} == {"1", "2"}
    assert {r.query.get("page") for r in digitalocean.asked("/v2/domains/example.com/records")} == {
        "1",
        "2",
        "3",
    }
    assert json.loads(drifted.stdout)["sources"][0]["uri"].endswith("terraform.tfstate")
