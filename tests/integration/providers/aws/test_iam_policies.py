"""IAM inline policies of roles, users and groups against a real moto server.

Expected attributes are those terraform-provider-aws 5.x stores for ``aws_iam_role_policy``,
``aws_iam_user_policy`` and ``aws_iam_group_policy``: id ``principal:name``, the document
minified with sorted keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.drift.rules import rules_for
from driftmgr.domain.resources import GLOBAL_REGION
from tests.integration.providers.aws import REGION, observed, scan, state_resource

Boto = Callable[..., Any]

ROLE = "aws_iam_role"
ROLE_POLICY = "aws_iam_role_policy"
USER_POLICY = "aws_iam_user_policy"
GROUP_POLICY = "aws_iam_group_policy"
TYPES = [ROLE_POLICY, USER_POLICY, GROUP_POLICY]
SCOPE = DriftScope(providers=["aws"], regions=[REGION])

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def document(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [action], "Resource": "*"}],
    }


def minified(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def seed(iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(
        RoleName="app", PolicyName="read", PolicyDocument=json.dumps(document("s3:GetObject"))
    )
    iam.put_role_policy(
        RoleName="app", PolicyName="write", PolicyDocument=json.dumps(document("s3:PutObject"))
    )
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="logs", PolicyDocument=json.dumps(document("logs:Get*"))
    )
    iam.create_group(GroupName="ops")
    iam.put_group_policy(
        GroupName="ops", PolicyName="ec2", PolicyDocument=json.dumps(document("ec2:Describe*"))
    )


def test_inline_policies_are_listed_per_principal_with_provider_ids(boto: Boto) -> None:
    seed(boto("iam"))

    outcomes = scan([REGION], TYPES)

    roles = observed(outcomes[(ROLE_POLICY, GLOBAL_REGION)])
    assert {k: v.attributes for k, v in roles.items()} == {
        "app:read": {
            "id": "app:read",
            "role": "app",
            "name": "read",
            "policy": minified(document("s3:GetObject")),
        },
        "app:write": {
            "id": "app:write",
            "role": "app",
            "name": "write",
            "policy": minified(document("s3:PutObject")),
        },
    }
    (user,) = observed(outcomes[(USER_POLICY, GLOBAL_REGION)]).values()
    assert user.attributes == {
        "id": "alice:logs",
        "user": "alice",
        "name": "logs",
        "policy": minified(document("logs:Get*")),
    }
    (group,) = observed(outcomes[(GROUP_POLICY, GLOBAL_REGION)]).values()
    assert group.attributes == {
        "id": "ops:ec2",
        "group": "ops",
        "name": "ec2",
        "policy": minified(document("ec2:Describe*")),
    }
    assert all(r.region == GLOBAL_REGION and not r.is_default for r in roles.values())


def test_import_ids_are_principal_colon_name() -> None:
    assert rules_for(ROLE_POLICY).import_id == "{role}:{name}"
    assert rules_for(USER_POLICY).import_id == "{user}:{name}"
    assert rules_for(GROUP_POLICY).import_id == "{group}:{name}"


def _state() -> list[Any]:
    return [
        state_resource(
            ROLE_POLICY,
            "read",
            {
                "id": "app:read",
                "role": "app",
                "name": "read",
                "name_prefix": "",
                # As written in the configuration: formatting does not matter.
                "policy": json.dumps(document("s3:GetObject"), indent=2),
            },
        ),
        state_resource(
            USER_POLICY,
            "logs",
            {
                "id": "alice:logs",
                "user": "alice",
                "name": "logs",
                "policy": minified(document("logs:Get*")),
            },
        ),
        state_resource(
            GROUP_POLICY,
            "ec2",
            {
                "id": "ops:ec2",
                "group": "ops",
                "name": "ec2",
                "policy": minified(document("ec2:Describe*")),
            },
        ),
    ]


def test_inline_policies_read_back_unchanged_are_in_sync_and_edits_are_drift(boto: Boto) -> None:
    iam = boto("iam")
    seed(iam)
    # app:write is not in the state.
    findings = detect_drift(_state(), scan([REGION], TYPES).values(), SCOPE)
    assert [(i.kind, i.type, i.id) for i in findings.items] == [
        ("unmanaged", ROLE_POLICY, "app:write")
    ]
    assert findings.summary.in_sync == 3

    iam.put_user_policy(
        UserName="alice", PolicyName="logs", PolicyDocument=json.dumps(document("logs:*"))
    )
    iam.delete_group_policy(GroupName="ops", PolicyName="ec2")
    iam.delete_role_policy(RoleName="app", PolicyName="write")

    findings = detect_drift(_state(), scan([REGION], TYPES).values(), SCOPE)

    assert sorted((i.kind, i.type, i.id) for i in findings.items) == [
        ("missing", GROUP_POLICY, "ops:ec2"),
        ("modified", USER_POLICY, "alice:logs"),
    ]
    (modified,) = [i for i in findings.items if i.kind == "modified"]
    assert [c.path for c in modified.changes] == ["policy"]


def test_a_hand_made_policy_on_a_managed_role_is_the_roles_drift_not_unmanaged(
    boto: Boto,
) -> None:
    iam = boto("iam")
    seed(iam)
    role = observed(scan([REGION], [ROLE])[(ROLE, GLOBAL_REGION)])["app"].attributes
    state = [
        state_resource(
            ROLE,
            "app",
            {
                "id": "app",
                "name": "app",
                "assume_role_policy": minified(TRUST),
                "inline_policy": [p for p in role["inline_policy"] if p["name"] == "read"],
                "managed_policy_arns": [],
                "tags_all": {},
            },
        )
    ]

    findings = detect_drift(state, scan([REGION], [ROLE, ROLE_POLICY]).values(), SCOPE)

    assert [(i.kind, i.type, i.id) for i in findings.items] == [("modified", ROLE, "app")]
    assert [c.path for c in findings.items[0].changes] == ["inline_policy"]
