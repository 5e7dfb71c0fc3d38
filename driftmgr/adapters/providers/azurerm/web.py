"""App Service plans and Linux web apps, through azure-mgmt-web (``serverfarms`` and
``sites`` listings; a site is Linux when its kind says ``linux``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import props, resource_group_of, sub_id, tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _os_type(plan: Mapping[str, Any]) -> str:
    kind = str(plan.get("kind") or "").lower()
    if props(plan).get("reserved") or "linux" in kind:
        return "Linux"
    if props(plan).get("isXenon") or "xenon" in kind:
        return "WindowsContainer"
    return "Windows"


@enumerator("azurerm_service_plan", "web")
def service_plans(listing: Listing) -> list[LiveResource]:
    client = listing.client("web").app_service_plans
    found = []
    for item in listing.pages("web", client.list):
        plan = wire(item)
        p = props(plan)
        sku = plan.get("sku") or {}
        found.append(
            listing.live(
                "azurerm_service_plan",
                plan["id"],
                plan.get("location"),
                {
                    "name": plan.get("name", ""),
                    "resource_group_name": resource_group_of(plan["id"]),
                    "location": plan.get("location", ""),
                    "os_type": _os_type(plan),
                    "sku_name": sku.get("name") or "",
                    "worker_count": sku.get("capacity"),
                    "per_site_scaling_enabled": bool(p.get("perSiteScaling")),
                    "zone_balancing_enabled": bool(p.get("zoneRedundant")),
                    "app_service_environment_id": sub_id(p.get("hostingEnvironmentProfile")),
                    "tags": tags(plan),
                },
            )
        )
    return found


def _sites(listing: Listing) -> list[dict[str, Any]]:
    client = listing.client("web").web_apps
    return [wire(item) for item in listing.pages("web", client.list)]


@enumerator("azurerm_linux_web_app", "web")
def linux_web_apps(listing: Listing) -> list[LiveResource]:
    found = []
    for site in _sites(listing):
        kind = str(site.get("kind") or "").lower()
        if "linux" not in kind or "functionapp" in kind:
            continue
        p = props(site)
        found.append(
            listing.live(
                "azurerm_linux_web_app",
                site["id"],
                site.get("location"),
                {
                    "name": site.get("name", ""),
                    "resource_group_name": resource_group_of(site["id"]),
                    "location": site.get("location", ""),
                    "service_plan_id": p.get("serverFarmId") or "",
                    "https_only": bool(p.get("httpsOnly")),
                    "enabled": p.get("enabled", True) is not False,
                    "client_affinity_enabled": bool(p.get("clientAffinityEnabled")),
                    "client_certificate_enabled": bool(p.get("clientCertEnabled")),
                    "client_certificate_mode": p.get("clientCertMode") or "Required",
                    "public_network_access_enabled": (p.get("publicNetworkAccess") or "Enabled")
                    != "Disabled",
                    "default_hostname": p.get("defaultHostName") or "",
                    "tags": tags(site),
                },
            )
        )
    return found
