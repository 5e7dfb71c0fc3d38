"""Cloud DNS zones and record sets as terraform-provider-google 6.x reads them
(``services/dns``). A record set's asset name holds its zone:
``//dns.googleapis.com/projects/p/managedZones/z/rrsets/www.example.com./A``."""

from __future__ import annotations

import re

import msgspec

from driftmgr.adapters.providers.google.mapping import Asset, integers, labels, live
from driftmgr.adapters.providers.google.registry import mapper
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

_ZONE = re.compile(r"/managedZones/([^/]+)")


def _apex_is_cloud_made(records: list[LiveResource]) -> list[LiveResource]:
    """Mark each zone's apex NS set, made with the zone, as the cloud's: the apex is where
    the zone's SOA is (an NS set anywhere else is a delegation someone made)."""
    apex = {
        (r.attributes["managed_zone"], r.account, r.attributes["name"])
        for r in records
        if r.attributes["type"] == "SOA"
    }
    return [
        msgspec.structs.replace(r, is_default=True)
        if r.attributes["type"] == "NS"
        and (r.attributes["managed_zone"], r.account, r.attributes["name"]) in apex
        else r
        for r in records
    ]


@mapper("google_dns_managed_zone", "dns.googleapis.com/ManagedZone")
def managed_zone(asset: Asset) -> LiveResource:
    data = asset.data
    name = str(data.get("name", ""))
    attributes = {
        "name": name,
        "dns_name": data.get("dnsName", ""),
        "description": data.get("description", ""),
        "visibility": data.get("visibility", "public"),
        "name_servers": list(data.get("nameServers") or []),
        "managed_zone_id": integers(data.get("id")),
        "effective_labels": labels(data),
    }
    identity = f"projects/{asset.project}/managedZones/{name}"
    return live("google_dns_managed_zone", identity, asset, attributes)


@mapper("google_dns_record_set", "dns.googleapis.com/ResourceRecordSet", finish=_apex_is_cloud_made)
def record_set(asset: Asset) -> LiveResource | None:
    data = asset.data
    zone = _ZONE.search(asset.name)
    if zone is None:
        return None
    name, kind = str(data.get("name", "")), str(data.get("type", ""))
    attributes = {
        "name": name,
        "type": kind,
        "ttl": integers(data.get("ttl")),
        "rrdatas": list(data.get("rrdatas") or []),
        "managed_zone": zone.group(1),
    }
    identity = f"projects/{asset.project}/managedZones/{zone.group(1)}/rrsets/{name}/{kind}"
    # Cloud DNS makes a zone's SOA itself (its apex NS set: see _apex_is_cloud_made).
    return live("google_dns_record_set", identity, asset, attributes, is_default=kind == "SOA")
