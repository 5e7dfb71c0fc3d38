"""The Azure adapter against a local Resource Manager: the real SDK, over TLS, with a
managed-identity token; what it lists, how it names it, and that every page is read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.providers.azurerm import ENUMERATORS, AzureProvider
from driftmgr.adapters.providers.azurerm.registry import Listing
from driftmgr.adapters.providers.azurerm.resilience import Calls, RetryPolicy
from driftmgr.domain.drift.engine import canonical_key
from driftmgr.domain.drift.import_ids import import_id
from driftmgr.domain.resources import GLOBAL_REGION, ScanOutcome, StateResource
from tests.support import fake_azure as f
from tests.support.fake_azure import FakeAzure, RunningAzure

#: Variables that would make DefaultAzureCredential use something other than the fake's
#: managed identity.
_OTHER_CREDENTIALS = (
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_USERNAME",
    "MSI_ENDPOINT",
    "IDENTITY_SERVER_THUMBPRINT",
)


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningAzure]:
    for name in _OTHER_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    for running in f.serve(FakeAzure()):
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
        yield running


def scan(
    regions: list[str], types: list[str] | None = None, provider: AzureProvider | None = None
) -> dict[tuple[str, str], ScanOutcome]:
    outcomes = asyncio.run(
        (provider or AzureProvider()).scan(regions, types or sorted(ENUMERATORS))
    )
    by_key = {(o.type, o.region): o for o in outcomes}
    assert len(by_key) == len(outcomes), "one outcome per (type, location)"
    return by_key


def ids(outcome: ScanOutcome) -> set[str]:
    assert outcome.unobserved_reason is None, outcome.unobserved_reason
    return {r.attributes["id"] for r in outcome.resources}


def test_lists_nineteen_azurerm_types_under_terraform_names(azure: RunningAzure) -> None:
    assert len(ENUMERATORS) >= 15
    world = f.app_world(azure.fake)
    found = scan(["westeurope"])
    assert set(found) == {
        (t, GLOBAL_REGION if spec.is_global else "westeurope") for t, spec in ENUMERATORS.items()
    }
    for outcome in found.values():
        assert outcome.observed, (outcome.type, outcome.unobserved_reason)
        assert outcome.account == azure.fake.subscription
    (vm,) = found["azurerm_linux_virtual_machine", "westeurope"].resources
    assert vm.id == world.vm_web.lower()  # canonical: ARM ids compare case-insensitively
    assert vm.attributes["size"] == "Standard_B2s"
    assert vm.attributes["admin_ssh_key"][0]["username"] == "azureuser"
    (windows,) = found["azurerm_windows_virtual_machine", "westeurope"].resources
    assert windows.attributes["name"] == "vm-jump"
    rules = {
        r.attributes["name"]: r
        for r in found["azurerm_network_security_rule", "westeurope"].resources
    }
    assert rules["allow-ssh"].attributes["source_address_prefix"] == "10.0.0.0/8"
    (record,) = found["azurerm_dns_a_record", GLOBAL_REGION].resources
    assert record.attributes["records"] == ["20.1.2.3"] and record.region == GLOBAL_REGION
    subnets = found["azurerm_subnet", "westeurope"].resources
    assert {s.attributes["name"] for s in subnets} == {"snet-web", "snet-data"}


def test_every_page_of_every_listing_is_read(
    azure: RunningAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = azure.fake
    sub = fake.subscription
    expected: dict[str, set[str]] = {}

    def add(resource_type: str, rid: str) -> None:
        expected.setdefault(resource_type, set()).add(rid)

    # Three of everything (two a page) in two locations; more than a page of containers
    # per account and of record sets per zone.
    for n, location in enumerate(["westeurope", "northeurope", "westeurope"]):
        rg = f"rg-{n}"
        add("azurerm_resource_group", fake.put(f.resource_group(sub, rg, location, {})))
        vnet = fake.put(
            f.virtual_network(sub, rg, f"vnet-{n}", location, "10.0.0.0/16", {"a": "10.0.1.0/24"})
        )
        add("azurerm_virtual_network", vnet)
        add("azurerm_subnet", f"{vnet}/subnets/a")
        rule = {
            "name": "r",
            "protocol": "*",
            "access": "Deny",
            "direction": "Inbound",
            "priority": 4000,
        }
        nsg = fake.put(f.security_group(sub, rg, f"nsg-{n}", location, [rule]))
        add("azurerm_network_security_group", nsg)
        add("azurerm_network_security_rule", f"{nsg}/securityRules/r")
        add("azurerm_public_ip", fake.put(f.public_ip(sub, rg, f"pip-{n}", location)))
        nic = fake.put(
            f.network_interface(sub, rg, f"nic-{n}", location, f"{vnet}/subnets/a", "10.0.1.4")
        )
        add("azurerm_network_interface", nic)
        add(
            "azurerm_linux_virtual_machine",
            fake.put(f.virtual_machine(sub, rg, f"vm-{n}", location, nic)),
        )
        add(
            "azurerm_windows_virtual_machine",
            fake.put(f.virtual_machine(sub, rg, f"win-{n}", location, nic, windows=True)),
        )
        add("azurerm_managed_disk", fake.put(f.managed_disk(sub, rg, f"disk-{n}", location, 8)))
        account = fake.put(f.storage_account(sub, rg, f"st{n}", location))
        add("azurerm_storage_account", account)
        for c in range(3):
            add("azurerm_storage_container", fake.put(f.container(account, f"c{c}")))
        add("azurerm_key_vault", fake.put(f.key_vault(sub, rg, f"kv-{n}", location)))
        zone = fake.put(f.dns_zone(sub, rg, f"zone{n}.example"))
        add("azurerm_dns_zone", zone)
        for r in range(3):
            add(
                "azurerm_dns_a_record",
                f.put_record(
                    fake,
                    f.record_set(zone, "A", f"a{r}", 60, ARecords=[{"ipv4Address": "10.0.0.1"}]),
                ),
            )
        plan = fake.put(f.service_plan(sub, rg, f"plan-{n}", location))
        add("azurerm_service_plan", plan)
        add("azurerm_linux_web_app", fake.put(f.web_app(sub, rg, f"app-{n}", location, plan)))
    fake.other_subscriptions = {
        "22222222-0000-0000-0000-000000000000": "Disabled",
        "33333333-0000-0000-0000-000000000000": "Disabled",
    }

    # No subscription configured: the credential's are listed (paged too), enabled ones kept.
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID")
    found = scan([])

    for resource_type, rids in expected.items():
        listed: set[str] = set()
        for (t, _), outcome in found.items():
            if t == resource_type:
                listed |= ids(outcome)
        assert listed == rids, resource_type
    # No location named: every location the subscription uses, each its own outcome.
    assert {r for t, r in found if t == "azurerm_public_ip"} == {"northeurope", "westeurope"}
    assert len(ids(found["azurerm_public_ip", "westeurope"])) == 2
    for path in [
        "/subscriptions",
        f"/subscriptions/{sub}/resourcegroups",
        "/providers/Microsoft.Network/virtualNetworks",
        "/providers/Microsoft.Network/networkSecurityGroups",
        "/providers/Microsoft.Network/publicIPAddresses",
        "/providers/Microsoft.Network/networkInterfaces",
        "/providers/Microsoft.Compute/virtualMachines",
        "/providers/Microsoft.Compute/disks",
        "/providers/Microsoft.Storage/storageAccounts",
        "/storageAccounts/st0/blobServices/default/containers",
        "/providers/Microsoft.KeyVault/vaults",
        "/providers/Microsoft.Network/dnszones",
        "/dnszones/zone0.example/recordsets",
        "/providers/Microsoft.Web/serverfarms",
        "/providers/Microsoft.Web/sites",
    ]:
        pages = [r for r in fake.listed(path) if r.path.lower().endswith(path.lower())]
        assert len({r.query.get("$skiptoken", ["0"])[0] for r in pages}) >= 2, path


@given(
    st.lists(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True), min_size=1, max_size=4
    ),
    st.randoms(use_true_random=False),
)
def test_an_id_matches_whatever_casing_arm_answers_it_in(names: list[str], rnd: Random) -> None:
    """Terraform keeps the casing Azure answered at creation; ARM answers later in its own
    (``resourcegroups``, ``dnszones``, names in capitals): one object either way."""
    stored = f"/subscriptions/{f.SUBSCRIPTION}/resourceGroups/{names[0]}/providers/" + "/".join(
        f"Microsoft.Network/dnsZones/{name}" for name in names
    )
    answered = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in stored)
    state = StateResource(
        address="azurerm_dns_zone.z", mode="managed", type="azurerm_dns_zone", name="z",
        provider="azurerm", provider_config="", id=stored, attributes={"id": stored},
    )  # fmt: skip
    listing = Listing(f.SUBSCRIPTION, lambda service: None, Calls(RetryPolicy()))
    live = listing.live("azurerm_dns_zone", answered, None, {})
    assert canonical_key(state) == (live.type, live.id)
    assert import_id(live.type, live.id, live.attributes) == answered
