"""Load balancers, target groups and listeners against a real moto server, and against
recorded responses for what moto cannot serve (see
:mod:`driftmgr.adapters.providers.aws.elbv2`): network load balancers' subnet addresses,
reserved capacity, the forward action AWS echoes for a single target group, TCP target
group attributes, and TLS listeners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Params,
    observed,
    recorded_aws,
    scan,
)
from tests.support.fault_proxy import Fault, FaultProxy

Boto = Callable[..., Any]

LB = "aws_lb"
TARGET_GROUP = "aws_lb_target_group"
LISTENER = "aws_lb_listener"
ELBV2 = "elasticloadbalancing"  # the signing name the fault proxy sees


def seed_network(ec2: Any) -> tuple[str, list[str], list[str]]:
    vpc_id: str = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.3.2.0/24", "us-east-1b"), ("10.3.1.0/24", "us-east-1a"))
    ]
    groups = [
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("lb-b", "lb-a")
    ]
    return vpc_id, subnets, groups


def test_application_load_balancers_are_listed_by_arn_with_their_attributes(
    boto: Boto,
) -> None:
    ec2, elbv2 = boto("ec2"), boto("elbv2")
    vpc_id, subnets, groups = seed_network(ec2)
    lb = elbv2.create_load_balancer(
        Name="web",
        Subnets=subnets,
        SecurityGroups=groups,
        Scheme="internal",
        Tags=[{"Key": "team", "Value": "web"}],
    )["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[
            {"Key": "idle_timeout.timeout_seconds", "Value": "120"},
            {"Key": "deletion_protection.enabled", "Value": "true"},
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": "lb-logs"},
            {"Key": "access_logs.s3.prefix", "Value": "web"},
            {"Key": "routing.http2.enabled", "Value": "false"},
            {"Key": "routing.http.desync_mitigation_mode", "Value": "strictest"},
            {"Key": "client_keep_alive.seconds", "Value": "600"},
        ],
    )

    listed = observed(scan([REGION], [LB])[(LB, REGION)])[arn]

    assert (listed.type, listed.region, listed.account, listed.is_default) == (
        LB,
        REGION,
        ACCOUNT,
        False,
    )
    assert listed.attributes == {
        "id": arn,
        "arn": arn,
        "arn_suffix": arn.split(":loadbalancer/", 1)[1],
        "name": "web",
        "dns_name": lb["DNSName"],
        "zone_id": lb["CanonicalHostedZoneId"],
        "internal": True,
        "load_balancer_type": "application",
        "ip_address_type": "ipv4",
        "customer_owned_ipv4_pool": "",
        "enforce_security_group_inbound_rules_on_private_link_traffic": "",
        "ipam_pools": [],
        "security_groups": sorted(groups),
        "subnets": sorted(subnets),
        "subnet_mapping": [
            {
                "allocation_id": "",
                "ipv6_address": "",
                "outpost_id": "",
                "private_ipv4_address": "",
                "subnet_id": subnet,
            }
            for subnet in sorted(subnets)
        ],
        "vpc_id": vpc_id,
        "access_logs": [{"bucket": "lb-logs", "enabled": True, "prefix": "web"}],
        "connection_logs": [{"bucket": "", "enabled": False, "prefix": ""}],
        # Only what the API returned: moto keeps few attributes unless they are set.
        "client_keep_alive": 600,
        "desync_mitigation_mode": "strictest",
        # moto reports it for ALBs too; the provider reads whatever AWS returns.
        "enable_cross_zone_load_balancing": False,
        "enable_deletion_protection": True,
        "enable_http2": False,
        "idle_timeout": 120,
        "minimum_load_balancer_capacity": [],
        "tags": {"team": "web"},
    }


def test_target_groups_report_health_check_stickiness_and_type_specific_attributes(
    boto: Boto,
) -> None:
    ec2, elbv2 = boto("ec2"), boto("elbv2")
    vpc_id, _, _ = seed_network(ec2)
    web = elbv2.create_target_group(
        Name="web",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc_id,
        TargetType="ip",
        HealthCheckPath="/health",
        HealthCheckIntervalSeconds=15,
        Matcher={"HttpCode": "200-299"},
        Tags=[{"Key": "team", "Value": "web"}],
    )["TargetGroups"][0]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=web["TargetGroupArn"],
        Attributes=[
            {"Key": "stickiness.enabled", "Value": "true"},
            {"Key": "stickiness.type", "Value": "app_cookie"},
            {"Key": "stickiness.app_cookie.cookie_name", "Value": "session"},
            {"Key": "stickiness.app_cookie.duration_seconds", "Value": "600"},
            {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
        ],
    )
    functions = elbv2.create_target_group(Name="functions", TargetType="lambda")["TargetGroups"][0]

    groups = observed(scan([REGION], [TARGET_GROUP])[(TARGET_GROUP, REGION)])

    arn = web["TargetGroupArn"]
    assert groups[arn].attributes == {
        "id": arn,
        "arn": arn,
        "arn_suffix": "targetgroup/" + arn.split(":targetgroup/", 1)[1],
        "name": "web",
        "port": 8080,
        "protocol": "HTTP",
        "protocol_version": "HTTP1",
        "vpc_id": vpc_id,
        "target_type": "ip",
        "ip_address_type": "ipv4",
        "load_balancer_arns": [],
        "health_check": [
            {
                "enabled": True,
                "healthy_threshold": web["HealthyThresholdCount"],
                "interval": 15,
                "matcher": "200-299",
                "path": "/health",
                "port": "traffic-port",
                "protocol": "HTTP",
                "timeout": web["HealthCheckTimeoutSeconds"],
                "unhealthy_threshold": web["UnhealthyThresholdCount"],
            }
        ],
        "stickiness": [
            {
                "cookie_duration": 600,
                "cookie_name": "session",
                "enabled": True,
                "type": "app_cookie",
            }
        ],
        "target_failover": [{}],
        "target_group_health": [{"dns_failover": [{}], "unhealthy_state_routing": [{}]}],
        "target_health_state": [{}],
        "deregistration_delay": "30",
        "load_balancing_algorithm_type": "round_robin",
        "load_balancing_cross_zone_enabled": "use_load_balancer_configuration",
        "slow_start": 0,
        "tags": {"team": "web"},
    }
    lambda_group = groups[functions["TargetGroupArn"]].attributes
    assert lambda_group["target_type"] == "lambda"
    # No port, protocol or VPC for Lambda targets; only the Lambda attribute applies.
    assert {"port", "protocol", "protocol_version", "vpc_id"}.isdisjoint(lambda_group)
    assert lambda_group["lambda_multi_value_headers_enabled"] is False
    assert "deregistration_delay" not in lambda_group


def test_listeners_are_listed_per_load_balancer_with_actions_in_order(boto: Boto) -> None:
    ec2, elbv2 = boto("ec2"), boto("elbv2")
    vpc_id, subnets, _ = seed_network(ec2)
    lb_arn = elbv2.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    blue, green = (
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc_id)[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in ("blue", "green")
    )
    weighted = elbv2.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": green, "Weight": 20},
                        {"TargetGroupArn": blue, "Weight": 80},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300},
                },
            }
        ],
        Tags=[{"Key": "team", "Value": "web"}],
    )["Listeners"][0]["ListenerArn"]
    fallback = elbv2.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[
            {
                "Type": "redirect",
                "Order": 2,
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            },
            {
                "Type": "fixed-response",
                "Order": 1,
                "FixedResponseConfig": {
                    "ContentType": "text/plain",
                    "MessageBody": "moved",
                    "StatusCode": "200",
                },
            },
        ],
    )["Listeners"][0]["ListenerArn"]

    listeners = observed(scan([REGION], [LISTENER])[(LISTENER, REGION)])

    assert sorted(listeners) == sorted([weighted, fallback])
    empty_blocks: dict[str, list[Any]] = {
        "redirect": [],
        "fixed_response": [],
        "authenticate_cognito": [],
        "authenticate_oidc": [],
    }
    attributes = listeners[weighted].attributes
    assert attributes["load_balancer_arn"] == lb_arn
    assert (attributes["port"], attributes["protocol"]) == (80, "HTTP")
    assert attributes["certificate_arn"] == ""
    assert attributes["alpn_policy"] == ""
    assert attributes["default_action"] == [
        {
            **empty_blocks,
            "type": "forward",
            "order": 0,
            "target_group_arn": "",
            "forward": [
                {
                    "target_group": sorted(
                        [{"arn": green, "weight": 20}, {"arn": blue, "weight": 80}],
                        key=lambda g: str(g["arn"]),
                    ),
                    "stickiness": [{"duration": 300, "enabled": True}],
                }
            ],
        }
    ]
    assert attributes["mutual_authentication"] == []
    assert attributes["tags"] == {"team": "web"}
    # Listener attributes the API returned (moto returns the TCP idle timeout for all).
    assert attributes["tcp_idle_timeout_seconds"] == 350

    actions = listeners[fallback].attributes["default_action"]
    assert [a["type"] for a in actions] == ["fixed-response", "redirect"]
    assert actions[0]["fixed_response"] == [
        {"content_type": "text/plain", "message_body": "moved", "status_code": "200"}
    ]
    assert actions[1]["redirect"] == [
        {
            "host": "",
            "path": "",
            "port": "443",
            "protocol": "HTTPS",
            "query": "",
            "status_code": "HTTP_301",
        }
    ]


def test_tags_are_fetched_twenty_resources_a_call(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2, elbv2 = boto("ec2"), boto("elbv2")
    vpc_id, _, _ = seed_network(ec2)
    for index in range(25):
        elbv2.create_target_group(
            Name=f"tg-{index}",
            Protocol="HTTP",
            Port=80,
            VpcId=vpc_id,
            Tags=[{"Key": "index", "Value": str(index)}],
        )
    with FaultProxy(aws) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        groups = observed(scan([REGION], [TARGET_GROUP])[(TARGET_GROUP, REGION)])

    assert sorted(int(g.attributes["tags"]["index"]) for g in groups.values()) == list(range(25))
    assert len(proxy.requests(ELBV2, operation="DescribeTags")) == 2
    assert len(proxy.requests(ELBV2, operation="DescribeTargetGroupAttributes")) == 25


def test_a_denied_attribute_lookup_leaves_target_groups_unobserved_not_balancers(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2, elbv2 = boto("ec2"), boto("elbv2")
    vpc_id, subnets, _ = seed_network(ec2)
    elbv2.create_load_balancer(Name="web", Subnets=subnets)
    elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc_id)
    deny = Fault("deny", service=ELBV2, body_contains=b"Action=DescribeTargetGroupAttributes")
    with FaultProxy(aws, [deny]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        outcomes = scan([REGION], [LB, TARGET_GROUP, LISTENER])

    groups = outcomes[(TARGET_GROUP, REGION)]
    assert groups.resources == []
    assert groups.unobserved_reason is not None
    assert groups.unobserved_reason.startswith("access denied:")
    assert len(observed(outcomes[(LB, REGION)])) == 1
    assert observed(outcomes[(LISTENER, REGION)]) == {}
    # Listed once for both load balancers and listeners.
    assert len(proxy.requests(ELBV2, operation="DescribeLoadBalancers")) == 1


# --- recorded responses ----------------------------------------------------------------------

ELBV2_XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/edge/50dc6c495c0c9188"
TCP_GROUP_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/edge/73e2d6bc24d8a067"
TCP_LISTENER_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/net/edge/50dc6c495c0c9188/f2f7dc8e"
)
TLS_LISTENER_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/net/edge/50dc6c495c0c9188/a1b2c3d4"
)
ENFORCE = "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"
CERTIFICATE_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/3f1c2d4e-aaaa-bbbb-cccc-0123456789ab"


def elbv2_response(action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{ELBV2_XMLNS}"><{action}Result>{result}</{action}Result>'
        "<ResponseMetadata><RequestId>6c6c4b3e-6d1d-11e6-9a47-6b3a1a4b7a3f</RequestId>"
        f"</ResponseMetadata></{action}Response>"
    )


def attributes_xml(attributes: dict[str, str]) -> str:
    members = "".join(
        f"<member><Key>{k}</Key><Value>{v}</Value></member>" for k, v in attributes.items()
    )
    return f"<Attributes>{members}</Attributes>"


def described_tags(params: Params) -> str:
    arns = [v[0] for k, v in sorted(params.items()) if k.startswith("ResourceArns.member.")]
    members = "".join(
        f"<member><ResourceArn>{arn}</ResourceArn><Tags><member><Key>owner</Key>"
        f"<Value>{arn.rsplit('/', 2)[-2]}</Value></member></Tags></member>"
        for arn in arns
    )
    return elbv2_response("DescribeTags", f"<TagDescriptions>{members}</TagDescriptions>")


RECORDED_ELBV2: dict[str, str | Callable[[Params], str]] = {
    "DescribeLoadBalancers": elbv2_response(
        "DescribeLoadBalancers",
        f"""<LoadBalancers><member>
  <LoadBalancerArn>{NLB_ARN}</LoadBalancerArn>
  <DNSName>edge-50dc6c495c0c9188.elb.us-east-1.amazonaws.com</DNSName>
  <CanonicalHostedZoneId>Z26RNL4JYFTOTI</CanonicalHostedZoneId>
  <LoadBalancerName>edge</LoadBalancerName>
  <Scheme>internet-facing</Scheme>
  <VpcId>vpc-0e1</VpcId>
  <State><Code>active</Code></State>
  <Type>network</Type>
  <IpAddressType>ipv4</IpAddressType>
  <{ENFORCE}>off</{ENFORCE}>
  <SecurityGroups><member>sg-0e2</member></SecurityGroups>
  <AvailabilityZones>
    <member><ZoneName>us-east-1b</ZoneName><SubnetId>subnet-0b</SubnetId>
      <LoadBalancerAddresses><member><IpAddress>10.3.2.10</IpAddress>
        <PrivateIPv4Address>10.3.2.10</PrivateIPv4Address></member></LoadBalancerAddresses>
    </member>
    <member><ZoneName>us-east-1a</ZoneName><SubnetId>subnet-0a</SubnetId>
      <LoadBalancerAddresses><member><IpAddress>3.5.7.9</IpAddress>
        <AllocationId>eipalloc-0a</AllocationId></member></LoadBalancerAddresses>
    </member>
  </AvailabilityZones>
