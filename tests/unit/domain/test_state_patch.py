"""Editing raw v4 states: every edit is the next snapshot, and Terraform's reader agrees.

The properties run on generated states (modules with keys, count and for_each instances with
awkward string keys, data sources) and check each result through
:func:`driftmgr.adapters.terraform.state.parse_state`, the reader the rest of driftmgr uses.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.adapters.terraform.state import parse_state, resource_address
from driftmgr.domain.resources import StateResource
from driftmgr.domain.state_patch import (
    StatePatchError,
    lineage_of,
    remove_instance,
    restore,
    serial_of,
    set_attributes,
)

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'

# --- generated states ------------------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_-]{0,8}", fullmatch=True)
# for_each keys: quotes, backslashes, template openers, newlines, non-ASCII, control characters.
string_keys = st.text(
    alphabet=st.sampled_from(["a", "b", '"', "\\", "$", "%", "{", "\n", "\t", "é", "\x01", " "]),
    max_size=6,
)
index_keys: st.SearchStrategy[int | str] = st.integers(0, 5) | string_keys
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
attribute_maps = st.dictionaries(names, json_values, max_size=4)


def module_text(path: list[tuple[str, int | str | None]]) -> str:
    """``module.a["k"].module.b`` as Terraform writes a module path into a state."""
    return ".".join(
        "module." + resource_address(None, "managed", "t", name, key).removeprefix("t.")
        for name, key in path
    )


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    modules = draw(st.lists(st.tuples(names, st.none() | index_keys), max_size=2))
    kind = draw(st.sampled_from(["single", "count", "for_each"]))
    if kind == "single":
        keys: list[int | str | None] = [None]
    elif kind == "count":
        keys = list(range(draw(st.integers(1, 3))))
    else:
        keys = list(draw(st.lists(string_keys, min_size=1, max_size=3, unique=True)))
    instances = []
    for key in keys:
        attributes = {"id": draw(st.text(min_size=1, max_size=6)), **draw(attribute_maps)}
        if draw(st.booleans()):
            tags = draw(st.dictionaries(names, st.text(max_size=4), max_size=3))
            defaults = draw(st.dictionaries(names, st.text(max_size=4), max_size=2))
            attributes["tags"] = tags
            attributes["tags_all"] = {**defaults, **tags}
        instance: dict[str, Any] = {"schema_version": 0, "attributes": attributes}
        if key is not None:
            instance = {"index_key": key, **instance}
        instances.append(instance)
    resource: dict[str, Any] = {
        "mode": draw(st.sampled_from(["managed", "managed", "data"])),
        "type": "aws_" + draw(names),
        "name": draw(names),
        "provider": AWS,
        "instances": instances,
    }
    if modules:
        resource = {"module": module_text(modules), **resource}
    return resource


@st.composite
def states(draw: st.DrawFn) -> bytes:
    items = draw(
        st.lists(
            resources(),
            min_size=1,
            max_size=4,
            # One entry per resource, as Terraform keeps them.
            unique_by=lambda r: (r.get("module"), r["mode"], r["type"], r["name"]),
        )
    )
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": draw(st.integers(0, 10_000)),
        "lineage": draw(st.uuids()).hex,
        "outputs": {"x": {"value": draw(json_values), "type": "string"}},
        "resources": items,
        "check_results": None,
    }
    return json.dumps(document, indent=2).encode()


@st.composite
def state_and_address(draw: st.DrawFn) -> tuple[bytes, str]:
    state = draw(states())
    address = draw(st.sampled_from([r.address for r in parse_state(state).resources]))
    return state, address


def by_address(state: bytes) -> dict[str, StateResource]:
    return {r.address: r for r in parse_state(state).resources}


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=80)
@given(state_and_address())
def test_removing_an_instance_drops_exactly_that_address(case: tuple[bytes, str]) -> None:
    state, address = case
    before = parse_state(state)

    after = parse_state(remove_instance(state, address))

    assert [r.address for r in after.resources] == [
        r.address for r in before.resources if r.address != address
    ]
    assert [r for r in after.resources] == [r for r in before.resources if r.address != address]
    assert (after.serial, after.lineage) == (before.serial + 1, before.lineage)  # type: ignore[operator]
    assert after.outputs == before.outputs


@settings(max_examples=80)
@given(state_and_address(), attribute_maps)
def test_setting_attributes_gives_the_instance_those_attributes(
    case: tuple[bytes, str], attributes: dict[str, Any]
) -> None:
    state, address = case
    before = parse_state(state)

    after = parse_state(set_attributes(state, address, attributes))

    changed = {r.address: r for r in after.resources}[address]
    original = {r.address: r for r in before.resources}[address]
    assert changed.attributes == {**original.attributes, **attributes}
    assert [r for r in after.resources if r.address != address] == [
        r for r in before.resources if r.address != address
    ]
    assert (after.serial, after.lineage) == (before.serial + 1, before.lineage)  # type: ignore[operator]


@settings(max_examples=50)
@given(state_and_address(), st.dictionaries(names, st.text(max_size=4), max_size=3))
def test_setting_tags_keeps_the_provider_default_tags_in_tags_all(
    case: tuple[bytes, str], tags: dict[str, str]
) -> None:
    state, address = case
    original = by_address(state)[address].attributes

    changed = by_address(set_attributes(state, address, {"tags": tags}))[address].attributes

    assert changed["tags"] == tags
    if "tags_all" in original:
        defaults = {k: v for k, v in original["tags_all"].items() if k not in original["tags"]}
        assert changed["tags_all"] == {**defaults, **tags}
    else:
        assert "tags_all" not in changed


@settings(max_examples=50)
@given(state_and_address(), attribute_maps)
def test_restoring_a_snapshot_over_its_edit_brings_its_resources_back_two_serials_on(
    case: tuple[bytes, str], attributes: dict[str, Any]
) -> None:
    snapshot, address = case
    edited = set_attributes(snapshot, address, attributes)

    restored = parse_state(restore(snapshot, edited))

    original = parse_state(snapshot)
    assert restored.resources == original.resources
    assert restored.outputs == original.outputs
    assert restored.lineage == original.lineage
    assert restored.serial == original.serial + 2  # type: ignore[operator]


@settings(max_examples=50)
@given(state_and_address())
def test_an_edit_changes_nothing_but_the_serial_and_the_instance(case: tuple[bytes, str]) -> None:
    state, address = case
    document = json.loads(state)

    edited = json.loads(set_attributes(state, address, {}))

    assert list(edited) == list(document)  # top-level key order kept
    assert edited == {**document, "serial": document["serial"] + 1}


# --- examples --------------------------------------------------------------------------------


def state(*resources: dict[str, Any], serial: int = 7, lineage: str = "lin-1") -> bytes:
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": serial,
        "lineage": lineage,
        "outputs": {},
        "resources": list(resources),
    }
    return json.dumps(document).encode()


def bucket(*keys: int | str | None, module: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "mode": "managed",
        "type": "aws_s3_bucket",
        "name": "data",
        "provider": AWS,
        "instances": [
            {
                **({} if key is None else {"index_key": key}),
                "attributes": {
                    "id": f"b-{key}",
                    "tags": {"Name": "x"},
                    "tags_all": {"Name": "x", "Owner": "platform"},
                },
            }
            for key in keys
        ],
    }
    if module:
        resource["module"] = module
    return resource


def test_edits_are_written_as_terraform_writes_states() -> None:
    written = set_attributes(state(bucket(None)), "aws_s3_bucket.data", {"acl": "private"})

    assert written.endswith(b"}\n")
    assert written.startswith(b'{\n  "version": 4,\n  "terraform_version": "1.11.4",\n')


def test_accepting_tags_keeps_default_tags_and_drops_removed_ones() -> None:
    # Given: Name came from the resource, Owner from the provider's default_tags.
    document = state(bucket("logs", module='module.a["x"]'))

    written = set_attributes(
        document, 'module.a["x"].aws_s3_bucket.data["logs"]', {"tags": {"Team": "web"}}
    )

    attributes = json.loads(written)["resources"][0]["instances"][0]["attributes"]
    assert attributes["tags"] == {"Team": "web"}
    assert attributes["tags_all"] == {"Owner": "platform", "Team": "web"}


def test_removing_the_last_instance_removes_the_resource_entry() -> None:
    document = state(bucket(0, 1))

    once = remove_instance(document, "aws_s3_bucket.data[1]")
    twice = remove_instance(once, "aws_s3_bucket.data[0]")

    assert len(json.loads(once)["resources"]) == 1
    assert json.loads(twice)["resources"] == []
    assert serial_of(twice) == 9


def test_an_index_key_go_wrote_as_a_float_is_found() -> None:
    document = state(bucket(0)).replace(b'"index_key": 0', b'"index_key": 0.0')

    assert serial_of(remove_instance(document, "aws_s3_bucket.data[0]")) == 8


@pytest.mark.parametrize(
    "address",
    [
        "aws_s3_bucket.data",  # the instances are counted
        "aws_s3_bucket.data[2]",
        'aws_s3_bucket.data["0"]',  # a string key is not the number
        "data.aws_s3_bucket.data[0]",
        "module.a.aws_s3_bucket.data[0]",
    ],
)
def test_an_address_the_state_does_not_hold_is_refused_by_name(address: str) -> None:
    with pytest.raises(StatePatchError, match="no such resource instance") as raised:
        remove_instance(state(bucket(0)), address)
    assert str(raised.value).startswith(address)


@pytest.mark.parametrize(
    "address", ["", "aws_s3_bucket", "aws_s3_bucket.data[", 'a.b["x]', "a.b.c.d"]
)
def test_a_malformed_address_is_refused(address: str) -> None:
    with pytest.raises(StatePatchError):
        set_attributes(state(bucket(None)), address, {})


def test_restoring_a_snapshot_of_another_state_is_refused() -> None:
    with pytest.raises(StatePatchError, match="different states"):
        restore(state(lineage="a"), state(lineage="b"))


def test_only_version_4_states_are_edited() -> None:
    legacy = json.dumps({"version": 3, "serial": 1, "lineage": "x", "modules": []}).encode()

    with pytest.raises(StatePatchError, match="version 4"):
        remove_instance(legacy, "aws_s3_bucket.data")


def test_serial_and_lineage_of_a_document() -> None:
    assert (serial_of(state(serial=3)), lineage_of(state(lineage="l"))) == (3, "l")
    assert (serial_of(b""), lineage_of(b"not json")) == (None, None)
    assert serial_of(b'{"serial": true}') is None
