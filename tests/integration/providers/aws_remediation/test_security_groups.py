"""Security group rules against moto: inline ``ingress``/``egress`` sets, a standalone
rule's description."""

from __future__ import annotations

from typing import Any

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import (
    Boto,
    Subject,
    listed,
    operations,
    round_trip,
)


def tcp(port: int, cidr: str, description: str = "") -> dict[str, Any]:
    source = {"CidrIp": cidr, **({"Description": description} if description else {})}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [source]}


def group(ec2: Any, name: str) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    found: str = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    return found


def test_inline_rules_are_revoked_and_authorized_source_by_source(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    web = group(ec2, "web")
    ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[tcp(22, "10.0.0.0/8", "ssh"), tcp(443, "0.0.0.0/0")]
    )
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}

    def drift() -> None:
        ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[tcp(443, "0.0.0.0/0")])
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[tcp(3389, "0.0.0.0/0")])
        ec2.update_security_group_rule_descriptions_ingress(
            GroupId=web, IpPermissions=[tcp(22, "10.0.0.0/8", "anyone's")]
        )
        ec2.revoke_security_group_egress(GroupId=web, IpPermissions=[everything])
        ec2.authorize_security_group_egress(GroupId=web, IpPermissions=[tcp(443, "0.0.0.0/0")])

    [(calls, back)] = round_trip(
        remediator, [Subject("aws_security_group", web, ("ingress", "egress"))], drift
    )

    assert operations(calls) == [
        "revoke_security_group_ingress",
        "authorize_security_group_ingress",
        "revoke_security_group_egress",
        "authorize_security_group_egress",
    ]
    # A changed description is its source revoked and authorized again.
    revoked = {r["CidrIp"] for p in calls[0].params["IpPermissions"] for r in p["IpRanges"]}
    authorized = [
        (p["FromPort"], r["CidrIp"], r.get("Description"))
        for p in calls[1].params["IpPermissions"]
        for r in p["IpRanges"]
    ]
    assert revoked == {"10.0.0.0/8", "0.0.0.0/0"}
    assert sorted(authorized) == [(22, "10.0.0.0/8", "ssh"), (443, "0.0.0.0/0", None)]
    assert operations(back) == operations(calls)


def test_a_standalone_rules_description_is_updated_in_place(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2 = boto("ec2")
    api = group(ec2, "api")
    ec2.authorize_security_group_ingress(GroupId=api, IpPermissions=[tcp(80, "10.1.0.0/16", "web")])
    [rule] = [
        r.id
        for r in listed(["aws_security_group_rule"]).values()
        if r.attributes["security_group_id"] == api and r.attributes["type"] == "ingress"
    ]

    [(calls, back)] = round_trip(
        remediator,
        [Subject("aws_security_group_rule", rule, ("description",))],
        lambda: ec2.update_security_group_rule_descriptions_ingress(
            GroupId=api, IpPermissions=[tcp(80, "10.1.0.0/16", "changed by hand")]
        ),
    )

    assert operations(calls) == ["update_security_group_rule_descriptions_ingress"]
    assert calls[0].params["IpPermissions"] == [tcp(80, "10.1.0.0/16", "web")]
    assert back[0].params["IpPermissions"] == [tcp(80, "10.1.0.0/16", "changed by hand")]
