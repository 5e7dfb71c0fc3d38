"""Route 53 (global): hosted zones and every record set in them.

Attributes are named and shaped as terraform-provider-aws 5.x stores them
(``internal/service/route53/zone.go``, ``record.go``, ``flex.go``, ``clean.go``):

- ``aws_route53_zone``: id and ``zone_id`` without ``/hostedzone/``; ``name`` lower-cased
  without its trailing dot (``normalizeDomainName``); ``name_servers`` sorted, taken from the
  zone's delegation set, or for a private zone from its apex NS record; ``vpc`` as the set of
  ``{vpc_id, vpc_region}``; tags read in batches of ten zones.
- ``aws_route53_record``: id ``ZONEID_NAME_TYPE[_SETIDENTIFIER]``
  (:func:`~driftmgr.domain.drift.identity.route53_record_id`); ``fqdn`` as the provider sets
  it (lower case, no trailing dot, a leading ``\\052`` shown as ``*``); ``name`` is the same
  absolute name, since the configured (maybe relative) spelling exists only in the state;
  ``records`` as a sorted set with TXT/SPF quotes removed (``expandTxtEntry``); alias names
  normalised; every routing policy block present, empty when unused. The zone's own NS and
  SOA records are flagged as cloud defaults.

Each zone's record sets are listed once per scan and shared by both types. A zone deleted
while it is being read is gone; any other failed call fails the whole type.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from botocore.exceptions import ClientError

from driftmgr.adapters.providers.aws.errors import error_code
from driftmgr.adapters.providers.aws.mapping import partition, resource, tags
from driftmgr.adapters.providers.aws.registry import enumerator
from driftmgr.adapters.providers.aws.scan import Response, Scan, gather
from driftmgr.domain.drift.defaults import CloudContext, is_cloud_default
from driftmgr.domain.drift.identity import route53_record_id, route53_zone_id
from driftmgr.domain.resources import GLOBAL_REGION, LiveResource

__all__: list[str] = []

#: ListTagsForResources takes at most ten resource ids per call.
_TAG_BATCH = 10
_TXT_TYPES = frozenset({"TXT", "SPF"})


# --- shared listings ------------------------------------------------------------------------


def _zones(scan: Scan, route53: Any) -> Awaitable[list[Response]]:
    async def fetch() -> list[Response]:
        zones: list[Response] = []
        async for page in scan.pages(
            route53, "list_hosted_zones", PaginationConfig={"PageSize": 100}
        ):
            zones.extend(page.get("HostedZones", []))
        return zones

    return scan.shared("route53:zones", fetch)


def _record_sets(scan: Scan, route53: Any, zone_id: str) -> Awaitable[list[Response] | None]:
    """Every record set of one zone; None when the zone no longer exists."""

    async def fetch() -> list[Response] | None:
        records: list[Response] = []
        try:
            async for page in scan.pages(
                route53,
                "list_resource_record_sets",
                HostedZoneId=zone_id,
                PaginationConfig={"PageSize": 300},
            ):
                records.extend(page.get("ResourceRecordSets", []))
        except ClientError as exc:
            if error_code(exc) == "NoSuchHostedZone":
                return None
            raise
        return records

    return scan.shared(f"route53:records:{zone_id}", fetch)


def _context(scan: Scan, route53: Any) -> Awaitable[CloudContext]:
    """Each zone's name by id, for the apex NS/SOA default predicate; built once per scan."""

    async def build() -> CloudContext:
        zones = await _zones(scan, route53)
        return CloudContext(zone_names={route53_zone_id(z["Id"]): z["Name"] for z in zones})

    return scan.shared("route53:context", build)


# --- zones ----------------------------------------------------------------------------------


