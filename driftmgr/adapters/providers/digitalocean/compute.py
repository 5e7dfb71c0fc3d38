"""Droplets, volumes and SSH keys (``GET /v2/droplets``, ``/v2/volumes``, ``/v2/account/keys``),
named as terraform-provider-digitalocean 2.x reads them (``resource_droplet.go`` …)."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live, slug, tags
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("digitalocean_droplet", "droplets")
async def _droplets(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("droplets", scan.client.droplets.list, "droplets")
    return [_droplet(d) for d in found]


def _droplet(droplet: dict[str, Any]) -> LiveResource:
    features = set(droplet.get("features") or [])
    image = droplet.get("image") or {}
    size = droplet.get("size") or {}
    networks = droplet.get("networks") or {}
    v4 = networks.get("v4") or []
    v6 = networks.get("v6") or []
    return live(
        "digitalocean_droplet",
        droplet["id"],
        slug(droplet.get("region")),
        name=droplet.get("name", ""),
        region=slug(droplet.get("region")),
        size=droplet.get("size_slug") or size.get("slug", ""),
        # The provider stores the slug when the image has one, else its numeric id.
        image=image.get("slug") or str(image.get("id", "")),
        vpc_uuid=droplet.get("vpc_uuid", ""),
        tags=tags(droplet.get("tags")),
        volume_ids=sorted(str(v) for v in droplet.get("volume_ids") or []),
        backups="backups" in features,
        ipv6="ipv6" in features,
        monitoring="monitoring" in features,
        private_networking="private_networking" in features,
        status=droplet.get("status", ""),
        locked=bool(droplet.get("locked")),
        disk=droplet.get("disk"),
        vcpus=droplet.get("vcpus"),
        memory=droplet.get("memory"),
        price_hourly=size.get("price_hourly"),
        price_monthly=size.get("price_monthly"),
        created_at=droplet.get("created_at", ""),
        urn=f"do:droplet:{droplet['id']}",
        ipv4_address=_address(v4, "public"),
        ipv4_address_private=_address(v4, "private"),
        ipv6_address=_address(v6, "public").lower(),
    )


def _address(networks: list[dict[str, Any]], kind: str) -> str:
    return next((str(n.get("ip_address")) for n in networks if n.get("type") == kind), "")


@enumerator("digitalocean_volume", "volumes")
async def _volumes(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("volumes", scan.client.volumes.list, "volumes")
    return [
        live(
            "digitalocean_volume",
            volume["id"],
            slug(volume.get("region")),
            name=volume.get("name", ""),
            region=slug(volume.get("region")),
            size=volume.get("size_gigabytes"),
            description=volume.get("description", ""),
            filesystem_type=volume.get("filesystem_type", ""),
            filesystem_label=volume.get("filesystem_label", ""),
            droplet_ids=sorted(int(d) for d in volume.get("droplet_ids") or []),
            tags=tags(volume.get("tags")),
            urn=f"do:volume:{volume['id']}",
        )
        for volume in found
    ]


@enumerator("digitalocean_ssh_key", "ssh_keys", is_global=True)
async def _ssh_keys(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("ssh_keys", scan.client.ssh_keys.list, "ssh_keys")
    return [
        live(
            "digitalocean_ssh_key",
            key["id"],
            None,
            name=key.get("name", ""),
            public_key=key.get("public_key", ""),
            fingerprint=key.get("fingerprint", ""),
        )
        for key in found
    ]
