"""HCL patches for "accept": minimal text edits, and refusals where a literal would lie.

Real terraform checks the patched code in tests/integration/terraform/test_hcl_patch.py;
these tests pin the text itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.terraform.hcl_patch import (
    PatchRefused,
    literal_value,
    parse_address,
    parse_blocks,
    patch_attributes,
    render_value,
)
from driftmgr.domain.remediation import NotRemediable

PROVIDER = """\
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = {
      ManagedBy = "driftmgr"
    }
  }
}
"""

WEB = """\
# The web tier.
resource "aws_instance" "web" {
  count         = 2
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro" # the smallest that works
  monitoring    = false
  tags = {
    Name = "web-${count.index}"
    Role = "web" # used by the deploy scripts
  }

  root_block_device {
    volume_size = 8
  }
}
"""

SINGLE = """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name  = "main"
    Owner = "network"
  }
}

resource "aws_iam_role" "app" {
  name        = "app"
  description = "the app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
  })
}

resource "aws_s3_bucket" "data" {
  for_each = {
    logs  = "access logs"
    cache = "scratch"
  }
  bucket = "data-${each.key}"
  tags = { Purpose = each.value, Tier = "hot" }
}
"""


@pytest.fixture
def tf_dir(tmp_path: Path) -> Path:
    (tmp_path / "providers.tf").write_text(PROVIDER)
    (tmp_path / "web.tf").write_text(WEB)
    (tmp_path / "main.tf").write_text(SINGLE)
    return tmp_path


def changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --------------------------------------------------------------------------------------------
# Edits


def test_a_changed_literal_is_rewritten_in_place_keeping_comments_and_alignment(
    tf_dir: Path,
) -> None:
    patch = patch_attributes(tf_dir, "aws_vpc.main", {"cidr_block": "10.1.0.0/16"})
    assert patch.path == "main.tf"
    assert changed_lines(patch.diff) == [
        '-  cidr_block = "10.0.0.0/16"',
        '+  cidr_block = "10.1.0.0/16"',
    ]
    assert patch.diff.startswith("--- a/main.tf\n+++ b/main.tf\n")
    assert patch.new_text == SINGLE.replace("10.0.0.0/16", "10.1.0.0/16")


def test_a_missing_attribute_is_inserted_after_the_last_one_aligned_with_it(
    tf_dir: Path,
) -> None:
    patch = patch_attributes(
        tf_dir, "aws_iam_role.app", {"max_session_duration": 7200, "path": "/apps/"}
    )
    assert changed_lines(patch.diff) == [
        "+  max_session_duration = 7200",
        '+  path                 = "/apps/"',
    ]
    role = hcl2.loads(patch.new_text)["resource"][1]['"aws_iam_role"']['"app"']
    assert role["max_session_duration"] == 7200


def test_tags_are_edited_entry_by_entry_and_the_providers_default_tags_are_not_copied(
    tf_dir: Path,
) -> None:
    cloud_tags = {"Name": "main", "Owner": "someone-else", "Cost": "42", "ManagedBy": "driftmgr"}
    patch = patch_attributes(tf_dir, "aws_vpc.main", {"tags": cloud_tags})
    assert changed_lines(patch.diff) == [
        '-    Owner = "network"',
        '+    Owner = "someone-else"',
        '+    Cost  = "42"',
    ]


def test_a_tag_removed_in_the_cloud_is_removed_and_the_rest_realigned_as_fmt_would(
    tf_dir: Path,
) -> None:
    patch = patch_attributes(tf_dir, "aws_vpc.main", {"tags": {"Name": "main"}})
    assert changed_lines(patch.diff) == [
        '-    Name  = "main"',
        '-    Owner = "network"',
        '+    Name = "main"',
    ]


def test_a_default_tag_changed_in_the_cloud_is_written_to_override_the_default(
    tf_dir: Path,
) -> None:
    tags = {"Name": "main", "Owner": "network", "ManagedBy": "someone"}
    patch = patch_attributes(tf_dir, "aws_vpc.main", {"tags": tags})
    # A longer key: `terraform fmt` aligns the whole run of entries to it.
    assert changed_lines(patch.diff) == [
        '-    Name  = "main"',
        '-    Owner = "network"',
        '+    Name      = "main"',
        '+    Owner     = "network"',
        '+    ManagedBy = "someone"',
    ]


def test_values_the_code_already_sets_give_an_empty_diff(tf_dir: Path) -> None:
    patch = patch_attributes(
        tf_dir,
        "aws_vpc.main",
        {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main", "Owner": "network"}},
    )
    assert patch.diff == ""
    assert patch.new_text == SINGLE


def test_a_map_written_on_one_line_is_written_again_one_entry_per_line(tf_dir: Path) -> None:
    patch = patch_attributes(
        tf_dir,
        'aws_s3_bucket.data["logs"]',
        {"tags": {"Purpose": "access logs", "Tier": "hot", "Extra": "x"}},
        state={
            'aws_s3_bucket.data["cache"]': {
                "tags": {"Purpose": "scratch", "Tier": "hot", "Extra": "x"}
            }
        },
    )
    assert changed_lines(patch.diff) == [
        '-  tags = { Purpose = each.value, Tier = "hot" }',
        "+  tags = {",
        "+    Purpose = each.value",
        '+    Tier    = "hot"',
        '+    Extra   = "x"',
        "+  }",
    ]


def test_an_attribute_is_inserted_into_an_empty_block(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    patch = patch_attributes(tmp_path, "aws_sqs_queue.q", {"delay_seconds": 5})
    assert patch.new_text == 'resource "aws_sqs_queue" "q" {\n  delay_seconds = 5\n}\n'


def test_a_one_line_block_becomes_a_block_of_lines_when_an_attribute_is_added(
    tmp_path: Path,
) -> None:
    # Appending after `name = "q" }` would put the attribute outside the block.
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" { name = "q" }\n')
    patch = patch_attributes(tmp_path, "aws_sqs_queue.q", {"delay_seconds": 5})
    assert patch.new_text == (
        'resource "aws_sqs_queue" "q" {\n  name          = "q"\n  delay_seconds = 5\n}\n'
    )


HEREDOC = """\
resource "aws_iam_role_policy" "p" {
  name = "p"
  policy = <<EOT
{"Version": "2012-10-17"}
EOT
  role = "app"
}
"""


def test_a_heredoc_value_is_replaced_without_taking_the_line_break_after_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(HEREDOC)
    patch = patch_attributes(tmp_path, "aws_iam_role_policy.p", {"policy": "{}"})
    assert patch.new_text == (
        'resource "aws_iam_role_policy" "p" {\n'
        '  name   = "p"\n'
        '  policy = "{}"\n'
        '  role   = "app"\n'
        "}\n"
    )


def test_an_attribute_inserted_after_a_heredoc_goes_right_after_its_closing_marker(
    tmp_path: Path,
) -> None:
    text = HEREDOC.replace('  role = "app"\n', "")
    (tmp_path / "main.tf").write_text(text)
    patch = patch_attributes(tmp_path, "aws_iam_role_policy.p", {"role": "app"})
    # fmt aligns across the heredoc: its body lines do not end the run.
    assert patch.new_text == HEREDOC.replace("  name = ", "  name   = ").replace(
        "  role = ", "  role   = "
    )


def test_only_the_runs_an_edit_touches_are_realigned(tmp_path: Path) -> None:
    text = (
        'resource "aws_vpc" "v" {\n'
        '  cidr_block    = "10.0.0.0/16" # not as fmt writes it, and not ours to fix\n'
        "\n"
        '  instance_tenancy = "default"\n'
        "  tags = {\n"
        '    A = "1"\n'
        "  }\n"
        "}\n"
    )
    (tmp_path / "main.tf").write_text(text)
    patch = patch_attributes(tmp_path, "aws_vpc.v", {"tags": {"A": "1", "Longer": "2"}})
    assert changed_lines(patch.diff) == ['-    A = "1"', '+    A      = "1"', '+    Longer = "2"']


def test_a_count_instance_may_change_a_shared_literal_when_every_instance_has_the_value(
    tf_dir: Path,
) -> None:
    siblings = {"aws_instance.web[1]": {"instance_type": "t3.small"}}
    patch = patch_attributes(
        tf_dir, "aws_instance.web[0]", {"instance_type": "t3.small"}, state=siblings
    )
    assert changed_lines(patch.diff) == [
        '-  instance_type = "t3.micro" # the smallest that works',
        '+  instance_type = "t3.small" # the smallest that works',
    ]
    assert patch.notes == ()


def test_an_interpolation_that_gives_the_cloud_value_for_this_instance_is_left_alone(
    tf_dir: Path,
) -> None:
    # Name is "web-${count.index}": "web-1" for this instance, as in the cloud.
    state = {"aws_instance.web[0]": {"tags": {"Name": "web-0", "Role": "web", "Env": "prod"}}}
    cloud_tags = {"Name": "web-1", "Role": "web", "Env": "prod"}
    patch = patch_attributes(tf_dir, "aws_instance.web[1]", {"tags": cloud_tags}, state=state)
    assert changed_lines(patch.diff) == ['+    Env  = "prod"']


def test_without_state_the_other_instances_are_reported_unchecked(tf_dir: Path) -> None:
    patch = patch_attributes(tf_dir, "aws_instance.web[0]", {"monitoring": True})
    assert changed_lines(patch.diff) == [
        "-  monitoring    = false",
        "+  monitoring    = true",
    ]
    assert len(patch.notes) == 1
    assert "other instances' values were not checked" in patch.notes[0]


def test_the_local_state_file_gives_the_other_instances(tf_dir: Path) -> None:
    state = {
        "version": 4,
        "resources": [
            {
                "mode": "managed",
                "type": "aws_instance",
                "name": "web",
                "instances": [
                    {"index_key": 0, "attributes": {"instance_type": "t3.micro"}},
                    {"index_key": 1, "attributes": {"instance_type": "t3.micro"}},
                ],
            }
        ],
    }
    (tf_dir / "terraform.tfstate").write_text(json.dumps(state))
    with pytest.raises(PatchRefused, match=r"aws_instance\.web\[1\] has another value"):
        patch_attributes(tf_dir, "aws_instance.web[0]", {"instance_type": "t3.small"})


# --------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("address", "attributes", "message"),
    [
        (
            "aws_instance.web[0]",
            {"ami": "ami-123"},
            r"ami is set by an expression \(data\.aws_ami\.ubuntu\.id\), not a literal",
        ),
        (
            "aws_iam_role.app",
            {"assume_role_policy": '{"Version":"2012-10-17","Statement":[]}'},
            r"assume_role_policy is set by an expression \(jsonencode\(",
        ),
        (
            "aws_instance.web[0]",
            {"tags": {"Name": "renamed", "Role": "web"}},
            r"tags\.Name differs per instance \(\"web-\$\{count\.index\}\"\)",
        ),
        (
            'aws_s3_bucket.data["logs"]',
            {"bucket": "elsewhere"},
            r"bucket differs per instance \(\"data-\$\{each\.key\}\"\)",
        ),
        (
            "aws_instance.web[0]",
            {"root_block_device": [{"volume_size": 20}]},
            "root_block_device is a nested block",
        ),
        ("aws_instance.web", {"monitoring": True}, r"has count; name one instance"),
        ("aws_vpc.main[0]", {"cidr_block": "x"}, "has neither count nor for_each"),
        ("aws_vpc.other", {"cidr_block": "x"}, r"no resource aws_vpc\.other is declared"),
        ("aws_vpc.main", {"count": 3}, "'count' is not an attribute driftmgr can set"),
    ],
)
def test_refuses_what_a_literal_cannot_express(
    tf_dir: Path, address: str, attributes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PatchRefused, match=message) as refused:
        patch_attributes(tf_dir, address, attributes)
    assert "\n" not in str(refused.value)


def test_a_shared_literal_is_not_changed_for_one_instance_when_another_differs(
    tf_dir: Path,
) -> None:
    state = {
        "aws_instance.web[0]": {"instance_type": "t3.micro"},
        "aws_instance.web[1]": {"instance_type": "t3.micro"},
    }
    with pytest.raises(PatchRefused) as refused:
        patch_attributes(tf_dir, "aws_instance.web[0]", {"instance_type": "t3.small"}, state=state)
    assert str(refused.value) == (
        "aws_instance.web[0]: instance_type is one literal for every instance of this count "
        "resource, and aws_instance.web[1] has another value: one literal cannot express both; "
        "change that code by hand (e.g. a map indexed by count.index)"
    )


def test_removing_a_shared_tag_for_one_instance_is_refused_while_another_has_it(
    tf_dir: Path,
) -> None:
    state = {"aws_instance.web[0]": {"tags": {"Name": "web-0", "Role": "web"}}}
    with pytest.raises(PatchRefused, match=r"tags\.Role is one literal for every instance"):
        patch_attributes(tf_dir, "aws_instance.web[1]", {"tags": {"Name": "web-1"}}, state=state)


def test_a_module_resource_is_refused_with_what_to_do_instead() -> None:
    with pytest.raises(PatchRefused) as refused:
        parse_address('module.x.aws_s3_bucket.b["k"]')
    assert "root module only" in str(refused.value)
    assert isinstance(refused.value, NotRemediable)


def test_an_override_file_makes_the_resource_a_job_for_a_human(tf_dir: Path) -> None:
    (tf_dir / "main_override.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "x"\n}\n')
    with pytest.raises(PatchRefused, match="override file"):
        patch_attributes(tf_dir, "aws_vpc.main", {"cidr_block": "10.1.0.0/16"})


def test_a_resource_in_json_syntax_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        json.dumps({"resource": {"aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}}}})
    )
    with pytest.raises(PatchRefused, match="JSON syntax"):
        patch_attributes(tmp_path, "aws_vpc.main", {"cidr_block": "10.1.0.0/16"})


# --------------------------------------------------------------------------------------------
# Literals


def test_addresses_are_parsed_with_their_keys() -> None:
    assert parse_address("aws_instance.web[0]").key == 0
    assert parse_address('aws_s3_bucket.data["a \\"b"]').key == 'a "b'
    assert parse_address("aws_vpc.main").key is None
    with pytest.raises(PatchRefused, match="not a resource address"):
        parse_address("aws_vpc")


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'quotes " and \\ backslashes',
        "an ${interpolation} and a %{directive} kept literal",
        "two\nlines\tand a tab",
        "unicode: é ✓",
        42,
        -7,
        2.5,
        True,
        None,
        ["a", 1, False],
        {"Name": "x", "with space": "y", "nested": {"k": ["v"]}},
        [],
        {},
    ],
)
def test_a_rendered_value_reads_back_as_the_same_value(value: Any) -> None:
    (block,) = parse_blocks(f'x "y" {{\n  v = {render_value(value, "  ")}\n}}\n')
    assert literal_value(block.attributes["v"].value) == value


#: Text with what HCL treats specially: quotes, backslashes, template starts, line breaks.
_TRICKY_TEXT = st.text(st.sampled_from('$%{}"\\\n\r\t aé') | st.characters())
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TRICKY_TEXT
)
_KEYS = _TRICKY_TEXT | st.sampled_from(["null", "true", "for", "if", "Name", "a-b", "_x"])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@given(_VALUES)
def test_any_json_value_rendered_reads_back_as_itself(value: Any) -> None:
    """render_value and literal_value are inverses over what a cloud API can return; a map
    key like ``null`` or ``for`` stays a string, ``${`` stays text."""
    (block,) = parse_blocks(f'x "y" {{\n  v = {render_value(value, "  ")}\n}}\n')
    assert literal_value(block.attributes["v"].value) == value


def test_an_unclosed_template_start_is_written_as_an_escape_both_parsers_read() -> None:
    # `"$${x"` is HCL, but python-hcl2 reads `$${` only when a `}` follows.
    assert render_value("${x") == '"\\u0024{x"'
    assert render_value("${x}") == '"$${x}"'
    assert render_value("%{") == '"\\u0025{"'
