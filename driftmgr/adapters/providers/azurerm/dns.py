"""DNS zones and their A, CNAME and TXT record sets, through azure-mgmt-dns (one
``recordsets`` listing per zone, shared by the record types)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from driftmgr.adapters.providers.azurerm.registry import Listing, enumerator
from driftmgr.adapters.providers.azurerm.wire import props, resource_group_of, sub_id, tags, wire
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


def _zones(listing: Listing) -> list[dict[str, Any]]:
    def make() -> list[dict[str, Any]]:
        client = listing.client("dns").zones
        return [wire(item) for item in listing.pages("dns", client.list)]

    found: list[dict[str, Any]] = listing.shared("dns.zones", make)
    return found


def _records(listing: Listing) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(zone, record set) for every record set of every zone."""

    def make() -> list[tuple[dict[str, Any], dict[str, Any]]]:
        client = listing.client("dns").record_sets
        found = []
        for zone in _zones(listing):
            group, name = resource_group_of(zone["id"]), zone.get("name", "")
            sets = listing.pages("dns", functools.partial(client.list_by_dns_zone, group, name))
            found += [(zone, wire(item)) for item in sets]
        return found

    records: list[tuple[dict[str, Any], dict[str, Any]]] = listing.shared("dns.records", make)
    return records


@enumerator("azurerm_dns_zone", "dns")
def zones(listing: Listing) -> list[LiveResource]:
    return [
        listing.live(
            "azurerm_dns_zone",
            zone["id"],
            None,
            {
                "name": zone.get("name", ""),
                "resource_group_name": resource_group_of(zone["id"]),
                "name_servers": list(props(zone).get("nameServers") or []),
                "number_of_record_sets": props(zone).get("numberOfRecordSets"),
                "tags": tags(zone),
            },
        )
        for zone in _zones(listing)
    ]


def _of_type(
    listing: Listing, record_type: str
) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    found = []
    for zone, record in _records(listing):
        if str(record.get("type", "")).rsplit("/", 1)[-1].upper() == record_type:
            found.append((zone, record, props(record)))
    return found


def _record(
    zone: Mapping[str, Any], record: Mapping[str, Any], p: Mapping[str, Any]
) -> dict[str, Any]:
    metadata = p.get("metadata")
    return {
        "name": record.get("name", ""),
        "zone_name": zone.get("name", ""),
        "resource_group_name": resource_group_of(zone["id"]),
        "ttl": p.get("TTL"),
        "fqdn": p.get("fqdn") or "",
        "tags": dict(metadata) if isinstance(metadata, Mapping) else {},
    }


@enumerator("azurerm_dns_a_record", "dns")
def a_records(listing: Listing) -> list[LiveResource]:
    return [
        listing.live(
            "azurerm_dns_a_record",
            record["id"],
            None,
            {
                **_record(zone, record, p),
                "records": [str(r.get("ipv4Address")) for r in p.get("ARecords") or []],
                "target_resource_id": sub_id(p.get("targetResource")),
            },
        )
        for zone, record, p in _of_type(listing, "A")
    ]


@enumerator("azurerm_dns_cname_record", "dns")
def cname_records(listing: Listing) -> list[LiveResource]:
    return [
        listing.live(
            "azurerm_dns_cname_record",
            record["id"],
            None,
            {
                **_record(zone, record, p),
                "record": (p.get("CNAMERecord") or {}).get("cname") or "",
                "target_resource_id": sub_id(p.get("targetResource")),
            },
        )
        for zone, record, p in _of_type(listing, "CNAME")
    ]


@enumerator("azurerm_dns_txt_record", "dns")
def txt_records(listing: Listing) -> list[LiveResource]:
    return [
        listing.live(
            "azurerm_dns_txt_record",
            record["id"],
            None,
            {
                **_record(zone, record, p),
                "record": [
                    {"value": "".join(str(v) for v in r.get("value") or [])}
                    for r in p.get("TXTRecords") or []
                ],
            },
        )
        for zone, record, p in _of_type(listing, "TXT")
    ]
