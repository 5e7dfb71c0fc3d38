"""Route 53 hosted zones and record sets against a real moto server; recorded answers for
what moto cannot serve: Route 53's octal escapes (moto returns ``*.`` where Route 53 returns
``\\052.``), CIDR and geoproximity routing (moto drops both), a real SOA record, and record
listings that take more than one page.

Expected attributes are those terraform-provider-aws 5.100.0 stored for the same objects
when it applied them to moto.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.identity import route53_record_id
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import GLOBAL_REGION
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Answer,
    Params,
    observed,
    recorded_aws,
    scan,
    state_resource,
)

Boto = Callable[..., Any]

ZONE = "aws_route53_zone"
RECORD = "aws_route53_record"
NAME_SERVERS = [
    "ns-2048.awsdns-64.com",
    "ns-2049.awsdns-65.net",
    "ns-2050.awsdns-66.org",
    "ns-2051.awsdns-67.co.uk",
]
NO_ROUTING = {
    "alias": [],
    "weighted_routing_policy": [],
    "latency_routing_policy": [],
    "failover_routing_policy": [],
    "geolocation_routing_policy": [],
    "cidr_routing_policy": [],
    "geoproximity_routing_policy": [],
    "multivalue_answer_routing_policy": False,
    "health_check_id": "",
    "set_identifier": "",
}


def zone_id(created: dict[str, Any]) -> str:
    return str(created["HostedZone"]["Id"]).removeprefix("/hostedzone/")


def upsert(route53: Any, zone: str, *record_sets: dict[str, Any]) -> None:
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in record_sets]
        },
    )


def a_record(name: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}], **extra}


# --- zones ----------------------------------------------------------------------------------


def test_zones_are_listed_once_as_global_with_names_as_the_provider_stores_them(
    boto: Boto,
) -> None:
    route53 = boto("route53")
    vpc = boto("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    public = zone_id(
        route53.create_hosted_zone(
            Name="Shop.Example.ORG.",
            CallerReference="public",
            HostedZoneConfig={"Comment": "storefront"},
        )
    )
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=public, AddTags=[{"Key": "env", "Value": "prod"}]
    )
    private = zone_id(
        route53.create_hosted_zone(
            Name="internal.example",
            CallerReference="private",
            VPC={"VPCRegion": REGION, "VPCId": vpc},
            HostedZoneConfig={"PrivateZone": True},
        )
    )

    outcomes = scan([REGION, "eu-west-1"], [ZONE])

    assert list(outcomes) == [(ZONE, GLOBAL_REGION)]
    zones = observed(outcomes[(ZONE, GLOBAL_REGION)])
    assert (zones[public].region, zones[public].account) == (GLOBAL_REGION, ACCOUNT)
    assert zones[public].attributes == {
        "id": public,
        "zone_id": public,
        "arn": f"arn:aws:route53:::hostedzone/{public}",
        "name": "shop.example.org",
        "comment": "storefront",
        "delegation_set_id": "",
        "name_servers": NAME_SERVERS,
        "primary_name_server": NAME_SERVERS[0],
        "vpc": [],
        "tags": {"env": "prod"},
    }
    assert zones[private].attributes == {
        "id": private,
        "zone_id": private,
        "arn": f"arn:aws:route53:::hostedzone/{private}",
        "name": "internal.example",
        "comment": "",
        "delegation_set_id": "",
        # A private zone has no delegation set: these come from its apex NS record.
        "name_servers": NAME_SERVERS,
        "primary_name_server": NAME_SERVERS[0],
        "vpc": [{"vpc_id": vpc, "vpc_region": REGION}],
        "tags": {},
    }
    assert not any(zone.is_default for zone in zones.values())


# --- records --------------------------------------------------------------------------------


def test_every_record_set_is_listed_with_its_routing_policies(boto: Boto) -> None:
    route53 = boto("route53")
    zone = zone_id(route53.create_hosted_zone(Name="example.com", CallerReference="1"))
    upsert(
        route53,
        zone,
        {
            "Name": "www.example.com",
            "Type": "A",
            "TTL": 300,
            "ResourceRecords": [{"Value": "10.0.0.2"}, {"Value": "10.0.0.1"}],
        },
        {
            "Name": "txt.example.com",
            "Type": "TXT",
            "TTL": 60,
            "ResourceRecords": [{"Value": '"v=spf1 -all"'}, {"Value": '"hello world"'}],
        },
        {
            "Name": "apex-alias.example.com",
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": zone,
                "DNSName": "WWW.example.com.",
                "EvaluateTargetHealth": True,
            },
        },
        a_record("w.example.com", "10.2.2.1", SetIdentifier="one", Weight=10),
        a_record("w.example.com", "10.2.2.2", SetIdentifier="two", Weight=90),
        a_record(
            "geo.example.com", "10.3.3.3", SetIdentifier="eu", GeoLocation={"ContinentCode": "EU"}
        ),
        a_record("f.example.com", "10.4.4.4", SetIdentifier="primary", Failover="PRIMARY"),
        a_record("lat.example.com", "10.5.5.5", SetIdentifier="use1", Region="us-east-1"),
        a_record("mv.example.com", "10.6.6.6", SetIdentifier="mv1", MultiValueAnswer=True),
    )

    records = observed(scan([REGION], [RECORD])[(RECORD, GLOBAL_REGION)])

    def record(name: str, type_: str, set_identifier: str | None = None) -> dict[str, Any]:
        found = records[route53_record_id(zone, name, type_, set_identifier)]
        assert found.region == GLOBAL_REGION
        return found.attributes

    assert record("www.example.com", "A") == {
        **NO_ROUTING,
        "id": f"{zone}_www.example.com_A",
        "zone_id": zone,
        "name": "www.example.com",
        "fqdn": "www.example.com",
        "type": "A",
        "ttl": 300,
        "records": ["10.0.0.1", "10.0.0.2"],
    }
    assert record("txt.example.com", "TXT")["records"] == ["hello world", "v=spf1 -all"]
    alias = record("apex-alias.example.com", "A")
    assert alias["alias"] == [
        {"name": "www.example.com", "zone_id": zone, "evaluate_target_health": True}
    ]
    assert (alias["records"], alias["ttl"]) == ([], 0)
    weighted = record("w.example.com", "A", "two")
    assert weighted["id"] == f"{zone}_w.example.com_A_two"
    assert (weighted["set_identifier"], weighted["weighted_routing_policy"]) == (
        "two",
        [{"weight": 90}],
    )
    assert record("w.example.com", "A", "one")["weighted_routing_policy"] == [{"weight": 10}]
    assert record("geo.example.com", "A", "eu")["geolocation_routing_policy"] == [
        {"continent": "EU", "country": "", "subdivision": ""}
    ]
    assert record("f.example.com", "A", "primary")["failover_routing_policy"] == [
        {"type": "PRIMARY"}
    ]
    assert record("lat.example.com", "A", "use1")["latency_routing_policy"] == [
        {"region": "us-east-1"}
    ]
    assert record("mv.example.com", "A", "mv1")["multivalue_answer_routing_policy"] is True


def test_only_the_apex_ns_and_soa_records_are_flagged_as_cloud_created(boto: Boto) -> None:
    route53 = boto("route53")
    zone = zone_id(route53.create_hosted_zone(Name="example.com", CallerReference="1"))
    upsert(
        route53,
        zone,
        {
            "Name": "sub.example.com",
            "Type": "NS",
            "TTL": 300,
            "ResourceRecords": [{"Value": "ns-1.other-dns.net."}],
        },
        a_record("example.com", "10.0.0.9"),
    )

    records = observed(scan([REGION], [RECORD])[(RECORD, GLOBAL_REGION)])

    defaults = sorted(r.id for r in records.values() if r.is_default)
    assert defaults == [f"{zone}_example.com_NS", f"{zone}_example.com_SOA"]
    assert records[f"{zone}_example.com_NS"].attributes["records"] == NAME_SERVERS
    assert len(records) == 4


def test_a_zones_record_sets_are_listed_once_for_both_types(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    route53 = boto("route53")
    vpc = boto("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    public = zone_id(route53.create_hosted_zone(Name="example.com", CallerReference="1"))
    private = zone_id(
        route53.create_hosted_zone(
            Name="internal.example",
            CallerReference="2",
            VPC={"VPCRegion": REGION, "VPCId": vpc},
            HostedZoneConfig={"PrivateZone": True},
        )
    )

    with recorded_aws(monkeypatch, upstream=aws) as counted:
        outcomes = scan([REGION], [ZONE, RECORD])

    assert len(observed(outcomes[(ZONE, GLOBAL_REGION)])) == 2
    calls = counted.calls()
    assert calls["GET /2013-04-01/hostedzone"] == 1
    for zone in (public, private):
        assert calls[f"GET /2013-04-01/hostedzone/{zone}/rrset"] == 1
    # Tags of up to ten zones per call.
    assert calls["POST /2013-04-01/tags/hostedzone"] == 1


# --- recorded answers -----------------------------------------------------------------------

R53 = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
RECORDED_ZONE = "Z0123456789ABCDEFGHIJ"
HOSTED_ZONE = f"""<HostedZone><Id>/hostedzone/{RECORDED_ZONE}</Id><Name>example.com.</Name>
<CallerReference>terraform-20250101000000000000000001</CallerReference>
<Config><Comment>Managed by Terraform</Comment><PrivateZone>false</PrivateZone></Config>
<ResourceRecordSetCount>8</ResourceRecordSetCount></HostedZone>"""
SOA = "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"


def record_set(name: str, type_: str, body: str) -> str:
    return f"<ResourceRecordSet><Name>{name}</Name><Type>{type_}</Type>{body}</ResourceRecordSet>"


def values(*items: str) -> str:
    inner = "".join(f"<ResourceRecord><Value>{v}</Value></ResourceRecord>" for v in items)
    return f"<ResourceRecords>{inner}</ResourceRecords>"


FIRST_PAGE = "".join(
    [
        record_set(
            "example.com.",
            "MX",
            "<TTL>300</TTL>" + values("10 mail.example.com."),
        ),
        record_set(
            "example.com.",
            "NS",
            "<TTL>172800</TTL>"
            + values(
                "ns-1536.awsdns-00.co.uk.",
                "ns-0.awsdns-00.com.",
                "ns-1024.awsdns-00.org.",
                "ns-512.awsdns-00.net.",
            ),
        ),
        record_set("example.com.", "SOA", "<TTL>900</TTL>" + values(SOA)),
    ]
)
SECOND_PAGE = "".join(
    [
        record_set("\\052.example.com.", "A", "<TTL>60</TTL>" + values("192.0.2.10")),
        record_set(
            "cdn.example.com.",
            "A",
            "<AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId>"
            "<DNSName>D111111ABCDEF8.cloudfront.net.</DNSName>"
            "<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>",
        ),
        record_set(
            "office.example.com.",
            "A",
            "<SetIdentifier>hq</SetIdentifier>"
            "<CidrRoutingConfig><CollectionId>c8c02a84-aaaa-bbbb-cccc-1234567890ab</CollectionId>"
            "<LocationName>headquarters</LocationName></CidrRoutingConfig>"
            "<TTL>60</TTL>" + values("192.0.2.20"),
        ),
        record_set(
            "near.example.com.",
            "A",
            "<SetIdentifier>ny</SetIdentifier>"
            "<GeoProximityLocation><Coordinates><Latitude>40.71</Latitude>"
            "<Longitude>-74.01</Longitude></Coordinates><Bias>-20</Bias></GeoProximityLocation>"
            "<HealthCheckId>abcdef11-2222-3333-4444-555555fedcba</HealthCheckId>"
            "<TTL>60</TTL>" + values("192.0.2.30"),
        ),
        record_set(
            "long.example.com.",
            "TXT",
            "<TTL>300</TTL>" + values('"part one" "part two"'),
        ),
    ]
)


def rrset_page(params: Params) -> str:
    if "name" not in params:
        body, more = (
            FIRST_PAGE,
            "<IsTruncated>true</IsTruncated><NextRecordName>\\052.example.com.</NextRecordName>"
            "<NextRecordType>A</NextRecordType>",
        )
    else:
        assert params["name"] == ["\\052.example.com."] and params["type"] == ["A"]
        body, more = SECOND_PAGE, "<IsTruncated>false</IsTruncated>"
    return (
        f"<ListResourceRecordSetsResponse {R53}><ResourceRecordSets>{body}</ResourceRecordSets>"
        f"{more}<MaxItems>300</MaxItems></ListResourceRecordSetsResponse>"
    )


RECORDED_ROUTE53: dict[str, Answer] = {
    "GET /2013-04-01/hostedzone": (
        f"<ListHostedZonesResponse {R53}><HostedZones>{HOSTED_ZONE}</HostedZones>"
        "<IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>"
    ),
    f"GET /2013-04-01/hostedzone/{RECORDED_ZONE}": (
        f"<GetHostedZoneResponse {R53}>{HOSTED_ZONE}<DelegationSet><NameServers>"
        "<NameServer>ns-1536.awsdns-00.co.uk</NameServer><NameServer>ns-0.awsdns-00.com</NameServer>"
        "<NameServer>ns-1024.awsdns-00.org</NameServer><NameServer>ns-512.awsdns-00.net</NameServer>"
        "</NameServers></DelegationSet></GetHostedZoneResponse>"
    ),
    "POST /2013-04-01/tags/hostedzone": (
        f"<ListTagsForResourcesResponse {R53}><ResourceTagSets><ResourceTagSet>"
        f"<ResourceType>hostedzone</ResourceType><ResourceId>{RECORDED_ZONE}</ResourceId>"
        "<Tags><Tag><Key>env</Key><Value>prod</Value></Tag></Tags>"
        "</ResourceTagSet></ResourceTagSets></ListTagsForResourcesResponse>"
    ),
    f"GET /2013-04-01/hostedzone/{RECORDED_ZONE}/rrset": rrset_page,
}


def test_escaped_names_cidr_and_geoproximity_routing_over_two_pages_from_recorded_answers(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_aws(monkeypatch, RECORDED_ROUTE53) as recorded:
        outcomes = scan([REGION], [ZONE, RECORD])

    zone = observed(outcomes[(ZONE, GLOBAL_REGION)])[RECORDED_ZONE]
    assert zone.attributes["name_servers"] == [
        "ns-0.awsdns-00.com",
        "ns-1024.awsdns-00.org",
        "ns-1536.awsdns-00.co.uk",
        "ns-512.awsdns-00.net",
    ]
    assert zone.attributes["primary_name_server"] == "ns-1536.awsdns-00.co.uk"
    assert zone.attributes["comment"] == "Managed by Terraform"
    assert zone.attributes["tags"] == {"env": "prod"}

    records = observed(outcomes[(RECORD, GLOBAL_REGION)])
    assert len(records) == 8
    assert recorded.calls()[f"GET /2013-04-01/hostedzone/{RECORDED_ZONE}/rrset"] == 2
    wildcard = records[f"{RECORDED_ZONE}_*.example.com_A"]
    assert (wildcard.attributes["fqdn"], wildcard.attributes["name"]) == (
        "*.example.com",
        "*.example.com",
    )
    assert records[f"{RECORDED_ZONE}_cdn.example.com_A"].attributes["alias"] == [
        {
            "name": "d111111abcdef8.cloudfront.net",
            "zone_id": "Z2FDTNDATAQYW2",
            "evaluate_target_health": False,
        }
    ]
    office = records[f"{RECORDED_ZONE}_office.example.com_A_hq"].attributes
    assert office["cidr_routing_policy"] == [
        {"collection_id": "c8c02a84-aaaa-bbbb-cccc-1234567890ab", "location_name": "headquarters"}
    ]
    near = records[f"{RECORDED_ZONE}_near.example.com_A_ny"].attributes
    assert near["geoproximity_routing_policy"] == [
        {
            "aws_region": "",
            "bias": -20,
            "local_zone_group": "",
            "coordinates": [{"latitude": "40.71", "longitude": "-74.01"}],
        }
    ]
    assert near["health_check_id"] == "abcdef11-2222-3333-4444-555555fedcba"
    # Only the outer quotes of a TXT value go (expandTxtEntry).
    txt = records[f"{RECORDED_ZONE}_long.example.com_TXT"].attributes["records"]
    assert txt == ['part one" "part two']
    mx = records[f"{RECORDED_ZONE}_example.com_MX"]
    assert (mx.attributes["records"], mx.is_default) == (["10 mail.example.com."], False)
    assert records[f"{RECORDED_ZONE}_example.com_SOA"].attributes["records"] == [SOA]
    assert sorted(r.id for r in records.values() if r.is_default) == [
        f"{RECORDED_ZONE}_example.com_NS",
        f"{RECORDED_ZONE}_example.com_SOA",
    ]


# --- against the domain rules ---------------------------------------------------------------


def test_zones_and_records_match_what_provider_5_100_stored_for_them(boto: Boto) -> None:
    route53 = boto("route53")
    zone = zone_id(
        route53.create_hosted_zone(
            Name="example.com", CallerReference="1", HostedZoneConfig={"Comment": "public zone"}
        )
    )
    upsert(
        route53,
        zone,
        {
            "Name": "www.example.com",
            "Type": "A",
            "TTL": 300,
            "ResourceRecords": [{"Value": "10.0.0.2"}, {"Value": "10.0.0.1"}],
        },
        {
            "Name": "apex-alias.example.com",
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": zone,
                "DNSName": "Alias-Target.example.com.",
                "EvaluateTargetHealth": False,
            },
        },
    )
    # As terraform-provider-aws 5.100.0 wrote them: relative record names as configured,
    # its own record ids.
    record_defaults = {
        **NO_ROUTING,
        "allow_overwrite": None,
        "geoproximity_routing_policy": [],
        "timeouts": None,
        "zone_id": zone,
    }
    state = [
        state_resource(
            ZONE,
            "pub",
            {
                "id": zone,
                "zone_id": zone,
                "arn": f"arn:aws:route53:::hostedzone/{zone}",
                "comment": "public zone",
                "delegation_set_id": "",
                "force_destroy": False,
                "name": "example.com",
                "name_servers": NAME_SERVERS,
                "primary_name_server": NAME_SERVERS[0],
                "tags": {},
                "tags_all": {},
                "vpc": [],
            },
        ),
        state_resource(
            RECORD,
            "a",
            {
                **record_defaults,
                "id": f"{zone}_www_A",
                "name": "www",
                "fqdn": "www.example.com",
                "type": "A",
                "ttl": 300,
                "records": ["10.0.0.1", "10.0.0.2"],
            },
        ),
        state_resource(
            RECORD,
            "alias",
            {
                **record_defaults,
                "id": f"{zone}_apex-alias_A",
                "name": "apex-alias",
                "fqdn": "apex-alias.example.com",
                "type": "A",
                "ttl": 0,
                "records": [],
                "alias": [
                    {
                        "evaluate_target_health": False,
                        "name": "alias-target.example.com",
                        "zone_id": zone,
                    }
                ],
            },
        ),
    ]

    findings = detect_drift(
        state,
        scan([REGION], [ZONE, RECORD]).values(),
        DriftScope(providers=["aws"], regions=[REGION]),
    )

    # The zone's own NS and SOA records are cloud defaults: not unmanaged.
    assert findings.items == []
    assert findings.summary.in_sync == 3
