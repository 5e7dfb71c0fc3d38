"""The drift engine, pure: state resources and scan outcomes in, findings out."""

from __future__ import annotations

import json
from typing import Any

from driftmgr.domain.drift.engine import SENSITIVE_VALUE, detect_drift
from driftmgr.domain.drift.report import DriftScope
from driftmgr.domain.resources import LiveResource, ScanOutcome, StateResource

REGION = "us-east-1"
SCOPE = DriftScope(providers=["aws"], regions=[REGION])
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def managed(type_: str, name: str, attributes: dict[str, Any], **kw: Any) -> StateResource:
    return StateResource(
        address=f"{type_}.{name}",
        mode=kw.pop("mode", "managed"),
        type=type_,
        name=name,
        provider="aws",
        provider_config=AWS,
        id=attributes.get("id"),
        attributes=attributes,
        **kw,
    )


def live(
    type_: str, id_: str, attributes: dict[str, Any], region: str = REGION, **kw: Any
) -> LiveResource:
    return LiveResource(
        type=type_,
        id=id_,
        provider="aws",
        region=region,
        attributes={"id": id_, **attributes},
        **kw,
    )


def scanned(type_: str, *resources: LiveResource, region: str = REGION) -> ScanOutcome:
    return ScanOutcome(provider="aws", type=type_, region=region, resources=list(resources))


def vpc_state(id_: str = "vpc-1", **attributes: Any) -> StateResource:
    base = {
        "id": id_,
        "arn": f"arn:aws:ec2:{REGION}:123456789012:vpc/{id_}",
        "cidr_block": "10.0.0.0/16",
        "tags": {"Name": "main"},
        "tags_all": {"Name": "main"},
    }
    return managed("aws_vpc", "main", {**base, **attributes})


def test_identical_resources_are_in_sync_and_not_listed() -> None:
    findings = detect_drift(
        [vpc_state()],
        [
            scanned(
                "aws_vpc",
                live("aws_vpc", "vpc-1", {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}}),
            )
        ],
        SCOPE,
    )
    assert findings.items == []
    assert findings.summary.in_sync == 1
    assert findings.summary.coverage == 100.0
    assert findings.summary.compliance_score == 100.0


def test_changed_attribute_is_reported_at_its_path_with_expected_and_actual() -> None:
    findings = detect_drift(
        [vpc_state()],
        [
            scanned(
                "aws_vpc",
                live("aws_vpc", "vpc-1", {"cidr_block": "10.9.0.0/16", "tags": {"Name": "main"}}),
            )
        ],
        SCOPE,
    )
    (item,) = findings.items
    assert item.kind == "modified"
    assert item.address == "aws_vpc.main"
    assert [(c.path, c.expected, c.actual) for c in item.changes] == [
        ("cidr_block", "10.0.0.0/16", "10.9.0.0/16")
    ]


def test_removed_tag_is_reported_per_key() -> None:
    findings = detect_drift(
        [vpc_state()],
        [scanned("aws_vpc", live("aws_vpc", "vpc-1", {"cidr_block": "10.0.0.0/16", "tags": {}}))],
        SCOPE,
    )
    (item,) = findings.items
    assert [(c.path, c.expected, c.actual) for c in item.changes] == [("tags.Name", "main", None)]
    assert item.severity == "low"


