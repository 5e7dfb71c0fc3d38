"""How domains, records and certificates compare (terraform-provider-digitalocean 2.x,
``digitalocean/domain``, ``certificate``). All global. A record's id is its numeric id; it
imports as ``domain,id``. A certificate's id is its name (2.x), its uuid is ``uuid``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.digitalocean._common import digitalocean
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__: list[str] = []


def _zone_record(attributes: Mapping[str, Any], context: CloudContext) -> bool:
    """The SOA and apex NS records DigitalOcean writes into every new domain."""
    kind, name = attributes.get("type"), attributes.get("name")
    value = str(attributes.get("value", "")).lower()
    return kind == "SOA" or (kind == "NS" and name == "@" and value.endswith(".digitalocean.com."))


digitalocean(
    "digitalocean_domain",
    TypeRules(
        is_global=True,
        taggable=False,
        dns_names=frozenset({"name"}),
        # ip_address is create-only (it makes an A record); ttl follows the records.
        ignored=frozenset({"urn", "ip_address", "ttl"}),
    ),
)

digitalocean(
    "digitalocean_record",
    TypeRules(
        is_global=True,
        taggable=False,
        import_id="{domain},{id}",
        case_insensitive=frozenset({"type"}),
        dns_names=frozenset({"domain", "fqdn"}),
        defaults={"port": 0, "priority": 0, "weight": 0, "flags": 0, "tag": "", "ttl": 1800},
        ignored=frozenset({"fqdn"}),
        cloud_default=_zone_record,
        severity={"value": "high", "type": "high"},
    ),
)

digitalocean(
    "digitalocean_certificate",
    TypeRules(
        is_global=True,
        taggable=False,
        sets=frozenset({"domains"}),
        import_id="{name}",
        # Computed from the certificate, or the secrets it was made from (never listed).
        ignored=frozenset(
            {
                "uuid",
                "state",
                "not_after",
                "sha1_fingerprint",
                "private_key",
                "leaf_certificate",
                "certificate_chain",
            }
        ),
        severity={"domains": "high"},
    ),
)
