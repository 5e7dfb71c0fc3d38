"""IAM roles, users, groups, policies, attachments and instance profiles against a real moto
server; recorded answers where moto falls short (a user's permissions boundary, which
moto's GetUser leaves out, and a user deleted mid-scan).

Expected attributes are those terraform-provider-aws 5.100.0 stored for the same objects
when it applied them to moto.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from driftmgr.domain.drift.engine import detect_drift
from driftmgr.domain.drift.identity import policy_attachment_id
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import GLOBAL_REGION
from tests.integration.providers.aws import (
    ACCOUNT,
    REGION,
    Answer,
    Params,
    observed,
    recorded_aws,
    scan,
    state_resource,
)

Boto = Callable[..., Any]

ROLE = "aws_iam_role"
USER = "aws_iam_user"
GROUP = "aws_iam_group"
POLICY = "aws_iam_policy"
ROLE_ATTACHMENT = "aws_iam_role_policy_attachment"
USER_ATTACHMENT = "aws_iam_user_policy_attachment"
GROUP_ATTACHMENT = "aws_iam_group_policy_attachment"
PROFILE = "aws_iam_instance_profile"

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


def rfc3339(moment: Any) -> str:
    return str(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def create_policy(iam: Any, name: str, path: str = "/") -> str:
    arn: str = iam.create_policy(
        PolicyName=name, Path=path, PolicyDocument=json.dumps(document("s3:GetObject"))
    )["Policy"]["Arn"]
    return arn


# --- roles ----------------------------------------------------------------------------------


def test_roles_carry_their_inline_policies_and_managed_policy_arns_as_sets(boto: Boto) -> None:
    iam = boto("iam")
    iam.create_role(
        RoleName="app",
        Path="/apps/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Tags=[{"Key": "owner", "Value": "team-a"}],
    )
    for name, action in (("write", "s3:PutObject"), ("list", "s3:ListBucket")):
        iam.put_role_policy(
            RoleName="app", PolicyName=name, PolicyDocument=json.dumps(document(action))
        )
    arns = [create_policy(iam, "zeta"), create_policy(iam, "alpha", "/team/")]
    for arn in arns:
        iam.attach_role_policy(RoleName="app", PolicyArn=arn)

    outcomes = scan([REGION, "eu-west-1"], [ROLE])

    assert list(outcomes) == [(ROLE, GLOBAL_REGION)]
    role = observed(outcomes[(ROLE, GLOBAL_REGION)])["app"]
    assert (role.region, role.account, role.is_default) == (GLOBAL_REGION, ACCOUNT, False)
    assert role.attributes["inline_policy"] == [
        {"name": "list", "policy": minified(document("s3:ListBucket"))},
        {"name": "write", "policy": minified(document("s3:PutObject"))},
    ]
    assert role.attributes["managed_policy_arns"] == sorted(arns)
    assert role.attributes["assume_role_policy"] == minified(TRUST)
    assert role.attributes["tags"] == {"owner": "team-a"}


def test_a_role_without_policies_reports_empty_sets(boto: Boto) -> None:
    boto("iam").create_role(RoleName="bare", AssumeRolePolicyDocument=json.dumps(TRUST))

    role = observed(scan([REGION], [ROLE])[(ROLE, GLOBAL_REGION)])["bare"]

    assert role.attributes["inline_policy"] == []
    assert role.attributes["managed_policy_arns"] == []
    assert role.attributes["permissions_boundary"] == ""
    assert role.attributes["description"] == ""


def test_service_linked_roles_and_their_attachments_are_flagged_as_cloud_created(
    boto: Boto,
) -> None:
    iam = boto("iam")
    linked = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    arn = create_policy(iam, "shared")
    iam.attach_role_policy(RoleName=linked["RoleName"], PolicyArn=arn)
    iam.create_role(RoleName="own", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="own", PolicyArn=arn)

    outcomes = scan([REGION], [ROLE, ROLE_ATTACHMENT])

    roles = observed(outcomes[(ROLE, GLOBAL_REGION)])
    assert roles[linked["RoleName"]].is_default is True
    assert roles["own"].is_default is False
    attachments = observed(outcomes[(ROLE_ATTACHMENT, GLOBAL_REGION)])
    assert attachments[policy_attachment_id(linked["RoleName"], arn)].is_default is True
    own = attachments[policy_attachment_id("own", arn)]
    assert own.is_default is False
    assert own.attributes == {"id": f"own-{arn}", "role": "own", "policy_arn": arn}


def test_roles_and_all_attachments_come_from_one_account_wide_call_not_calls_per_role(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = boto("iam")
    arn = create_policy(iam, "shared")
    for name in ("one", "two", "three"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        iam.put_role_policy(
            RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(document("s3:Get*"))
        )
    iam.create_user(UserName="someone")
    iam.attach_user_policy(UserName="someone", PolicyArn=arn)

    with recorded_aws(monkeypatch, upstream=aws) as counted:
        outcomes = scan([REGION], [ROLE, ROLE_ATTACHMENT, USER_ATTACHMENT])

    roles = observed(outcomes[(ROLE, GLOBAL_REGION)])
    assert {r.attributes["inline_policy"][0]["name"] for r in roles.values()} == {"inline"}
    assert all(r.attributes["managed_policy_arns"] == [arn] for r in roles.values())
    assert len(observed(outcomes[(ROLE_ATTACHMENT, GLOBAL_REGION)])) == 3
    assert len(observed(outcomes[(USER_ATTACHMENT, GLOBAL_REGION)])) == 1
    calls = counted.calls()
    assert calls["GetAccountAuthorizationDetails"] == 1  # shared by the three listings
    assert calls["ListRoles"] == 1
    per_object = ("GetRole", "ListRolePolicies", "GetRolePolicy", "ListAttachedRolePolicies")
    assert not any(calls[name] for name in (*per_object, "ListAttachedUserPolicies"))


def test_where_the_account_wide_call_is_denied_each_role_is_read_on_its_own(
    boto: Boto, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = boto("iam")
    arn = create_policy(iam, "shared")
    iam.create_role(
        RoleName="app",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="the app",
        Tags=[{"Key": "owner", "Value": "team-a"}],
    )
    iam.attach_role_policy(RoleName="app", PolicyArn=arn)
    iam.put_role_policy(
        RoleName="app", PolicyName="inline", PolicyDocument=json.dumps(document("s3:Get*"))
    )
    with recorded_aws(monkeypatch, upstream=aws):
        allowed = observed(scan([REGION], [ROLE, ROLE_ATTACHMENT])[(ROLE, GLOBAL_REGION)])

    denied = {"GetAccountAuthorizationDetails": lambda _: (403, iam_error("AccessDenied"))}
    with recorded_aws(monkeypatch, denied, upstream=aws) as counted:
        outcomes = scan([REGION], [ROLE, ROLE_ATTACHMENT])

    # The same objects, read the long way.
    assert observed(outcomes[(ROLE, GLOBAL_REGION)]) == allowed
    assert allowed["app"].attributes["description"] == "the app"
    assert allowed["app"].attributes["tags"] == {"owner": "team-a"}
    assert len(observed(outcomes[(ROLE_ATTACHMENT, GLOBAL_REGION)])) == 1
    calls = counted.calls()
    assert (calls["GetRole"], calls["GetRolePolicy"], calls["ListAttachedRolePolicies"]) == (
        1,
        1,
        1,  # listed once, shared by the role and its attachments
    )


def iam_error(code: str) -> str:
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>not allowed</Message></Error>"
        "<RequestId>4f0c1e7a-2b3d-4c5e-8f90-a1b2c3d4e5f6</RequestId></ErrorResponse>"
    )


# --- users, groups, their attachments -------------------------------------------------------


def test_users_groups_and_their_policy_attachments_are_listed_with_terraform_ids(
    boto: Boto,
) -> None:
    iam = boto("iam")
    user = iam.create_user(
        UserName="alice", Path="/people/", Tags=[{"Key": "who", "Value": "alice"}]
    )["User"]
    group = iam.create_group(GroupName="readers", Path="/groups/")["Group"]
    arn = create_policy(iam, "read", "/pol/")
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)

    outcomes = scan([REGION], [USER, GROUP, USER_ATTACHMENT, GROUP_ATTACHMENT])

    assert observed(outcomes[(USER, GLOBAL_REGION)])["alice"].attributes == {
        "id": "alice",
        "name": "alice",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/people/alice",
        "unique_id": user["UserId"],
        "path": "/people/",
        "permissions_boundary": "",
        "tags": {"who": "alice"},
    }
    assert observed(outcomes[(GROUP, GLOBAL_REGION)])["readers"].attributes == {
        "id": "readers",
        "name": "readers",
        "arn": f"arn:aws:iam::{ACCOUNT}:group/groups/readers",
        "unique_id": group["GroupId"],
        "path": "/groups/",
    }
    user_attachment = observed(outcomes[(USER_ATTACHMENT, GLOBAL_REGION)])[f"alice-{arn}"]
    assert user_attachment.attributes == {"id": f"alice-{arn}", "user": "alice", "policy_arn": arn}
    group_attachment = observed(outcomes[(GROUP_ATTACHMENT, GLOBAL_REGION)])[f"readers-{arn}"]
    assert group_attachment.attributes == {
        "id": f"readers-{arn}",
        "group": "readers",
        "policy_arn": arn,
    }
    assert not user_attachment.is_default and not group_attachment.is_default


IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"


def iam_response(action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{IAM_XMLNS}"><{action}Result>{result}</{action}Result>'
        "<ResponseMetadata><RequestId>7e2f6b1c-4c2d-4a7e-9d41-3f0e5a8b9c10</RequestId>"
        f"</ResponseMetadata></{action}Response>"
    )


def user_xml(name: str, user_id: str, extra: str = "") -> str:
    return (
        f"<Path>/people/</Path><UserName>{name}</UserName><UserId>{user_id}</UserId>"
        f"<Arn>arn:aws:iam::{ACCOUNT}:user/people/{name}</Arn>"
        f"<CreateDate>2025-03-04T10:11:12Z</CreateDate>{extra}"
    )


# ListUsers (which leaves out boundaries and tags), then GetUser per user; "bob" was deleted
# between the two.
RECORDED_USERS = iam_response(
    "ListUsers",
    "<IsTruncated>false</IsTruncated><Users>"
    f"<member>{user_xml('alice', 'AIDAEXAMPLEALICE00001')}</member>"
    f"<member>{user_xml('bob', 'AIDAEXAMPLEBOB0000002')}</member></Users>",
)
NO_SUCH_BOB = (
    f'<ErrorResponse xmlns="{IAM_XMLNS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
    "<Message>The user with name bob cannot be found.</Message></Error>"
    "<RequestId>0c3b5e2a-8f1d-4e6b-a7c9-2d4f6a8b0c1e</RequestId></ErrorResponse>"
)


def recorded_get_user(params: Params) -> str | tuple[int, str]:
    if params["UserName"] == ["bob"]:
        return 404, NO_SUCH_BOB
    return iam_response(
        "GetUser",
        "<User>"
        + user_xml(
            "alice",
            "AIDAEXAMPLEALICE00001",
            "<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType>"
            f"<PermissionsBoundaryArn>{BOUNDARY}</PermissionsBoundaryArn></PermissionsBoundary>"
            "<Tags><member><Key>team</Key><Value>data</Value></member></Tags>",
        )
        + "</User>",
    )


def test_a_users_permissions_boundary_and_a_user_deleted_mid_scan_from_recorded_answers(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: dict[str, Answer] = {"ListUsers": RECORDED_USERS, "GetUser": recorded_get_user}
    with recorded_aws(monkeypatch, answers) as recorded:
        outcome = scan([REGION], [USER])[(USER, GLOBAL_REGION)]

    users = observed(outcome)
    assert list(users) == ["alice"]
    assert users["alice"].attributes == {
        "id": "alice",
        "name": "alice",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/people/alice",
        "unique_id": "AIDAEXAMPLEALICE00001",
        "path": "/people/",
        "permissions_boundary": BOUNDARY,
        "tags": {"team": "data"},
    }
    assert users["alice"].account == ACCOUNT
    assert recorded.calls()["GetUser"] == 2


# --- policies, instance profiles ------------------------------------------------------------


def test_customer_managed_policies_are_listed_with_their_default_version_document(
    boto: Boto,
) -> None:
    iam = boto("iam")
    created = iam.create_policy(
        PolicyName="gt-policy",
        Path="/pol/",
        Description="reads objects",
        PolicyDocument=json.dumps(document("s3:GetObject")),
        Tags=[{"Key": "k", "Value": "v"}],
    )["Policy"]
    arn = created["Arn"]
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(document("s3:ListBucket")), SetAsDefault=True
    )
    iam.create_role(RoleName="user-of-it", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="user-of-it", PolicyArn=arn)

    policies = observed(scan([REGION], [POLICY])[(POLICY, GLOBAL_REGION)])

    assert list(policies) == [arn]
    assert policies[arn].attributes == {
        "id": arn,
        "arn": arn,
        "name": "gt-policy",
        "path": "/pol/",
        "description": "reads objects",
        "policy_id": created["PolicyId"],
        "attachment_count": 1,
        "policy": minified(document("s3:ListBucket")),
        "tags": {"k": "v"},
    }
    assert policies[arn].is_default is False


def test_instance_profiles_name_their_role_or_an_empty_string(boto: Boto) -> None:
    iam = boto("iam")
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(TRUST))
    with_role = iam.create_instance_profile(
        InstanceProfileName="web", Path="/ip/", Tags=[{"Key": "p", "Value": "q"}]
    )["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    iam.create_instance_profile(InstanceProfileName="empty")

    profiles = observed(scan([REGION], [PROFILE])[(PROFILE, GLOBAL_REGION)])

    assert profiles["web"].attributes == {
        "id": "web",
        "name": "web",
        "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/ip/web",
        "unique_id": with_role["InstanceProfileId"],
        "path": "/ip/",
        "create_date": rfc3339(with_role["CreateDate"]),
        "role": "web",
        "tags": {"p": "q"},
    }
    assert profiles["empty"].attributes["role"] == ""
    assert profiles["empty"].attributes["tags"] == {}


# --- against the domain rules ---------------------------------------------------------------


def test_iam_objects_match_what_provider_5_100_stored_for_them(boto: Boto) -> None:
    iam = boto("iam")
    role = iam.create_role(
        RoleName="gt-role",
        Path="/app/",
        Description="gt role",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Tags=[{"Key": "owner", "Value": "me"}],
    )["Role"]
    iam.put_role_policy(
        RoleName="gt-role", PolicyName="inline-a", PolicyDocument=json.dumps(document("s3:List"))
    )
    arn = create_policy(iam, "gt-policy", "/pol/")
    iam.attach_role_policy(RoleName="gt-role", PolicyArn=arn)
    # As terraform-provider-aws 5.100.0 wrote them: the inline policy as configured (keys
    # unsorted), the attachment under its random id.
    state = [
        state_resource(
            ROLE,
            "r",
            {
                "id": "gt-role",
                "name": "gt-role",
                "arn": role["Arn"],
                "assume_role_policy": minified(TRUST),
                "create_date": rfc3339(role["CreateDate"]),
                "description": "gt role",
                "force_detach_policies": False,
                "inline_policy": [
                    {
                        "name": "inline-a",
                        "policy": json.dumps(document("s3:List"), separators=(",", ":")),
                    }
                ],
                "managed_policy_arns": [arn],
                "max_session_duration": 3600,
                "name_prefix": "",
                "path": "/app/",
                "permissions_boundary": "",
                "tags": {"owner": "me"},
                "tags_all": {"owner": "me"},
                "unique_id": role["RoleId"],
            },
        ),
        state_resource(
            ROLE_ATTACHMENT,
            "a",
            {"id": "gt-role-20261126074832387600000002", "policy_arn": arn, "role": "gt-role"},
        ),
    ]

    findings = detect_drift(
        state,
        scan([REGION], [ROLE, ROLE_ATTACHMENT]).values(),
        DriftScope(providers=["aws"], regions=[REGION]),
    )

    assert findings.items == []
    assert findings.summary.in_sync == 2