</member></LoadBalancers>""",
    ),
    "DescribeLoadBalancerAttributes": elbv2_response(
        "DescribeLoadBalancerAttributes",
        attributes_xml(
            {
                "access_logs.s3.enabled": "false",
                "access_logs.s3.bucket": "",
                "access_logs.s3.prefix": "",
                "deletion_protection.enabled": "true",
                "load_balancing.cross_zone.enabled": "true",
                "dns_record.client_routing_policy": "availability_zone_affinity",
                "zonal_shift.config.enabled": "false",
            }
        ),
    ),
    "DescribeCapacityReservation": elbv2_response(
        "DescribeCapacityReservation",
        "<MinimumLoadBalancerCapacity><CapacityUnits>100</CapacityUnits>"
        "</MinimumLoadBalancerCapacity>"
        "<CapacityReservationState><member><AvailabilityZone>us-east-1a</AvailabilityZone>"
        "<State><Code>provisioned</Code></State></member></CapacityReservationState>",
    ),
    "DescribeTags": described_tags,
    "DescribeTargetGroups": elbv2_response(
        "DescribeTargetGroups",
        f"""<TargetGroups><member>
  <TargetGroupArn>{TCP_GROUP_ARN}</TargetGroupArn>
  <TargetGroupName>edge</TargetGroupName>
  <Protocol>TCP</Protocol><Port>443</Port><VpcId>vpc-0e1</VpcId>
  <TargetType>instance</TargetType><IpAddressType>ipv4</IpAddressType>
  <HealthCheckProtocol>TCP</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort>
  <HealthCheckEnabled>true</HealthCheckEnabled>
  <HealthCheckIntervalSeconds>30</HealthCheckIntervalSeconds>
  <HealthCheckTimeoutSeconds>10</HealthCheckTimeoutSeconds>
  <HealthyThresholdCount>5</HealthyThresholdCount>
  <UnhealthyThresholdCount>2</UnhealthyThresholdCount>
  <LoadBalancerArns><member>{NLB_ARN}</member></LoadBalancerArns>
