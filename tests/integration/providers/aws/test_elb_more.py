"""ELBv2 listener rules and target group attachments and Classic Load Balancers against a
real moto server (see :mod:`driftmgr.adapters.providers.aws.elb_more`), and their drift
through :func:`~driftmgr.domain.drift.engine.detect_drift`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from driftmgr.domain.drift.engine import Findings, detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import StateResource
from tests.integration.providers.aws import REGION, observed, scan, state_resource

Boto = Callable[..., Any]

RULE = "aws_lb_listener_rule"
ATTACHMENT = "aws_lb_target_group_attachment"
ELB = "aws_elb"
LISTENER = "aws_lb_listener"


def drift(state: Sequence[StateResource], types: Sequence[str]) -> Findings:
    return detect_drift(
        list(state), scan([REGION], types).values(), DriftScope(providers=["aws"], regions=[REGION])
    )


def changed_paths(findings: Findings) -> dict[str, list[str]]:
    return {
        str(item.address): sorted(c.path for c in item.changes)
        for item in findings.items
        if item.kind == "modified"
    }


def seed_alb(ec2: Any, elbv2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", f"{REGION}a"), ("10.0.2.0/24", f"{REGION}b"))
    ]
    lb = elbv2.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]
    group = elbv2.create_target_group(
        Name="api", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"},
            }
        ],
    )["Listeners"][0]
    rule = elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
        Tags=[{"Key": "team", "Value": "web"}],
    )["Rules"][0]
    elbv2.register_targets(
        TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": "10.0.1.10", "Port": 8080}]
    )
    return {
        "listener": listener["ListenerArn"],
        "group": group["TargetGroupArn"],
        "rule": rule["RuleArn"],
    }


def rule_state(ids: dict[str, str]) -> StateResource:
    return state_resource(
        RULE,
        "api",
        {
            "id": ids["rule"],
            "arn": ids["rule"],
            "listener_arn": ids["listener"],
            "priority": 10,
            "action": [
                {
                    "type": "forward",
                    "order": 1,
                    "target_group_arn": ids["group"],
                    "forward": [],
                    "redirect": [],
                    "fixed_response": [],
                    "authenticate_cognito": [],
                    "authenticate_oidc": [],
                }
            ],
            "condition": [
                {
                    "host_header": [],
                    "http_header": [],
                    "http_request_method": [],
                    "path_pattern": [{"values": ["/api/*"]}],
                    "query_string": [],
                    "source_ip": [],
                }
            ],
            "tags": {"team": "web"},
            "tags_all": {"team": "web"},
        },
    )


def attachment_state(ids: dict[str, str]) -> StateResource:
    return state_resource(
        ATTACHMENT,
        "api",
        {
            "id": f"{ids['group']}-20240101000000000000000001",
            "target_group_arn": ids["group"],
            "target_id": "10.0.1.10",
            "port": 8080,
            "availability_zone": None,
        },
    )


def test_listener_rules_and_attachments_are_listed_the_default_rule_as_a_default(
    boto: Boto,
) -> None:
    ids = seed_alb(boto("ec2"), boto("elbv2"))

    outcomes = scan([REGION], [RULE, ATTACHMENT])
    rules = observed(outcomes[(RULE, REGION)])

    (default,) = [r for r in rules.values() if r.attributes["is_default"]]
    assert default.is_default
    rule = rules[ids["rule"]]
    assert not rule.is_default
    assert rule.attributes["priority"] == 10
    assert rule.attributes["listener_arn"] == ids["listener"]
    assert rule.attributes["action"][0]["type"] == "forward"
    assert rule.attributes["action"][0]["target_group_arn"] == ids["group"]
    assert rule.attributes["condition"][0]["path_pattern"] == [{"values": ["/api/*"]}]
    assert rule.attributes["tags"] == {"team": "web"}

    attachments = observed(outcomes[(ATTACHMENT, REGION)])
    assert set(attachments) == {f"{ids['group']}/10.0.1.10/8080"}
    attachment = attachments[f"{ids['group']}/10.0.1.10/8080"].attributes
    assert (attachment["target_id"], attachment["port"]) == ("10.0.1.10", 8080)


def test_a_listener_rule_and_attachment_are_in_sync_then_modified_by_hand(boto: Boto) -> None:
    elbv2 = boto("elbv2")
    ids = seed_alb(boto("ec2"), elbv2)
    state = [rule_state(ids), attachment_state(ids)]

    # The listener's default rule is never an unmanaged aws_lb_listener_rule.
    first = drift(state, [RULE, ATTACHMENT])
    assert first.items == [], [(i.id, i.changes) for i in first.items]

    elbv2.modify_rule(
        RuleArn=ids["rule"],
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v2/*"]}}],
    )
    elbv2.deregister_targets(
        TargetGroupArn=ids["group"], Targets=[{"Id": "10.0.1.10", "Port": 8080}]
    )
    elbv2.register_targets(TargetGroupArn=ids["group"], Targets=[{"Id": "10.0.1.11", "Port": 8080}])
    findings = drift(state, [RULE, ATTACHMENT])
    assert changed_paths(findings) == {f"{RULE}.api": ["condition[0].path_pattern[0].values[0]"]}
    assert {(i.kind, i.type, i.id) for i in findings.items if i.kind != "modified"} == {
        ("missing", ATTACHMENT, attachment_state(ids).id),
        ("unmanaged", ATTACHMENT, f"{ids['group']}/10.0.1.11/8080"),
    }


def test_a_listener_with_no_rule_resources_has_no_unmanaged_rules(boto: Boto) -> None:
    ids = seed_alb(boto("ec2"), boto("elbv2"))

    findings = drift([], [RULE])

    # Only the hand-made rule is unmanaged, by its ARN; the default rule is the listener's.
    assert {(i.kind, i.id, i.import_id) for i in findings.items} == {
        ("unmanaged", ids["rule"], ids["rule"])
    }


def seed_elb(elb: Any) -> None:
    elb.create_load_balancer(
        LoadBalancerName="legacy",
        Listeners=[
            {
                "Protocol": "HTTP",
                "LoadBalancerPort": 80,
                "InstanceProtocol": "HTTP",
                "InstancePort": 8080,
            }
        ],
        AvailabilityZones=[f"{REGION}a", f"{REGION}b"],
        Tags=[{"Key": "team", "Value": "legacy"}],
    )
    elb.configure_health_check(
        LoadBalancerName="legacy",
        HealthCheck={
            "Target": "HTTP:8080/health",
            "Interval": 30,
            "Timeout": 5,
            "UnhealthyThreshold": 2,
            "HealthyThreshold": 10,
        },
    )


def elb_state() -> StateResource:
    return state_resource(
        ELB,
        "legacy",
        {
            "id": "legacy",
            "name": "legacy",
            "availability_zones": [f"{REGION}b", f"{REGION}a"],
            "internal": False,
            "listener": [
                {
                    "instance_port": 8080,
                    "instance_protocol": "http",
                    "lb_port": 80,
                    "lb_protocol": "http",
                    "ssl_certificate_id": "",
                }
            ],
            "health_check": [
                {
                    "healthy_threshold": 10,
                    "unhealthy_threshold": 2,
                    "target": "HTTP:8080/health",
                    "interval": 30,
                    "timeout": 5,
                }
            ],
            "instances": [],
            "connection_draining": False,
            "connection_draining_timeout": 300,
            "idle_timeout": 60,
            "access_logs": [],
            "tags": {"team": "legacy"},
            "tags_all": {"team": "legacy"},
        },
    )


def test_classic_load_balancers_are_listed_by_name(boto: Boto) -> None:
    seed_elb(boto("elb"))

    legacy = observed(scan([REGION], [ELB])[(ELB, REGION)])["legacy"].attributes

    assert legacy["availability_zones"] == [f"{REGION}a", f"{REGION}b"]
    assert legacy["listener"] == [
        {
            "instance_port": 8080,
            "instance_protocol": "HTTP",
            "lb_port": 80,
            "lb_protocol": "HTTP",
            "ssl_certificate_id": "",
        }
    ]
    assert legacy["health_check"][0]["target"] == "HTTP:8080/health"
    assert legacy["tags"] == {"team": "legacy"}


def test_a_classic_load_balancer_is_in_sync_then_modified_by_hand(boto: Boto) -> None:
    elb = boto("elb")
    seed_elb(elb)

    findings = drift([elb_state()], [ELB])
    assert findings.items == [], [(i.kind, [c.path for c in i.changes]) for i in findings.items]

    elb.modify_load_balancer_attributes(
        LoadBalancerName="legacy",
        LoadBalancerAttributes={"ConnectionSettings": {"IdleTimeout": 300}},
    )
    assert changed_paths(drift([elb_state()], [ELB])) == {f"{ELB}.legacy": ["idle_timeout"]}
