"""S3 buckets and their settings against a real moto server (recorded answers for a bucket
deleted mid-scan, which moto cannot stage).

Expected attributes are those terraform-provider-aws 5.100.0 stored for the same objects
when it applied them to moto (``aws_s3_bucket`` and the four setting resources).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from driftmgr.adapters.providers.aws import AwsProvider
from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftScope
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Params,
    observed,
    recorded_aws,
    scan,
    state_resource,
)

Boto = Callable[..., Any]

BUCKET = "aws_s3_bucket"
VERSIONING = "aws_s3_bucket_versioning"
ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
BLOCK = "aws_s3_bucket_public_access_block"
POLICY = "aws_s3_bucket_policy"
S3_TYPES = [BUCKET, VERSIONING, ENCRYPTION, BLOCK, POLICY]


def read_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def minified(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def owner_grant(s3: Any, bucket: str) -> dict[str, Any]:
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    return {"type": "CanonicalUser", "id": owner, "uri": "", "permissions": ["FULL_CONTROL"]}


def seed_configured_bucket(s3: Any, kms_key_arn: str) -> None:
    s3.create_bucket(Bucket="configured")
    s3.put_bucket_tagging(
        Bucket="configured", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]}
    )
    s3.put_bucket_versioning(Bucket="configured", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket="configured", Policy=json.dumps(read_policy("configured")))
    s3.put_bucket_encryption(
        Bucket="configured",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": kms_key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="configured",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


# --- the bucket -----------------------------------------------------------------------------


def test_a_bucket_reports_the_settings_the_provider_still_reads_into_it(boto: Boto) -> None:
    s3 = boto("s3")
    key_arn = boto("kms").create_key()["KeyMetadata"]["Arn"]
    seed_configured_bucket(s3, key_arn)

    outcome = scan([REGION], [BUCKET])[(BUCKET, REGION)]

    bucket = observed(outcome)["configured"]
    assert (bucket.type, bucket.region, bucket.account, bucket.is_default) == (
        BUCKET,
        REGION,
        ACCOUNT,
        False,
    )
    assert bucket.attributes == {
        "id": "configured",
        "bucket": "configured",
        "arn": "arn:aws:s3:::configured",
        "region": REGION,
        "bucket_domain_name": "configured.s3.amazonaws.com",
        "bucket_regional_domain_name": f"configured.s3.{REGION}.amazonaws.com",
        "tags": {"team": "data"},
        "policy": minified(read_policy("configured")),
        "versioning": [{"enabled": True, "mfa_delete": False}],
        "server_side_encryption_configuration": [
            {
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": [
                            {"kms_master_key_id": key_arn, "sse_algorithm": "aws:kms"}
                        ],
                        "bucket_key_enabled": True,
                    }
                ]
            }
        ],
        "grant": [owner_grant(s3, "configured")],
        "object_lock_enabled": False,
        "object_lock_configuration": [],
    }


def test_a_bucket_without_settings_reports_empty_values_rather_than_leaving_them_out(
    boto: Boto,
) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="plain-bucket")

    outcome = scan([REGION], [BUCKET])[(BUCKET, REGION)]

    attributes = observed(outcome)["plain-bucket"].attributes
    assert attributes["tags"] == {}
    assert attributes["policy"] == ""
    assert attributes["server_side_encryption_configuration"] == []
    assert attributes["versioning"] == [{"enabled": False, "mfa_delete": False}]
    assert attributes["object_lock_enabled"] is False
    assert attributes["object_lock_configuration"] == []
    assert attributes["grant"] == [owner_grant(s3, "plain-bucket")]


def test_object_lock_and_its_default_retention_are_read_as_the_provider_flattens_them(
    boto: Boto,
) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="locked",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 3}},
        },
    )

    attributes = observed(scan([REGION], [BUCKET])[(BUCKET, REGION)])["locked"].attributes

    assert attributes["object_lock_enabled"] is True
    assert attributes["object_lock_configuration"] == [
        {
            "object_lock_enabled": "Enabled",
            "rule": [{"default_retention": [{"mode": "GOVERNANCE", "days": 3, "years": 0}]}],
        }
    ]


def test_buckets_are_listed_in_their_own_region_only(boto: Boto) -> None:
    boto("s3").create_bucket(Bucket="logs-us")
    boto("s3", "eu-west-1").create_bucket(
        Bucket="logs-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )

    outcomes = scan([REGION, "eu-west-1"], [BUCKET, VERSIONING])

    assert set(observed(outcomes[(BUCKET, REGION)])) == {"logs-us"}
    eu = observed(outcomes[(BUCKET, "eu-west-1")])["logs-eu"]
    assert eu.attributes["region"] == "eu-west-1"
    assert eu.attributes["bucket_regional_domain_name"] == "logs-eu.s3.eu-west-1.amazonaws.com"


# --- the setting resources ------------------------------------------------------------------


def test_each_setting_is_a_resource_of_its_own_only_where_the_bucket_has_it(boto: Boto) -> None:
    s3 = boto("s3")
    key_arn = boto("kms").create_key()["KeyMetadata"]["Arn"]
    seed_configured_bucket(s3, key_arn)
    s3.create_bucket(Bucket="plain-bucket")
    s3.create_bucket(Bucket="suspended")
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})

    outcomes = scan([REGION], S3_TYPES)

    versionings = observed(outcomes[(VERSIONING, REGION)])
    assert {k: v.attributes for k, v in versionings.items()} == {
        "configured": {
            "id": "configured",
            "bucket": "configured",
            "versioning_configuration": [{"status": "Enabled", "mfa_delete": ""}],
        },
        "suspended": {
            "id": "suspended",
            "bucket": "suspended",
            "versioning_configuration": [{"status": "Suspended", "mfa_delete": ""}],
        },
    }
    (encryption,) = observed(outcomes[(ENCRYPTION, REGION)]).values()
    assert encryption.attributes == {
        "id": "configured",
        "bucket": "configured",
        "rule": [
            {
                "apply_server_side_encryption_by_default": [
                    {"kms_master_key_id": key_arn, "sse_algorithm": "aws:kms"}
                ],
                "bucket_key_enabled": True,
            }
        ],
    }
    assert encryption.is_default is False
    (block,) = observed(outcomes[(BLOCK, REGION)]).values()
    assert block.attributes == {
        "id": "configured",
        "bucket": "configured",
        "block_public_acls": True,
        "block_public_policy": False,
        "ignore_public_acls": True,
        "restrict_public_buckets": False,
    }
    assert block.is_default is False
    (policy,) = observed(outcomes[(POLICY, REGION)]).values()
    assert policy.attributes == {
        "id": "configured",
        "bucket": "configured",
        "policy": minified(read_policy("configured")),
    }
    assert all(r.type == t for t in S3_TYPES for r in outcomes[(t, REGION)].resources)


def test_sse_s3_encryption_and_a_uniform_public_access_block_are_flagged_as_cloud_defaults(
    boto: Boto,
) -> None:
    s3 = boto("s3")
    for name in ("all-on", "mixed"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    s3.put_public_access_block(
        Bucket="all-on", PublicAccessBlockConfiguration=dict.fromkeys(flags, True)
    )
    s3.put_public_access_block(
        Bucket="mixed", PublicAccessBlockConfiguration={"BlockPublicAcls": True}
    )

    outcomes = scan([REGION], [ENCRYPTION, BLOCK])

    encryptions = observed(outcomes[(ENCRYPTION, REGION)])
    assert encryptions["all-on"].attributes["rule"] == [
        {
            "apply_server_side_encryption_by_default": [
                {"kms_master_key_id": "", "sse_algorithm": "AES256"}
            ],
            "bucket_key_enabled": False,
        }
    ]
    assert all(e.is_default for e in encryptions.values())
    blocks = observed(outcomes[(BLOCK, REGION)])
    assert blocks["all-on"].is_default is True
    assert blocks["mixed"].is_default is False


def test_each_bucket_setting_is_read_once_per_scan_however_many_types_use_it(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto("s3")
    key_arn = boto("kms").create_key()["KeyMetadata"]["Arn"]
    seed_configured_bucket(s3, key_arn)
    s3.create_bucket(Bucket="plain-bucket")

    with recorded_aws(monkeypatch, upstream=aws) as counted:
        outcomes = scan([REGION], S3_TYPES)

    assert all(o.observed for o in outcomes.values())
    for bucket in ("configured", "plain-bucket"):
        settings = [next(iter(params)) for params in counted.params_of(f"GET /{bucket}") if params]
        assert sorted(settings) == [
            "acl",
            "encryption",
            "location",
            "object-lock",
            "policy",
            "publicAccessBlock",
            "tagging",
            "versioning",
        ]


# --- failures -------------------------------------------------------------------------------


@pytest.fixture
def deny_bucket_policy_reads(
    aws: str, boto: Boto, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], None]]:
    """Switch to a user who may read everything in S3 but bucket policies.

    moto enforces IAM policies once ``/moto-api/reset-auth`` is set; the server is shared by
    the session, so enforcement is switched off again whatever the test does.
    """

    def switch() -> None:
        iam = boto("iam")
        iam.create_user(UserName="reader")
        statements = [
            {"Effect": "Allow", "Action": ["s3:*", "sts:GetCallerIdentity"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetBucketPolicy", "Resource": "*"},
        ]
        iam.put_user_policy(
            UserName="reader",
            PolicyName="no-policies",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        httpx.post(f"{aws}/moto-api/reset-auth", content=b"0", timeout=10).raise_for_status()

    try:
        yield switch
    finally:
        httpx.post(f"{aws}/moto-api/reset-auth", content=b"inf", timeout=10).raise_for_status()


def test_a_setting_that_cannot_be_read_leaves_its_types_unobserved_instead_of_empty(
    boto: Boto, deny_bucket_policy_reads: Callable[[], None]
) -> None:
    boto("s3").create_bucket(Bucket="guarded")
    deny_bucket_policy_reads()

    outcomes = scan([REGION], [BUCKET, POLICY, VERSIONING], AwsProvider(max_attempts=1))

    for type_ in (BUCKET, POLICY):
        outcome = outcomes[(type_, REGION)]
        assert outcome.resources == []
        assert outcome.unobserved_reason is not None
        assert outcome.unobserved_reason.startswith("access denied: AccessDenied"), type_
    # Versioning needs no policy read: still observed, bucket and all.
    assert set(observed(outcomes[(VERSIONING, REGION)])) == set()
    assert outcomes[(VERSIONING, REGION)].observed


NO_SUCH_BUCKET = """<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>
<BucketName>doomed</BucketName><RequestId>4442587FB7D0A2F9</RequestId>
<HostId>nZxS4y1mSBOLu4BPz2pNmWzw/GTWVOm9B7E=</HostId></Error>"""


def deleted_after_its_location_was_read(params: Params) -> str | tuple[int, str]:
    if "location" in params:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint '
            'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'
        )
    return 404, NO_SUCH_BUCKET


def test_a_bucket_deleted_while_its_settings_are_read_is_gone_not_unobserved(
    boto: Boto, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="doomed")
    s3.create_bucket(Bucket="kept")

    with recorded_aws(monkeypatch, {"GET /doomed": deleted_after_its_location_was_read}):
        outcomes = scan([REGION], S3_TYPES)

    assert set(observed(outcomes[(BUCKET, REGION)])) == {"kept"}
    assert all(o.observed for o in outcomes.values())


# --- against the domain rules ---------------------------------------------------------------


def test_buckets_and_settings_match_what_provider_5_100_stored_for_them(boto: Boto) -> None:
    s3 = boto("s3")
    key_arn = boto("kms").create_key()["KeyMetadata"]["Arn"]
    seed_configured_bucket(s3, key_arn)
    policy = minified(read_policy("configured"))
    rule = {
        "apply_server_side_encryption_by_default": [
            {"kms_master_key_id": key_arn, "sse_algorithm": "aws:kms"}
        ],
        "bucket_key_enabled": True,
    }
    # Attribute values as terraform-provider-aws 5.100.0 wrote them to its state.
    state = [
        state_resource(
            BUCKET,
            "configured",
            {
                "id": "configured",
                "bucket": "configured",
                "acl": None,
                "force_destroy": False,
                "grant": [owner_grant(s3, "configured")],
                "object_lock_enabled": False,
                "object_lock_configuration": [],
                "policy": policy,
                "region": REGION,
                "request_payer": "",
                "server_side_encryption_configuration": [{"rule": [rule]}],
                "tags": {"team": "data"},
                "tags_all": {"team": "data"},
                "versioning": [{"enabled": True, "mfa_delete": False}],
            },
        ),
        state_resource(
            VERSIONING,
            "configured",
            {
                "id": "configured",
                "bucket": "configured",
                "expected_bucket_owner": "",
                "mfa": None,
                "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}],
            },
        ),
        state_resource(
            ENCRYPTION,
            "configured",
            {
                "id": "configured",
                "bucket": "configured",
                "expected_bucket_owner": "",
                "rule": [rule],
            },
        ),
        state_resource(
            BLOCK,
            "configured",
            {
                "id": "configured",
                "bucket": "configured",
                "block_public_acls": True,
                "block_public_policy": False,
                "ignore_public_acls": True,
                "restrict_public_buckets": False,
            },
        ),
        state_resource(
            POLICY, "configured", {"id": "configured", "bucket": "configured", "policy": policy}
        ),
    ]

    findings = detect_drift(
        state, scan([REGION], S3_TYPES).values(), DriftScope(providers=["aws"], regions=[REGION])
    )

    assert findings.items == []
    assert findings.summary.in_sync == 5
