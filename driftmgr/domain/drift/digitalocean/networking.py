"""How VPCs, cloud firewalls and load balancers compare (terraform-provider-digitalocean 2.x,
``digitalocean/vpc``, ``firewall``, ``loadbalancer``). Firewalls are not regional: they
apply to droplets and tags wherever those are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.digitalocean._common import digitalocean, region_slug
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__: list[str] = []


def _default_vpc(attributes: Mapping[str, Any], context: CloudContext) -> bool:
    # DigitalOcean makes a default VPC per region the first time one is needed.
    return attributes.get("default") is True


digitalocean(
    "digitalocean_vpc",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region"}),
        taggable=False,
        cidrs=frozenset({"ip_range"}),
        ignored=frozenset({"urn", "default", "created_at"}),
        cloud_default=_default_vpc,
        severity={"ip_range": "high"},
    ),
)

digitalocean(
    "digitalocean_firewall",
    TypeRules(
        is_global=True,
        access=True,
        sets=frozenset({"tags", "droplet_ids", "inbound_rule", "outbound_rule"}),
        cidrs=frozenset({"source_addresses", "destination_addresses"}),
        ignored=frozenset({"status", "created_at", "pending_changes"}),
        severity={"inbound_rule": "critical", "outbound_rule": "high", "droplet_ids": "high"},
    ),
)

digitalocean(
    "digitalocean_loadbalancer",
    TypeRules(
        region=region_slug,
        case_insensitive=frozenset({"region", "entry_protocol", "target_protocol"}),
        sets=frozenset({"forwarding_rule", "droplet_ids"}),
        defaults={
            "redirect_http_to_https": False,
            "enable_proxy_protocol": False,
            "enable_backend_keepalive": False,
            "disable_lets_encrypt_dns_records": False,
            "http_idle_timeout_seconds": 60,
            "size_unit": 1,
        },
        # A rule names its certificate by id (API) or name (newer configurations): the
        # provider resolves one to the other, so neither is compared inside a rule.
        member_ignored={"forwarding_rule": frozenset({"certificate_id", "certificate_name"})},
        ignored=frozenset({"urn", "ip", "ipv6", "status", "algorithm", "type"}),
        access=True,
        severity={"forwarding_rule": "high", "redirect_http_to_https": "high"},
    ),
)
