"""The main job against Azure, through the CLI: a state written with azurerm 4.x's attribute
names, the real Azure SDK talking to a local Resource Manager (tests/support/fake_azure.py),
`drift detect --provider azurerm` → report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Ran, kinds
from tests.support import fake_azure
from tests.support.fake_azure import FakeAzure, RunningAzure, app_world

STATE = Path(__file__).resolve().parents[1] / "data" / "azure" / "terraform.tfstate"
ADDRESSES = 21


@pytest.fixture
def azure() -> Iterator[RunningAzure]:
    yield from fake_azure.serve(FakeAzure())


def detect(driftmgr: Callable[..., Ran], azure: RunningAzure, *extra: str) -> Ran:
    return driftmgr(
        "drift", "detect", "--state", str(STATE), "--provider", "azurerm",
        "--region", "westeurope", "--output", "json", *extra,
        env=azure.env(),
    )  # fmt: skip


def test_drift_detect_finds_modified_missing_and_unmanaged_azure_resources(
    azure: RunningAzure, driftmgr: Callable[..., Ran]
) -> None:
    fake = azure.fake
    world = app_world(fake)

    clean = detect(driftmgr, azure)
    assert clean.code == 0, clean.stderr + clean.stdout
    report = clean.report()
    assert report["drifts"] == []
    assert report["summary"]["in_sync"] == report["summary"]["total"] == ADDRESSES

    # Out of band: a VM resized, SSH opened to the world, blobs made public, a tag changed,
    # the vault deleted, a container and a DNS record made by hand.
    fake.get(world.vm_web)["properties"]["hardwareProfile"]["vmSize"] = "Standard_D4s_v3"
    ssh = fake.get(world.ssh_rule_group)["properties"]["securityRules"][0]
    assert ssh["name"] == "allow-ssh"
    ssh["properties"]["sourceAddressPrefix"] = "*"
    fake.get(world.account)["properties"]["allowBlobPublicAccess"] = True
    fake.get(world.vnet)["tags"]["Owner"] = "someone-else"
    fake.delete(world.vault)
    shadow = fake.put(fake_azure.container(world.account, "shadow", access="Container"))
    rogue = fake_azure.put_record(
        fake,
        fake_azure.record_set(world.zone, "A", "rogue", 60, ARecords=[{"ipv4Address": "6.6.6.6"}]),
    )

    drifted = detect(driftmgr, azure)
    assert drifted.code == 2, drifted.stderr + drifted.stdout
    report = drifted.report()
    assert kinds(report) == {
        "modified": {
            "azurerm_linux_virtual_machine.web",
            "azurerm_network_security_rule.ssh",
            "azurerm_storage_account.data",
            "azurerm_virtual_network.main",
        },
        "missing": {"azurerm_key_vault.app"},
        "unmanaged": {shadow, rogue},
    }
    summary = report["summary"]
    assert summary["in_sync"] == ADDRESSES - 5
    by_address = {d["address"]: d for d in report["drifts"] if d["address"]}
    assert by_address["azurerm_linux_virtual_machine.web"]["changes"] == [
        {"path": "size", "expected": "Standard_B2s", "actual": "Standard_D4s_v3"}
    ]
    opened = by_address["azurerm_network_security_rule.ssh"]
    assert opened["changes"] == [
        {"path": "source_address_prefix", "expected": "10.0.0.0/8", "actual": "*"}
    ]
    assert opened["severity"] == "critical"
    assert by_address["azurerm_storage_account.data"]["changes"] == [
        {"path": "allow_nested_items_to_be_public", "expected": False, "actual": True}
    ]
    assert by_address["azurerm_virtual_network.main"]["changes"] == [
        {"path": "tags.Owner", "expected": "platform", "actual": "someone-else"}
    ]
    # An unmanaged object's id is what `terraform import` takes: ARM's id as Azure gave it.
    unmanaged = {d["id"]: d for d in report["drifts"] if d["kind"] == "unmanaged"}
    assert unmanaged[shadow]["type"] == "azurerm_storage_container"
    assert unmanaged[rogue]["type"] == "azurerm_dns_a_record"


def test_a_denied_type_is_unobserved_and_the_rest_still_compared(
    azure: RunningAzure, driftmgr: Callable[..., Ran]
) -> None:
    fake = azure.fake
    world = app_world(fake)
    fake.get(world.vm_web)["properties"]["hardwareProfile"]["vmSize"] = "Standard_D4s_v3"
    fake.fail("/providers/Microsoft.KeyVault/vaults", 403, times=None)

    ran = detect(driftmgr, azure)
    assert ran.code == 2, ran.stderr + ran.stdout
    report = ran.report()
    found = kinds(report)
    assert found["unobserved"] == {"azurerm_key_vault.app"}
    assert found["modified"] == {"azurerm_linux_virtual_machine.web"}
    (vault,) = [d for d in report["drifts"] if d["kind"] == "unobserved"]
    assert vault["reason"].startswith("access denied: AuthorizationFailed")
