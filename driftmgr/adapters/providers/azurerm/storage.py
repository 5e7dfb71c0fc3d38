"""Storage accounts and blob containers, through azure-mgmt-storage (containers are one
listing per account, under its Resource Manager id)."""

from __future__ import annotations

import functools
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import props, resource_group_of, tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

#: ARM's ``publicAccess`` → the provider's ``container_access_type``.
_ACCESS = {"none": "private", "blob": "blob", "container": "container"}


def _accounts(listing: Listing) -> list[dict[str, Any]]:
    def make() -> list[dict[str, Any]]:
        client = listing.client("storage").storage_accounts
        return [wire(item) for item in listing.pages("storage", client.list)]

    found: list[dict[str, Any]] = listing.shared("storage.accounts", make)
    return found


@enumerator("azurerm_storage_account", "storage")
def storage_accounts(listing: Listing) -> list[LiveResource]:
    found = []
    for account in _accounts(listing):
        p = props(account)
        sku = str((account.get("sku") or {}).get("name") or "")
        tier, _, replication = sku.partition("_")
        found.append(
            listing.live(
                "azurerm_storage_account",
                account["id"],
                account.get("location"),
                {
                    "name": account.get("name", ""),
                    "resource_group_name": resource_group_of(account["id"]),
                    "location": account.get("location", ""),
                    "account_kind": account.get("kind") or "",
                    "account_tier": tier,
                    "account_replication_type": replication,
                    "access_tier": p.get("accessTier") or "",
                    "https_traffic_only_enabled": p.get("supportsHttpsTrafficOnly", True)
                    is not False,
                    "min_tls_version": p.get("minimumTlsVersion") or "TLS1_0",
                    "allow_nested_items_to_be_public": p.get("allowBlobPublicAccess", True)
                    is not False,
                    "shared_access_key_enabled": p.get("allowSharedKeyAccess", True) is not False,
                    "public_network_access_enabled": (p.get("publicNetworkAccess") or "Enabled")
                    == "Enabled",
                    "is_hns_enabled": bool(p.get("isHnsEnabled")),
                    "tags": tags(account),
                },
            )
        )
    return found


@enumerator("azurerm_storage_container", "storage")
def storage_containers(listing: Listing) -> list[LiveResource]:
    client = listing.client("storage").blob_containers
    found = []
    for account in _accounts(listing):
        group, name = resource_group_of(account["id"]), account.get("name", "")
        containers = listing.pages("storage", functools.partial(client.list, group, name))
        for item in containers:
            container = wire(item)
            p = props(container)
            found.append(
                listing.live(
                    "azurerm_storage_container",
                    container["id"],
                    account.get("location"),
                    {
                        "name": container.get("name", ""),
                        "storage_account_id": account["id"],
                        "container_access_type": _ACCESS.get(
                            str(p.get("publicAccess") or "None").lower(), "private"
                        ),
                        "metadata": dict(p.get("metadata") or {}),
                    },
                )
            )
    return found
