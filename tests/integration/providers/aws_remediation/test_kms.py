"""A KMS key against moto: description, enabled state and rotation, key policy."""

from __future__ import annotations

import json

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import Boto, Subject, operations, round_trip


def key_policy(principal: str) -> str:
    statement = {
        "Sid": "owner",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::123456789012:{principal}"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_a_keys_description_state_rotation_and_policy_go_back(
    boto: Boto, remediator: AwsRemediator
) -> None:
    kms = boto("kms")
    key = kms.create_key(Description="orders", Policy=key_policy("root"))["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key)

    def drift() -> None:
        kms.update_key_description(KeyId=key, Description="changed by hand")
        kms.disable_key_rotation(KeyId=key)
        kms.disable_key(KeyId=key)
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=key_policy("user/mallory"))

    attributes = ("description", "is_enabled", "enable_key_rotation", "policy")
    [(calls, back)] = round_trip(remediator, [Subject("aws_kms_key", key, attributes)], drift)

    # Rotation changes only while the key is enabled: enabled first, disabled last.
    assert operations(calls) == [
        "update_key_description",
        "enable_key",
        "enable_key_rotation",
        "put_key_policy",
    ]
    assert operations(back) == [
        "update_key_description",
        "disable_key_rotation",
        "disable_key",
        "put_key_policy",
    ]
