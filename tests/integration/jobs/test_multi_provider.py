"""A drift run over states managing resources of several clouds scans each cloud it needs
(issue 15, item 5): by default every provider the states use, or those named."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
from driftmgr.domain.base import Cause
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.resources import LiveResource
from driftmgr.errors import InvalidCommand
from driftmgr.settings import Settings
from tests.support.fakes import AWS, FakeCloud, vpc

CAUSE = Cause(actor="tester")
DO = 'provider["registry.terraform.io/digitalocean/digitalocean"]'
RANDOM = 'provider["registry.terraform.io/hashicorp/random"]'


class HomeRegionCloud(FakeCloud):
    """Lists its home region when none is named, as a real cloud lists the enabled ones."""

    home = "us-east-1"

    async def scan(
        self, regions: Sequence[str], types: Sequence[str], *args: Any, **kw: Any
    ) -> Any:
        return await super().scan(regions or [self.home], types, *args, **kw)


class OtherCloud(HomeRegionCloud):
    name = "digitalocean"
    home = "nyc3"
    supported_types = frozenset({"digitalocean_vpc"})  # type: ignore[assignment]


def do_vpc(id_: str) -> LiveResource:
    return LiveResource(
        type="digitalocean_vpc",
        id=id_,
        provider="digitalocean",
        region="nyc3",
        attributes={"id": id_, "name": "main", "region": "nyc3", "ip_range": "10.10.0.0/16"},
    )


def resource(
    provider: str, type_: str, name: str, attributes: dict[str, object]
) -> dict[str, object]:
    return {
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": provider,
        "instances": [{"schema_version": 0, "attributes": attributes}],
    }


STATE = json.dumps(
    {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "multi",
        "outputs": {},
        "resources": [
            resource(AWS, "aws_vpc", "a", {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "tags": {}}),
            resource(
                DO,
                "digitalocean_vpc",
                "d",
                {"id": "do-1", "name": "main", "region": "nyc3", "ip_range": "10.9.0.0/16"},
            ),
            resource(RANDOM, "random_id", "r", {"id": "abc", "byte_length": 8}),
        ],
    }
)


@pytest.fixture
def clouds() -> tuple[FakeCloud, OtherCloud]:
    return HomeRegionCloud([vpc("vpc-1")]), OtherCloud([do_vpc("do-1"), do_vpc("do-2")])


@pytest.fixture
def services(sqlite_settings: Settings, clouds: tuple[FakeCloud, OtherCloud]) -> Iterator[Services]:
    aws, do = clouds
    services = bootstrap(
        sqlite_settings, providers={"aws": lambda: aws, "digitalocean": lambda: do}
    )
    yield services
    services.close()


def detect(services: Services, **options: object) -> DriftRun:
    command = DetectDrift(
        states=[StateInput(source="tfstate:///multi.tfstate", content=STATE)],
        **options,  # type: ignore[arg-type]
    )
    accepted = detect_drift(services.backend, command, CAUSE)
    services.projections.catch_up()
    services.worker.run_pending()
    return services.backend.app.get(DriftRun, accepted.id)


def test_without_a_provider_each_cloud_the_states_use_is_scanned(
    services: Services, clouds: tuple[FakeCloud, OtherCloud]
) -> None:
    run = detect(services)
    assert run.status == "completed", run.error
    assert run.providers == ["aws", "digitalocean"]  # random has no cloud to scan
    aws, do = clouds
    assert aws.scans and do.scans
    report = services.backend.blobs.get(run.report_sha256 or "")
    body = json.loads(report)
    assert body["scope"]["providers"] == ["aws", "digitalocean"]
    found = {(d["type"], d["id"], d["kind"]) for d in body["drifts"]}
    assert found == {
        ("digitalocean_vpc", "do-1", "modified"),  # its ip_range changed
        ("digitalocean_vpc", "do-2", "unmanaged"),
    }


def test_a_named_provider_limits_the_run_to_its_cloud(
    services: Services, clouds: tuple[FakeCloud, OtherCloud]
) -> None:
    run = detect(services, provider="aws")
    assert (run.status, run.providers) == ("completed", ["aws"])
    aws, do = clouds
    assert aws.scans and not do.scans
    body = json.loads(services.backend.blobs.get(run.report_sha256 or ""))
    assert body["drifts"] == []  # the DO resources are out of its scope, not missing


def test_aliases_name_the_terraform_provider(
    services: Services, clouds: tuple[FakeCloud, OtherCloud]
) -> None:
    run = detect(services, providers=["do", "aws"])
    assert run.providers == ["digitalocean", "aws"]


def test_states_of_no_scanned_provider_are_refused_with_what_to_do(services: Services) -> None:
    only_random = json.dumps(
        {**json.loads(STATE), "resources": [json.loads(STATE)["resources"][2]]}
    )
    command = DetectDrift(states=[StateInput(source="tfstate:///r.tfstate", content=only_random)])
    with pytest.raises(InvalidCommand, match="name one with --provider"):
        detect_drift(services.backend, command, CAUSE)


def test_a_region_can_be_one_providers_own(
    services: Services, clouds: tuple[FakeCloud, OtherCloud]
) -> None:
    run = detect(services, regions=["aws:us-east-1", "do:nyc3"])
    assert run.status == "completed", run.error
    assert run.regions == ["aws:us-east-1", "digitalocean:nyc3"]
    aws, do = clouds
    assert [regions for regions, _ in aws.scans] == [("us-east-1",)]
    assert [regions for regions, _ in do.scans] == [("nyc3",)]
    body = json.loads(services.backend.blobs.get(run.report_sha256 or ""))
    assert body["scope"]["regions"] == ["nyc3", "us-east-1"]


def test_a_region_of_a_provider_the_run_does_not_scan_is_refused(services: Services) -> None:
    command = DetectDrift(
        provider="aws",
        regions=["gcp:us-central1"],
        states=[StateInput(source="tfstate:///multi.tfstate", content=STATE)],
    )
    with pytest.raises(InvalidCommand, match="PROVIDER:REGION"):
        detect_drift(services.backend, command, CAUSE)