</member></TargetGroups>""",
    ),
    "DescribeTargetGroupAttributes": elbv2_response(
        "DescribeTargetGroupAttributes",
        attributes_xml(
            {
                "stickiness.enabled": "false",
                "stickiness.type": "source_ip",
                "deregistration_delay.timeout_seconds": "300",
                "deregistration_delay.connection_termination.enabled": "true",
                "proxy_protocol_v2.enabled": "true",
                "preserve_client_ip.enabled": "false",
                "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
                "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
                "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "2",
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": (
                    "off"
                ),
                "target_health_state.unhealthy.connection_termination.enabled": "false",
                "target_health_state.unhealthy.draining_interval_seconds": "120",
            }
        ),
    ),
    "DescribeListeners": elbv2_response(
        "DescribeListeners",
        f"""<Listeners>
<member>
  <ListenerArn>{TCP_LISTENER_ARN}</ListenerArn><LoadBalancerArn>{NLB_ARN}</LoadBalancerArn>
  <Port>443</Port><Protocol>TCP</Protocol>
  <DefaultActions><member>
    <Type>forward</Type><TargetGroupArn>{TCP_GROUP_ARN}</TargetGroupArn>
    <ForwardConfig>
      <TargetGroups><member><TargetGroupArn>{TCP_GROUP_ARN}</TargetGroupArn>
        <Weight>1</Weight></member></TargetGroups>
      <TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig>
    </ForwardConfig>
  </member></DefaultActions>
