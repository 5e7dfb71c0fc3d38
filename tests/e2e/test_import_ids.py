"""Every unmanaged finding carries an id ``terraform import`` accepts, and the children AWS
makes with an object are never findings of their own.

Real Terraform applies ``tests/data/terraform/import_project`` (one VPC, and a provider
configured for every service below) to the moto server; boto3 then makes objects of many
types beside it, among them the ones whose import id is not their cloud id (a queue's URL,
``USER/POLICY_ARN``, ``ZONE_NAME_TYPE``, ``SUBNET/ROUTE_TABLE``). ``driftmgr drift detect``
reports them; ``driftmgr remediate codegen`` writes an ``import {}`` block for every
unmanaged finding with its ``import_id``, and real ``terraform plan`` must import each one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Ran
from tests.e2e.test_remediation import needs_terraform
from tests.support.terraform import TerraformProject

PROJECT = Path(__file__).resolve().parent.parent / "data" / "terraform" / "import_project"
REGION = "us-east-1"


def make_by_hand(boto: Callable[..., Any], vpc_id: str) -> dict[str, Any]:
    """Objects nobody manages; returns what the test needs to know of them."""
    ec2, iam, sqs, r53 = boto("ec2"), boto("iam"), boto("sqs"), boto("route53")
    kms, sns, logs, ddb, s3 = boto("kms"), boto("sns"), boto("logs"), boto("dynamodb"), boto("s3")

    queue_url = sqs.create_queue(QueueName="imp-queue")["QueueUrl"]
    policy = iam.create_policy(
        PolicyName="imp-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_user(UserName="imp-user")
    iam.attach_user_policy(UserName="imp-user", PolicyArn=policy)
    zone = r53.create_hosted_zone(Name="imp.example.com", CallerReference="imp")["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.imp.example.com",
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "10.40.0.10"}],
                    },
                }
            ]
        },
    )
    key = kms.create_key(Description="imp key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/imp", TargetKeyId=key)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = ec2.create_security_group(
        GroupName="imp-ssh", Description="made by hand", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.40.0.0/16"}],
            }
        ],
    )
    topic = sns.create_topic(Name="imp-topic")["TopicArn"]
    logs.create_log_group(logGroupName="imp-logs")
    ddb.create_table(
        TableName="imp-table",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket="imp-bucket")
    # An instance launched beside Terraform: one finding, the instance; its root volume (and
    # any launch-time volume, where the emulator makes them) is part of it.
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "DeleteOnTermination": True}}
        ],
    )["Instances"][0]["InstanceId"]
    volumes = [
        v["VolumeId"]
        for v in ec2.describe_volumes(
            Filters=[{"Name": "attachment.instance-id", "Values": [instance]}]
        )["Volumes"]
    ]
    return {
        "expected": {
            ("aws_sqs_queue", queue_url),
            ("aws_iam_policy", policy),
            ("aws_iam_user", "imp-user"),
            ("aws_iam_user_policy_attachment", f"imp-user/{policy}"),
            ("aws_route53_zone", zone_id),
            ("aws_route53_record", f"{zone_id}_www.imp.example.com_A"),
            ("aws_kms_key", key),
            ("aws_kms_alias", "alias/imp"),
            ("aws_subnet", subnet),
            ("aws_route_table", table),
            ("aws_route_table_association", f"{subnet}/{table}"),
            ("aws_security_group", group),
            ("aws_sns_topic", topic),
            ("aws_cloudwatch_log_group", "imp-logs"),
            ("aws_dynamodb_table", "imp-table"),
            ("aws_s3_bucket", "imp-bucket"),
            ("aws_instance", instance),
        },
        "volumes": volumes,
    }


@pytest.mark.slow
@pytest.mark.timeout(900)  # terraform apply, then a plan importing ~17 objects
@needs_terraform
def test_every_unmanaged_finding_imports_with_its_import_id(
    aws: str, boto: Callable[..., Any], driftmgr: Callable[..., Ran], tmp_path: Path
) -> None:
    project = TerraformProject(PROJECT, tmp_path / "terraform", aws)
    project.init_and_apply()
    made = make_by_hand(boto, project.ids()["aws_vpc.main"])

    detected = driftmgr(
        "drift", "detect", "--state", str(project.state_path), "--provider", "aws",
        "--region", REGION, "-o", "json",
    )  # fmt: skip
    assert detected.code == 2, detected.stderr
    unmanaged = [d for d in detected.report()["drifts"] if d["kind"] == "unmanaged"]
    found = {(d["type"], d["import_id"]) for d in unmanaged}
    assert all(d["id"] == d["import_id"] for d in unmanaged)
    assert made["expected"] <= found, sorted(made["expected"] - found)

    # Children stay with their parent: the instance's volumes are part of it.
    assert made["volumes"], "moto made no root volume"
    reported_ids = {d["cloud"]["id"] for d in unmanaged}
    assert not reported_ids & set(made["volumes"]), unmanaged

    # `driftmgr remediate codegen` writes an import block per unmanaged finding, with its
    # import_id, and the code terraform generates for it (fixed where generated code is
    # known to fail); real terraform plans every import, or says which id it refused.
    twin = project.copy(tmp_path / "with-imports")
    generated = driftmgr(
        "remediate", "codegen", detected.report()["run_id"], "--tf-dir", str(twin.dir),
        "--out", str(twin.dir), "-o", "json", timeout=900, env=twin.env,
    )  # fmt: skip
    assert generated.code == 0, generated.stdout + generated.stderr
    code = generated.json()
    assert code["problems"] == [], code["problems"]
    assert code["imports"] == len(unmanaged)
    said = twin.run("plan", "-input=false", "-no-color", "-lock=false", "-out=imports.plan")
    assert f"{len(unmanaged)} to import, 0 to add, 0 to change, 0 to destroy" in said, said
    shown = json.loads(twin.run("show", "-json", "-no-color", "imports.plan"))
    imported = {
        (c["type"], c["change"]["importing"]["id"])
        for c in shown["resource_changes"]
        if c["change"].get("importing")
    }
    assert imported == found
