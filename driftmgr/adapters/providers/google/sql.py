"""Cloud SQL instances as terraform-provider-google 6.x reads them (``services/sql``): the
Cloud SQL Admin v1 ``DatabaseInstance``, ``settings`` as its one block."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.google.mapping import Asset, integers, labels, live, self_link
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    ip = settings.get("ipConfiguration") or {}
    backup = settings.get("backupConfiguration") or {}
    return {
        "tier": settings.get("tier", ""),
        "edition": settings.get("edition", ""),
        "availability_type": settings.get("availabilityType", ""),
        "activation_policy": settings.get("activationPolicy", ""),
        "disk_type": settings.get("dataDiskType", ""),
        "disk_size": integers(settings.get("dataDiskSizeGb")),
        "disk_autoresize": bool(settings.get("storageAutoResize", False)),
        "deletion_protection_enabled": bool(settings.get("deletionProtectionEnabled", False)),
        "user_labels": labels(settings, "userLabels"),
        "ip_configuration": [
            {
                "ipv4_enabled": bool(ip.get("ipv4Enabled", False)),
                "ssl_mode": ip.get("sslMode", ""),
                "private_network": ip.get("privateNetwork", ""),
                "authorized_networks": [
                    {"name": n.get("name", ""), "value": n.get("value", "")}
                    for n in ip.get("authorizedNetworks") or []
                ],
            }
        ],
        "backup_configuration": [
            {
                "enabled": bool(backup.get("enabled", False)),
                "start_time": backup.get("startTime", ""),
                "binary_log_enabled": bool(backup.get("binaryLogEnabled", False)),
                "point_in_time_recovery_enabled": bool(
                    backup.get("pointInTimeRecoveryEnabled", False)
                ),
            }
        ],
    }


@mapper("google_sql_database_instance", "sqladmin.googleapis.com/Instance")
def database_instance(asset: Asset) -> LiveResource:
    data = asset.data
    addresses = {a.get("type"): a.get("ipAddress", "") for a in data.get("ipAddresses") or []}
    attributes = {
        "name": data.get("name", ""),
        "region": data.get("region", ""),
        "database_version": data.get("databaseVersion", ""),
        "settings": [_settings(data.get("settings") or {})],
        "connection_name": data.get("connectionName", ""),
        "public_ip_address": addresses.get("PRIMARY", ""),
        "private_ip_address": addresses.get("PRIVATE", ""),
        "service_account_email_address": data.get("serviceAccountEmailAddress", ""),
        "self_link": self_link(data),
    }
    return live("google_sql_database_instance", str(data.get("name", "")), asset, attributes)
