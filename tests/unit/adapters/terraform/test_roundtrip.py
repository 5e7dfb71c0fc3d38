"""serialise_state: what it writes, parse_state reads back into the same ParsedState."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.adapters.terraform.state import (
    ParsedState,
    StateOutput,
    parse_state,
    resource_address,
    serialise_state,
)
from driftmgr.domain.resources import StateResource

HAND_WRITTEN = Path(__file__).parent / "data"
TERRAFORM_DATA = Path(__file__).parents[3] / "data" / "terraform"
REAL = TERRAFORM_DATA / "states"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def roundtrip(state: ParsedState) -> ParsedState:
    return parse_state(serialise_state(state))


def encode(doc: Any) -> bytes:
    return msgspec.json.encode(doc)


# --- fixture files ------------------------------------------------------------------------------

V4_FILES = [HAND_WRITTEN / "v4_full.tfstate", REAL / "default.tfstate", REAL / "staging.tfstate"]


@pytest.mark.parametrize("path", V4_FILES, ids=lambda p: p.name)
def test_a_version_4_fixture_reads_back_equal(path: Path) -> None:
    state = parse_state(path.read_bytes())
    assert roundtrip(state) == state


def test_the_version_3_fixture_reads_back_equal_but_as_version_4() -> None:
    state = parse_state((HAND_WRITTEN / "v3.tfstate").read_bytes())
    again = roundtrip(state)
    assert again.version == 4
    assert again == msgspec.structs.replace(state, version=4)


def test_the_show_json_fixture_reads_back_equal_but_as_a_version_4_state_with_serial_0() -> None:
    state = parse_state((REAL / "default.show.json").read_bytes())
    assert (state.version, state.serial, state.lineage) == (0, None, None)
    assert roundtrip(state) == msgspec.structs.replace(state, version=4, serial=0)


@pytest.mark.parametrize("name", ["default.tfstate", "staging.tfstate"])
def test_a_real_state_is_written_as_terraform_wrote_it_but_for_private_data(name: str) -> None:
    raw = (REAL / name).read_bytes()
    original = json.loads(raw)
    for resource in original["resources"]:
        for instance in resource["instances"]:
            instance.pop("private", None)  # provider blobs: driftmgr does not keep them
    assert json.loads(serialise_state(parse_state(raw))) == original


@pytest.mark.parametrize("path", V4_FILES, ids=lambda p: p.name)
def test_sensitive_paths_are_written_back_as_the_cty_steps_terraform_wrote(path: Path) -> None:
    def steps(doc: dict[str, Any]) -> list[Any]:
        # An instance without the field has no sensitive paths; the writer always writes it.
        return [
            i.get("sensitive_attributes") or [] for r in doc["resources"] for i in r["instances"]
        ]

    written = json.loads(serialise_state(parse_state(path.read_bytes())))
    assert steps(written) == steps(json.loads(path.read_bytes()))


def test_the_hand_written_fixture_s_legacy_parts_are_written_in_the_current_form() -> None:
    doc = json.loads(serialise_state(parse_state((HAND_WRITTEN / "v4_full.tfstate").read_bytes())))
    legacy = next(r for r in doc["resources"] if r["name"] == "legacy")
    (instance,) = legacy["instances"]
    assert "attributes" not in instance
    assert instance["attributes_flat"]["ingress.#"] == "1"
    assert instance["dependencies"] == ["aws_vpc.main"]  # read from `depends_on`
    assert "depends_on" not in instance


def test_version_3_attributes_are_written_as_attributes_flat() -> None:
    doc = json.loads(serialise_state(parse_state((HAND_WRITTEN / "v3.tfstate").read_bytes())))
    instances = [i for r in doc["resources"] for i in r["instances"]]
    assert all("attributes_flat" in i and "attributes" not in i for i in instances)
    # The legacy provider addresses are kept as they were read.
    assert {r["provider"] for r in doc["resources"]} == {
        "provider.aws",
        "provider.aws.west",
        "module.network.provider.aws",
    }


# --- what is written ----------------------------------------------------------------------------


def instance_of(address_key: int | str | None = None, **fields: Any) -> StateResource:
    values: dict[str, Any] = {
        "address": resource_address(None, "managed", "aws_vpc", "main", address_key),
        "mode": "managed",
        "type": "aws_vpc",
        "name": "main",
        "provider": "aws",
        "provider_config": AWS,
        "index_key": address_key,
        **fields,
    }
    return StateResource(**values)


def parsed(*resources: StateResource, **fields: Any) -> ParsedState:
    values: dict[str, Any] = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 3,
        "lineage": "l-1",
        "resources": resources,
        "outputs": (),
        **fields,
    }
    return ParsedState(**values)


def test_an_empty_state_is_a_minimal_version_4_document() -> None:
    state = ParsedState(
        version=0, terraform_version=None, serial=None, lineage=None, resources=(), outputs=()
    )
    assert json.loads(serialise_state(state)) == {
        "version": 4,
        "serial": 0,
        "outputs": {},
        "resources": [],
        "check_results": None,
    }


def test_instances_of_one_resource_are_grouped_in_order_of_first_appearance() -> None:
    other = StateResource(
        address="aws_subnet.a",
        mode="managed",
        type="aws_subnet",
        name="a",
        provider="aws",
        provider_config=AWS,
    )
    state = parsed(instance_of(0), other, instance_of(1))
    doc = json.loads(serialise_state(state))
    assert [
        (r["type"], [i.get("index_key") for i in r["instances"]]) for r in doc["resources"]
    ] == [
        ("aws_vpc", [0, 1]),
        ("aws_subnet", [None]),
    ]
    assert [r.address for r in roundtrip(state).resources] == [
        "aws_vpc.main[0]",
        "aws_vpc.main[1]",
        "aws_subnet.a",
    ]


def test_instances_under_different_provider_configurations_are_different_resources() -> None:
    state = parsed(instance_of(0), instance_of(1, provider_config=AWS + ".west"))
    doc = json.loads(serialise_state(state))
    assert [r["provider"] for r in doc["resources"]] == [AWS, AWS + ".west"]


def test_instance_fields_are_written_only_when_set() -> None:
    state = parsed(
        instance_of(attributes={"id": "vpc-1"}),
        instance_of(
            "k",
            attributes={"id": "vpc-2"},
            status="tainted",
            deposed="0badf00d",
            schema_version=1,
            dependencies=("aws_kms_key.k",),
            sensitive_paths=(("tags", "Name"),),
        ),
    )
    doc = json.loads(serialise_state(state))
    assert doc["resources"][0]["instances"] == [
        {"attributes": {"id": "vpc-1"}, "sensitive_attributes": []},
        {
            "index_key": "k",
            "status": "tainted",
            "deposed": "0badf00d",
            "schema_version": 1,
            "attributes": {"id": "vpc-2"},
            "sensitive_attributes": [
                [
                    {"type": "get_attr", "value": "tags"},
                    {"type": "index", "value": {"value": "Name", "type": "string"}},
                ]
            ],
            "dependencies": ["aws_kms_key.k"],
        },
    ]


def test_outputs_carry_type_and_sensitivity_only_when_known() -> None:
    state = parsed(
        outputs=(
            StateOutput(name="a", value=None, sensitive=False),
            StateOutput(name="b", value="x", sensitive=True, type="string"),
        )
    )
    assert json.loads(serialise_state(state))["outputs"] == {
        "a": {"value": None},
        "b": {"value": "x", "type": "string", "sensitive": True},
    }


@pytest.mark.parametrize(
    ("attributes", "path", "kinds"),
    [
        ({"password": "x"}, ("password",), ["get_attr"]),
        # A string after a list position names a nested block's attribute.
        ({"ebs": [{"kms": "k"}]}, ("ebs", 0, "kms"), ["get_attr", "number", "get_attr"]),
        # A string after an attribute name is a map key.
        ({"tags": {"Name": "n"}}, ("tags", "Name"), ["get_attr", "string"]),
        # Through a dynamic value, the wrapped type decides.
        (
            {"input": {"value": {"a": {"b": 1}}, "type": ["object", {"a": ["map", "number"]}]}},
            ("input", "a", "b"),
            ["get_attr", "get_attr", "string"],
        ),
        (
            {"input": {"value": {"k": "v"}, "type": ["map", "string"]}},
            ("input", "k"),
            ["get_attr", "string"],
        ),
        (
            {"input": {"value": [{"x": 1}], "type": ["list", ["object", {"x": "number"}]]}},
            ("input", 0, "x"),
            ["get_attr", "number", "get_attr"],
        ),
        (
            {"input": {"value": ["a", {"m": 1}], "type": ["tuple", ["string", ["map", "number"]]]}},
            ("input", 1, "m"),
            ["get_attr", "number", "string"],
        ),
        # A path beyond the attributes falls back to the schema-shaped guess.
        ({}, ("gone", "key"), ["get_attr", "string"]),
    ],
)
def test_sensitive_paths_become_cty_steps(
    attributes: dict[str, Any], path: tuple[str | int, ...], kinds: list[str]
) -> None:
    state = parsed(instance_of(attributes=attributes, sensitive_paths=(path,)))
    (steps,) = json.loads(serialise_state(state))["resources"][0]["instances"][0][
        "sensitive_attributes"
    ]
    assert [s["type"] if s["type"] == "get_attr" else s["value"]["type"] for s in steps] == kinds
    assert [s["value"] if s["type"] == "get_attr" else s["value"]["value"] for s in steps] == list(
        path
    )
    assert roundtrip(state) == state


# --- generated documents ------------------------------------------------------------------------

IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
KEYS = st.text(max_size=8)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=10,
)
CTY_TYPES = st.recursive(
    st.sampled_from(["string", "number", "bool"]),
    lambda inner: (
        st.tuples(st.sampled_from(["list", "set", "map"]), inner).map(list)
        | st.dictionaries(IDENTIFIERS, inner, max_size=3).map(lambda d: ["object", d])
        | st.lists(inner, max_size=3).map(lambda t: ["tuple", t])
    ),
    max_leaves=6,
)
DYNAMIC = st.fixed_dictionaries({"value": JSON_VALUES, "type": CTY_TYPES})
ATTRIBUTES = st.dictionaries(IDENTIFIERS, JSON_VALUES | DYNAMIC, max_size=4)
FLATMAP = st.dictionaries(
    st.from_regex(r"[a-z]{1,4}(\.([a-z0-9]{1,3}|#|%)){0,2}", fullmatch=True),
    st.text(max_size=6),
    max_size=5,
)
STEPS = st.one_of(
    st.builds(lambda name: {"type": "get_attr", "value": name}, KEYS),
    st.builds(
        lambda n: {"type": "index", "value": {"value": n, "type": "number"}},
        st.integers(0, 5) | st.integers(0, 5).map(float),
    ),
    st.builds(lambda k: {"type": "index", "value": {"value": k, "type": "string"}}, KEYS),
    # A set element has no key: the path stops at the set.
    st.just({"type": "index", "value": {"value": {"a": 1}, "type": ["object", {"a": "number"}]}}),
)
PROVIDERS = st.sampled_from(
    [
        AWS,
        AWS + ".west",
        'provider["registry.terraform.io/hashicorp/google"]',
        'provider["terraform.io/builtin/terraform"]',
        'module.m.provider["registry.terraform.io/hashicorp/aws"]',
        "provider.aws",
    ]
)
MODULES = st.none() | st.just("") | st.from_regex(r'module\.[a-z]{1,3}(\["[a-z]{0,3}"\]|\[\d\])?')


def optional(doc: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is the marker for "leave the field out"."""
    if value is not ABSENT:
        doc[key] = value


