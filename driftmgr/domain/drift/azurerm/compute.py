"""How virtual machines and managed disks compare (terraform-provider-azurerm 4.x,
``internal/services/compute``)."""

from __future__ import annotations

from collections.abc import Mapping

from driftmgr.domain.drift.azurerm._common import azurerm
from driftmgr.domain.drift.report import Severity
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []

#: Computed, or write-only (passwords, custom data: the API never returns them).
_VM_IGNORED = frozenset(
    {
        "virtual_machine_id",
        "private_ip_address",
        "private_ip_addresses",
        "public_ip_address",
        "public_ip_addresses",
        "admin_password",
        "custom_data",
        "user_data",
    }
)
_VM_DEFAULTS = {
    "zone": "",
    "license_type": "",
    "priority": "Regular",
    "provision_vm_agent": True,
    "allow_extension_operations": True,
    "encryption_at_host_enabled": False,
    "secure_boot_enabled": False,
    "vtpm_enabled": False,
}
_VM_SEVERITY: Mapping[str, Severity] = {
    "size": "medium",
    "network_interface_ids": "high",
    "admin_ssh_key": "high",
    "disable_password_authentication": "critical",
}

azurerm(
    "azurerm_linux_virtual_machine",
    TypeRules(
        sets=frozenset({"admin_ssh_key"}),
        case_insensitive=frozenset({"network_interface_ids"}),
        defaults={**_VM_DEFAULTS, "disable_password_authentication": True},
        member_ignored={"os_disk": frozenset({"id", "write_accelerator_enabled"})},
        ignored=_VM_IGNORED,
        severity=_VM_SEVERITY,
    ),
)

azurerm(
    "azurerm_windows_virtual_machine",
    TypeRules(
        case_insensitive=frozenset({"network_interface_ids"}),
        defaults={
            **_VM_DEFAULTS,
            "automatic_updates_enabled": True,
            "timezone": "",
            "patch_mode": "AutomaticByOS",
        },
        member_ignored={"os_disk": frozenset({"id", "write_accelerator_enabled"})},
        ignored=_VM_IGNORED,
        severity=_VM_SEVERITY,
    ),
)

azurerm(
    "azurerm_managed_disk",
    TypeRules(
        defaults={
            "zone": "",
            "os_type": "",
            "network_access_policy": "AllowAll",
            "public_network_access_enabled": True,
        },
        # What the disk was made from is history once it exists.
        ignored=frozenset({"source_uri", "source_resource_id", "image_reference_id"}),
        severity={"public_network_access_enabled": "high", "network_access_policy": "high"},
    ),
)
