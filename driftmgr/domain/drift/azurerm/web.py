"""How App Service plans and Linux web apps compare (terraform-provider-azurerm 4.x,
``internal/services/appservice``).

Only what the plans and sites *listing* returns is compared: a site's full ``site_config``
and ``app_settings`` need one call per site each, and hold secrets (connection strings).
"""

from __future__ import annotations

from driftmgr.domain.drift.azurerm._common import azurerm
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

azurerm(
    "azurerm_service_plan",
    TypeRules(
        defaults={
            "per_site_scaling_enabled": False,
            "zone_balancing_enabled": False,
            "app_service_environment_id": "",
        },
        case_insensitive=frozenset({"app_service_environment_id"}),
        ignored=frozenset({"kind", "reserved", "maximum_elastic_worker_count"}),
        severity={"sku_name": "medium", "os_type": "high"},
    ),
)

azurerm(
    "azurerm_linux_web_app",
    TypeRules(
        case_insensitive=frozenset({"service_plan_id"}),
        defaults={
            "enabled": True,
            "https_only": False,
            "client_affinity_enabled": False,
            "client_certificate_enabled": False,
            "client_certificate_mode": "Required",
            "public_network_access_enabled": True,
        },
        # Not in the listing (one call per site each), write-only, or computed.
        ignored=frozenset(
            {
                "site_config",
                "app_settings",
                "connection_string",
                "auth_settings",
                "auth_settings_v2",
                "backup",
                "logs",
                "storage_account",
                "sticky_settings",
                "identity",
                "site_credential",
                "custom_domain_verification_id",
                "default_hostname",
                "hosting_environment_id",
                "kind",
                "outbound_ip_addresses",
                "outbound_ip_address_list",
                "possible_outbound_ip_addresses",
                "possible_outbound_ip_address_list",
                "zip_deploy_file",
            }
        ),
        severity={"https_only": "high", "public_network_access_enabled": "high"},
    ),
)