@enumerator("aws_route53_zone", "route53")
async def list_zones(scan: Scan, route53: Any, region: str) -> list[LiveResource]:
    zones = await _zones(scan, route53)
    ids = [route53_zone_id(z["Id"]) for z in zones]
    reads: list[Awaitable[Any]] = [
        gather(_zone_details(scan, route53, zone_id) for zone_id in ids),
        _zone_tags(scan, route53, ids),
    ]
    details, zone_tags = await gather(reads)
    account = await scan.account()
    arn_partition = partition(scan.home_region)
    live = []
    for zone_id, detail in zip(ids, details, strict=True):
        if detail is None or zone_id not in zone_tags:
            continue  # deleted since the listing
        hosted_zone, delegation, vpcs, name_servers = detail
        config = hosted_zone.get("Config") or {}
        attributes = {
            "id": zone_id,
            "zone_id": zone_id,
            "arn": f"arn:{arn_partition}:route53:::hostedzone/{zone_id}",
            "name": normalise_domain_name(hosted_zone.get("Name", "")),
            "comment": config.get("Comment", ""),
            "delegation_set_id": str(delegation.get("Id") or "").removeprefix("/delegationset/"),
            "name_servers": sorted(name_servers),
            "primary_name_server": name_servers[0] if name_servers else "",
            "vpc": _vpcs(vpcs),
            "tags": zone_tags[zone_id],
        }
        live.append(
            resource(
                "aws_route53_zone",
                zone_id,
                GLOBAL_REGION,
                account,
                attributes,
                is_default=is_cloud_default("aws_route53_zone", attributes),
            )
        )
    return live


def _vpcs(vpcs: list[Response]) -> list[dict[str, str]]:
    blocks = [{"vpc_id": v.get("VPCId", ""), "vpc_region": v.get("VPCRegion", "")} for v in vpcs]
    return sorted(blocks, key=lambda v: (v["vpc_id"], v["vpc_region"]))


async def _zone_details(
    scan: Scan, route53: Any, zone_id: str
) -> tuple[Response, Response, list[Response], list[str]] | None:
    """The zone, its delegation set, its VPCs and its name servers; None when it is gone."""
    try:
        answer = await scan.call(route53, "get_hosted_zone", Id=zone_id)
    except ClientError as exc:
        if error_code(exc) == "NoSuchHostedZone":
            return None
        raise
    hosted_zone: Response = answer["HostedZone"]
    delegation: Response = answer.get("DelegationSet") or {}
    name_servers = [str(ns) for ns in delegation.get("NameServers", [])]
    if (hosted_zone.get("Config") or {}).get("PrivateZone"):
        # A private zone has no delegation set: the provider reads its apex NS record.
        records = await _record_sets(scan, route53, zone_id)
        if records is None:
            return None
        apex = normalise_domain_name(hosted_zone.get("Name", ""))
        name_servers = next(
            (
                [str(r.get("Value", "")) for r in record.get("ResourceRecords", [])]
                for record in records
                if record.get("Type") == "NS"
                and normalise_domain_name(record.get("Name", "")) == apex
            ),
            [],
        )
    return hosted_zone, delegation, list(answer.get("VPCs", [])), name_servers


async def _zone_tags(scan: Scan, route53: Any, zone_ids: list[str]) -> dict[str, dict[str, str]]:
    """Tags by zone id, ten zones per call; zones deleted meanwhile are left out."""

    async def batch(ids: list[str]) -> dict[str, dict[str, str]]:
        try:
            answer = await scan.call(
                route53, "list_tags_for_resources", ResourceType="hostedzone", ResourceIds=ids
            )
        except ClientError as exc:
            if error_code(exc) != "NoSuchHostedZone":
                raise
            if len(ids) == 1:
                return {}
            # A zone of the batch is gone: ask for each on its own.
            singles = await gather(batch([zone_id]) for zone_id in ids)
            return {k: v for single in singles for k, v in single.items()}
        return {
            route53_zone_id(str(tag_set["ResourceId"])): tags(tag_set.get("Tags"))
            for tag_set in answer.get("ResourceTagSets", [])
        }

    batches = [zone_ids[i : i + _TAG_BATCH] for i in range(0, len(zone_ids), _TAG_BATCH)]
    found = await gather(batch(ids) for ids in batches)
    return {zone_id: zone_tags for part in found for zone_id, zone_tags in part.items()}


# --- records --------------------------------------------------------------------------------


@enumerator("aws_route53_record", "route53")
async def list_records(scan: Scan, route53: Any, region: str) -> list[LiveResource]:
    zones = await _zones(scan, route53)
    ids = [route53_zone_id(z["Id"]) for z in zones]
    reads: list[Awaitable[Any]] = [
        gather(_record_sets(scan, route53, zone_id) for zone_id in ids),
        _context(scan, route53),
    ]
    record_sets, context = await gather(reads)
    account = await scan.account()
    live = []
    for zone_id, records in zip(ids, record_sets, strict=True):
        for record in records or []:
            attributes = record_attributes(zone_id, record)
            live.append(
                resource(
                    "aws_route53_record",
                    attributes["id"],
                    GLOBAL_REGION,
                    account,
                    attributes,
                    is_default=is_cloud_default("aws_route53_record", attributes, context),
                )
            )
    return live


