"""The GCP adapter listing a realistic project through the real google-cloud-asset client
(REST transport) and the real google-auth, against the local Cloud Asset fake."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftmgr.adapters.providers.google import MAPPERS, GoogleProvider
from driftmgr.domain.resources import GLOBAL_REGION, ScanOutcome
from tests.support.fake_gcp import FakeGcp

PROJECT = "acme-prod"
ASSETS = Path(__file__).parents[2] / "data" / "gcp" / "assets.json"


@pytest.fixture
def gcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcp]:
    with FakeGcp(page_size=2) as fake:
        fake.load(ASSETS)
        for name, value in fake.environment(tmp_path, PROJECT).items():
            monkeypatch.setenv(name, value)
        yield fake


def scan(provider: GoogleProvider, regions: list[str], types: list[str]) -> list[ScanOutcome]:
    return asyncio.run(provider.scan(regions, types))


def test_lists_at_least_fifteen_google_types() -> None:
    assert len(GoogleProvider().supported_types) >= 15
    assert all(t.startswith("google_") for t in MAPPERS)


def test_every_page_of_a_listing_is_followed(gcp: FakeGcp) -> None:
    # Three record sets at two a page: the second page must be asked for, with its token.
    for n in range(3):
        gcp.add(
            PROJECT,
            {
                "name": f"//dns.googleapis.com/projects/{PROJECT}/managedZones/acme/rrsets/"
                f"h{n}.acme.example./A",
                "assetType": "dns.googleapis.com/ResourceRecordSet",
                "resource": {
                    "data": {"name": f"h{n}.acme.example.", "type": "A", "ttl": 60},
                    "location": "global",
                },
            },
        )
    provider = GoogleProvider()
    [outcome] = scan(provider, ["us-central1"], ["google_dns_record_set"])
    assert outcome.observed and outcome.region == GLOBAL_REGION
    assert len(outcome.resources) == 6
    asked = gcp.listings_of("dns.googleapis.com/ResourceRecordSet")
    assert [r.page_token for r in asked] == ["", "2", "4"]
    assert all(r.parent == f"projects/{PROJECT}" for r in asked)
    assert all(r.content_type == "1" for r in asked)  # RESOURCE: the resource's own JSON


def test_every_type_maps_to_terraform_names_and_ids(gcp: FakeGcp) -> None:
    provider = GoogleProvider()
    outcomes = scan(provider, ["us-central1"], sorted(provider.supported_types))
    assert all(o.observed for o in outcomes), [o.unobserved_reason for o in outcomes]
    found = {(r.type, r.id): r for o in outcomes for r in o.resources}
    assert {t for t, _ in found} == set(MAPPERS)

    instance = found[
        ("google_compute_instance", f"projects/{PROJECT}/zones/us-central1-a/instances/web-1")
    ]
    assert instance.region == "us-central1" and instance.account == PROJECT
    assert instance.attributes["machine_type"] == "e2-medium"
    assert instance.attributes["network_interface"][0]["access_config"] == [
        {"nat_ip": "34.1.2.3", "network_tier": "PREMIUM"}
    ]
    assert "startup-script" not in instance.attributes["metadata"]

    firewall = found[("google_compute_firewall", f"projects/{PROJECT}/global/firewalls/allow-ssh")]
    assert firewall.region == GLOBAL_REGION
    assert {"protocol": "tcp", "ports": ["22"]} in firewall.attributes["allow"]

    # Whole numbers went through a protobuf Struct as doubles: they come back as ints.
    network = found[("google_compute_network", f"projects/{PROJECT}/global/networks/main")]
    assert network.attributes["mtu"] == 1460 and type(network.attributes["mtu"]) is int

    account = f"projects/{PROJECT}/serviceAccounts/deployer@{PROJECT}.iam.gserviceaccount.com"
    assert found[("google_service_account", account)].attributes["account_id"] == "deployer"
    assert (
        found[("google_sql_database_instance", "orders-db")].attributes["settings"][0]["disk_size"]
        == 30
    )

    # The zone's own SOA and apex NS are the cloud's; the www record is somebody's.
    records = {
        r.attributes["type"]: r for (t, _), r in found.items() if t == "google_dns_record_set"
    }
    assert records["SOA"].is_default and records["NS"].is_default
    assert not records["A"].is_default


def test_a_regional_type_has_one_outcome_per_region_even_when_empty(gcp: FakeGcp) -> None:
    outcomes = scan(GoogleProvider(), ["us-central1", "europe-west1"], ["google_compute_disk"])
    by_region = {o.region: o for o in outcomes}
    assert set(by_region) == {"us-central1", "europe-west1"}
    assert len(by_region["us-central1"].resources) == 1
    assert by_region["europe-west1"].observed and by_region["europe-west1"].resources == []
    # One listing served both regions.
    assert len(gcp.listings_of("compute.googleapis.com/Disk")) == 1


def test_no_region_named_covers_every_known_region(gcp: FakeGcp) -> None:
    outcomes = scan(GoogleProvider(), [], ["google_compute_subnetwork"])
    assert {"us-central1", "europe-west1", "asia-east1"} <= {o.region for o in outcomes}
    assert all(o.observed for o in outcomes)


def test_progress_is_reported_per_listing_as_it_lands(gcp: FakeGcp) -> None:
    seen: list[ScanOutcome] = []
    threads: set[str] = set()

    def on_scanned(outcome: ScanOutcome) -> None:
        seen.append(outcome)
        threads.add(threading.current_thread().name)

    outcomes = asyncio.run(
        GoogleProvider().scan(
            ["us-central1"], ["google_pubsub_topic", "google_compute_disk"], on_scanned
        )
    )
    assert sorted((o.type, o.region) for o in seen) == sorted((o.type, o.region) for o in outcomes)
    assert threading.main_thread().name not in threads


def test_a_tag_scope_lists_nothing_because_google_objects_carry_labels(gcp: FakeGcp) -> None:
    outcomes = asyncio.run(
        GoogleProvider().scan(["us-central1"], ["google_compute_disk"], tag_filter={"env": "prod"})
    )
    assert outcomes == [] and gcp.requests == []


def test_unknown_types_are_refused(gcp: FakeGcp) -> None:
    with pytest.raises(ValueError, match="google_nope"):
        scan(GoogleProvider(), [], ["google_nope"])
