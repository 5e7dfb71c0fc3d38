"""Deletion of every type driftmgr deletes, against moto; a guard that refuses."""

from __future__ import annotations

import json

import pytest

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from driftmgr.adapters.providers.aws.remediation.registry import DELETIONS
from driftmgr.adapters.providers.base import RemediationCallError
from driftmgr.domain.remediation import ApiCall
from tests.integration.providers.aws_remediation import (
    REGION,
    TRUST,
    Boto,
    function,
    launch,
    listed,
    operations,
    run,
    target_of,
)

READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def delete_all(remediator: AwsRemediator, doomed: dict[str, str]) -> dict[str, list[ApiCall]]:
    """Plan the deletion of every ``type: id`` from one listing, make the calls, and check
    that none is listed any more; the calls by type."""
    before = listed(doomed)
    planned = {
        t: remediator.delete_calls(target_of(before[t, i]), before[t, i].attributes)
        for t, i in doomed.items()
    }
    for calls in planned.values():
        run(remediator, calls)
    after = listed(doomed)
    assert [(t, i) for t, i in doomed.items() if (t, i) in after] == []
    assert {c.region for calls in planned.values() for c in calls} == {REGION}
    return planned


#: Deletions are split in two tests, so that they run side by side.
EC2_AND_S3 = {
    "aws_instance",
    "aws_security_group",
    "aws_s3_bucket",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
}
OTHERS = {
    "aws_iam_role",
    "aws_lambda_function",
    "aws_kms_key",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_cloudwatch_log_group",
}


def test_every_deletable_type_has_a_test() -> None:
    assert set(DELETIONS) == EC2_AND_S3 | OTHERS


def test_instances_groups_buckets_and_bucket_settings_are_deleted(
    boto: Boto, remediator: AwsRemediator
) -> None:
    ec2, s3 = boto("ec2"), boto("s3")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="old", Description="old", VpcId=vpc)["GroupId"]
    s3.create_bucket(Bucket="empty-bucket")
    s3.create_bucket(Bucket="configured")
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": "arn:aws:s3:::configured/*",
    }
    s3.put_bucket_policy(
        Bucket="configured",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    s3.put_public_access_block(
        Bucket="configured",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket="configured",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    doomed = {
        "aws_instance": launch(ec2),
        "aws_security_group": group,
        "aws_s3_bucket": "empty-bucket",
        "aws_s3_bucket_policy": "configured",
        "aws_s3_bucket_public_access_block": "configured",
        "aws_s3_bucket_server_side_encryption_configuration": "configured",
    }
    assert set(doomed) == EC2_AND_S3

    planned = delete_all(remediator, doomed)

    assert planned["aws_s3_bucket"][0].guard == "the bucket is empty"


def test_roles_functions_keys_queues_topics_and_log_groups_are_deleted(
    boto: Boto, remediator: AwsRemediator
) -> None:
    iam = boto("iam")
    iam.create_role(RoleName="legacy", AssumeRolePolicyDocument=TRUST)
    policy = iam.create_policy(PolicyName="legacy", PolicyDocument=READ)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="legacy", PolicyArn=policy)
    iam.put_role_policy(RoleName="legacy", PolicyName="inline", PolicyDocument=READ)
    function(boto, "old-worker")
    key = boto("kms").create_key(Description="old")["KeyMetadata"]["KeyId"]
    boto("sqs").create_queue(QueueName="old")
    topic = boto("sns").create_topic(Name="old")["TopicArn"]
    boto("logs").create_log_group(logGroupName="/old")
    doomed = {
        "aws_iam_role": "legacy",
        "aws_lambda_function": "old-worker",
        "aws_kms_key": key,
        "aws_sqs_queue": "123456789012/old",
        "aws_sns_topic": topic,
        "aws_cloudwatch_log_group": "/old",
    }
    assert set(doomed) == OTHERS

    planned = delete_all(remediator, doomed)

    # IAM refuses to delete a role that still has policies.
    assert operations(planned["aws_iam_role"]) == [
        "detach_role_policy",
        "delete_role_policy",
        "delete_role",
    ]
    # A key is scheduled for deletion after the longest waiting period, never deleted at once.
    assert planned["aws_kms_key"][0].params["PendingWindowInDays"] == 30
    assert boto("kms").describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_a_bucket_holding_an_object_is_not_deleted(boto: Boto, remediator: AwsRemediator) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="holds-data")
    live = listed(["aws_s3_bucket"])["aws_s3_bucket", "holds-data"]
    # Empty when planned; written to before the call: the guard checks again.
    calls = remediator.delete_calls(target_of(live), live.attributes)
    s3.put_object(Bucket="holds-data", Key="report.csv", Body=b"1,2,3")

    with pytest.raises(RemediationCallError, match="refused: the bucket is not empty"):
        run(remediator, calls)

    assert s3.head_object(Bucket="holds-data", Key="report.csv")["ContentLength"] == 5
