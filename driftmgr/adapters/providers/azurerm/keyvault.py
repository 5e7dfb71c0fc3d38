"""Key vaults, through azure-mgmt-keyvault (``vaults.list_by_subscription``: the full
vault, access policies and network rules included)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import props, resource_group_of, tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    permissions = policy.get("permissions") or {}
    return {
        "tenant_id": policy.get("tenantId") or "",
        "object_id": policy.get("objectId") or "",
        "application_id": policy.get("applicationId") or "",
        "key_permissions": list(permissions.get("keys") or []),
        "secret_permissions": list(permissions.get("secrets") or []),
        "certificate_permissions": list(permissions.get("certificates") or []),
        "storage_permissions": list(permissions.get("storage") or []),
    }


def _acls(acls: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not acls:
        return []
    return [
        {
            "bypass": acls.get("bypass") or "",
            "default_action": acls.get("defaultAction") or "",
            "ip_rules": [str(r.get("value")) for r in acls.get("ipRules") or []],
            "virtual_network_subnet_ids": [
                str(r.get("id")) for r in acls.get("virtualNetworkRules") or []
            ],
        }
    ]


@enumerator("azurerm_key_vault", "keyvault")
def key_vaults(listing: Listing) -> list[LiveResource]:
    client = listing.client("keyvault").vaults
    found = []
    for item in listing.pages("keyvault", client.list_by_subscription):
        vault = wire(item)
        p = props(vault)
        found.append(
            listing.live(
                "azurerm_key_vault",
                vault["id"],
                vault.get("location"),
                {
                    "name": vault.get("name", ""),
                    "resource_group_name": resource_group_of(vault["id"]),
                    "location": vault.get("location", ""),
                    "tenant_id": p.get("tenantId") or "",
                    "sku_name": (p.get("sku") or {}).get("name") or "",
                    "soft_delete_retention_days": p.get("softDeleteRetentionInDays") or 90,
                    "purge_protection_enabled": bool(p.get("enablePurgeProtection")),
                    "enabled_for_deployment": bool(p.get("enabledForDeployment")),
                    "enabled_for_disk_encryption": bool(p.get("enabledForDiskEncryption")),
                    "enabled_for_template_deployment": bool(p.get("enabledForTemplateDeployment")),
                    "enable_rbac_authorization": bool(p.get("enableRbacAuthorization")),
                    "public_network_access_enabled": (p.get("publicNetworkAccess") or "Enabled")
                    == "Enabled",
                    "network_acls": _acls(p.get("networkAcls")),
                    "access_policy": [_policy(a) for a in p.get("accessPolicies") or []],
                    "vault_uri": p.get("vaultUri") or "",
                    "tags": tags(vault),
                },
            )
        )
    return found