def test_live_tags_are_compared_with_tags_all_so_default_tags_are_not_drift() -> None:
    state = vpc_state(tags={"Name": "main"}, tags_all={"Name": "main", "Team": "platform"})
    findings = detect_drift(
        [state],
        [
            scanned(
                "aws_vpc",
                live(
                    "aws_vpc",
                    "vpc-1",
                    {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main", "Team": "platform"}},
                ),
            )
        ],
        SCOPE,
    )
    assert findings.items == []


def test_resource_absent_from_cloud_is_reported_missing() -> None:
    findings = detect_drift([vpc_state()], [scanned("aws_vpc")], SCOPE)
    (item,) = findings.items
    assert (item.kind, item.id, item.address) == ("missing", "vpc-1", "aws_vpc.main")
    assert findings.summary.missing == 1
    assert findings.summary.coverage == 0.0


def test_resource_in_no_state_is_reported_unmanaged_without_address() -> None:
    findings = detect_drift(
        [], [scanned("aws_vpc", live("aws_vpc", "vpc-9", {"cidr_block": "10.9.0.0/16"}))], SCOPE
    )
    (item,) = findings.items
    assert (item.kind, item.id, item.address) == ("unmanaged", "vpc-9", None)


def test_cloud_created_default_is_not_unmanaged_but_matches_when_a_state_claims_it() -> None:
    default_vpc = live("aws_vpc", "vpc-default", {"cidr_block": "172.31.0.0/16"}, is_default=True)
    assert detect_drift([], [scanned("aws_vpc", default_vpc)], SCOPE).items == []
    claimed = vpc_state("vpc-default", cidr_block="172.31.0.0/16", tags={}, tags_all={})
    findings = detect_drift([claimed], [scanned("aws_vpc", default_vpc)], SCOPE)
    assert findings.items == [] and findings.summary.in_sync == 1


def test_failed_listing_makes_state_resources_unobserved_never_missing() -> None:
    failed = ScanOutcome(
        provider="aws",
        type="aws_vpc",
        region=REGION,
        unobserved_reason="access denied: UnauthorizedOperation",
    )
    findings = detect_drift([vpc_state()], [failed], SCOPE)
    (item,) = findings.items
    assert item.kind == "unobserved"
    assert item.reason == "access denied: UnauthorizedOperation"
    assert findings.summary.missing == 0 and not findings.summary.has_drift


def test_type_driftmgr_cannot_list_is_unobserved_with_reason() -> None:
    lambda_fn = managed(
        "aws_lambda_function",
        "f",
        {"id": "f", "arn": f"arn:aws:lambda:{REGION}:123456789012:function:f"},
    )
    (item,) = detect_drift([lambda_fn], [], SCOPE).items
    assert item.kind == "unobserved"
    assert "cannot list aws_lambda_function" in (item.reason or "")


def test_resources_outside_the_scanned_regions_are_left_out() -> None:
    elsewhere = vpc_state(arn="arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1")
    findings = detect_drift([elsewhere], [scanned("aws_vpc")], SCOPE)
    assert findings.items == [] and findings.summary.total == 0


def test_other_providers_data_sources_and_deposed_objects_are_not_compared() -> None:
    random_pet = StateResource(
        address="random_pet.x",
        mode="managed",
        type="random_pet",
        name="x",
        provider="random",
        provider_config="p",
        id="x",
    )
    data_vpc = managed("aws_vpc", "d", {"id": "vpc-7"}, mode="data")
    deposed = vpc_state("vpc-old", deposed="abcd1234")
    findings = detect_drift(
        [random_pet, data_vpc, deposed],
        [
            scanned(
                "aws_vpc",
                live("aws_vpc", "vpc-old", {"cidr_block": "10.0.0.0/16"}),
                live("aws_vpc", "vpc-7", {"cidr_block": "10.7.0.0/16"}),
            )
        ],
        SCOPE,
    )
    # vpc-old is still Terraform's (deposed); vpc-7 is only read by a data source.
    assert [(i.kind, i.id) for i in findings.items] == [("unmanaged", "vpc-7")]


def test_security_group_rules_compare_as_a_set_and_opening_to_the_world_is_critical() -> None:
    ssh = {
        "from_port": 22,
        "to_port": 22,
        "protocol": "tcp",
        "cidr_blocks": ["10.0.0.0/8"],
        "description": "",
    }
    https = {
        "from_port": 443,
        "to_port": 443,
        "protocol": "tcp",
        "cidr_blocks": ["10.1.0.0/16", "10.0.0.0/16"],
    }
    state = managed(
        "aws_security_group",
        "web",
        {
            "id": "sg-1",
            "arn": f"arn:aws:ec2:{REGION}:123456789012:security-group/sg-1",
            "name": "web",
            "ingress": [ssh, https],
            "egress": [],
            "tags": {},
            "tags_all": {},
        },
    )
    reordered = {**https, "cidr_blocks": ["10.0.0.0/16", "10.1.0.0/16"]}
    same = live(
        "aws_security_group",
        "sg-1",
        {"name": "web", "ingress": [reordered, ssh], "egress": [], "tags": {}},
    )
    assert detect_drift([state], [scanned("aws_security_group", same)], SCOPE).items == []

    world = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    opened = live(
        "aws_security_group",
        "sg-1",
        {"name": "web", "ingress": [ssh, https, world], "egress": [], "tags": {}},
    )
    (item,) = detect_drift([state], [scanned("aws_security_group", opened)], SCOPE).items
    (change,) = item.changes
    assert change.path == "ingress"
    assert change.added == [world] and change.removed == []
    assert item.severity == "critical"


def test_semantically_equal_policies_are_in_sync() -> None:
    stored = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                }
            ],
        },
        separators=(",", ":"),
    )
    reformatted = json.dumps(
        {
            "Statement": {
                "Principal": {"Service": ["ec2.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
                "Effect": "Allow",
            },
            "Version": "2012-10-17",
        },
        indent=4,
    )
    role = managed(
        "aws_iam_role",
        "r",
        {"id": "r", "name": "r", "assume_role_policy": stored, "tags": {}, "tags_all": {}},
    )
    findings = detect_drift(
        [role],
        [
            scanned(
                "aws_iam_role",
                live(
                    "aws_iam_role",
                    "r",
                    {"name": "r", "assume_role_policy": reformatted, "tags": {}},
                ),
                region="global",
            )
        ],
        SCOPE,
    )
    assert findings.items == [] and findings.summary.in_sync == 1


def test_sensitive_values_are_redacted_in_changes() -> None:
    state = managed(
        "aws_db_instance",
        "db",
        {
            "id": "db-1",
            "arn": f"arn:aws:rds:{REGION}:123456789012:db:db-1",
            "password": "hunter2",
            "token_value": "abc",
        },
        sensitive_paths=(("token_value",),),
    )
    findings = detect_drift(
        [state],
        [
            scanned(
                "aws_db_instance",
                live("aws_db_instance", "db-1", {"password": "changed", "token_value": "xyz"}),
            )
        ],
        SCOPE,
    )
    (item,) = findings.items
    rendered = json.dumps([[c.path, c.expected, c.actual] for c in item.changes])
    assert "hunter2" not in rendered and "changed" not in rendered
    assert "abc" not in rendered and "xyz" not in rendered
    assert {c.expected for c in item.changes} == {SENSITIVE_VALUE}


def test_attributes_the_state_does_not_record_are_not_compared() -> None:
    # An older provider may not store an attribute the adapter observes: no basis to compare.
    state = vpc_state()
    findings = detect_drift(
        [state],
        [
            scanned(
                "aws_vpc",
                live(
                    "aws_vpc",
                    "vpc-1",
                    {
                        "cidr_block": "10.0.0.0/16",
                        "tags": {"Name": "main"},
                        "enable_dns_hostnames": True,
                    },
                ),
            )
        ],
        SCOPE,
    )
    assert findings.items == []


def test_summary_counts_and_scores_follow_the_contract() -> None:
    findings = detect_drift(
        [vpc_state("vpc-1"), vpc_state("vpc-2"), vpc_state("vpc-3")],
        [
            scanned(
                "aws_vpc",
                live("aws_vpc", "vpc-1", {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}}),
                live("aws_vpc", "vpc-2", {"cidr_block": "10.2.0.0/16", "tags": {"Name": "main"}}),
                live("aws_vpc", "vpc-9", {"cidr_block": "10.9.0.0/16"}),
            )
        ],
        SCOPE,
    )
    s = findings.summary
    assert (s.total, s.managed, s.in_sync, s.modified, s.missing, s.unmanaged) == (4, 2, 1, 1, 1, 1)
    assert s.coverage == round(2 / 4 * 100, 2)
    # one in sync against modified (medium=2) + missing (medium=2) + unmanaged (medium=2)
    assert s.compliance_score == round(1 / (1 + 6) * 100, 2)
    assert [i.kind for i in findings.items] == ["modified", "missing", "unmanaged"]


def test_values_under_names_that_say_secret_are_redacted_wherever_they_appear() -> None:
    state = managed(
        "aws_lambda_function",
        "f",
        {
            "id": "f",
            "arn": f"arn:aws:lambda:{REGION}:123456789012:function:f",
            "environment": [
                {
                    "variables": {
                        "DB_PASSWORD": "old-pw",
                        "LOG_LEVEL": "info",
                        "stripeApiKey": "sk_old",
                    }
                }
            ],
        },
    )
    changed = live(
        "aws_lambda_function",
        "f",
        {
            "environment": [
                {
                    "variables": {
                        "DB_PASSWORD": "new-pw",
                        "LOG_LEVEL": "debug",
                        "stripeApiKey": "sk_new",
                    }
                }
            ]
        },
    )
    (item,) = detect_drift([state], [scanned("aws_lambda_function", changed)], SCOPE).items
    shown = {c.path: (c.expected, c.actual, c.sensitive) for c in item.changes}
    # Every environment variable is hidden, whatever its name (they carry credentials under
    # any name); each changed one is still reported, at its own path.
    hidden = (SENSITIVE_VALUE, SENSITIVE_VALUE, True)
    assert shown == {
        "environment[0].variables.LOG_LEVEL": hidden,
        "environment[0].variables.DB_PASSWORD": hidden,
        "environment[0].variables.stripeApiKey": hidden,
    }
