"""How Route 53 hosted zones and records compare (terraform-provider-aws 5.x,
``internal/service/route53``). Route 53 is global.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftmgr.domain.drift.aws._common import (
    aws,
)
from driftmgr.domain.drift.identity import (
    route53_record_identity,
    route53_zone_id,
    route53_zone_identity,
)
from driftmgr.domain.drift.normalise import canonical_dns_name
from driftmgr.domain.drift.rules import CloudContext, TypeRules

__all__ = []


def _apex_ns_or_soa(a: Mapping[str, Any], c: CloudContext) -> bool:
    # The NS and SOA records Route 53 makes at a zone's apex.
    if str(a.get("type", "")).upper() not in ("NS", "SOA"):
        return False
    zone = route53_zone_id(str(a.get("zone_id", "")))
    apex = next(
        (name for zone_id, name in c.zone_names.items() if route53_zone_id(zone_id) == zone),
        None,
    )
    name = a.get("fqdn") or a.get("name")
    return apex is not None and canonical_dns_name(name) == canonical_dns_name(apex)


# --- DNS ------------------------------------------------------------------------------------

aws(
    "aws_route53_zone",
    TypeRules(
        sets=frozenset({"vpc", "name_servers"}),
        dns_names=frozenset({"name", "name_servers"}),
        defaults={"comment": "Managed by Terraform"},
        ignored=frozenset({"zone_id", "force_destroy", "primary_name_server"}),
        identity=route53_zone_identity,
        is_global=True,
    ),
)

aws(
    "aws_route53_record",
    TypeRules(
        sets=frozenset(
            {
                "records",
                "alias",
                "weighted_routing_policy",
                "latency_routing_policy",
                "failover_routing_policy",
                "geolocation_routing_policy",
                "cidr_routing_policy",
            }
        ),
        # fqdn and an alias target's name are DNS names. `name` is as configured, maybe
        # relative to the zone ("www"): fqdn says the same thing absolutely, and with
        # zone_id and type it is the identity.
        dns_names=frozenset({"name", "fqdn"}),
        case_insensitive=frozenset({"type"}),
        defaults={"multivalue_answer_routing_policy": False, "health_check_id": ""},
        ignored=frozenset({"allow_overwrite", "zone_id", "name"}),
        identity=route53_record_identity,
        cloud_default=_apex_ns_or_soa,
        severity={"alias": "high", "records": "high"},
        taggable=False,
        is_global=True,
    ),
)
