"""How key vaults compare (terraform-provider-azurerm 4.x, ``internal/services/keyvault``)."""

from __future__ import annotations

from driftmgr.domain.drift.azurerm._common import azurerm
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

azurerm(
    "azurerm_key_vault",
    TypeRules(
        sets=frozenset({"network_acls.ip_rules", "network_acls.virtual_network_subnet_ids"}),
        case_insensitive=frozenset({"tenant_id"}),
        defaults={
            "sku_name": "standard",
            "soft_delete_retention_days": 90,
            "purge_protection_enabled": False,
            "enabled_for_deployment": False,
            "enabled_for_disk_encryption": False,
            "enabled_for_template_deployment": False,
            "enable_rbac_authorization": False,
            "public_network_access_enabled": True,
        },
        # Optional+Computed: azurerm_key_vault_access_policy resources may manage them.
        absent_when_empty=frozenset({"access_policy", "network_acls"}),
        ignored=frozenset({"vault_uri", "contact"}),
        severity={
            "access_policy": "critical",
            "network_acls": "high",
            "public_network_access_enabled": "high",
            "purge_protection_enabled": "high",
            "enable_rbac_authorization": "high",
        },
        access=True,
    ),
)
