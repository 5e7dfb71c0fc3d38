"""The AWS adapter against a real moto server: what it lists, and how it names it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

import httpx
import pytest

from driftmgr.adapters.providers.aws import ENUMERATORS, AwsProvider
from driftmgr.adapters.providers.base import (
    ProviderAuthError,
    ProviderUnreachableError,
)
from driftmgr.domain.resources import GLOBAL_REGION, ScanOutcome
from tests.integration.providers.aws import observed, scan

Boto = Callable[..., Any]

ACCOUNT = "123456789012"
CLOSED_PORT = "http://127.0.0.1:9"

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def seed_vpc(ec2: Any) -> tuple[str, str]:
    vpc_id = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}],
    )["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return vpc_id, subnet_id


# --- EC2 instances -------------------------------------------------------------------------


def test_instances_are_listed_with_terraform_attributes(boto: Boto) -> None:
    ec2, iam = boto("ec2"), boto("iam")
    _, subnet_id = seed_vpc(ec2)
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
    group_b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc_id)["GroupId"]
    group_a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc_id)["GroupId"]
    ec2.create_key_pair(KeyName="deployer")
    iam.create_instance_profile(InstanceProfileName="web-profile", Path="/app/")
    ami = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=subnet_id,
        SecurityGroupIds=[group_b, group_a],
        KeyName="deployer",
        IamInstanceProfile={"Name": "web-profile"},
        Monitoring={"Enabled": True},
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "env", "Value": "prod"}],
            }
        ],
    )["Instances"][0]
    instance_id = instance["InstanceId"]

    outcome = scan(["us-east-1"], ["aws_instance"])[("aws_instance", "us-east-1")]

    resource = observed(outcome)[instance_id]
    assert (resource.type, resource.provider, resource.region, resource.account) == (
        "aws_instance",
        "aws",
        "us-east-1",
        ACCOUNT,
    )
    assert not resource.is_default
    attributes = resource.attributes
    assert attributes["id"] == instance_id
    assert attributes["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance_id}"
    assert attributes["ami"] == ami
    assert attributes["instance_type"] == "t3.micro"
    assert attributes["availability_zone"] == instance["Placement"]["AvailabilityZone"]
    assert attributes["subnet_id"] == subnet_id
    assert attributes["vpc_security_group_ids"] == sorted([group_a, group_b])
    assert attributes["key_name"] == "deployer"
    assert attributes["private_ip"] == instance["PrivateIpAddress"]
    assert attributes["public_ip"] == instance.get("PublicIpAddress", "")
    assert attributes["monitoring"] is True
    assert attributes["ebs_optimized"] is False
    assert attributes["source_dest_check"] is True
    assert attributes["iam_instance_profile"] == "web-profile"
    assert attributes["instance_state"] == "running"
    assert attributes["tenancy"] == "default"
    assert attributes["tags"] == {"Name": "web", "env": "prod"}


def test_an_instance_without_key_or_profile_reports_empty_strings(boto: Boto) -> None:
    ec2 = boto("ec2")
    ami = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]

    outcome = scan(["us-east-1"], ["aws_instance"])[("aws_instance", "us-east-1")]

    attributes = observed(outcome)[instance_id].attributes
    assert attributes["key_name"] == ""
    assert attributes["iam_instance_profile"] == ""
    assert attributes["monitoring"] is False
    assert attributes["tags"] == {}


def test_terminated_instances_are_not_listed(boto: Boto) -> None:
    ec2 = boto("ec2")
    ami = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    kept, gone = (
        i["InstanceId"] for i in ec2.run_instances(ImageId=ami, MinCount=2, MaxCount=2)["Instances"]
    )
    ec2.terminate_instances(InstanceIds=[gone])

    outcome = scan(["us-east-1"], ["aws_instance"])[("aws_instance", "us-east-1")]

    assert set(observed(outcome)) == {kept}


# --- VPCs ----------------------------------------------------------------------------------


def test_vpcs_are_listed_with_dns_attributes_and_tags(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, _ = seed_vpc(ec2)
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})

    outcome = scan(["us-east-1"], ["aws_vpc"])[("aws_vpc", "us-east-1")]

    resource = observed(outcome)[vpc_id]
    assert resource.type == "aws_vpc"
    assert not resource.is_default
    attributes = resource.attributes
    assert attributes["id"] == vpc_id
    assert attributes["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{vpc_id}"
    assert attributes["cidr_block"] == "10.0.0.0/16"
    assert attributes["instance_tenancy"] == "default"
    assert attributes["enable_dns_support"] is True
    assert attributes["enable_dns_hostnames"] is True
    assert attributes["owner_id"] == ACCOUNT
    assert isinstance(attributes["dhcp_options_id"], str)
    assert attributes["tags"] == {"Name": "main"}


def test_default_vpc_is_flagged_as_cloud_created(boto: Boto) -> None:
    default_vpc = boto("ec2").describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])[
        "Vpcs"
    ][0]["VpcId"]

    outcome = scan(["us-east-1"], ["aws_vpc"])[("aws_vpc", "us-east-1")]

    assert observed(outcome)[default_vpc].is_default


def test_each_region_lists_only_its_own_vpcs(boto: Boto) -> None:
    vpc_id, _ = seed_vpc(boto("ec2", "eu-west-1"))

    outcomes = scan(["us-east-1", "eu-west-1"], ["aws_vpc"])

    assert vpc_id in observed(outcomes[("aws_vpc", "eu-west-1")])
    assert vpc_id not in observed(outcomes[("aws_vpc", "us-east-1")])


# --- Security groups -----------------------------------------------------------------------


def rule(**fields: Any) -> dict[str, Any]:
    """A Terraform ingress/egress rule with every field present, as state stores it."""
    return {
        "from_port": 0,
        "to_port": 0,
        "protocol": "-1",
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
        "description": "",
        **fields,
    }


def test_security_group_rules_are_flattened_as_terraform_does(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, _ = seed_vpc(ec2)
    web = ec2.create_security_group(
        GroupName="web",
        Description="web servers",
        VpcId=vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "web"}]}
        ],
    )["GroupId"]
    lb = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.1.0.0/16"}, {"CidrIp": "10.0.0.0/16"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": web}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "UserIdGroupPairs": [{"GroupId": lb}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [
                    {"CidrIp": "192.168.1.0/24", "Description": "vpn"},
                    {"CidrIp": "192.168.0.0/24", "Description": "office"},
                ],
            },
        ],
    )

    outcome = scan(["us-east-1"], ["aws_security_group"])[("aws_security_group", "us-east-1")]

    resource = observed(outcome)[web]
    assert resource.type == "aws_security_group"
    assert not resource.is_default
    attributes = resource.attributes
    assert attributes["id"] == web
    assert attributes["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{web}"
    assert attributes["name"] == "web"
    assert attributes["description"] == "web servers"
    assert attributes["vpc_id"] == vpc_id
    assert attributes["owner_id"] == ACCOUNT
    assert attributes["tags"] == {"tier": "web"}
    # Sources with different descriptions become separate rules, as in Terraform's state.
    assert attributes["ingress"] == [
        rule(
            protocol="tcp",
            from_port=22,
            to_port=22,
            cidr_blocks=["192.168.0.0/24"],
            description="office",
        ),
        rule(
            protocol="tcp",
            from_port=22,
            to_port=22,
            cidr_blocks=["192.168.1.0/24"],
            description="vpn",
        ),
        rule(protocol="tcp", from_port=80, to_port=80, security_groups=[lb]),
        rule(
            protocol="tcp", from_port=443, to_port=443, cidr_blocks=["10.0.0.0/16", "10.1.0.0/16"]
        ),
        rule(protocol="tcp", from_port=8080, to_port=8080, self=True),
    ]
    # AWS adds the allow-all egress rule to every new group.
    assert attributes["egress"] == [rule(cidr_blocks=["0.0.0.0/0"])]


def test_default_security_group_is_flagged_as_cloud_created(boto: Boto) -> None:
    ec2 = boto("ec2")
    vpc_id, _ = seed_vpc(ec2)
    ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)

    outcome = scan(["us-east-1"], ["aws_security_group"])[("aws_security_group", "us-east-1")]

    flags = {
        (r.attributes["vpc_id"], r.attributes["name"]): r.is_default for r in outcome.resources
    }
    assert flags[(vpc_id, "default")] is True
    assert flags[(vpc_id, "app")] is False


# --- S3 buckets ----------------------------------------------------------------------------


def test_buckets_are_reported_in_their_own_region_only(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="logs-us")
    eu = boto("s3", "eu-west-1")
    eu.create_bucket(
        Bucket="logs-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    eu.put_bucket_tagging(Bucket="logs-eu", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    eu.put_bucket_versioning(Bucket="logs-eu", VersioningConfiguration={"Status": "Enabled"})

    outcomes = scan(["us-east-1", "eu-west-1"], ["aws_s3_bucket"])

    assert set(observed(outcomes[("aws_s3_bucket", "eu-west-1")])) == {"logs-eu"}
    assert set(observed(outcomes[("aws_s3_bucket", "us-east-1")])) == {"logs-us"}
    bucket = observed(outcomes[("aws_s3_bucket", "eu-west-1")])["logs-eu"]
    assert (bucket.type, bucket.region, bucket.account) == ("aws_s3_bucket", "eu-west-1", ACCOUNT)
    # The bucket's identity and the settings this test made (tests/integration/providers/aws
    # covers every other attribute of the bucket).
    assert {
        k: bucket.attributes[k]
        for k in (
            "id",
            "bucket",
            "arn",
            "region",
            "bucket_domain_name",
            "bucket_regional_domain_name",
            "versioning",
            "tags",
        )
    } == {
        "id": "logs-eu",
        "bucket": "logs-eu",
        "arn": "arn:aws:s3:::logs-eu",
        "region": "eu-west-1",
        "bucket_domain_name": "logs-eu.s3.amazonaws.com",
        "bucket_regional_domain_name": "logs-eu.s3.eu-west-1.amazonaws.com",
        "versioning": [{"enabled": True, "mfa_delete": False}],
        "tags": {"team": "data"},
    }


def test_a_bucket_without_tags_has_an_empty_tag_map(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="plain-bucket")

    outcome = scan(["us-east-1"], ["aws_s3_bucket"])[("aws_s3_bucket", "us-east-1")]

    attributes = observed(outcome)["plain-bucket"].attributes
    assert attributes["tags"] == {}
    assert attributes["versioning"] == [{"enabled": False, "mfa_delete": False}]


def test_buckets_of_regions_not_asked_for_are_left_out(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="logs-us")

    outcomes = scan(["eu-west-1"], ["aws_s3_bucket"])

    assert list(outcomes) == [("aws_s3_bucket", "eu-west-1")]
    assert observed(outcomes[("aws_s3_bucket", "eu-west-1")]) == {}


# --- IAM roles -----------------------------------------------------------------------------


def test_iam_roles_are_listed_once_as_global(boto: Boto) -> None:
    iam = boto("iam")
    created = iam.create_role(
        RoleName="app",
        Path="/apps/",
        Description="runs the app",
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
        MaxSessionDuration=7200,
        PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess",
        Tags=[{"Key": "owner", "Value": "team-a"}],
    )["Role"]

    outcomes = scan(["us-east-1", "eu-west-1"], ["aws_iam_role"])

    assert list(outcomes) == [("aws_iam_role", GLOBAL_REGION)]
    role = observed(outcomes[("aws_iam_role", GLOBAL_REGION)])["app"]
    assert (role.type, role.region, role.account, role.is_default) == (
        "aws_iam_role",
        "global",
        ACCOUNT,
        False,
    )
    attributes = role.attributes
    assert attributes["id"] == "app"
    assert attributes["name"] == "app"
    assert attributes["arn"] == f"arn:aws:iam::{ACCOUNT}:role/apps/app"
    assert attributes["unique_id"] == created["RoleId"]
    assert attributes["path"] == "/apps/"
    assert attributes["description"] == "runs the app"
    assert attributes["max_session_duration"] == 7200
    assert attributes["permissions_boundary"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert attributes["create_date"] == created["CreateDate"].astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert attributes["tags"] == {"owner": "team-a"}
    # Terraform stores the trust policy as minified JSON with sorted keys.
    policy = attributes["assume_role_policy"]
    assert isinstance(policy, str)
    assert json.loads(policy) == TRUST_POLICY
    assert policy == json.dumps(TRUST_POLICY, sort_keys=True, separators=(",", ":"))


def test_a_role_without_extras_reports_empty_values(boto: Boto) -> None:
    boto("iam").create_role(RoleName="bare", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))

    outcome = scan(["us-east-1"], ["aws_iam_role"])[("aws_iam_role", GLOBAL_REGION)]

    attributes = observed(outcome)["bare"].attributes
    assert attributes["description"] == ""
    assert attributes["permissions_boundary"] == ""
    assert attributes["tags"] == {}


def test_service_linked_roles_are_flagged_as_cloud_created(boto: Boto) -> None:
    linked = boto("iam").create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")[
        "Role"
    ]["RoleName"]

    outcome = scan(["us-east-1"], ["aws_iam_role"])[("aws_iam_role", GLOBAL_REGION)]

    assert observed(outcome)[linked].is_default


# --- The scan as a whole -------------------------------------------------------------------


def test_on_scanned_is_called_once_per_outcome(aws: str) -> None:
    seen: list[ScanOutcome] = []
    types = ["aws_vpc", "aws_s3_bucket", "aws_iam_role"]

    outcomes = asyncio.run(AwsProvider().scan(["us-east-1", "eu-west-1"], types, seen.append))

    assert sorted((o.type, o.region) for o in seen) == sorted(
        [
            ("aws_vpc", "us-east-1"),
            ("aws_vpc", "eu-west-1"),
            ("aws_s3_bucket", "us-east-1"),
            ("aws_s3_bucket", "eu-west-1"),
            ("aws_iam_role", "global"),
        ]
    )
    assert sorted(seen, key=id) == sorted(outcomes, key=id)
    assert all(o.observed and o.duration_ms >= 0 for o in outcomes)


def test_every_supported_type_is_listed_in_one_scan(aws: str) -> None:
    provider = AwsProvider()

    outcomes = scan(["us-east-1"], sorted(provider.supported_types), provider)

    assert provider.supported_types == frozenset(ENUMERATORS)
    assert len(provider.supported_types) >= 30
    assert {t for t, _ in outcomes} == provider.supported_types
    assert all(o.observed for o in outcomes.values())


def test_unknown_types_are_refused(aws: str) -> None:
    with pytest.raises(ValueError, match="aws_not_a_type"):
        asyncio.run(AwsProvider().scan(["us-east-1"], ["aws_vpc", "aws_not_a_type"]))


def test_an_unreachable_endpoint_makes_every_outcome_unobserved(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", CLOSED_PORT)
    provider = AwsProvider(max_attempts=1, connect_timeout=1, read_timeout=1)

    outcomes = scan(["us-east-1", "eu-west-1"], sorted(provider.supported_types), provider)

    global_types = {t for t, spec in ENUMERATORS.items() if spec.is_global}
    regional = len(provider.supported_types) - len(global_types)
    assert len(outcomes) == regional * 2 + len(global_types)
    for outcome in outcomes.values():
        assert outcome.unobserved_reason is not None
        # Either the listing's own failure, or the breaker it tripped for its service.
        assert outcome.unobserved_reason.startswith(("unreachable", "circuit open")), (
            outcome.unobserved_reason
        )
        assert "unreachable" in outcome.unobserved_reason
        assert outcome.resources == []


@pytest.fixture
def become_auditor(
    aws: str, boto: Boto, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], None]]:
    """Switch to a user who may describe EC2 and S3 but not read bucket tags or IAM.

    moto enforces IAM policies once `/moto-api/reset-auth` is set. The server is shared by
    the session, so enforcement is switched off again whatever the test does.
    """

    def switch() -> None:
        iam = boto("iam")
        iam.create_user(UserName="auditor")
        iam.put_user_policy(
            UserName="auditor",
            PolicyName="read-some",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "ec2:Describe*",
                                # s3:List* covers ListAllMyBuckets on AWS; moto 5.2.6 checks
                                # ListBuckets under another name, which the wildcard covers too.
                                "s3:List*",
                                "s3:GetBucketLocation",
                                "s3:GetBucketVersioning",
                                "sts:GetCallerIdentity",
                            ],
                            "Resource": "*",
                        }
                    ],
                }
            ),
        )
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        httpx.post(f"{aws}/moto-api/reset-auth", content=b"0", timeout=10).raise_for_status()

    try:
        yield switch
    finally:
        httpx.post(f"{aws}/moto-api/reset-auth", content=b"inf", timeout=10).raise_for_status()


def test_a_denied_listing_is_unobserved_and_the_rest_still_completes(
    become_auditor: Callable[[], None],
) -> None:
    become_auditor()

    outcomes = scan(["us-east-1"], ["aws_vpc", "aws_iam_role"], AwsProvider(max_attempts=1))

    denied = outcomes[("aws_iam_role", GLOBAL_REGION)]
    assert denied.unobserved_reason is not None
    assert denied.unobserved_reason.startswith("access denied: AccessDenied: ")
    assert "iam:ListRoles" in denied.unobserved_reason
    assert denied.resources == []
    assert observed(outcomes[("aws_vpc", "us-east-1")])


def test_a_bucket_whose_tags_cannot_be_read_makes_its_region_unobserved(
    boto: Boto, become_auditor: Callable[[], None]
) -> None:
    boto("s3").create_bucket(Bucket="tagged-bucket")
    become_auditor()

    outcomes = scan(["us-east-1", "eu-west-1"], ["aws_s3_bucket"], AwsProvider(max_attempts=1))

    # Listing and locating are allowed, GetBucketTagging is not: reporting the bucket with
    # empty tags would claim a value nobody observed.
    outcome = outcomes[("aws_s3_bucket", "us-east-1")]
    assert outcome.unobserved_reason is not None
    assert outcome.unobserved_reason.startswith("access denied: AccessDenied")
    assert outcome.resources == []
    # A region without buckets needed no tag reads, so it is still observed.
    assert observed(outcomes[("aws_s3_bucket", "eu-west-1")]) == {}


# --- check_access --------------------------------------------------------------------------


def test_check_access_returns_the_account_id(aws: str) -> None:
    assert AwsProvider().check_access("us-east-1") == ACCOUNT


def test_check_access_names_an_unreachable_endpoint_quickly(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", CLOSED_PORT)
    started = time.monotonic()

    with pytest.raises(ProviderUnreachableError) as raised:
        AwsProvider().check_access("us-east-1")

    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert CLOSED_PORT in message
    assert "AWS_ENDPOINT_URL" in message
    assert "\n" not in message


def test_check_access_without_credentials_says_to_configure_them(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(ProviderAuthError, match="configure"):
        AwsProvider().check_access("us-east-1")


def test_check_access_with_an_unknown_profile_is_an_auth_error(aws: str) -> None:
    with pytest.raises(ProviderAuthError, match="no-such-profile"):
        AwsProvider(profile="no-such-profile").check_access("us-east-1")
