"""How Compute Engine types compare (terraform-provider-google 6.x, ``services/compute``).

Ids are the provider's ``projects/{project}/zones/{zone}/instances/{name}`` forms. References
to networks, subnetworks, machine and disk types may be self links or names in a state; the
provider's ``compareSelfLinkOrResourceName`` treats both as equal, so they compare by name.
Networks and firewalls are global; addresses and subnetworks regional; instances and disks
zonal (their region is their zone's).
"""

from __future__ import annotations

from typing import Any

from driftmgr.domain.drift.google._common import (
    LABELS,
    blocks_of,
    google,
    identity_from,
    region_attribute,
    short_name,
    short_names,
    zone_region,
)
from driftmgr.domain.drift.report import Severity
from driftmgr.domain.drift.rules import TypeRules


def _metadata(value: Any) -> Any:
    """Metadata without ``startup-script``: the provider keeps it in
    ``metadata_startup_script`` when that is set, so the adapter leaves it out."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "startup-script"}
    return value


__all__: list[str] = []

_LOW_LABELS: dict[str, Severity] = {"effective_labels": "low", "description": "low"}

google(
    "google_compute_instance",
    TypeRules(
        identity=identity_from("projects/{project}/zones/{zone}/instances/{name}"),
        region=zone_region,
        import_id="{id}",
        sets=frozenset({"tags", "service_account.scopes"}),
        normalisers={
            "machine_type": short_name,
            "zone": short_name,
            "metadata": _metadata,
            "network_interface": blocks_of(
                {
                    "network": short_name,
                    "subnetwork": short_name,
                    "network_ip": None,
                    "access_config": {"nat_ip": None, "network_tier": None},
                }
            ),
            "service_account": blocks_of({"email": None, "scopes": None}),
            "scheduling": blocks_of(
                {
                    "automatic_restart": None,
                    "on_host_maintenance": None,
                    "preemptible": None,
                    "provisioning_model": None,
                }
            ),
        },
        defaults={"can_ip_forward": False, "deletion_protection": False, "description": ""},
        ignored=LABELS
        | frozenset(
            {
                "instance_id",
                "cpu_platform",
                "current_status",
                "label_fingerprint",
                "tags_fingerprint",
            }
        ),
        severity={"service_account": "high", "can_ip_forward": "high", **_LOW_LABELS},
        taggable=False,
    ),
)

google(
    "google_compute_disk",
    TypeRules(
        identity=identity_from("projects/{project}/zones/{zone}/disks/{name}"),
        region=zone_region,
        normalisers={"type": short_name, "zone": short_name},
        defaults={"description": "", "type": "pd-standard"},
        ignored=LABELS | frozenset({"disk_id", "users", "label_fingerprint"}),
        sets=frozenset({"users"}),
        severity=_LOW_LABELS,
        taggable=False,
    ),
)

google(
    "google_compute_network",
    TypeRules(
        identity=identity_from("projects/{project}/global/networks/{name}"),
        is_global=True,
        defaults={
            "auto_create_subnetworks": True,
            "routing_mode": "REGIONAL",
            "description": "",
        },
        ignored=LABELS
        | frozenset(
            {"network_id", "numeric_id", "gateway_ipv4", "delete_default_routes_on_create"}
        ),
        severity=_LOW_LABELS,
        taggable=False,
    ),
)

google(
    "google_compute_subnetwork",
    TypeRules(
        identity=identity_from("projects/{project}/regions/{region}/subnetworks/{name}"),
        region=region_attribute,
        normalisers={
            "network": short_name,
            "region": short_name,
            "secondary_ip_range": blocks_of({"range_name": None, "ip_cidr_range": None}),
        },
        cidrs=frozenset({"ip_cidr_range"}),
        defaults={"private_ip_google_access": False, "description": "", "stack_type": "IPV4_ONLY"},
        ignored=LABELS | frozenset({"gateway_address", "fingerprint", "subnetwork_id"}),
        severity={"ip_cidr_range": "high", **_LOW_LABELS},
        taggable=False,
    ),
)

google(
    "google_compute_firewall",
    TypeRules(
        identity=identity_from("projects/{project}/global/firewalls/{name}"),
        is_global=True,
        access=True,
        normalisers={
            "network": short_name,
            "allow": blocks_of({"protocol": None, "ports": None}),
            "deny": blocks_of({"protocol": None, "ports": None}),
            "source_service_accounts": short_names,
        },
        # allow/deny are sets of {protocol, ports}; the provider folds the protocol's case.
        sets=frozenset(
            {
                "allow",
                "deny",
                "source_ranges",
                "destination_ranges",
                "source_tags",
                "target_tags",
                "source_service_accounts",
                "target_service_accounts",
            }
        ),
        case_insensitive=frozenset({"protocol"}),
        cidrs=frozenset({"source_ranges", "destination_ranges"}),
        defaults={"direction": "INGRESS", "priority": 1000, "disabled": False, "description": ""},
        ignored=LABELS,
        severity={
            "allow": "high",
            "deny": "high",
            "source_ranges": "high",
            "destination_ranges": "high",
            "source_tags": "high",
            "target_tags": "high",
            "disabled": "high",
            "direction": "high",
            "priority": "high",
            **_LOW_LABELS,
        },
        taggable=False,
    ),
)

google(
    "google_compute_address",
    TypeRules(
        identity=identity_from("projects/{project}/regions/{region}/addresses/{name}"),
        region=region_attribute,
        normalisers={"subnetwork": short_name, "network": short_name, "region": short_name},
        defaults={"address_type": "EXTERNAL", "description": ""},
        ignored=LABELS | frozenset({"users", "label_fingerprint"}),
        severity=_LOW_LABELS,
        taggable=False,
    ),
)
