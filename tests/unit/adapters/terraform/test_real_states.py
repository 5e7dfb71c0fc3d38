"""The parser over states written by real Terraform 1.11.4 and hashicorp/aws 5.100.0 (on moto).

The fixtures in tests/data/terraform/states/ come from tests/data/terraform/generate.py, which
applies tests/data/terraform/aws_project/ in two workspaces. Names are fixed by that
configuration; ids (vpc-…, i-…), lineages and serials are whatever moto and Terraform gave,
so no test here pins them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftmgr.adapters.terraform.state import ParsedState, StateOutput, parse_state
from driftmgr.domain.resources import StateResource

TERRAFORM_DATA = Path(__file__).parents[3] / "data" / "terraform"
STATES = TERRAFORM_DATA / "states"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
BUILTIN = 'provider["terraform.io/builtin/terraform"]'

#: Every instance address the aws_project configuration gives, in either workspace.
ADDRESSES = {
    "data.aws_ami.ubuntu",
    "aws_vpc.main",
    "aws_subnet.main",
    "aws_security_group.web",
    "aws_instance.web[0]",
    "aws_instance.web[1]",
    'aws_s3_bucket.b["a"]',
    'aws_s3_bucket.b["b"]',
    "terraform_data.config",
    "module.iam.aws_iam_role.this",
}


def read(name: str, directory: Path = STATES) -> ParsedState:
    return parse_state((directory / name).read_bytes())


def by_address(state: ParsedState) -> dict[str, StateResource]:
    return {r.address: r for r in state.resources}


@pytest.fixture(scope="module")
def default() -> ParsedState:
    return read("default.tfstate")


@pytest.fixture(scope="module")
def staging() -> ParsedState:
    return read("staging.tfstate")


@pytest.fixture(scope="module")
def shown() -> ParsedState:
    return read("default.show.json")


@pytest.fixture(scope="module", params=["default", "staging"])
def workspace_state(request: pytest.FixtureRequest) -> tuple[str, ParsedState]:
    name: str = request.param
    return name, read(f"{name}.tfstate")


class TestStateFiles:
    def test_both_are_version_4_states_written_by_terraform_1_11(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        _, state = workspace_state
        assert (state.version, state.terraform_version) == (4, "1.11.4")
        assert isinstance(state.serial, int) and state.serial > 0
        assert state.lineage

    def test_every_configured_instance_is_there_once(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        _, state = workspace_state
        addresses = [r.address for r in state.resources]
        assert sorted(addresses) == sorted(ADDRESSES)

    def test_count_instances_have_integer_keys(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        resources = by_address(workspace_state[1])
        web = [resources[f"aws_instance.web[{i}]"] for i in (0, 1)]
        assert [(r.index_key, r.type, r.name) for r in web] == [
            (0, "aws_instance", "web"),
            (1, "aws_instance", "web"),
        ]
        assert web[0].id != web[1].id
        assert all(r.id and r.id.startswith("i-") for r in web)

    def test_for_each_instances_have_string_keys_and_bucket_names_as_ids(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        workspace, state = workspace_state
        resources = by_address(state)
        for key in ("a", "b"):
            bucket = resources[f'aws_s3_bucket.b["{key}"]']
            assert bucket.index_key == key
            assert bucket.id == f"driftmgr-{workspace}-{key}"
            assert bucket.attributes["bucket"] == bucket.id

    def test_a_module_resource_carries_its_module_path(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        workspace, state = workspace_state
        role = by_address(state)["module.iam.aws_iam_role.this"]
        assert (role.module, role.type, role.name, role.index_key) == (
            "module.iam",
            "aws_iam_role",
            "this",
            None,
        )
        assert role.id == f"driftmgr-{workspace}-app"
        # jsonencode() writes minified JSON; the provider stores it with sorted keys.
        policy = json.loads(role.attributes["assume_role_policy"])
        assert policy["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
        assert all(r.module is None for r in state.resources if r is not role)

    def test_the_data_source_is_listed_but_not_managed(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        state = workspace_state[1]
        ami = by_address(state)["data.aws_ami.ubuntu"]
        assert (ami.mode, ami.type, ami.name) == ("data", "aws_ami", "ubuntu")
        assert ami not in state.managed
        assert len(state.managed) == len(ADDRESSES) - 1
        # The instances were launched from the AMI the data source found.
        assert {by_address(state)[f"aws_instance.web[{i}]"].attributes["ami"] for i in (0, 1)} == {
            ami.id
        }

    def test_providers_are_aws_and_the_builtin_terraform_provider(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        providers = {
            r.address: (r.provider, r.provider_config) for r in workspace_state[1].resources
        }
        assert providers.pop("terraform_data.config") == ("terraform", BUILTIN)
        assert set(providers.values()) == {("aws", AWS)}

    def test_schema_versions_are_the_provider_s(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        versions = {r.type: r.schema_version for r in workspace_state[1].resources}
        assert versions == {
            "aws_ami": 0,
            "aws_vpc": 1,
            "aws_subnet": 1,
            "aws_security_group": 1,
            "aws_instance": 1,
            "aws_s3_bucket": 0,
            "terraform_data": 0,
            "aws_iam_role": 0,
        }

    def test_no_instance_is_tainted_or_deposed(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        assert {(r.status, r.deposed) for r in workspace_state[1].resources} == {(None, None)}

    def test_the_sensitive_output_is_flagged_and_stored_in_plaintext(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        workspace, state = workspace_state
        outputs = {o.name: o for o in state.outputs}
        assert outputs["db_password"] == StateOutput(
            name="db_password", value=f"s3cret-{workspace}", sensitive=True, type="string"
        )
        assert not outputs["vpc_id"].sensitive
        assert outputs["bucket_names"] == StateOutput(
            name="bucket_names",
            value=[f"driftmgr-{workspace}-a", f"driftmgr-{workspace}-b"],
            sensitive=False,
            type=["tuple", ["string", "string"]],
        )
        assert outputs["vpc_id"].value == by_address(state)["aws_vpc.main"].id

    def test_sensitive_attribute_paths_are_read_from_the_state(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        workspace, state = workspace_state
        config = by_address(state)["terraform_data.config"]
        # An object attribute, a map key and a tuple position, in Terraform's own order.
        assert set(config.sensitive_paths) == {
            ("input", "password"),
            ("input", "labels", "token"),
            ("input", "ports", 1),
        }
        assert len(config.sensitive_paths) == 3
        # Sensitive values stay plaintext in the attributes (wrapped: `input` is dynamic).
        value = config.attributes["input"]["value"]
        assert (value["password"], value["labels"]["token"], value["ports"][1]) == (
            f"s3cret-{workspace}",
            f"t0ken-{workspace}",
            5433,
        )
        assert config.attributes["input"]["type"][0] == "object"
        others = [r for r in state.resources if r is not config]
        assert all(r.sensitive_paths == () for r in others)

    def test_dependencies_are_parsed_and_name_resources_of_the_state(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        state = workspace_state[1]
        resources = by_address(state)
        assert resources["aws_instance.web[0]"].dependencies == (
            "aws_security_group.web",
            "aws_subnet.main",
            "aws_vpc.main",
            "data.aws_ami.ubuntu",
        )
        assert resources["aws_subnet.main"].dependencies == ("aws_vpc.main",)
        assert resources["terraform_data.config"].dependencies == ("module.iam.aws_iam_role.this",)
        assert resources["aws_vpc.main"].dependencies == ()
        # Dependencies name resources (no instance keys), and each one exists.
        unkeyed = {r.address.split("[", 1)[0] for r in state.resources}
        assert {d for r in state.resources for d in r.dependencies} <= unkeyed

    def test_provider_default_tags_reach_tags_all_but_not_tags(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        workspace, state = workspace_state
        web = by_address(state)["aws_instance.web[1]"]
        assert web.attributes["tags"] == {"Name": f"driftmgr-{workspace}-web-1"}
        assert web.attributes["tags_all"] == {
            "Name": f"driftmgr-{workspace}-web-1",
            "ManagedBy": "driftmgr-fixtures",
            "Workspace": workspace,
        }

    def test_security_group_rules_are_sets_of_rule_objects(
        self, workspace_state: tuple[str, ParsedState]
    ) -> None:
        sg = by_address(workspace_state[1])["aws_security_group.web"]
        ingress = sorted(sg.attributes["ingress"], key=lambda rule: rule["from_port"])
        assert [(r["from_port"], r["to_port"], r["protocol"]) for r in ingress] == [
            (22, 22, "tcp"),
            (443, 443, "tcp"),
        ]
        assert [(r["protocol"], r["cidr_blocks"]) for r in sg.attributes["egress"]] == [
            ("-1", ["0.0.0.0/0"])
        ]


class TestWorkspaces:
    def test_have_the_same_addresses_but_different_objects(
        self, default: ParsedState, staging: ParsedState
    ) -> None:
        assert by_address(default).keys() == by_address(staging).keys()
        assert default.lineage != staging.lineage
        ids = {r.address: r.id for r in default.managed}
        staging_ids = {r.address: r.id for r in staging.managed}
        assert all(ids[address] != staging_ids[address] for address in ids)

    def test_differ_where_the_configuration_uses_terraform_workspace(
        self, default: ParsedState, staging: ParsedState
    ) -> None:
        def facts(state: ParsedState) -> tuple[Any, ...]:
            resources = by_address(state)
            return (
                resources["aws_vpc.main"].attributes["cidr_block"],
                resources["aws_instance.web[0]"].attributes["instance_type"],
                resources["aws_vpc.main"].attributes["tags_all"]["Workspace"],
                resources["module.iam.aws_iam_role.this"].id,
            )

        assert facts(default) == ("10.0.0.0/16", "t3.micro", "default", "driftmgr-default-app")
        assert facts(staging) == ("10.1.0.0/16", "t3.small", "staging", "driftmgr-staging-app")

    def test_the_data_source_is_the_same_in_both(
        self, default: ParsedState, staging: ParsedState
    ) -> None:
        ami = by_address(default)["data.aws_ami.ubuntu"]
        assert ami == by_address(staging)["data.aws_ami.ubuntu"]


def unwrap_dynamic(attributes: dict[str, Any]) -> dict[str, Any]:
    """State files wrap dynamically typed attributes as {"value", "type"}; show -json does not."""
    return {
        key: value["value"]
        if isinstance(value, dict) and value.keys() == {"value", "type"}
        else value
        for key, value in attributes.items()
    }


class TestShowJson:
    def test_has_no_serial_or_lineage_and_reports_version_0(self, shown: ParsedState) -> None:
        assert (shown.version, shown.terraform_version, shown.serial, shown.lineage) == (
            0,
            "1.11.4",
            None,
            None,
        )

    def test_gives_the_instances_the_state_file_gives(
        self, shown: ParsedState, default: ParsedState
    ) -> None:
        assert [r.address for r in shown.resources] == [r.address for r in default.resources]
        from_file = by_address(default)
        for r in shown.resources:
            expected = from_file[r.address]
            assert r.attributes == unwrap_dynamic(expected.attributes), r.address
            # Both list the same paths, in different orders.
            assert sorted(map(repr, r.sensitive_paths)) == sorted(
                map(repr, expected.sensitive_paths)
            )
            same = ("mode", "type", "name", "module", "index_key", "id", "provider")
            assert [getattr(r, f) for f in same] == [getattr(expected, f) for f in same]
            assert (r.provider_config, r.dependencies, r.schema_version) == (
                expected.provider_config,
                expected.dependencies,
                expected.schema_version,
            )
            assert (r.status, r.deposed) == (None, None)

    def test_gives_the_outputs_the_state_file_gives(
        self, shown: ParsedState, default: ParsedState
    ) -> None:
        assert shown.outputs == default.outputs
        assert {o.name for o in shown.outputs if o.sensitive} == {"db_password"}

    def test_module_resources_take_the_child_module_address(self, shown: ParsedState) -> None:
        role = by_address(shown)["module.iam.aws_iam_role.this"]
        assert (role.module, role.provider) == ("module.iam", "aws")
