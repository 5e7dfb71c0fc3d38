"""KMS keys and aliases against a real moto server; recorded answers for what moto cannot
serve: AWS managed keys (moto reports every key as ``CUSTOMER`` managed), rotation periods
(moto never returns ``RotationPeriodInDays``), aliases without a target key, and a key
deleted mid-scan.

Expected attributes are those terraform-provider-aws 5.100.0 stored for the same objects
when it applied them to moto.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftScope
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    observed,
    recorded_aws,
    scan,
    state_resource,
)
from tests.integration.providers.aws.test_dynamodb import JsonAnswer, recorded_json_aws

Boto = Callable[..., Any]

KEY = "aws_kms_key"
ALIAS = "aws_kms_alias"
OTHER_REGION = "eu-west-1"

#: What a recorded KMS answer function gives: the document, or (HTTP status, document).
Document = Mapping[str, Any] | tuple[int, Mapping[str, Any]]


def minified(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def test_customer_keys_are_listed_with_policy_rotation_and_tags(boto: Boto) -> None:
    kms = boto("kms")
    key = kms.create_key(
        Description="orders",
        KeyUsage="ENCRYPT_DECRYPT",
        Tags=[{"TagKey": "env", "TagValue": "prod"}],
    )["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]

    outcomes = scan([REGION], [KEY])

    found = observed(outcomes[(KEY, REGION)])[key["KeyId"]]
    assert (found.type, found.region, found.account, found.is_default) == (
        KEY,
        REGION,
        ACCOUNT,
        False,
    )
    assert found.attributes == {
        "id": key["KeyId"],
        "key_id": key["KeyId"],
        "arn": key["Arn"],
        "description": "orders",
        "key_usage": "ENCRYPT_DECRYPT",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "is_enabled": True,
        "enable_key_rotation": True,
        # moto leaves RotationPeriodInDays out; see the recorded answers below.
        "rotation_period_in_days": 0,
        "multi_region": False,
        "custom_key_store_id": "",
        "xks_key_id": "",
        "policy": minified(policy),
        "tags": {"env": "prod"},
        "key_manager": "CUSTOMER",
    }


def test_keys_pending_deletion_and_multi_region_replicas_are_not_aws_kms_keys(
    boto: Boto,
) -> None:
    kms = boto("kms")
    kept = kms.create_key(Description="kept")["KeyMetadata"]["KeyId"]
    doomed = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    primary = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    kms.replicate_key(KeyId=primary, ReplicaRegion=OTHER_REGION)
    disabled = kms.create_key(Description="off")["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)

    # Two scans, home region first: moto's DescribeKey of a replica turns its primary
    # into a replica too (one shared object), which real KMS does not.
    home = scan([REGION], [KEY])
    other = scan([OTHER_REGION], [KEY])

    keys = observed(home[(KEY, REGION)])
    assert set(keys) == {kept, primary, disabled}
    assert keys[primary].attributes["multi_region"] is True
    assert keys[disabled].attributes["is_enabled"] is False
    # The replica is an aws_kms_replica_key, which driftmgr does not list as a key.
    assert observed(other[(KEY, OTHER_REGION)]) == {}


def test_aliases_are_keyed_by_name_and_aws_managed_ones_are_flagged_as_cloud_created(
    boto: Boto,
) -> None:
    kms = boto("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key["KeyId"])

    aliases = observed(scan([REGION], [ALIAS])[(ALIAS, REGION)])

    assert aliases["alias/orders"].attributes == {
        "id": "alias/orders",
        "name": "alias/orders",
        "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/orders",
        "target_key_id": key["KeyId"],
        "target_key_arn": key["Arn"],
    }
    assert aliases["alias/orders"].is_default is False
    aws_managed = {name for name in aliases if name.startswith("alias/aws/")}
    assert "alias/aws/s3" in aws_managed
    assert all(aliases[name].is_default for name in aws_managed)


def test_the_rotation_status_is_asked_only_for_keys_with_key_material_from_kms(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kms = boto("kms")
    imported = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    kms.create_key()

    with recorded_aws(monkeypatch, upstream=aws) as counted:
        keys = observed(scan([REGION], [KEY])[(KEY, REGION)])

    assert keys[imported].attributes["enable_key_rotation"] is False
    assert keys[imported].attributes["rotation_period_in_days"] == 0
    calls = counted.calls()
    assert calls["DescribeKey"] == 2
    assert calls["GetKeyRotationStatus"] == 1


# --- recorded answers -----------------------------------------------------------------------

AWS_KEY = "0f3c8d4e-9a1b-4c2d-8e7f-6a5b4c3d2e1f"
CUSTOMER_KEY = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
GONE_KEY = "2b3c4d5e-6f7a-4b9c-8d0e-2f3a4b5c6d7e"


def key_arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def key_metadata(key_id: str, manager: str, description: str) -> dict[str, Any]:
    return {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": key_arn(key_id),
        "CreationDate": 1735689600.0,
        "Enabled": True,
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": manager,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }


AWS_KEY_POLICY = {
    "Version": "2012-10-17",
    "Id": "auto-s3-2",
    "Statement": [
        {
            "Sid": "Allow access through S3 for all principals in the account",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": ACCOUNT,
                    "kms:ViaService": f"s3.{REGION}.amazonaws.com",
                }
            },
        }
    ],
}
CUSTOMER_KEY_POLICY = {
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def described(body: Mapping[str, Any]) -> Document:
    key_id = body["KeyId"]
    if key_id == GONE_KEY:
        return 400, {
            "__type": "NotFoundException",
            "message": f"Key '{key_arn(key_id)}' does not exist",
        }
    if key_id == AWS_KEY:
        return {
            "KeyMetadata": key_metadata(
                AWS_KEY,
                "AWS",
                "Default key that protects my S3 objects when no other key is defined",
            )
        }
    return {"KeyMetadata": key_metadata(CUSTOMER_KEY, "CUSTOMER", "orders")}


def key_policy(body: Mapping[str, Any]) -> Document:
    policy = AWS_KEY_POLICY if body["KeyId"] == AWS_KEY else CUSTOMER_KEY_POLICY
    return {"Policy": json.dumps(policy, indent=2), "PolicyName": "default"}


def rotation(body: Mapping[str, Any]) -> Document:
    period = 365 if body["KeyId"] == AWS_KEY else 180
    return {
        "KeyId": key_arn(body["KeyId"]),
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": period,
    }


def resource_tags(body: Mapping[str, Any]) -> Document:
    if body["KeyId"] == AWS_KEY:
        return {"Tags": [], "Truncated": False}
    return {"Tags": [{"TagKey": "env", "TagValue": "prod"}], "Truncated": False}


RECORDED_KMS: dict[str, JsonAnswer] = {
    "ListKeys": {
        "Keys": [{"KeyId": k, "KeyArn": key_arn(k)} for k in (AWS_KEY, CUSTOMER_KEY, GONE_KEY)],
        "Truncated": False,
    },
    "DescribeKey": described,
    "GetKeyPolicy": key_policy,
    "GetKeyRotationStatus": rotation,
    "ListResourceTags": resource_tags,
    "ListAliases": {
        "Aliases": [
            {
                "AliasName": "alias/aws/s3",
                "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3",
                "TargetKeyId": AWS_KEY,
                "CreationDate": 1735689600.0,
                "LastUpdatedDate": 1735689600.0,
            },
            # AWS managed aliases exist before their key does: no target yet.
            {
                "AliasName": "alias/aws/rds",
                "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/rds",
            },
        ],
        "Truncated": False,
    },
}


def test_aws_managed_keys_rotation_periods_and_untargeted_aliases_from_recorded_answers(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_json_aws(monkeypatch, "kms", RECORDED_KMS) as server:
        outcomes = scan([REGION], [KEY, ALIAS])

    keys = observed(outcomes[(KEY, REGION)])
    assert set(keys) == {AWS_KEY, CUSTOMER_KEY}  # the third was deleted after the listing
    aws_key = keys[AWS_KEY]
    assert aws_key.is_default is True
    assert aws_key.attributes["key_manager"] == "AWS"
    assert aws_key.attributes["rotation_period_in_days"] == 365
    assert aws_key.attributes["policy"] == minified(AWS_KEY_POLICY)
    customer = keys[CUSTOMER_KEY]
    assert customer.is_default is False
    assert customer.attributes["enable_key_rotation"] is True
    assert customer.attributes["rotation_period_in_days"] == 180
    assert customer.attributes["tags"] == {"env": "prod"}
    assert customer.account == ACCOUNT

    aliases = observed(outcomes[(ALIAS, REGION)])
    assert aliases["alias/aws/s3"].attributes["target_key_arn"] == key_arn(AWS_KEY)
    assert aliases["alias/aws/rds"].attributes == {
        "id": "alias/aws/rds",
        "name": "alias/aws/rds",
        "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/rds",
        "target_key_id": "",
        "target_key_arn": "",
    }
    assert all(alias.is_default for alias in aliases.values())
    calls = server.calls()
    assert calls["DescribeKey"] == 3
    assert calls["GetKeyPolicy"] == calls["GetKeyRotationStatus"] == calls["ListResourceTags"] == 2


# --- against the domain rules ---------------------------------------------------------------


def test_keys_and_aliases_match_what_provider_5_100_stored_for_them(boto: Boto) -> None:
    kms = boto("kms")
    key = kms.create_key(Description="gt key", Tags=[{"TagKey": "env", "TagValue": "gt"}])[
        "KeyMetadata"
    ]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName="alias/gt", TargetKeyId=key["KeyId"])
    policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    # As terraform-provider-aws 5.100.0 wrote them to its state.
    state = [
        state_resource(
            KEY,
            "k",
            {
                "id": key["KeyId"],
                "key_id": key["KeyId"],
                "arn": key["Arn"],
                "bypass_policy_lockout_safety_check": False,
                "custom_key_store_id": "",
                "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                "deletion_window_in_days": None,
                "description": "gt key",
                "enable_key_rotation": True,
                "is_enabled": True,
                "key_usage": "ENCRYPT_DECRYPT",
                "multi_region": False,
                "policy": minified(policy),
                "rotation_period_in_days": 0,
                "tags": {"env": "gt"},
                "tags_all": {"env": "gt"},
                "xks_key_id": "",
            },
        ),
        state_resource(
            ALIAS,
            "k",
            {
                "id": "alias/gt",
                "name": "alias/gt",
                "name_prefix": "",
                "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/gt",
                "target_key_arn": key["Arn"],
                "target_key_id": key["KeyId"],
            },
        ),
    ]

    findings = detect_drift(
        state,
        scan([REGION], [KEY, ALIAS]).values(),
        DriftScope(providers=["aws"], regions=[REGION]),
    )

    assert findings.items == []
    assert findings.summary.in_sync == 2
