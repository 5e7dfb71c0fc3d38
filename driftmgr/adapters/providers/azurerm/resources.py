"""Resource groups, through azure-mgmt-resource."""

from __future__ import annotations

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("azurerm_resource_group", "resource")
def resource_groups(listing: Listing) -> list[LiveResource]:
    client = listing.client("resource")
    found = []
    for item in listing.pages("resource", client.resource_groups.list):
        group = wire(item)
        found.append(
            listing.live(
                "azurerm_resource_group",
                group["id"],
                group.get("location"),
                {
                    "name": group.get("name", ""),
                    "location": group.get("location", ""),
                    "managed_by": group.get("managedBy") or "",
                    "tags": tags(group),
                },
            )
        )
    return found
