"""How droplets, volumes and SSH keys compare (terraform-provider-digitalocean 2.x,
``digitalocean/droplet``, ``volume``, ``sshkey``). Ids: a droplet's and an SSH key's are
their numeric ids as strings, a volume's its uuid."""

from __future__ import annotations

from typing import Any

from driftmgr.domain.drift.digitalocean._common import digitalocean, region_slug
from driftmgr.domain.drift.rules import TypeRules

__all__: list[str] = []


def _stripped(value: Any) -> Any:
    # The provider suppresses whitespace-only differences in a public key.
    return value.strip() if isinstance(value, str) else value


digitalocean(
    "digitalocean_droplet",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region"}),
        sets=frozenset({"tags", "volume_ids", "ssh_keys"}),
        defaults={"backups": False, "ipv6": False, "monitoring": False, "droplet_agent": False},
        ignored=frozenset(
            {
                "urn",
                "status",
                "locked",
                "disk",
                "vcpus",
                "memory",
                "price_hourly",
                "price_monthly",
                "created_at",
                "ipv4_address",
                "ipv4_address_private",
                "ipv6_address",
                # Deprecated: every droplet in a VPC has private networking.
                "private_networking",
                # Terraform-only: how to resize, shut down, or what to run at first boot.
                "resize_disk",
                "graceful_shutdown",
                "user_data",
                "backup_policy",
            }
        ),
        severity={"size": "medium", "image": "high", "vpc_uuid": "high", "backups": "high"},
    ),
)

digitalocean(
    "digitalocean_volume",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region"}),
        sets=frozenset({"tags", "droplet_ids"}),
        # Attachments are digitalocean_volume_attachment's to manage; the list is computed.
        ignored=frozenset(
            {
                "urn",
                "droplet_ids",
                "initial_filesystem_type",
                "initial_filesystem_label",
                "snapshot_id",
            }
        ),
        severity={"size": "medium"},
    ),
)

digitalocean(
    "digitalocean_ssh_key",
    TypeRules(
        is_global=True,
        taggable=False,
        access=True,
        normalisers={"public_key": _stripped},
        ignored=frozenset({"fingerprint"}),
        severity={"public_key": "critical"},
    ),
)