def record_attributes(zone_id: str, record: Response) -> dict[str, Any]:
    """One ``ListResourceRecordSets`` entry as ``aws_route53_record`` attributes."""
    api_name: str = record.get("Name", "")
    record_type: str = record.get("Type", "")
    set_identifier: str = record.get("SetIdentifier", "")
    fqdn = normalise_domain_name(api_name)
    if fqdn.startswith("\\052."):
        fqdn = "*." + fqdn.removeprefix("\\052.")
    values = [str(r.get("Value", "")) for r in record.get("ResourceRecords", [])]
    if record_type in _TXT_TYPES:
        values = [_unquote_txt(v) for v in values]
    alias = record.get("AliasTarget")
    geolocation = record.get("GeoLocation")
    cidr = record.get("CidrRoutingConfig")
    geoproximity = record.get("GeoProximityLocation")
    return {
        "id": route53_record_id(zone_id, api_name, record_type, set_identifier or None),
        "zone_id": zone_id,
        "name": fqdn,
        "fqdn": fqdn,
        "type": record_type,
        "ttl": int(record.get("TTL", 0)),
        "records": sorted(set(values)),
        "set_identifier": set_identifier,
        "health_check_id": record.get("HealthCheckId", ""),
        "multivalue_answer_routing_policy": bool(record.get("MultiValueAnswer", False)),
        "alias": (
            [
                {
                    "name": normalise_domain_name(alias.get("DNSName", ""), keep_root=False),
                    "zone_id": alias.get("HostedZoneId", ""),
                    "evaluate_target_health": bool(alias.get("EvaluateTargetHealth", False)),
                }
            ]
            if alias
            else []
        ),
        "weighted_routing_policy": (
            [{"weight": int(record["Weight"])}] if record.get("Weight") is not None else []
        ),
        "latency_routing_policy": [{"region": record["Region"]}] if record.get("Region") else [],
        "failover_routing_policy": (
            [{"type": record["Failover"]}] if record.get("Failover") else []
        ),
        "geolocation_routing_policy": (
            [
                {
                    "continent": geolocation.get("ContinentCode", ""),
                    "country": geolocation.get("CountryCode", ""),
                    "subdivision": geolocation.get("SubdivisionCode", ""),
                }
            ]
            if geolocation
            else []
        ),
        "cidr_routing_policy": (
            [
                {
                    "collection_id": cidr.get("CollectionId", ""),
                    "location_name": cidr.get("LocationName", ""),
                }
            ]
            if cidr
            else []
        ),
        "geoproximity_routing_policy": ([_geoproximity(geoproximity)] if geoproximity else []),
    }


def _geoproximity(location: Response) -> dict[str, Any]:
    coordinates = location.get("Coordinates")
    return {
        "aws_region": location.get("AWSRegion", ""),
        "bias": int(location.get("Bias", 0)),
        "local_zone_group": location.get("LocalZoneGroup", ""),
        "coordinates": (
            [
                {
                    "latitude": coordinates.get("Latitude", ""),
                    "longitude": coordinates.get("Longitude", ""),
                }
            ]
            if coordinates
            else []
        ),
    }


# --- names ----------------------------------------------------------------------------------


def normalise_domain_name(name: str, *, keep_root: bool = True) -> str:
    """A domain name as the provider stores it (``normalizeDomainName``): no trailing dot,
    ``A-Z`` lower-cased, octal escapes kept and any other character outside
    ``[0-9a-z_.-]`` written as one (``*`` → ``\\052``); the root ``.`` stays unless
    ``keep_root`` is false (alias targets, ``normalizeAliasDomainName``)."""
    if name == "." and keep_root:
        return name
    name = name.removesuffix(".")
    out: list[str] = []
    index = 0
    while index < len(name):
        char = name[index]
        if "A" <= char <= "Z":
            out.append(char.lower())
        elif char.isascii() and (char.isalnum() or char in "-._"):
            out.append(char)
        elif char == "\\" and _is_octal(name[index + 1 : index + 4]):
            out.append(name[index : index + 4])
            index += 3
        else:
            out.append(f"\\{ord(char):03o}")  # Go's "\\%03o" of the rune
        index += 1
    return "".join(out)


def _is_octal(text: str) -> bool:
    return len(text) == 3 and all("0" <= c <= "7" for c in text)


def _unquote_txt(value: str) -> str:
    """``expandTxtEntry``: the surrounding quotes of one TXT string go, inner ones stay."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value
