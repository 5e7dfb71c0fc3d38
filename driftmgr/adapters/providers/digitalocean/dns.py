"""Domains, their records and certificates (``GET /v2/domains``, ``/v2/domains/{name}/records``,
``/v2/certificates``), named as terraform-provider-digitalocean 2.x reads them."""

from __future__ import annotations

import asyncio
from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []

#: Record types whose data the provider stores as a fully qualified name (``resource_record.go``).
_NAME_VALUED = frozenset({"CNAME", "MX", "NS", "SRV", "CAA"})


async def _domain_names(scan: Scan) -> list[str]:
    found = await scan.calls.pages("domains", scan.client.domains.list, "domains")
    return [str(d["name"]) for d in found if d.get("name")]


@enumerator("digitalocean_domain", "domains", is_global=True)
async def _domains(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("domains", scan.client.domains.list, "domains")
    return [
        live(
            "digitalocean_domain",
            domain["name"],
            None,
            name=domain["name"],
            ttl=domain.get("ttl"),
            urn=f"do:domain:{domain['name']}",
        )
        for domain in found
    ]


@enumerator("digitalocean_record", "domains", is_global=True)
async def _records(scan: Scan, region: str) -> list[LiveResource]:
    names = await _domain_names(scan)
    per_domain = await asyncio.gather(*(_records_of(scan, name) for name in names))
    return [record for records in per_domain for record in records]


async def _records_of(scan: Scan, domain: str) -> list[LiveResource]:
    found = await scan.calls.pages(
        "domains", scan.client.domains.list_records, "domain_records", domain
    )
    return [_record(domain, r) for r in found]


def _record(domain: str, record: dict[str, Any]) -> LiveResource:
    kind = str(record.get("type", ""))
    value = str(record.get("data", ""))
    if kind in _NAME_VALUED and value != "@" and record.get("tag") != "iodef":
        value += "."
    name = str(record.get("name", ""))
    return live(
        "digitalocean_record",
        record["id"],
        None,
        domain=domain,
        name=name,
        type=kind,
        value=value,
        port=record.get("port") or 0,
        priority=record.get("priority") or 0,
        ttl=record.get("ttl"),
        weight=record.get("weight") or 0,
        flags=record.get("flags") or 0,
        tag=record.get("tag") or "",
        fqdn=domain if name == "@" else f"{name}.{domain}",
    )


@enumerator("digitalocean_certificate", "certificates", is_global=True)
async def _certificates(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("certificates", scan.client.certificates.list, "certificates")
    # The provider's id is the certificate's name (the uuid is ``uuid``): names are unique.
    return [
        live(
            "digitalocean_certificate",
            cert["name"],
            None,
            name=cert["name"],
            uuid=cert.get("id", ""),
            type=cert.get("type", ""),
            state=cert.get("state", ""),
            not_after=cert.get("not_after", ""),
            sha1_fingerprint=cert.get("sha1_fingerprint", ""),
            domains=sorted(cert.get("dns_names") or []),
        )
        for cert in found
    ]
