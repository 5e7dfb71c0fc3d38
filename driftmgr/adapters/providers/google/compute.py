"""Compute Engine: instances, disks, networks, subnetworks, firewalls and addresses, as
terraform-provider-google 6.x flattens them (``services/compute``).

Resource data is the Compute v1 REST representation. References keep the API's self links
(what the provider stores); zone, region, machine and disk types become names, as the
provider's ``GetResourceNameFromSelfLink`` makes them. Labels are compared as
``effective_labels``: the API's labels are all of them, the configured ``labels`` a subset.
"""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.google.mapping import (
    Asset,
    integers,
    labels,
    live,
    self_link,
    short_name,
)
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _zone_id(asset: Asset, kind: str) -> str:
    zone = short_name(asset.data.get("zone") or asset.location)
    return f"projects/{asset.project}/zones/{zone}/{kind}/{asset.data.get('name', '')}"


def _region_id(asset: Asset, kind: str) -> str:
    region = short_name(asset.data.get("region") or asset.location)
    return f"projects/{asset.project}/regions/{region}/{kind}/{asset.data.get('name', '')}"


def _global_id(asset: Asset, kind: str) -> str:
    return f"projects/{asset.project}/global/{kind}/{asset.data.get('name', '')}"


@mapper("google_compute_instance", "compute.googleapis.com/Instance")
def instance(asset: Asset) -> LiveResource:
    data = asset.data
    metadata = {
        str(item.get("key")): str(item.get("value", ""))
        for item in (data.get("metadata") or {}).get("items") or []
        if item.get("key") != "startup-script"  # metadata_startup_script's, when set
    }
    attributes: dict[str, Any] = {
        "name": data.get("name", ""),
        "zone": short_name(data.get("zone") or asset.location),
        "machine_type": short_name(data.get("machineType", "")),
        "description": data.get("description", ""),
        "can_ip_forward": bool(data.get("canIpForward", False)),
        "deletion_protection": bool(data.get("deletionProtection", False)),
        "tags": list((data.get("tags") or {}).get("items") or []),
        "metadata": metadata,
        "effective_labels": labels(data),
        "network_interface": [
            {
                "network": nic.get("network", ""),
                "subnetwork": nic.get("subnetwork", ""),
                "network_ip": nic.get("networkIP", ""),
                "access_config": [
                    {"nat_ip": ac.get("natIP", ""), "network_tier": ac.get("networkTier", "")}
                    for ac in nic.get("accessConfigs") or []
                ],
            }
            for nic in data.get("networkInterfaces") or []
        ],
        "service_account": [
            {"email": sa.get("email", ""), "scopes": list(sa.get("scopes") or [])}
            for sa in data.get("serviceAccounts") or []
        ],
        "scheduling": [
            {
                "automatic_restart": bool(s.get("automaticRestart", True)),
                "on_host_maintenance": s.get("onHostMaintenance", ""),
                "preemptible": bool(s.get("preemptible", False)),
                "provisioning_model": s.get("provisioningModel", ""),
            }
            for s in [data.get("scheduling") or {}]
        ],
        "instance_id": str(data.get("id", "")),
        "current_status": data.get("status", ""),
        "cpu_platform": data.get("cpuPlatform", ""),
        "self_link": self_link(data),
    }
    return live("google_compute_instance", _zone_id(asset, "instances"), asset, attributes)


@mapper("google_compute_disk", "compute.googleapis.com/Disk")
def disk(asset: Asset) -> LiveResource:
    data = asset.data
    attributes = {
        "name": data.get("name", ""),
        "zone": short_name(data.get("zone") or asset.location),
        "size": integers(data.get("sizeGb")),
        "type": short_name(data.get("type", "")),
        "description": data.get("description", ""),
        "physical_block_size_bytes": integers(data.get("physicalBlockSizeBytes")),
        "effective_labels": labels(data),
        "users": list(data.get("users") or []),
        "disk_id": str(data.get("id", "")),
        "self_link": self_link(data),
    }
    return live("google_compute_disk", _zone_id(asset, "disks"), asset, attributes)