ABSENT: Any = object()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(ABSENT) | st.none() | strategy


@st.composite
def instances(draw: st.DrawFn, key: int | str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    if key is not None:
        # Integral floats are keys too: Go reads every JSON number as a float.
        doc["index_key"] = float(key) if isinstance(key, int) and draw(st.booleans()) else key
    optional(doc, "status", draw(maybe(st.sampled_from(["tainted", ""]))))
    optional(doc, "deposed", draw(maybe(st.from_regex(r"[0-9a-f]{0,8}", fullmatch=True))))
    optional(doc, "schema_version", draw(maybe(st.integers(0, 3))))
    form = draw(st.sampled_from(["attributes", "attributes_flat", "both", "neither"]))
    if form in ("attributes", "both"):
        doc["attributes"] = draw(ATTRIBUTES)
    if form in ("attributes_flat", "both"):
        doc["attributes_flat"] = draw(FLATMAP)
    optional(
        doc, "sensitive_attributes", draw(maybe(st.lists(st.lists(STEPS, max_size=4), max_size=3)))
    )
    optional(doc, "private", draw(maybe(st.just("eyJ4IjoxfQ=="))))
    optional(doc, "create_before_destroy", draw(maybe(st.booleans())))
    dependencies = draw(maybe(st.lists(IDENTIFIERS.map(lambda n: f"aws_vpc.{n}"), max_size=3)))
    optional(doc, draw(st.sampled_from(["dependencies", "depends_on"])), dependencies)
    return doc


@st.composite
def resources(draw: st.DrawFn, module: str | None, mode: str, type_: str, name: str) -> Any:
    doc: dict[str, Any] = {"mode": mode, "type": type_, "name": name}
    if module is not None:
        doc["module"] = module
    doc["provider"] = draw(PROVIDERS)
    kind = draw(st.sampled_from(["single", "count", "for_each"]))
    if kind == "single":
        keys: list[int | str | None] = [None]
    elif kind == "count":
        keys = list(range(draw(st.integers(0, 3))))
    else:
        keys = list(draw(st.lists(KEYS, unique=True, max_size=3)))
    doc["instances"] = [draw(instances(key)) for key in keys]
    if draw(st.booleans()):
        doc["each"] = kind  # legacy, ignored
    return doc


@st.composite
def v4_documents(draw: st.DrawFn) -> dict[str, Any]:
    # Terraform writes each (module, mode, type, name) once; the serialiser relies on it to
    # keep document order, because it groups the instances of a resource together.
    heads = draw(
        st.lists(
            st.tuples(MODULES, st.sampled_from(["managed", "data"]), IDENTIFIERS, IDENTIFIERS),
            unique_by=lambda head: (head[0] or None, head[1], head[2], head[3]),
            max_size=5,
        )
    )
    doc: dict[str, Any] = {"version": 4, "serial": draw(st.integers(0, 2**63 - 1))}
    optional(doc, "terraform_version", draw(maybe(st.sampled_from(["1.11.4", "0.12.31"]))))
    optional(doc, "lineage", draw(maybe(st.uuids().map(str))))
    outputs = st.dictionaries(
        KEYS,
        st.fixed_dictionaries(
            {"value": JSON_VALUES},
            optional={"type": CTY_TYPES, "sensitive": st.booleans() | st.none()},
        ),
        max_size=3,
    )
    optional(doc, "outputs", draw(maybe(outputs)))
    doc["resources"] = [draw(resources(*head)) for head in heads]
    optional(doc, "check_results", draw(maybe(st.just([]))))
    return doc


@settings(max_examples=300, deadline=None)
@given(v4_documents())
def test_a_generated_v4_document_reads_back_equal(doc: dict[str, Any]) -> None:
    state = parse_state(encode(doc))
    assert roundtrip(state) == state


@settings(max_examples=200, deadline=None)
@given(v4_documents())
def test_writing_is_deterministic_and_a_fixed_point_after_one_pass(doc: dict[str, Any]) -> None:
    written = serialise_state(parse_state(encode(doc)))
    assert serialise_state(parse_state(written)) == written
    assert json.loads(written)["version"] == 4


SENSITIVE_TREES = st.recursive(
    st.booleans() | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=8,
)


@st.composite
def show_modules(draw: st.DrawFn, address: str | None, depth: int) -> dict[str, Any]:
    module: dict[str, Any] = {}
    if address is not None:
        module["address"] = address
    module["resources"] = [
        {
            "address": "ignored",
            "mode": draw(st.sampled_from(["managed", "data"])),
            "type": draw(IDENTIFIERS),
            "name": draw(IDENTIFIERS),
            "index": draw(st.none() | st.integers(0, 3) | KEYS),
            "provider_name": draw(
                st.sampled_from(
                    ["registry.terraform.io/hashicorp/aws", "terraform.io/builtin/terraform"]
                )
            ),
            "schema_version": draw(st.integers(0, 2)),
            "values": draw(ATTRIBUTES),
            "sensitive_values": draw(SENSITIVE_TREES),
            "depends_on": draw(st.lists(IDENTIFIERS, max_size=2)),
            "tainted": draw(st.booleans()),
            "deposed_key": draw(st.sampled_from(["", "0badf00d"])),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    # Terraform never lists one instance twice, and lists a resource's instances together:
    # keep the first of each address (and deposed object), grouped by resource, or the
    # serialiser's grouping by resource would legitimately reorder them.
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for resource in module["resources"]:
        identity = (
            resource["mode"],
            resource["type"],
            resource["name"],
            repr(resource["index"]),
            resource["deposed_key"],
        )
        if identity not in seen:
            seen.add(identity)
            unique.append(resource)
    order = {}
    for resource in unique:
        order.setdefault((resource["mode"], resource["type"], resource["name"]), len(order))
    module["resources"] = sorted(unique, key=lambda r: order[(r["mode"], r["type"], r["name"])])
    if depth < 2:
        prefix = f"{address}." if address else ""
        names = draw(st.lists(IDENTIFIERS, unique=True, max_size=2))
        module["child_modules"] = [
            draw(show_modules(f"{prefix}module.{name}", depth + 1)) for name in names
        ]
    return module


@settings(max_examples=200, deadline=None)
@given(show_modules(None, 0))
def test_a_generated_show_json_document_reads_back_equal_as_a_state(
    root: dict[str, Any],
) -> None:
    doc = {"format_version": "1.0", "values": {"root_module": root}}
    state = parse_state(encode(doc))
    assert roundtrip(state) == msgspec.structs.replace(state, version=4, serial=0)
