"""The Terraform state parser: hand-written fixtures, malformed inputs, generated states."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.adapters.terraform.state import (
    ParsedState,
    StateFormatError,
    StateOutput,
    parse_state,
    provider_short_name,
    resource_address,
)
from driftmgr.domain.resources import StateResource

DATA = Path(__file__).parent / "data"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def fixture_bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def by_address(state: ParsedState) -> dict[str, StateResource]:
    """Current instances by address (deposed ones share their address, so they are left out)."""
    return {r.address: r for r in state.resources if r.deposed is None}


@pytest.fixture(scope="module")
def v4() -> ParsedState:
    return parse_state(fixture_bytes("v4_full.tfstate"))


@pytest.fixture(scope="module")
def v3() -> ParsedState:
    return parse_state(fixture_bytes("v3.tfstate"))


# A minimal valid v4 document, for tests that break one part of it.
def instance(**fields: Any) -> dict[str, Any]:
    return {"schema_version": 0, "attributes": {"id": "x-1"}, **fields}


def resource(**fields: Any) -> dict[str, Any]:
    return {
        "mode": "managed",
        "type": "aws_vpc",
        "name": "main",
        "provider": AWS,
        "instances": [instance()],
        **fields,
    }


def state(**fields: Any) -> dict[str, Any]:
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "abc",
        "outputs": {},
        "resources": [resource()],
        **fields,
    }


def encode(doc: Any) -> bytes:
    return msgspec.json.encode(doc)


# A minimal valid `terraform show -json` document of a state, likewise.
def show_resource(**fields: Any) -> dict[str, Any]:
    return {
        "address": "aws_vpc.main",
        "mode": "managed",
        "type": "aws_vpc",
        "name": "main",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 1,
        "values": {"id": "vpc-1"},
        "sensitive_values": {},
        **fields,
    }


def show(**fields: Any) -> dict[str, Any]:
    return {"format_version": "1.0", "terraform_version": "1.11.4", **fields}


def show_resources(*resources: Any, child_modules: Any = None) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": list(resources)}
    if child_modules is not None:
        root["child_modules"] = child_modules
    return show(values={"outputs": {}, "root_module": root})


class TestVersion4:
    def test_header_fields_are_read(self, v4: ParsedState) -> None:
        assert (v4.version, v4.terraform_version, v4.serial, v4.lineage) == (
            4,
            "1.11.4",
            17,
            "6f0c2a4e-3b1d-4d8e-9a55-0c1f2d3e4b5a",
        )

    def test_every_instance_becomes_one_resource_in_document_order(self, v4: ParsedState) -> None:
        assert [r.address for r in v4.resources] == [
            "data.aws_ami.ubuntu",
            "aws_db_instance.main",
            "aws_db_instance.main",
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            'aws_s3_bucket.b["assets"]',
            'aws_s3_bucket.b["logs"]',
            "aws_security_group.legacy",
            "terraform_data.config",
            "module.network.aws_vpc.main",
            'module.network.module.subnets["private"].aws_subnet.this[0]',
            'module.network.module.subnets["private"].aws_subnet.this[1]',
        ]

    def test_count_instances_get_integer_index_keys(self, v4: ParsedState) -> None:
        web = by_address(v4)["aws_instance.web[1]"]
        assert (web.index_key, web.type, web.name) == (1, "aws_instance", "web")

    def test_for_each_instances_get_string_keys_quoted_in_the_address(
        self, v4: ParsedState
    ) -> None:
        logs = by_address(v4)['aws_s3_bucket.b["logs"]']
        assert logs.index_key == "logs"
        assert logs.id == "acme-logs"

    def test_a_single_instance_has_no_index_key(self, v4: ParsedState) -> None:
        assert by_address(v4)["terraform_data.config"].index_key is None

    def test_nested_module_paths_are_kept_as_terraform_wrote_them(self, v4: ParsedState) -> None:
        subnet = by_address(v4)['module.network.module.subnets["private"].aws_subnet.this[0]']
        assert subnet.module == 'module.network.module.subnets["private"]'
        assert by_address(v4)["module.network.aws_vpc.main"].module == ("module.network")
        assert by_address(v4)["aws_instance.web[0]"].module is None

    def test_data_sources_are_listed_with_a_data_prefix_but_are_not_managed(
        self, v4: ParsedState
    ) -> None:
        ami = by_address(v4)["data.aws_ami.ubuntu"]
        assert (ami.mode, ami.id) == ("data", "ami-0abcdef1234567890")
        assert ami not in v4.managed

    def test_a_tainted_instance_keeps_its_status_and_is_still_managed(
        self, v4: ParsedState
    ) -> None:
        tainted = by_address(v4)["aws_instance.web[1]"]
        assert tainted.status == "tainted"
        assert tainted in v4.managed
        assert by_address(v4)["aws_instance.web[0]"].status is None

    def test_a_deposed_instance_is_listed_with_its_key_but_is_not_managed(
        self, v4: ParsedState
    ) -> None:
        db = [r for r in v4.resources if r.type == "aws_db_instance"]
        assert [(r.id, r.deposed) for r in db] == [("db-NEWABC", None), ("db-OLDXYZ", "7a3b9c1d")]
        assert [r.id for r in v4.managed if r.type == "aws_db_instance"] == ["db-NEWABC"]

    def test_managed_holds_current_managed_instances_only(self, v4: ParsedState) -> None:
        assert len(v4.managed) == len(v4.resources) - 2  # one data source, one deposed

    def test_sensitive_attributes_become_paths_of_attribute_names_and_indexes(
        self, v4: ParsedState
    ) -> None:
        assert by_address(v4)["aws_instance.web[0]"].sensitive_paths == (
            ("ebs_block_device", 0, "kms_key_id"),
            ("tags", "Name"),
        )
        assert by_address(v4)["aws_db_instance.main"].sensitive_paths == (("password",),)
        assert by_address(v4)["aws_instance.web[1]"].sensitive_paths == ()

    def test_sensitive_values_stay_in_the_attributes_in_plaintext(self, v4: ParsedState) -> None:
        assert by_address(v4)["aws_db_instance.main"].attributes["password"] == "hunter2"

    def test_dependencies_are_kept_in_order(self, v4: ParsedState) -> None:
        assert by_address(v4)["aws_instance.web[0]"].dependencies == (
            "aws_security_group.web",
            "data.aws_ami.ubuntu",
            "module.network.aws_vpc.main",
        )

    def test_legacy_instance_depends_on_is_read_as_dependencies(self, v4: ParsedState) -> None:
        assert by_address(v4)["aws_security_group.legacy"].dependencies == ("aws_vpc.main",)

    def test_dynamic_typed_attributes_stay_wrapped_as_value_and_type(self, v4: ParsedState) -> None:
        config = by_address(v4)["terraform_data.config"]
        assert config.attributes["input"] == {
            "value": {"password": "s3cret", "port": 5432},
            "type": ["object", {"password": "string", "port": "number"}],
        }
        assert config.attributes["triggers_replace"] is None
        assert config.sensitive_paths == (("input", "password"), ("output", "password"))

    def test_builtin_terraform_provider_is_named_terraform(self, v4: ParsedState) -> None:
        config = by_address(v4)["terraform_data.config"]
        assert config.provider == "terraform"
        assert config.provider_config == 'provider["terraform.io/builtin/terraform"]'

    def test_legacy_attributes_flat_is_kept_as_a_flatmap_of_strings(self, v4: ParsedState) -> None:
        legacy = by_address(v4)["aws_security_group.legacy"]
        assert legacy.attributes == {
            "id": "sg-0123456789abcdef0",
            "name": "legacy",
            "ingress.#": "1",
            "ingress.2541437006.from_port": "22",
            "tags.%": "1",
            "tags.Name": "legacy",
        }
        assert legacy.id == "sg-0123456789abcdef0"

    def test_attributes_win_over_attributes_flat_when_both_are_present(self) -> None:
        doc = state(
            resources=[
                resource(
                    instances=[instance(attributes={"id": "new"}, attributes_flat={"id": "old"})]
                )
            ]
        )
        assert parse_state(encode(doc)).resources[0].attributes == {"id": "new"}

    def test_provider_alias_and_module_scoped_providers_give_the_short_name(
        self, v4: ParsedState
    ) -> None:
        web = by_address(v4)["aws_instance.web[0]"]
        assert (web.provider, web.provider_config) == (
            "aws",
            'provider["registry.terraform.io/hashicorp/aws"].west',
        )
        assert by_address(v4)["module.network.aws_vpc.main"].provider == "aws"

    def test_schema_version_is_kept_per_instance(self, v4: ParsedState) -> None:
        assert by_address(v4)["aws_db_instance.main"].schema_version == 2
        assert by_address(v4)['aws_s3_bucket.b["logs"]'].schema_version == 0

    def test_outputs_keep_value_type_and_sensitivity(self, v4: ParsedState) -> None:
        assert v4.outputs == (
            StateOutput(
                name="bucket_names",
                value=["acme-assets", "acme-logs"],
                sensitive=False,
                type=["tuple", ["string", "string"]],
            ),
            StateOutput(name="db_password", value="hunter2", sensitive=True, type="string"),
        )

    def test_id_is_the_id_attribute_or_none_when_empty_or_absent(self) -> None:
        doc = state(
            resources=[
                resource(
                    instances=[
                        instance(index_key=0, attributes={"id": ""}),
                        instance(index_key=1, attributes={"name": "no id"}),
                        instance(index_key=2, attributes={"id": 12345}),
                        instance(index_key=3, attributes={"id": None}),
                    ]
                )
            ]
        )
        assert [r.id for r in parse_state(encode(doc)).resources] == [None, None, "12345", None]

    def test_unknown_fields_are_ignored_at_every_level(self) -> None:
        doc = state(
            future_top_level={"x": 1},
            check_results=[{"object_kind": "resource"}],
            resources=[
                resource(
                    future_resource_field=[1, 2],
                    instances=[
                        instance(
                            future_instance_field=True,
                            identity={"id": "x-1"},
                            private="AAAA",
                        )
                    ],
                )
            ],
            outputs={"o": {"value": 1, "type": "number", "future_output_field": "?"}},
        )
        parsed = parse_state(encode(doc))
        assert [r.address for r in parsed.resources] == ["aws_vpc.main"]
        assert parsed.outputs == (StateOutput(name="o", value=1, sensitive=False, type="number"),)

    def test_a_state_with_no_resources_or_outputs_is_empty(self) -> None:
        parsed = parse_state(b'{"version": 4, "serial": 0}')
        assert parsed == ParsedState(
            version=4, terraform_version=None, serial=0, lineage=None, resources=(), outputs=()
        )

    def test_text_is_accepted_as_well_as_bytes(self) -> None:
        text = fixture_bytes("v4_full.tfstate").decode()
        assert parse_state(text) == parse_state(fixture_bytes("v4_full.tfstate"))

    def test_a_leading_byte_order_mark_is_tolerated(self) -> None:
        parsed = parse_state(b"\xef\xbb\xbf" + encode(state()))
        assert parsed.serial == 1

    def test_an_integral_float_index_key_is_read_as_an_integer(self) -> None:
        doc = state(resources=[resource(instances=[instance(index_key=2.0)])])
        assert parse_state(encode(doc)).resources[0].address == "aws_vpc.main[2]"

    def test_a_sensitive_path_into_a_set_element_stops_at_the_set(self) -> None:
        # Set elements have no int/str key: hiding the whole set is the safe reading.
        step = {"type": "index", "value": {"value": {"a": 1}, "type": ["object", {"a": "number"}]}}
        path = [{"type": "get_attr", "value": "rule"}, step, {"type": "get_attr", "value": "a"}]
        doc = state(resources=[resource(instances=[instance(sensitive_attributes=[path, []])])])
        assert parse_state(encode(doc)).resources[0].sensitive_paths == (("rule",), ())


class TestVersion3:
    def test_header_fields_are_read(self, v3: ParsedState) -> None:
        assert (v3.version, v3.terraform_version, v3.serial, v3.lineage) == (
            3,
            "0.11.14",
            9,
            "0b9f6a2c-1d2e-4f3a-8b7c-6d5e4f3a2b1c",
        )

    def test_resource_keys_become_addresses_with_modules_and_indexes(self, v3: ParsedState) -> None:
        assert [(r.address, r.deposed) for r in v3.resources] == [
            ("aws_instance.web[0]", None),
            ("aws_instance.web[1]", None),
            ("aws_instance.web[1]", "00000000"),
            ("aws_security_group.web", None),
            ("data.aws_ami.ubuntu", None),
            ("module.network.module.subnets.aws_subnet.this", None),
        ]

    def test_instances_map_to_the_same_value_objects_as_version_4(self, v3: ParsedState) -> None:
        assert by_address(v3)["aws_instance.web[0]"] == StateResource(
            address="aws_instance.web[0]",
            mode="managed",
            type="aws_instance",
            name="web",
            provider="aws",
            provider_config="provider.aws",
            index_key=0,
            id="i-0aaa",
            attributes={"id": "i-0aaa", "ami": "ami-1", "tags.%": "1", "tags.Name": "web-0"},
            dependencies=("aws_security_group.web",),
            schema_version=1,
        )

    def test_data_keys_become_data_sources(self, v3: ParsedState) -> None:
        ami = by_address(v3)["data.aws_ami.ubuntu"]
        assert (ami.mode, ami.type, ami.name, ami.id) == ("data", "aws_ami", "ubuntu", "ami-1")

    def test_tainted_and_deposed_instances_are_marked(self, v3: ParsedState) -> None:
        assert by_address(v3)["aws_instance.web[1]"].status == "tainted"
        old = [r for r in v3.resources if r.deposed]
        assert [r.id for r in old] == ["i-0old"]
        assert "i-0old" not in {r.id for r in v3.managed}

    def test_an_empty_provider_means_the_default_config_of_the_implied_provider(
        self, v3: ParsedState
    ) -> None:
        sg = by_address(v3)["aws_security_group.web"]
        assert (sg.provider, sg.provider_config) == ("aws", "provider.aws")

    def test_module_scoped_and_aliased_legacy_providers_give_the_short_name(
        self, v3: ParsedState
    ) -> None:
        subnet = by_address(v3)["module.network.module.subnets.aws_subnet.this"]
        assert (subnet.provider, subnet.module) == ("aws", "module.network.module.subnets")
        assert by_address(v3)["aws_instance.web[1]"].provider_config == "provider.aws.west"

    def test_only_root_module_outputs_are_state_outputs(self, v3: ParsedState) -> None:
        assert v3.outputs == (
            StateOutput(name="ip", value="10.0.0.5", sensitive=False, type="string"),
            StateOutput(name="token", value="abc123", sensitive=True, type="string"),
        )

    def test_lineage_may_be_missing(self) -> None:
        parsed = parse_state(b'{"version": 3, "serial": 1, "modules": []}')
        assert (parsed.lineage, parsed.resources) == (None, ())


class TestShowJson:
    """`terraform show -json` of a state: the JSON output format, read into the same values."""

    def test_an_empty_state_has_no_values(self) -> None:
        assert parse_state(b'{"format_version": "1.0"}') == ParsedState(
            version=0, terraform_version=None, serial=None, lineage=None, resources=(), outputs=()
        )

    def test_an_empty_root_module_gives_an_empty_state(self) -> None:
        doc = show(values={"root_module": {}})
        parsed = parse_state(encode(doc))
        assert (parsed.version, parsed.terraform_version, parsed.resources) == (0, "1.11.4", ())

    def test_a_later_minor_format_version_is_read(self) -> None:
        assert parse_state(encode(show(format_version="1.9"))).version == 0

    def test_a_resource_maps_to_the_same_value_object_as_in_a_state_file(self) -> None:
        doc = show_resources(
            show_resource(
                address='aws_s3_bucket.b["logs"]',
                type="aws_s3_bucket",
                name="b",
                index="logs",
                schema_version=0,
                values={"id": "acme-logs", "tags": {"Name": "logs"}},
                sensitive_values={"tags": {}},
                depends_on=["aws_kms_key.k"],
            )
        )
        assert parse_state(encode(doc)).resources == (
            StateResource(
                address='aws_s3_bucket.b["logs"]',
                mode="managed",
                type="aws_s3_bucket",
                name="b",
                provider="aws",
                provider_config=AWS,
                index_key="logs",
                id="acme-logs",
                attributes={"id": "acme-logs", "tags": {"Name": "logs"}},
                dependencies=("aws_kms_key.k",),
                schema_version=0,
            ),
        )

    def test_child_modules_give_their_address_as_the_module_path_recursively(self) -> None:
        grandchild = {
            "address": 'module.net.module.subnets["private"]',
            "resources": [show_resource(type="aws_subnet", name="this", index=0)],
        }
        child = {
            "address": "module.net",
            "resources": [show_resource(mode="data", type="aws_region", name="here")],
            "child_modules": [grandchild],
        }
        doc = show_resources(show_resource(), child_modules=[child])
        assert [(r.address, r.module) for r in parse_state(encode(doc)).resources] == [
            ("aws_vpc.main", None),
            ("module.net.data.aws_region.here", "module.net"),
            (
                'module.net.module.subnets["private"].aws_subnet.this[0]',
                'module.net.module.subnets["private"]',
            ),
        ]

    def test_deeply_nested_modules_are_read(self) -> None:
        # Two JSON levels per module: about as deep as the JSON decoder goes.
        module: dict[str, Any] = {"address": "module.m", "resources": [show_resource()]}
        for _ in range(400):
            module = {"address": "module.m", "child_modules": [module]}
        parsed = parse_state(encode(show_resources(child_modules=[module])))
        assert [r.address for r in parsed.resources] == ["module.m.aws_vpc.main"]

    def test_the_provider_source_gives_the_short_name_and_a_configuration_address(
        self,
    ) -> None:
        doc = show_resources(
            show_resource(),
            show_resource(
                type="terraform_data", name="d", provider_name="terraform.io/builtin/terraform"
            ),
        )
        assert [(r.provider, r.provider_config) for r in parse_state(encode(doc)).resources] == [
            ("aws", AWS),
            ("terraform", 'provider["terraform.io/builtin/terraform"]'),
        ]

    def test_sensitive_values_become_paths_to_their_true_leaves(self) -> None:
        sensitive = {
            "password": True,
            "tags": {"Name": True, "Env": False},
            "ebs_block_device": [{"kms_key_id": False}, {"kms_key_id": True}],
            "ports": [False, True],
            "empty": [],
            "nothing": {},
            "unset": None,
        }
        doc = show_resources(show_resource(sensitive_values=sensitive))
        assert parse_state(encode(doc)).resources[0].sensitive_paths == (
            ("password",),
            ("tags", "Name"),
            ("ebs_block_device", 1, "kms_key_id"),
            ("ports", 1),
        )

    def test_sensitive_values_true_at_the_top_hides_everything(self) -> None:
        doc = show_resources(show_resource(sensitive_values=True))
        assert parse_state(encode(doc)).resources[0].sensitive_paths == ((),)

    def test_missing_or_null_sensitive_values_and_values_mean_none(self) -> None:
        bare = {k: v for k, v in show_resource().items() if k not in ("values", "sensitive_values")}
        doc = show_resources(bare, show_resource(values=None, sensitive_values=None))
        for r in parse_state(encode(doc)).resources:
            assert (r.attributes, r.id, r.sensitive_paths) == ({}, None, ())

    def test_tainted_and_deposed_objects_are_marked(self) -> None:
        doc = show_resources(
            show_resource(tainted=True),
            show_resource(deposed_key="00abcdef", values={"id": "vpc-old"}),
            show_resource(tainted=False),
        )
        parsed = parse_state(encode(doc))
        assert [(r.id, r.status, r.deposed) for r in parsed.resources] == [
            ("vpc-1", "tainted", None),
            ("vpc-old", None, "00abcdef"),
            ("vpc-1", None, None),
        ]
        assert [r.id for r in parsed.managed] == ["vpc-1", "vpc-1"]

    def test_the_address_field_is_not_trusted_over_the_other_fields(self) -> None:
        doc = show_resources(show_resource(address="something.else", index=2))
        assert parse_state(encode(doc)).resources[0].address == "aws_vpc.main[2]"

    def test_outputs_keep_value_type_and_sensitivity(self) -> None:
        doc = show(
            values={
                "outputs": {
                    "token": {"sensitive": True, "value": "abc", "type": "string"},
                    "n": {"sensitive": False, "value": 2},
                }
            }
        )
        assert parse_state(encode(doc)).outputs == (
            StateOutput(name="token", value="abc", sensitive=True, type="string"),
            StateOutput(name="n", value=2, sensitive=False),
        )

    def test_unknown_fields_are_ignored(self) -> None:
        doc = show_resources(
            show_resource(identity={"id": "vpc-1"}, identity_schema_version=0, future=[1])
        )
        doc["checks"] = []
        doc["values"]["root_module"]["future"] = True
        assert [r.address for r in parse_state(encode(doc)).resources] == ["aws_vpc.main"]


class TestProviderShortName:
    @pytest.mark.parametrize(
        ("address", "short"),
        [
            ('provider["registry.terraform.io/hashicorp/aws"]', "aws"),
            ('provider["registry.terraform.io/hashicorp/aws"].west', "aws"),
            ('provider["terraform.io/builtin/terraform"]', "terraform"),
            ('provider["registry.terraform.io/digitalocean/digitalocean"]', "digitalocean"),
            ('module.x.provider["registry.terraform.io/hashicorp/google"]', "google"),
            ('module.a["k"].provider["example.com/acme/thing"].alias', "thing"),
            ("provider.aws", "aws"),
            ("provider.aws.west", "aws"),
            ("module.child.provider.azurerm", "azurerm"),
        ],
    )
    def test_gives_the_provider_type(self, address: str, short: str) -> None:
        assert provider_short_name(address) == short

    @pytest.mark.parametrize("address", ["", "aws", 'provider[""]', "provider.", 'provider["a/"]'])
    def test_rejects_what_is_not_a_provider_address(self, address: str) -> None:
        with pytest.raises(StateFormatError, match="not a provider configuration address"):
            provider_short_name(address)


class TestResourceAddress:
    @pytest.mark.parametrize(
        ("args", "address"),
        [
            ((None, "managed", "aws_vpc", "main", None), "aws_vpc.main"),
            (("module.web", "managed", "aws_instance", "app", 0), "module.web.aws_instance.app[0]"),
            ((None, "data", "aws_ami", "ubuntu", None), "data.aws_ami.ubuntu"),
            (
                ('module.a["k"]', "managed", "aws_s3_bucket", "b", "logs"),
                'module.a["k"].aws_s3_bucket.b["logs"]',
            ),
            (("module.m", "data", "t", "n", 3), "module.m.data.t.n[3]"),
        ],
    )
    def test_builds_the_address_terraform_prints(
        self, args: tuple[str | None, str, str, str, int | str | None], address: str
    ) -> None:
        assert resource_address(*args) == address

    @pytest.mark.parametrize(
        ("key", "quoted"),
        [
            ('say "hi"', r'["say \"hi\""]'),
            ("back\\slash", r'["back\\slash"]'),
            ("two\nlines\tand\rreturn", r'["two\nlines\tand\rreturn"]'),
            ("${var}", '["$${var}"]'),
            ("%{if}", '["%%{if}"]'),
            ("$ and % alone", '["$ and % alone"]'),
            ("bell\x07", r'["bell\u0007"]'),
            ("héllo wörld ☃", '["héllo wörld ☃"]'),
            ("", '[""]'),
        ],
    )
    def test_string_keys_are_quoted_the_way_terraform_quotes_them(
        self, key: str, quoted: str
    ) -> None:
        assert resource_address(None, "managed", "t", "n", key) == f"t.n{quoted}"


# --- malformed input --------------------------------------------------------------------------

MALFORMED: list[tuple[str, bytes | str, str]] = [
    ("empty", b"", "empty input"),
    ("only whitespace", b"  \n\t ", "empty input"),
    ("binary garbage", b"\x00\x01\x02\xfe\xff", "not valid JSON at line 1 column 1"),
    (
        "invalid UTF-8 in a string",
        b'{"version": 4,\n "lineage": "\xff"}',
        "not valid UTF-8 at line 2",
    ),
    (
        "invalid UTF-8 in a key",
        b'{"version": 4,\n\n "\xc3\x28": 1}',
        "not valid UTF-8 at line 3 column 3",
    ),
    ("a lone surrogate in text", '{"lineage": "\ud800"}', "lone surrogate"),
    ("gzip", b"\x1f\x8b\x08\x00rest", "gzip-compressed"),
    ("zip", b"PK\x03\x04rest", "zip archive"),
    ("truncated JSON", b'{"version": 4, "serial"', "not valid JSON: the document ends too early"),
    ("trailing garbage", b'{"version": 4} x', "not valid JSON at line 1 column 16"),
    ("a list", b"[]", "top-level JSON is a list, expected an object"),
    ("a string", b'"state"', "top-level JSON is a string, expected an object"),
    ("a number", b"4", "top-level JSON is a number, expected an object"),
    ("null", b"null", "top-level JSON is null, expected an object"),
    ("deep nesting", b"[" * 100_000, "not"),
    ("no version", b'{"serial": 1}', "no 'version' field"),
    (
        "terraform show -json of a plan",
        b'{"format_version": "1.2", "planned_values": {}, "resource_changes": []}',
        "this is `terraform show -json` output of a plan, not a state file; pass the .tfstate",
    ),
    (
        "terraform show -json of a plan that changes nothing",
        b'{"format_version": "1.2", "terraform_version": "1.11.4", "prior_state": {}}',
        "output of a plan, not a state file",
    ),
    (
        "show -json with a numeric format_version",
        b'{"format_version": 1.0}',
        "'format_version' must be a version string like \"1.0\", got a number",
    ),
    (
        "show -json of an unknown major format",
        b'{"format_version": "2.0"}',
        "unsupported `terraform show -json` format_version (driftmgr reads 1.x)",
    ),
    ("show -json values not an object", encode(show(values=[])), "'values' must be an object"),
    (
        "show -json root_module not an object",
        encode(show(values={"root_module": 1})),
        "values: 'root_module' must be an object",
    ),
    (
        "show -json resources not a list",
        encode(show(values={"root_module": {"resources": {}}})),
        "values.root_module: 'resources' must be an array",
    ),
    (
        "show -json resource not an object",
        encode(show_resources("x")),
        "values.root_module.resources[0] must be an object, got a string",
    ),
    (
        "show -json unknown mode",
        encode(show_resources(show_resource(mode="ephemeral"))),
        'values.root_module.resources[0]: \'mode\' must be either "managed" or "data"',
    ),
    (
        "show -json resource without a type",
        encode(show_resources({**show_resource(), "type": None})),
        "values.root_module.resources[0]: 'type' must be a string, got null",
    ),
    (
        "show -json resource without provider_name",
        encode(show_resources({k: v for k, v in show_resource().items() if k != "provider_name"})),
        "values.root_module.resources[0]: missing 'provider_name'",
    ),
    (
        "show -json provider_name that is not a source address",
        encode(show_resources(show_resource(provider_name="registry.terraform.io/hashicorp/"))),
        "'provider_name' must be a provider source address like",
    ),
    (
        "show -json provider_name with a quote",
        encode(show_resources(show_resource(provider_name='a/b"]x/aws'))),
        "'provider_name' must be a provider source address like",
    ),
    (
        "show -json boolean index",
        encode(show_resources(show_resource(index=False))),
        "values.root_module.resources[0]: 'index' must be an integer or a string, got a boolean",
    ),
    (
        "show -json resource values not an object",
        encode(show_resources(show_resource(values=[1]))),
        "values.root_module.resources[0]: 'values' must be an object, got a list",
    ),
    (
        "show -json sensitive leaf not a boolean",
        encode(show_resources(show_resource(sensitive_values={"tags": {"Name": "yes"}}))),
        'values.root_module.resources[0].sensitive_values["tags"]["Name"] must be a boolean, '
        "an object or an array, got a string",
    ),
    (
        "show -json sensitive leaf in a list not a boolean",
        encode(show_resources(show_resource(sensitive_values={"ports": [False, 1]}))),
        'resources[0].sensitive_values["ports"][1] must be a boolean, an object or an array',
    ),
    (
        "show -json non-boolean tainted",
        encode(show_resources(show_resource(tainted="yes"))),
        "'tainted' must be a boolean",
    ),
    (
        "show -json numeric deposed key",
        encode(show_resources(show_resource(deposed_key=7))),
        "'deposed_key' must be a string",
    ),
    (
        "show -json non-string dependency",
        encode(show_resources(show_resource(depends_on=[None]))),
        "values.root_module.resources[0].depends_on[0] must be a string, got null",
    ),
    (
        "show -json negative schema version",
        encode(show_resources(show_resource(schema_version=-1))),
        "'schema_version' must be a non-negative integer",
    ),
    (
        "show -json child_modules not a list",
        encode(show(values={"root_module": {"child_modules": {}}})),
        "values.root_module: 'child_modules' must be an array",
    ),
    (
        "show -json child module without an address",
        encode(show(values={"root_module": {"child_modules": [{"resources": []}]}})),
        "values.root_module.child_modules[0]: missing 'address'",
    ),
    (
        "show -json bad resource in a grandchild module",
        encode(
            show(
                values={
                    "root_module": {
                        "child_modules": [
                            {
                                "address": "module.a",
                                "child_modules": [
                                    {"address": "module.a.module.b", "resources": [3]}
                                ],
                            }
                        ]
                    }
                }
            )
        ),
        "values.root_module.child_modules[0].child_modules[0].resources[0] must be an object",
    ),
    (
        "show -json outputs not an object",
        encode(show(values={"outputs": []})),
        "values: 'outputs' must be an object",
    ),
    (
        "show -json output without a value",
        encode(show(values={"outputs": {"o": {"sensitive": False}}})),
        "values.outputs[\"o\"]: missing 'value'",
    ),
    ("a string version", b'{"version": "4"}', "'version' must be an integer, got a string"),
    ("a boolean version", b'{"version": true}', "'version' must be an integer, got a boolean"),
    ("version 5", b'{"version": 5, "serial": 1}', "unsupported state version (driftmgr reads"),
    ("version 2", b'{"version": 2, "serial": 1}', "unsupported state version"),
    ("no serial", b'{"version": 4}', "missing 'serial'"),
    ("a string serial", encode(state(serial="17")), "'serial' must be a non-negative integer"),
    ("a negative serial", encode(state(serial=-1)), "'serial' must be a non-negative integer"),
    ("a fractional serial", encode(state(serial=1.5)), "got a number"),
    ("a numeric lineage", encode(state(lineage=7)), "'lineage' must be a string"),
    ("a list terraform_version", encode(state(terraform_version=[])), "'terraform_version'"),
    ("resources not a list", encode(state(resources={})), "'resources' must be an array"),
    ("a resource not an object", encode(state(resources=[1])), "resources[0] must be an object"),
    (
        "an unknown mode",
        encode(state(resources=[resource(mode="weird")])),
        'resources[0]: \'mode\' must be either "managed" or "data", got a string',
    ),
    ("no type", encode(state(resources=[{"mode": "managed"}])), "resources[0]: missing 'type'"),
    ("an empty name", encode(state(resources=[resource(name="")])), "'name' must be a non-empty"),
    ("no provider", encode(state(resources=[{**resource(), "provider": None}])), "'provider'"),
    (
        "a garbage provider",
        encode(state(resources=[resource(provider="aws")])),
        "resources[0]: 'provider' is not a provider configuration address",
    ),
    (
        "instances not a list",
        encode(state(resources=[resource(instances="x")])),
        "'instances' must be an array",
    ),
    (
        "an instance not an object",
        encode(state(resources=[resource(), resource(instances=[None])])),
        "resources[1].instances[0] must be an object, got null",
    ),
    (
        "attributes not an object",
        encode(
            state(resources=[resource(), resource(), resource(instances=[instance(attributes=[])])])
        ),
        "resources[2].instances[0]: 'attributes' must be an object",
    ),
    (
        "attributes_flat with a non-string value",
        encode(
            state(resources=[resource(instances=[{"attributes_flat": {"id": "x", "count": 1}}])])
        ),
        'resources[0].instances[0].attributes_flat["count"] must be a string',
    ),
    (
        "a boolean index key",
        encode(state(resources=[resource(instances=[instance(index_key=True)])])),
        "resources[0].instances[0]: 'index_key' must be an integer or a string, got a boolean",
    ),
    (
        "a fractional index key",
        encode(state(resources=[resource(instances=[instance(index_key=0.5)])])),
        "'index_key' must be an integer or a string",
    ),
    (
        "an unknown status",
        encode(state(resources=[resource(instances=[instance(status="gone")])])),
        "'status' must be \"tainted\" or absent",
    ),
    (
        "a numeric deposed key",
        encode(state(resources=[resource(instances=[instance(deposed=1)])])),
        "'deposed' must be a string",
    ),
    (
        "a negative schema version",
        encode(state(resources=[resource(instances=[instance(schema_version=-1)])])),
        "'schema_version' must be a non-negative integer",
    ),
    (
        "sensitive_attributes not a list",
        encode(state(resources=[resource(instances=[instance(sensitive_attributes={})])])),
        "'sensitive_attributes' must be an array",
    ),
    (
        "a sensitive path not a list",
        encode(state(resources=[resource(instances=[instance(sensitive_attributes=["pw"])])])),
        "sensitive_attributes[0] must be an array of path steps",
    ),
    (
        "an unknown path step",
        encode(
            state(
                resources=[
                    resource(
                        instances=[instance(sensitive_attributes=[[{"type": "splat", "value": 1}]])]
                    )
                ]
            )
        ),
        'sensitive_attributes[0][0]: \'type\' must be either "get_attr" or "index"',
    ),
    (
        "a get_attr step without a name",
        encode(
            state(
                resources=[
                    resource(instances=[instance(sensitive_attributes=[[{"type": "get_attr"}]])])
                ]
            )
        ),
        "sensitive_attributes[0][0]: missing 'value'",
    ),
    (
        "an index step without a wrapped value",
        encode(
            state(
                resources=[
                    resource(
                        instances=[instance(sensitive_attributes=[[{"type": "index", "value": 1}]])]
                    )
                ]
            )
        ),
        "sensitive_attributes[0][0].value must be an object",
    ),
    (
        "a non-string dependency",
        encode(state(resources=[resource(instances=[instance(dependencies=["a.b", 3])])])),
        "resources[0].instances[0].dependencies[1] must be a string, got a number",
    ),
    ("outputs not an object", encode(state(outputs=[])), "'outputs' must be an object"),
    ("an output not an object", encode(state(outputs={"o": 1})), 'outputs["o"] must be an object'),
    (
        "an output without a value",
        encode(state(outputs={"o": {}})),
        "outputs[\"o\"]: missing 'value'",
    ),
    (
        "a non-boolean sensitive flag",
        encode(state(outputs={"o": {"value": 1, "sensitive": "yes"}})),
        "'sensitive' must be a boolean",
    ),
    ("v3 modules not a list", b'{"version": 3, "serial": 1, "modules": {}}', "'modules' must be"),
    ("v3 no serial", b'{"version": 3, "modules": []}', "missing 'serial'"),
    (
        "v3 module without a path",
        b'{"version": 3, "serial": 1, "modules": [{}]}',
        "modules[0]: 'path' must be an array of names starting with \"root\"",
    ),
    (
        "v3 path not from root",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["child"]}]}',
        "'path' must be an array of names starting with \"root\"",
    ),
    (
        "v3 resources not an object",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"], "resources": []}]}',
        "modules[0]: 'resources' must be an object",
    ),
    (
        "v3 unparseable key",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"], "resources": {"x": {}}}]}',
        'modules[0].resources: key #0 must look like "type.name"',
    ),
    (
        "v3 primary not an object",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"],'
        b' "resources": {"a_b.c": {"primary": 1}}}]}',
        'modules[0].resources["a_b.c"].primary must be an object',
    ),
    (
        "v3 non-flatmap attributes",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"],'
        b' "resources": {"a_b.c": {"primary": {"attributes": {"n": 1}}}}}]}',
        'primary.attributes["n"] must be a string',
    ),
    (
        "v3 non-boolean tainted",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"],'
        b' "resources": {"a_b.c": {"primary": {"tainted": "no"}}}}]}',
        "'tainted' must be a boolean",
    ),
    (
        "v3 bad schema version",
        b'{"version": 3, "serial": 1, "modules": [{"path": ["root"],'
        b' "resources": {"a_b.c": {"primary": {"meta": {"schema_version": "x"}}}}}]}',
        "primary.meta: 'schema_version' must be a non-negative integer",
    ),
]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [pytest.param(data, fragment, id=name) for name, data, fragment in MALFORMED],
)
def test_input_that_is_not_a_readable_state_is_rejected_with_a_one_line_reason(
    data: bytes | str, fragment: str
) -> None:
    with pytest.raises(StateFormatError) as caught:
        parse_state(data)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


MARK = "hunter2-Z9"
"""A value planted in documents that are not readable states: no message may repeat it."""


@pytest.mark.parametrize(
    "document",
    [
        {"version": MARK},
        {"version": 4, "serial": MARK},
        {"version": 9, "serial": 1, "lineage": MARK},
        {"format_version": f"9.{MARK}"},
        {"format_version": "1.0", "values": {"root_module": {"resources": [MARK]}}},
        state(resources=[resource(mode=MARK)]),
        state(resources=[resource(provider=f'provider["{MARK}"')]),
        state(resources=[resource(instances=[instance(index_key=[MARK])])]),
        state(resources=[resource(instances=[instance(dependencies=[{MARK: MARK}])])]),
        state(outputs={f"{MARK} with spaces": 1}),
        {"version": 3, "serial": 1, "modules": [{"path": ["root"], "resources": {MARK: {}}}]},
        {
            "version": 3,
            "serial": 1,
            "modules": [{"path": ["root"], "resources": {"a_b.c": {"provider": MARK}}}],
        },
    ],
)
def test_no_message_quotes_a_value_from_the_document(document: dict[str, Any]) -> None:
    # Messages reach API clients, and the bytes may be any file or response: they name the
    # place and the expected kind, never what was found there.
    with pytest.raises(StateFormatError) as caught:
        parse_state(encode(document))
    assert MARK not in str(caught.value)


def test_malformed_json_is_located_by_line_and_column() -> None:
    data = b'{\n  "version": 4,\n  "serial" 1\n}'
    with pytest.raises(
        StateFormatError, match=r"^not valid JSON at line 3 column 12: expected ':'"
    ):
        parse_state(data)


def test_state_format_error_is_a_value_error() -> None:
    assert issubclass(StateFormatError, ValueError)


def test_other_argument_types_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_state(42)  # type: ignore[arg-type]


# --- generated states ---------------------------------------------------------------------------

IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
# for_each keys whose HCL quoting equals their JSON quoting, so the expected address below
# can be written independently of the code under test.
FOR_EACH_KEYS = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters=" -_./:"), max_size=10
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)


def expected_key(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{json.dumps(key, ensure_ascii=False)}]" if isinstance(key, str) else f"[{key}]"


@st.composite
def module_paths(draw: st.DrawFn) -> str | None:
    calls = draw(
        st.lists(st.tuples(IDENTIFIERS, st.none() | st.integers(0, 3) | FOR_EACH_KEYS), max_size=3)
    )
    return ".".join(f"module.{name}{expected_key(key)}" for name, key in calls) or None


@st.composite
def index_keys(draw: st.DrawFn) -> list[int | str | None]:
    kind = draw(st.sampled_from(["single", "count", "for_each"]))
    if kind == "single":
        return [None]
    if kind == "count":
        return list(range(draw(st.integers(0, 4))))
    return list(draw(st.lists(FOR_EACH_KEYS, unique=True, max_size=4)))


@st.composite
def v4_states(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A valid v4 document, and what each of its instances should parse into."""
    resources: list[dict[str, Any]] = []
    expected: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        provider = draw(st.sampled_from(["aws", "google", "azurerm", "digitalocean"]))
        type_ = f"{provider}_{draw(IDENTIFIERS)}"
        name = draw(IDENTIFIERS)
        mode = draw(st.sampled_from(["managed", "data"]))
        module = draw(module_paths())
        resource_doc: dict[str, Any] = {
            "mode": mode,
            "type": type_,
            "name": name,
            "provider": f'provider["registry.terraform.io/hashicorp/{provider}"]',
            "instances": [],
        }
        if module is not None:
            resource_doc["module"] = module
        for key in draw(index_keys()):
            attributes = draw(
                st.dictionaries(IDENTIFIERS.filter(lambda k: k != "id"), JSON_VALUES, max_size=4)
            )
            id_ = draw(st.none() | st.text(min_size=1, max_size=12))
            if id_ is not None:
                attributes["id"] = id_
            instance_doc: dict[str, Any] = {"schema_version": 0, "attributes": attributes}
            if key is not None:
                instance_doc["index_key"] = key
            resource_doc["instances"].append(instance_doc)
            prefix = f"{module}." if module else ""
            data = "data." if mode == "data" else ""
            expected.append(
                {
                    "address": f"{prefix}{data}{type_}.{name}{expected_key(key)}",
                    "mode": mode,
                    "type": type_,
                    "name": name,
                    "module": module,
                    "index_key": key,
                    "id": id_,
                    "provider": provider,
                    "attributes": attributes,
                }
            )
        resources.append(resource_doc)
    doc = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": draw(st.integers(0, 2**63 - 1)),
        "lineage": draw(st.uuids()).hex,
        "outputs": {},
        "resources": resources,
    }
    return doc, expected


