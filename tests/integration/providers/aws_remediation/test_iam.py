"""An IAM role against moto: trust policy, settings, boundary, managed and inline policies."""

from __future__ import annotations

import json

from driftmgr.adapters.providers.aws.remediation import AwsRemediator
from tests.integration.providers.aws_remediation import (
    TRUST,
    Boto,
    Subject,
    operations,
    round_trip,
)


def document(action: str) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_a_roles_policies_and_settings_go_back(boto: Boto, remediator: AwsRemediator) -> None:
    iam = boto("iam")
    read, write, boundary = (
        iam.create_policy(PolicyName=name, PolicyDocument=document(f"s3:{name}*"))["Policy"]["Arn"]
        for name in ("Get", "Put", "List")
    )
    iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=TRUST,
        Description="runs the app",
        PermissionsBoundary=boundary,
    )
    iam.attach_role_policy(RoleName="app", PolicyArn=read)
    iam.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=document("logs:*"))

    def drift() -> None:
        iam.update_assume_role_policy(
            RoleName="app",
            PolicyDocument=TRUST.replace("lambda.amazonaws.com", "ec2.amazonaws.com"),
        )
        iam.update_role(RoleName="app", Description="changed by hand", MaxSessionDuration=7200)
        iam.delete_role_permissions_boundary(RoleName="app")
        iam.detach_role_policy(RoleName="app", PolicyArn=read)
        iam.attach_role_policy(RoleName="app", PolicyArn=write)
        iam.delete_role_policy(RoleName="app", PolicyName="logs")
        iam.put_role_policy(RoleName="app", PolicyName="admin", PolicyDocument=document("*"))

    attributes = (
        "assume_role_policy",
        "description",
        "max_session_duration",
        "permissions_boundary",
        "managed_policy_arns",
        "inline_policy",
    )
    [(calls, back)] = round_trip(remediator, [Subject("aws_iam_role", "app", attributes)], drift)

    assert operations(calls) == [
        "update_assume_role_policy",
        "update_role",
        "put_role_permissions_boundary",
        "detach_role_policy",
        "attach_role_policy",
        "delete_role_policy",
        "put_role_policy",
    ]
    assert operations(back)[2] == "delete_role_permissions_boundary"
    # Only what differs is detached and attached: policies nobody changed stay attached.
    assert [c.params["PolicyArn"] for c in calls[3:5]] == [write, read]
    # IAM is global: its calls go to the partition's home region.
    assert {c.region for c in calls + back} == {"us-east-1"}
