"""VPCs, cloud firewalls and load balancers (``GET /v2/vpcs``, ``/v2/firewalls``,
``/v2/load_balancers``), named as terraform-provider-digitalocean 2.x reads them."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.digitalocean.registry import Scan, enumerator, live, slug, tags
from driftmgr.domain.resources import LiveResource

__all__: list[str] = []


@enumerator("digitalocean_vpc", "vpcs")
async def _vpcs(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("vpcs", scan.client.vpcs.list, "vpcs")
    return [
        live(
            "digitalocean_vpc",
            vpc["id"],
            vpc.get("region"),
            name=vpc.get("name", ""),
            region=vpc.get("region", ""),
            description=vpc.get("description", ""),
            ip_range=vpc.get("ip_range", ""),
            default=bool(vpc.get("default")),
            urn=vpc.get("urn", f"do:vpc:{vpc['id']}"),
            created_at=vpc.get("created_at", ""),
        )
        for vpc in found
    ]


@enumerator("digitalocean_firewall", "firewalls", is_global=True)
async def _firewalls(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages("firewalls", scan.client.firewalls.list, "firewalls")
    return [
        live(
            "digitalocean_firewall",
            firewall["id"],
            None,
            name=firewall.get("name", ""),
            droplet_ids=sorted(int(d) for d in firewall.get("droplet_ids") or []),
            tags=tags(firewall.get("tags")),
            inbound_rule=[
                _rule(r, "sources", "source") for r in firewall.get("inbound_rules") or []
            ],
            outbound_rule=[
                _rule(r, "destinations", "destination")
                for r in firewall.get("outbound_rules") or []
            ],
            status=firewall.get("status", ""),
            created_at=firewall.get("created_at", ""),
        )
        for firewall in found
    ]


def _rule(rule: dict[str, Any], side: str, prefix: str) -> dict[str, Any]:
    """One rule as ``flattenFirewallInboundRules`` writes it: port ``0`` is ``all`` (and
    no port at all for ICMP), the sources or destinations flattened into the rule."""
    protocol = rule.get("protocol", "")
    flat: dict[str, Any] = {"protocol": protocol}
    ports = str(rule.get("ports", ""))
    if ports == "0":
        if protocol != "icmp":
            flat["port_range"] = "all"
    elif ports:
        flat["port_range"] = ports
    ends = rule.get(side) or {}
    flat[f"{prefix}_addresses"] = sorted(ends.get("addresses") or [])
    flat[f"{prefix}_droplet_ids"] = sorted(int(d) for d in ends.get("droplet_ids") or [])
    flat[f"{prefix}_load_balancer_uids"] = sorted(ends.get("load_balancer_uids") or [])
    flat[f"{prefix}_kubernetes_ids"] = sorted(ends.get("kubernetes_ids") or [])
    flat[f"{prefix}_tags"] = tags(ends.get("tags"))
    return flat


@enumerator("digitalocean_loadbalancer", "load_balancers")
async def _load_balancers(scan: Scan, region: str) -> list[LiveResource]:
    found = await scan.calls.pages(
        "load_balancers", scan.client.load_balancers.list, "load_balancers"
    )
    return [_load_balancer(lb) for lb in found]


def _load_balancer(lb: dict[str, Any]) -> LiveResource:
    health = lb.get("health_check") or {}
    sticky = lb.get("sticky_sessions") or {}
    region = slug(lb.get("region"))
    return live(
        "digitalocean_loadbalancer",
        lb["id"],
        region,
        name=lb.get("name", ""),
        region=region,
        size=lb.get("size", ""),
        size_unit=lb.get("size_unit"),
        type=lb.get("type", ""),
        ip=lb.get("ip", ""),
        status=lb.get("status", ""),
        urn=f"do:loadbalancer:{lb['id']}",
        algorithm=lb.get("algorithm", ""),
        droplet_ids=sorted(int(d) for d in lb.get("droplet_ids") or []),
        droplet_tag=lb.get("tag", ""),
        vpc_uuid=lb.get("vpc_uuid", ""),
        project_id=lb.get("project_id", ""),
        redirect_http_to_https=bool(lb.get("redirect_http_to_https")),
        enable_proxy_protocol=bool(lb.get("enable_proxy_protocol")),
        enable_backend_keepalive=bool(lb.get("enable_backend_keepalive")),
        disable_lets_encrypt_dns_records=bool(lb.get("disable_lets_encrypt_dns_records")),
        http_idle_timeout_seconds=lb.get("http_idle_timeout_seconds"),
        forwarding_rule=[
            {
                "entry_protocol": rule.get("entry_protocol", ""),
                "entry_port": rule.get("entry_port"),
                "target_protocol": rule.get("target_protocol", ""),
                "target_port": rule.get("target_port"),
                "certificate_id": rule.get("certificate_id", ""),
                "tls_passthrough": bool(rule.get("tls_passthrough")),
            }
            for rule in lb.get("forwarding_rules") or []
        ],
        healthcheck=[
            {
                "protocol": health.get("protocol", ""),
                "port": health.get("port"),
                "path": health.get("path", ""),
                "check_interval_seconds": health.get("check_interval_seconds"),
                "response_timeout_seconds": health.get("response_timeout_seconds"),
                "unhealthy_threshold": health.get("unhealthy_threshold"),
                "healthy_threshold": health.get("healthy_threshold"),
            }
        ]
        if health
        else [],
        sticky_sessions=[
            {
                "type": sticky.get("type", "none"),
                "cookie_name": sticky.get("cookie_name", ""),
                "cookie_ttl_seconds": sticky.get("cookie_ttl_seconds", 0),
            }
        ]
        if sticky
        else [],
    )