@settings(max_examples=200, deadline=None)
@given(v4_states())
def test_a_generated_state_yields_one_resource_per_instance_with_its_address(
    generated: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    doc, expected = generated
    parsed = parse_state(encode(doc))
    assert parsed.serial == doc["serial"]
    assert [
        {
            "address": r.address,
            "mode": r.mode,
            "type": r.type,
            "name": r.name,
            "module": r.module,
            "index_key": r.index_key,
            "id": r.id,
            "provider": r.provider,
            "attributes": r.attributes,
        }
        for r in parsed.resources
    ] == expected


def parses_or_is_rejected(data: bytes | str) -> None:
    """The robustness contract: a ParsedState, or a one-line StateFormatError, nothing else."""
    try:
        parsed = parse_state(data)
    except StateFormatError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
    else:
        assert isinstance(parsed, ParsedState)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_raise_state_format_error(data: bytes) -> None:
    parses_or_is_rejected(data)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_state_format_error(data: str) -> None:
    parses_or_is_rejected(data)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES)
def test_arbitrary_json_values_parse_or_raise_state_format_error(value: Any) -> None:
    # The stdlib encoder copes with integers of any size, which the decoder must then face.
    parses_or_is_rejected(json.dumps(value).encode())


@settings(max_examples=500, deadline=None)
@given(
    st.fixed_dictionaries(
        {"version": st.sampled_from([3, 4]), "serial": st.integers(0, 5)},
        optional={
            "resources": JSON_VALUES,
            "modules": JSON_VALUES,
            "outputs": JSON_VALUES,
            "lineage": JSON_VALUES,
        },
    )
)
def test_arbitrary_json_under_state_headers_parses_or_raises_state_format_error(
    doc: dict[str, Any],
) -> None:
    parses_or_is_rejected(json.dumps(doc).encode())


REAL_STATES = Path(__file__).parents[3] / "data" / "terraform" / "states"
FIXTURE_DOCS = [
    json.loads(fixture_bytes("v4_full.tfstate")),
    json.loads(fixture_bytes("v3.tfstate")),
    json.loads((REAL_STATES / "default.tfstate").read_bytes()),
    json.loads((REAL_STATES / "default.show.json").read_bytes()),
]


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    """A fixture state with one randomly chosen node replaced by random JSON, or deleted."""
    doc = copy.deepcopy(draw(st.sampled_from(FIXTURE_DOCS)))
    node: Any = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        if draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(JSON_VALUES)
        return doc


@settings(max_examples=500, deadline=None)
@given(mutated_fixtures())
def test_a_fixture_with_one_part_broken_parses_or_raises_state_format_error(doc: Any) -> None:
    parses_or_is_rejected(json.dumps(doc).encode())