</member>
<member>
  <ListenerArn>{TLS_LISTENER_ARN}</ListenerArn><LoadBalancerArn>{NLB_ARN}</LoadBalancerArn>
  <Port>8443</Port><Protocol>TLS</Protocol>
  <SslPolicy>ELBSecurityPolicy-TLS13-1-2-2021-06</SslPolicy>
  <Certificates><member><CertificateArn>{CERTIFICATE_ARN}</CertificateArn></member>
  </Certificates>
  <AlpnPolicy><member>HTTP2Preferred</member></AlpnPolicy>
  <DefaultActions><member>
    <Type>forward</Type><TargetGroupArn>{TCP_GROUP_ARN}</TargetGroupArn>
  </member></DefaultActions>
</member>
</Listeners>""",
    ),
    "DescribeListenerAttributes": elbv2_response(
        "DescribeListenerAttributes", attributes_xml({"tcp.idle_timeout.seconds": "600"})
    ),
}


def test_network_load_balancer_details_moto_lacks_are_read_from_recorded_responses(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_aws(monkeypatch, RECORDED_ELBV2) as server:
        outcomes = scan([REGION], [LB, TARGET_GROUP, LISTENER])

    lb = observed(outcomes[(LB, REGION)])[NLB_ARN].attributes
    assert lb["load_balancer_type"] == "network"
    assert lb["internal"] is False
    assert lb["arn_suffix"] == "net/edge/50dc6c495c0c9188"
    # A set, in a fixed order whatever order AWS lists the zones in.
    assert lb["subnet_mapping"] == [
        {
            "allocation_id": "",
            "ipv6_address": "",
            "outpost_id": "",
            "private_ipv4_address": "10.3.2.10",
            "subnet_id": "subnet-0b",
        },
        {
            "allocation_id": "eipalloc-0a",
            "ipv6_address": "",
            "outpost_id": "",
            "private_ipv4_address": "",
            "subnet_id": "subnet-0a",
        },
    ]
    assert lb["enforce_security_group_inbound_rules_on_private_link_traffic"] == "off"
    assert lb["minimum_load_balancer_capacity"] == [{"capacity_units": 100}]
    assert lb["dns_record_client_routing_policy"] == "availability_zone_affinity"
    assert lb["enable_cross_zone_load_balancing"] is True
    assert lb["enable_deletion_protection"] is True
    # Application-only settings the API does not return for a network load balancer.
    assert {"idle_timeout", "enable_http2", "connection_logs"}.isdisjoint(lb)
    assert lb["tags"] == {"owner": "edge"}

    group = observed(outcomes[(TARGET_GROUP, REGION)])[TCP_GROUP_ARN].attributes
    assert group["health_check"] == [
        {
            "enabled": True,
            "healthy_threshold": 5,
            "interval": 30,
            "matcher": "",
            "path": "",
            "port": "traffic-port",
            "protocol": "TCP",
            "timeout": 10,
            "unhealthy_threshold": 2,
        }
    ]
    assert group["stickiness"] == [
        {"cookie_duration": 0, "cookie_name": "", "enabled": False, "type": "source_ip"}
    ]
    assert group["proxy_protocol_v2"] is True
    assert group["preserve_client_ip"] == "false"
    assert group["connection_termination"] is True
    assert group["target_group_health"] == [
        {
            "dns_failover": [
                {"minimum_healthy_targets_count": "1", "minimum_healthy_targets_percentage": "off"}
            ],
            "unhealthy_state_routing": [
                {"minimum_healthy_targets_count": 2, "minimum_healthy_targets_percentage": "off"}
            ],
        }
    ]
    assert group["target_health_state"] == [
        {"enable_unhealthy_connection_termination": False, "unhealthy_draining_interval": 120}
    ]
    assert group["load_balancer_arns"] == [NLB_ARN]

    listeners = observed(outcomes[(LISTENER, REGION)])
    [forward] = listeners[TCP_LISTENER_ARN].attributes["default_action"]
    # AWS echoes a single target group both ways: both are reported, as on import.
    assert forward["target_group_arn"] == TCP_GROUP_ARN
    assert forward["forward"] == [
        {
            "target_group": [{"arn": TCP_GROUP_ARN, "weight": 1}],
            "stickiness": [{"duration": 0, "enabled": False}],
        }
    ]
    assert listeners[TCP_LISTENER_ARN].attributes["tcp_idle_timeout_seconds"] == 600
    tls = listeners[TLS_LISTENER_ARN].attributes
    assert tls["certificate_arn"] == CERTIFICATE_ARN
    assert tls["alpn_policy"] == "HTTP2Preferred"
    assert tls["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert "tcp_idle_timeout_seconds" not in tls
    # TLS listeners have no attributes to ask for; everything else was asked once per object.
    calls = server.calls()
    assert calls["DescribeListenerAttributes"] == 1
    assert calls["DescribeLoadBalancers"] == 1
    assert calls["DescribeTags"] == 3
