"""Linux and Windows virtual machines and managed disks, through azure-mgmt-compute.

One ``virtualMachines`` listing serves both VM types: a machine is Windows when its OS
profile or OS disk says so, as the provider decides which resource may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import ids, props, resource_group_of, tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _machines(listing: Listing) -> list[dict[str, Any]]:
    def make() -> list[dict[str, Any]]:
        client = listing.client("compute").virtual_machines
        return [wire(item) for item in listing.pages("compute", client.list_all)]

    found: list[dict[str, Any]] = listing.shared("compute.virtual_machines", make)
    return found


def _is_windows(machine: Mapping[str, Any]) -> bool:
    p = props(machine)
    os_profile = p.get("osProfile") or {}
    os_disk = (p.get("storageProfile") or {}).get("osDisk") or {}
    return bool(os_profile.get("windowsConfiguration")) or os_disk.get("osType") == "Windows"


def _zone(value: Mapping[str, Any]) -> str:
    zones = value.get("zones") or []
    return str(zones[0]) if zones else ""


def _common(machine: Mapping[str, Any]) -> dict[str, Any]:
    p = props(machine)
    os_profile = p.get("osProfile") or {}
    storage = p.get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    image = storage.get("imageReference") or {}
    security = p.get("securityProfile") or {}
    uefi = security.get("uefiSettings") or {}
    return {
        "name": machine.get("name", ""),
        "resource_group_name": resource_group_of(machine["id"]),
        "location": machine.get("location", ""),
        "size": (p.get("hardwareProfile") or {}).get("vmSize") or "",
        "admin_username": os_profile.get("adminUsername") or "",
        "computer_name": os_profile.get("computerName") or "",
        "network_interface_ids": ids((p.get("networkProfile") or {}).get("networkInterfaces")),
        "os_disk": [
            {
                "name": os_disk.get("name") or "",
                "caching": os_disk.get("caching") or "",
                "storage_account_type": (os_disk.get("managedDisk") or {}).get("storageAccountType")
                or "",
                "disk_size_gb": os_disk.get("diskSizeGB"),
            }
        ],
        "source_image_reference": (
            [{k: image.get(k) or "" for k in ("publisher", "offer", "sku", "version")}]
            if image.get("publisher")
            else []
        ),
        "zone": _zone(machine),
        "license_type": p.get("licenseType") or "",
        "priority": p.get("priority") or "Regular",
        "allow_extension_operations": os_profile.get("allowExtensionOperations", True) is not False,
        "encryption_at_host_enabled": bool(security.get("encryptionAtHost")),
        "secure_boot_enabled": bool(uefi.get("secureBootEnabled")),
        "vtpm_enabled": bool(uefi.get("vTpmEnabled")),
        "virtual_machine_id": p.get("vmId") or "",
        "tags": tags(machine),
    }


def _ssh_keys(configuration: Mapping[str, Any]) -> list[dict[str, str]]:
    keys = []
    for key in (configuration.get("ssh") or {}).get("publicKeys") or []:
        path = str(key.get("path") or "")
        # /home/USER/.ssh/authorized_keys: the provider keeps the user, not the path.
        user = path.split("/")[2] if path.startswith("/home/") and path.count("/") >= 3 else ""
        keys.append({"username": user, "public_key": str(key.get("keyData") or "").strip()})
    return keys


@enumerator("azurerm_linux_virtual_machine", "compute")
def linux_machines(listing: Listing) -> list[LiveResource]:
    found = []
    for machine in _machines(listing):
        if _is_windows(machine):
            continue
        os_profile = props(machine).get("osProfile") or {}
        linux = os_profile.get("linuxConfiguration") or {}
        found.append(
            listing.live(
                "azurerm_linux_virtual_machine",
                machine["id"],
                machine.get("location"),
                {
                    **_common(machine),
                    "disable_password_authentication": linux.get(
                        "disablePasswordAuthentication", True
                    )
                    is not False,
                    "provision_vm_agent": linux.get("provisionVMAgent", True) is not False,
                    "admin_ssh_key": _ssh_keys(linux),
                },
            )
        )
    return found


@enumerator("azurerm_windows_virtual_machine", "compute")
def windows_machines(listing: Listing) -> list[LiveResource]:
    found = []
    for machine in _machines(listing):
        if not _is_windows(machine):
            continue
        os_profile = props(machine).get("osProfile") or {}
        windows = os_profile.get("windowsConfiguration") or {}
        found.append(
            listing.live(
                "azurerm_windows_virtual_machine",
                machine["id"],
                machine.get("location"),
                {
                    **_common(machine),
                    "automatic_updates_enabled": windows.get("enableAutomaticUpdates", True)
                    is not False,
                    "provision_vm_agent": windows.get("provisionVMAgent", True) is not False,
                    "timezone": windows.get("timeZone") or "",
                    "patch_mode": (windows.get("patchSettings") or {}).get("patchMode")
                    or "AutomaticByOS",
                },
            )
        )
    return found


@enumerator("azurerm_managed_disk", "compute")
def managed_disks(listing: Listing) -> list[LiveResource]:
    client = listing.client("compute").disks
    found = []
    for item in listing.pages("compute", client.list):
        disk = wire(item)
        p = props(disk)
        found.append(
            listing.live(
                "azurerm_managed_disk",
                disk["id"],
                disk.get("location"),
                {
                    "name": disk.get("name", ""),
                    "resource_group_name": resource_group_of(disk["id"]),
                    "location": disk.get("location", ""),
                    "storage_account_type": (disk.get("sku") or {}).get("name") or "",
                    "create_option": (p.get("creationData") or {}).get("createOption") or "",
                    "disk_size_gb": p.get("diskSizeGB"),
                    "os_type": p.get("osType") or "",
                    "zone": _zone(disk),
                    "network_access_policy": p.get("networkAccessPolicy") or "AllowAll",
                    "public_network_access_enabled": (p.get("publicNetworkAccess") or "Enabled")
                    == "Enabled",
                    "tags": tags(disk),
                },
            )
        )
    return found
