"""How storage accounts and blob containers compare (terraform-provider-azurerm 4.x,
``internal/services/storage``).

A container made with ``storage_account_id`` (4.x) has its Resource Manager id, which is
what the cloud side lists; one made with the deprecated ``storage_account_name`` has a
data-plane URL for id, and is matched by the account id plus name when the state records
``resource_manager_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.azurerm._common import arm_id, azurerm
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

azurerm(
    "azurerm_storage_account",
    TypeRules(
        defaults={
            "account_kind": "StorageV2",
            "access_tier": "Hot",
            "https_traffic_only_enabled": True,
            "min_tls_version": "TLS1_2",
            "allow_nested_items_to_be_public": True,
            "shared_access_key_enabled": True,
            "public_network_access_enabled": True,
            "is_hns_enabled": False,
        },
        ignored=frozenset(
            {
                "primary_access_key",
                "secondary_access_key",
                "primary_connection_string",
                "secondary_connection_string",
                "primary_blob_connection_string",
                "secondary_blob_connection_string",
                "primary_location",
                "secondary_location",
            }
        )
        | frozenset(
            f"{tier}_{service}_{what}"
            for tier in ("primary", "secondary")
            for service in ("blob", "dfs", "file", "queue", "table", "web")
            for what in (
                "endpoint",
                "host",
                "internet_endpoint",
                "internet_host",
                "microsoft_endpoint",
                "microsoft_host",
            )
        ),
        severity={
            "allow_nested_items_to_be_public": "critical",
            "public_network_access_enabled": "high",
            "https_traffic_only_enabled": "high",
            "min_tls_version": "high",
            "shared_access_key_enabled": "high",
        },
        access=True,
    ),
)


def _container_identity(attributes: Mapping[str, Any]) -> str | None:
    return arm_id(attributes.get("id")) or arm_id(attributes.get("resource_manager_id"))


azurerm(
    "azurerm_storage_container",
    TypeRules(
        identity=_container_identity,
        defaults={"container_access_type": "private", "metadata": {}},
        case_insensitive=frozenset({"storage_account_id"}),
        ignored=frozenset(
            {
                "storage_account_name",
                "resource_manager_id",
                "has_immutability_policy",
                "has_legal_hold",
                "default_encryption_scope",
                "encryption_scope_override_enabled",
            }
        ),
        severity={"container_access_type": "critical"},
        access=True,
        taggable=False,
    ),
    located=False,
)
