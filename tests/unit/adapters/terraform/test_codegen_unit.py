"""Import code without running terraform: resource names, unchecked skeletons, provider
choice, and the fix-ups for what terraform reports about generated config.

Real terraform judges the generated code in tests/integration/terraform/test_codegen.py;
the diagnostics here are copied from what terraform 1.11 with the aws provider 5.100 said
there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.terraform.codegen import (
    _NOT_READ_BACK,
    ImportTarget,
    _fix_attribute,
    _judge,
    _Object,
    _provider_for,
    _providers,
    _static_fixes,
    _with_lifecycle,
    generate_imports,
    resource_name,
)
from driftmgr.adapters.terraform.hcl_patch import parse_blocks

# --------------------------------------------------------------------------------------------
# Names


def target(import_id: str, given: str | None = None, **attributes: Any) -> ImportTarget:
    return ImportTarget(type="aws_vpc", import_id=import_id, attributes=attributes, name=given)


@pytest.mark.parametrize(
    ("target", "name"),
    [
        (target("vpc-1", tags={"Name": "Shadow Data"}), "shadow_data"),
        (target("b", bucket="logs.example.com"), "logs_example_com"),
        (target("r", tags={}, name="app"), "app"),
        (target("i-0abc"), "i_0abc"),
        (target("123-x"), "r_123_x"),
        (target("vpc-1", "Given Name", name="n"), "given_name"),
        (target("---", tags={"Name": "!!!"}), "imported"),
    ],
)
def test_a_resource_is_named_after_its_name_tag_then_its_name_then_its_id(
    target: ImportTarget, name: str
) -> None:
    assert resource_name(target) == name


_TERRAFORM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@given(st.text())
def test_any_text_gives_a_terraform_name_of_at_most_64_characters(text: str) -> None:
    name = resource_name(ImportTarget(type="aws_vpc", import_id="", name=text))
    assert _TERRAFORM_NAME.match(name)
    assert len(name) <= 64
    assert "__" not in name and not name.endswith("_")
    # A name that is already one stays as it is.
    assert resource_name(ImportTarget(type="aws_vpc", import_id="", name=name)) == name


def test_names_are_unique_and_avoid_the_resources_the_directory_declares(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {}\n')
    (tmp_path / "driftmgr_imports.tf").write_text("# an earlier run's file\n")
    targets = [
        ImportTarget(type="aws_s3_bucket", import_id="logs"),
        ImportTarget(type="aws_s3_bucket", import_id="Logs"),
        ImportTarget(type="aws_sqs_queue", import_id="logs"),
    ]
    code = generate_imports(targets, tf_dir=tmp_path, terraform=str(tmp_path / "no-terraform"))
    assert code.addresses == ["aws_s3_bucket.logs_2", "aws_s3_bucket.logs_3", "aws_sqs_queue.logs"]
    assert list(code.files) == ["driftmgr_imports_2.tf"]  # the earlier file is left alone


# --------------------------------------------------------------------------------------------
# Without terraform: skeletons


def test_without_a_directory_the_result_is_import_blocks_and_unchecked_skeletons() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    role = ImportTarget(
        type="aws_iam_role",
        import_id="app",
        region="us-east-1",
        attributes={
            "id": "app",
            "arn": "arn:aws:iam::123456789012:role/app",
            "name": "app",
            "assume_role_policy": json.dumps(policy),
            "max_session_duration": 3600,
            "description": "",
            "tags": {"Team": "data"},
            "tags_all": {"Team": "data", "ManagedBy": "x"},
        },
    )
    group = ImportTarget(
        type="aws_security_group",
        import_id="sg-1",
        region="eu-west-1",
        attributes={
            "name": "web",
            "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp"}],
        },
    )

    code = generate_imports([role, group], tf_dir=None)

    assert code.checked is False
    assert code.problems == []
    assert code.summary == (
        "2 import blocks and unchecked resource skeletons (no Terraform directory was given)"
    )
    assert code.addresses == ["aws_iam_role.app", "aws_security_group.web"]
    (text,) = code.files.values()
    assert '"2 to import, 0 to add, 0 to change, 0 to destroy"' in text
    assert text.split("# aws_iam_role app (us-east-1)\n", 1)[1].split("\n# aws_sec")[0] == (
        "import {\n"
        "  to = aws_iam_role.app\n"
        '  id = "app"\n'
        "}\n"
        "\n"
        'resource "aws_iam_role" "app" {\n'
        "  assume_role_policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        "    Statement = [\n"
        "      {\n"
        '        Effect = "Allow"\n'
        '        Action = "s3:*"\n'
        "      },\n"
        "    ]\n"
        "  })\n"
        "  max_session_duration = 3600\n"
        '  name                 = "app"\n'
        "  tags = {\n"
        '    Team = "data"\n'
        "  }\n"
        "}\n"
    )
    parsed = hcl2.loads(text)
    assert [i["to"] for i in parsed["import"]] == [
        "${aws_iam_role.app}",
        "${aws_security_group.web}",
    ]
    web = parsed["resource"][1]['"aws_security_group"']['"web"']
    assert web["ingress"] == [
        {"from_port": 443, "to_port": 443, "protocol": '"tcp"', "__is_block__": True}
    ]


def test_nothing_to_import_is_nothing_to_check(tmp_path: Path) -> None:
    code = generate_imports([], tf_dir=tmp_path)
    assert (code.files, code.checked, code.summary) == ({}, True, "nothing to import")


# --------------------------------------------------------------------------------------------
# Provider configurations


PROVIDERS = """\
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "ireland"
  region = "eu-west-1"
}
"""


@pytest.mark.parametrize(
    ("region", "provider"),
    [("us-east-1", None), ("eu-west-1", "aws.ireland"), ("", None)],
)
def test_an_object_is_imported_with_the_provider_configuration_of_its_region(
    region: str, provider: str | None
) -> None:
    target = ImportTarget(type="aws_vpc", import_id="vpc-1", region=region)
    assert _provider_for(target, _providers(parse_blocks(PROVIDERS))) == (provider, None)


def test_an_object_in_a_region_without_a_provider_configuration_is_a_problem() -> None:
    target = ImportTarget(type="aws_vpc", import_id="vpc-1", region="ap-south-1")
    provider, problem = _provider_for(target, _providers(parse_blocks(PROVIDERS)))
    assert provider is None
    assert problem == (
        "aws_vpc vpc-1: no aws provider configuration for region ap-south-1 (the default one "
        'is for us-east-1); add one with an alias (provider "aws" { alias = "ap_south_1", '
        'region = "ap-south-1" }) and generate again'
    )


# --------------------------------------------------------------------------------------------
# Fix-ups


def generated(type_: str, body: str) -> _Object:
    target = ImportTarget(type=type_, import_id="x")
    return _Object(target, "x", None, block=f'resource "{type_}" "x" {{\n{body}}}\n')


def error(summary: str, detail: str = "") -> dict[str, Any]:
    return {"severity": "error", "summary": summary, "detail": detail, "address": "x.x"}


#: aws_vpc: generated `ipv6_netmask_length = 0` without an IPAM pool.
IPV6_TOGETHER = error(
    "Missing required argument",
    '"ipv6_netmask_length": all of `ipv6_ipam_pool_id,ipv6_netmask_length` must be specified',
)


def test_arguments_required_together_are_dropped_when_generated_empty() -> None:
    vpc = generated(
        "aws_vpc",
        '  cidr_block          = "10.40.0.0/16"\n'
        "  ipv6_ipam_pool_id   = null\n"
        "  ipv6_netmask_length = 0\n"
        "  tags_all            = {}\n",
    )
    _static_fixes(vpc, [IPV6_TOGETHER])
    assert vpc.block == 'resource "aws_vpc" "x" {\n  cidr_block          = "10.40.0.0/16"\n}\n'
    assert vpc.problem is None


def test_of_arguments_required_together_one_really_set_is_a_problem() -> None:
    vpc = generated("aws_vpc", '  ipv6_ipam_pool_id   = "ipam-pool-1"\n  ipv6_netmask_length = 0\n')
    _static_fixes(vpc, [IPV6_TOGETHER])
    assert vpc.problem == "ipv6_ipam_pool_id, ipv6_netmask_length must be set together"


def test_a_value_the_provider_rejects_is_left_to_ignore_changes_with_the_reason() -> None:
    queue = generated("aws_sqs_queue", '  max_message_size = 1048576\n  name             = "q"\n')
    rejected = "expected max_message_size to be in the range (1024 - 262144), got 1048576"
    _static_fixes(queue, [error(rejected)])
    assert queue.problem is None
    text = _with_lifecycle(queue.block, queue.ignored)
    lines = text.splitlines()
    comments = [line.removeprefix("  # ") for line in lines if line.startswith("  #")]
    assert " ".join(comments) == (
        "driftmgr: this provider version rejects the value max_message_size has in the cloud "
        f"({rejected}); terraform leaves it as it is until the provider accepts it."
    )
    assert max(len(line) for line in lines) <= 96
    assert [line for line in lines if not line.startswith("  #")] == [
        'resource "aws_sqs_queue" "x" {',
        '  name             = "q"',
        "  lifecycle {",
        "    ignore_changes = [max_message_size]",
        "  }",
        "}",
    ]
    lifecycle = hcl2.loads(text)["resource"][0]['"aws_sqs_queue"']['"x"']["lifecycle"]
    assert lifecycle[0]["ignore_changes"] == ["max_message_size"]


def test_a_value_the_provider_rejects_inside_a_block_leaves_the_block_to_ignore_changes() -> None:
    table = generated(
        "aws_dynamodb_table",
        '  name = "t"\n'
        "  point_in_time_recovery {\n"
        "    enabled                 = false\n"
        "    recovery_period_in_days = 0\n"
        "  }\n",
    )
    rejected = (
        "expected point_in_time_recovery.0.recovery_period_in_days to be in the range "
        "(1 - 35), got 0"
    )
    _static_fixes(table, [error(rejected)])
    assert table.problem is None
    text = _with_lifecycle(table.block, table.ignored)
    parsed = hcl2.loads(text)["resource"][0]['"aws_dynamodb_table"']['"x"']
    assert [b["enabled"] for b in parsed["point_in_time_recovery"]] == [False]
    assert "recovery_period_in_days" not in parsed["point_in_time_recovery"][0]
    assert parsed["lifecycle"][0]["ignore_changes"] == [
        "${point_in_time_recovery[0].recovery_period_in_days}"
    ]


def test_of_two_conflicting_arguments_both_set_the_one_derived_from_the_other_goes() -> None:
    subnet = generated(
        "aws_subnet",
        '  availability_zone    = "us-east-1e"\n  availability_zone_id = "use1-az3"\n',
    )
    conflicts = [
        error(
            "Conflicting configuration arguments",
            '"availability_zone": conflicts with availability_zone_id',
        ),
        error(
            "Conflicting configuration arguments",
            '"availability_zone_id": conflicts with availability_zone',
        ),
    ]
    _static_fixes(subnet, conflicts)
    assert subnet.block == 'resource "aws_subnet" "x" {\n  availability_zone    = "us-east-1e"\n}\n'
    assert subnet.problem is None


def test_a_generated_zero_the_provider_refuses_goes_and_a_real_value_stays_a_problem() -> None:
    refused = error("enable_lni_at_device_index must not be zero, got 0")
    subnet = generated("aws_subnet", '  enable_lni_at_device_index = 0\n  cidr_block = "x"\n')
    _static_fixes(subnet, [refused])
    assert subnet.block == 'resource "aws_subnet" "x" {\n  cidr_block = "x"\n}\n'
    assert subnet.problem is None
    other = generated("aws_subnet", "  enable_lni_at_device_index = 3\n")
    _static_fixes(other, [error("enable_lni_at_device_index must not be three, got 3")])
    assert other.problem is not None


def test_of_two_conflicting_arguments_the_empty_one_goes_and_terraform_only_ones_are_ignored() -> (
    None
):
    instance = generated(
        "aws_instance",
        "  ipv6_address_count          = 0\n"
        "  ipv6_addresses              = []\n"
        "  user_data_replace_on_change = null\n"
        '  arn                         = "arn:x"\n',
    )
    _static_fixes(
        instance,
        [
            error(
                "Conflicting configuration arguments",
                '"ipv6_address_count": conflicts with ipv6_addresses',
            ),
            error(
                "Value for unconfigurable attribute",
                'Can\'t configure a value for "arn": its value will be decided automatically',
            ),
        ],
    )
    assert instance.block == (
        'resource "aws_instance" "x" {\n  ipv6_addresses              = []\n}\n'
    )
    assert instance.ignored == {"user_data_replace_on_change": _NOT_READ_BACK}
    assert instance.problem is None


def test_an_unknown_error_is_the_objects_problem_as_terraform_said_it() -> None:
    bucket = generated("aws_s3_bucket", '  bucket = "b"\n')
    _static_fixes(bucket, [error("Invalid bucket name", "must be lower case")])
    assert bucket.problem == "Invalid bucket name: must be lower case"


def test_a_value_null_after_import_and_defaulted_by_the_plan_is_ignored() -> None:
    queue = generated("aws_sqs_queue", '  name = "q"\n')
    assert _fix_attribute(queue, "delay_seconds", {"delay_seconds": None}, {"delay_seconds": 0}, {})
    assert queue.ignored == {"delay_seconds": _NOT_READ_BACK}
    assert not _fix_attribute(
        queue, "delay_seconds", {"delay_seconds": None}, {"delay_seconds": 0}, {}
    )


def test_a_changed_value_is_set_to_the_imported_one_once_then_reported() -> None:
    role = generated("aws_iam_role", "  max_session_duration = 43200\n")
    before, after = {"max_session_duration": 3600}, {"max_session_duration": 43200}
    assert _fix_attribute(role, "max_session_duration", before, after, {})
    assert role.block == 'resource "aws_iam_role" "x" {\n  max_session_duration = 3600\n}\n'
    assert role.fixes == ["max_session_duration"]
    assert not _fix_attribute(role, "max_session_duration", before, after, {})
    assert role.problem == "terraform would change max_session_duration"


def test_default_tags_the_provider_would_add_are_reported_not_fixed() -> None:
    vpc = generated("aws_vpc", '  tags = {\n    Name = "v"\n  }\n')
    before = {"tags_all": {"Name": "v"}}
    after = {"tags_all": {"Name": "v", "ManagedBy": "terraform"}}
    assert not _fix_attribute(vpc, "tags_all", before, after, {"ManagedBy": "terraform"})
    assert vpc.problem is not None
    assert vpc.problem.startswith("terraform would add the provider's default_tags ManagedBy")


def test_a_plan_is_clean_only_when_it_imports_each_object_and_does_nothing_else() -> None:
    ours = {"aws_vpc.a": generated("aws_vpc", ""), "aws_vpc.b": generated("aws_vpc", "")}
    imports = {"aws_vpc.a": "import", "aws_vpc.b": "import"}
    clean = {"import": 2, "add": 0, "change": 0, "remove": 0}
    problems: list[str] = []
    assert _judge(ours, imports, {}, clean, "Plan: 2 to import, …", problems)
    assert problems == []

    # Existing drift elsewhere: the code may be right, but the plan is not "N to import".
    changes = {**imports, "aws_s3_bucket.old": "update"}
    counts = {**clean, "change": 1}
    assert not _judge(ours, changes, {}, counts, "Plan: 2 to import, 0 to add, 1 …", problems)
    assert problems == [
        "the plan also changes resources that are not imported here (existing drift, not this "
        "code): aws_s3_bucket.old (update)"
    ]
