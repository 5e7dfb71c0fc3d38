"""Bucket settings against moto: inline on ``aws_s3_bucket`` and as their own resources."""

from __future__ import annotations

import json
from typing import Any

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto, Subject, operations, round_trip

INLINE = "inline-settings"
OWN = "own-settings"
KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


def policy(bucket: str, action: str) -> str:
    statement = {
        "Sid": "read",
        "Effect": "Allow",
        "Principal": "*",
        "Action": action,
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def encryption(algorithm: str, **extra: Any) -> dict[str, Any]:
    default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": KEY} if extra else {})}
    rule = {"ApplyServerSideEncryptionByDefault": default, **extra}
    return {"Rules": [rule]}


def public_access(**flags: bool) -> dict[str, bool]:
    names = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    return {name: flags.get(name, True) for name in names}


def test_bucket_settings_go_back_inline_and_as_their_own_resources(
    boto: Boto, remediator: AwsRemediator
) -> None:
    s3 = boto("s3")
    for bucket in (INLINE, OWN):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=INLINE, ServerSideEncryptionConfiguration=encryption("AES256"))
    s3.put_bucket_encryption(
        Bucket=OWN, ServerSideEncryptionConfiguration=encryption("aws:kms", BucketKeyEnabled=True)
    )
    s3.put_bucket_policy(Bucket=OWN, Policy=policy(OWN, "s3:GetObject"))
    s3.put_public_access_block(Bucket=OWN, PublicAccessBlockConfiguration=public_access())

    def drift() -> None:
        for bucket in (INLINE, OWN):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        s3.put_bucket_encryption(
            Bucket=INLINE,
            ServerSideEncryptionConfiguration=encryption("aws:kms", BucketKeyEnabled=True),
        )
        s3.put_bucket_encryption(Bucket=OWN, ServerSideEncryptionConfiguration=encryption("AES256"))
        s3.put_bucket_policy(Bucket=INLINE, Policy=policy(INLINE, "s3:*"))
        s3.put_bucket_tagging(Bucket=INLINE, Tagging={"TagSet": [{"Key": "team", "Value": "x"}]})
        s3.put_bucket_policy(Bucket=OWN, Policy=policy(OWN, "s3:*"))
        s3.put_public_access_block(
            Bucket=OWN,
            PublicAccessBlockConfiguration=public_access(
                BlockPublicPolicy=False, RestrictPublicBuckets=False
            ),
        )

    inline = ("versioning", "server_side_encryption_configuration", "policy", "tags")
    subjects = [
        Subject("aws_s3_bucket", INLINE, inline),
        Subject("aws_s3_bucket_versioning", OWN, ("versioning_configuration",)),
        Subject("aws_s3_bucket_server_side_encryption_configuration", OWN, ("rule",)),
        Subject(
            "aws_s3_bucket_public_access_block",
            OWN,
            ("block_public_policy", "restrict_public_buckets"),
        ),
        Subject("aws_s3_bucket_policy", OWN, ("policy",)),
    ]
    results = round_trip(remediator, subjects, drift)

    (bucket, back), (versioning, _), (rule, _), (block, _), (own_policy, _) = results
    # No policy and no tags are what the state says: the drifted ones are deleted (S3
    # refuses an empty tag set).
    assert operations(bucket) == [
        "delete_bucket_tagging",
        "put_bucket_versioning",
        "put_bucket_encryption",
        "delete_bucket_policy",
    ]
    assert operations(back) == [
        "put_bucket_tagging",
        "put_bucket_versioning",
        "put_bucket_encryption",
        "put_bucket_policy",
    ]
    assert bucket[1].params["VersioningConfiguration"] == {"Status": "Enabled"}
    assert back[1].params["VersioningConfiguration"] == {"Status": "Suspended"}
    assert versioning[0].params["VersioningConfiguration"] == {"Status": "Enabled"}
    assert rule[0].params["ServerSideEncryptionConfiguration"] == encryption(
        "aws:kms", BucketKeyEnabled=True
    )
    # The whole configuration in one call: the flags nobody changed as they are.
    assert block[0].params["PublicAccessBlockConfiguration"] == public_access()
    assert json.loads(own_policy[0].params["Policy"])["Statement"][0]["Action"] == "s3:GetObject"