@mapper("google_compute_network", "compute.googleapis.com/Network")
def network(asset: Asset) -> LiveResource:
    data = asset.data
    attributes = {
        "name": data.get("name", ""),
        "description": data.get("description", ""),
        "auto_create_subnetworks": bool(data.get("autoCreateSubnetworks", False)),
        "routing_mode": (data.get("routingConfig") or {}).get("routingMode", ""),
        "mtu": integers(data.get("mtu")),
        "enable_ula_internal_ipv6": bool(data.get("enableUlaInternalIpv6", False)),
        "network_id": str(data.get("id", "")),
        "gateway_ipv4": data.get("gatewayIPv4", ""),
        "self_link": self_link(data),
    }
    return live("google_compute_network", _global_id(asset, "networks"), asset, attributes)


@mapper("google_compute_subnetwork", "compute.googleapis.com/Subnetwork")
def subnetwork(asset: Asset) -> LiveResource:
    data = asset.data
    attributes = {
        "name": data.get("name", ""),
        "region": short_name(data.get("region") or asset.location),
        "network": data.get("network", ""),
        "ip_cidr_range": data.get("ipCidrRange", ""),
        "description": data.get("description", ""),
        "private_ip_google_access": bool(data.get("privateIpGoogleAccess", False)),
        "stack_type": data.get("stackType", ""),
        "purpose": data.get("purpose", ""),
        "secondary_ip_range": [
            {"range_name": r.get("rangeName", ""), "ip_cidr_range": r.get("ipCidrRange", "")}
            for r in data.get("secondaryIpRanges") or []
        ],
        "gateway_address": data.get("gatewayAddress", ""),
        "self_link": self_link(data),
    }
    return live("google_compute_subnetwork", _region_id(asset, "subnetworks"), asset, attributes)


def _rules(entries: Any) -> list[dict[str, Any]]:
    return [
        {"protocol": str(e.get("IPProtocol", "")), "ports": list(e.get("ports") or [])}
        for e in entries or []
    ]


@mapper("google_compute_firewall", "compute.googleapis.com/Firewall")
def firewall(asset: Asset) -> LiveResource:
    data = asset.data
    attributes = {
        "name": data.get("name", ""),
        "network": data.get("network", ""),
        "description": data.get("description", ""),
        "direction": data.get("direction", "INGRESS"),
        "priority": integers(data.get("priority", 1000)),
        "disabled": bool(data.get("disabled", False)),
        "allow": _rules(data.get("allowed")),
        "deny": _rules(data.get("denied")),
        "source_ranges": list(data.get("sourceRanges") or []),
        "destination_ranges": list(data.get("destinationRanges") or []),
        "source_tags": list(data.get("sourceTags") or []),
        "target_tags": list(data.get("targetTags") or []),
        "source_service_accounts": list(data.get("sourceServiceAccounts") or []),
        "target_service_accounts": list(data.get("targetServiceAccounts") or []),
        "self_link": self_link(data),
    }
    return live("google_compute_firewall", _global_id(asset, "firewalls"), asset, attributes)


@mapper("google_compute_address", "compute.googleapis.com/Address")
def address(asset: Asset) -> LiveResource | None:
    data = asset.data
    if not data.get("region") and asset.location in ("", "global"):
        return None  # a global address: google_compute_global_address
    attributes = {
        "name": data.get("name", ""),
        "region": short_name(data.get("region") or asset.location),
        "address": data.get("address", ""),
        "address_type": data.get("addressType", "EXTERNAL"),
        "description": data.get("description", ""),
        "network_tier": data.get("networkTier", ""),
        "purpose": data.get("purpose", ""),
        "subnetwork": data.get("subnetwork", ""),
        "effective_labels": labels(data),
        "users": list(data.get("users") or []),
        "self_link": self_link(data),
    }
    return live("google_compute_address", _region_id(asset, "addresses"), asset, attributes)
