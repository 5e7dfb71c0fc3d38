"""Comparing two states: instances added, removed and changed, safely shown, with warnings."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.domain.drift.diff import SENSITIVE_VALUE, path_text
from driftmgr.domain.drift.report import DriftChange
from driftmgr.domain.resources import AttributePath, ParsedState, StateOutput, StateResource
from driftmgr.domain.state_compare import ResourceChange, StateComparison, compare_states

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
AWS_WEST = 'provider["registry.terraform.io/hashicorp/aws"].west'


def resource(
    type_: str,
    name: str,
    attributes: dict[str, Any] | None = None,
    *,
    mode: str = "managed",
    module: str | None = None,
    index_key: int | str | None = None,
    provider_config: str = AWS,
    sensitive_paths: tuple[AttributePath, ...] = (),
    **kw: Any,
) -> StateResource:
    address = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    if module:
        address = f"{module}.{address}"
    if index_key is not None:
        address += f"[{json.dumps(index_key)}]"
    attributes = {"id": f"{type_}-{name}"} if attributes is None else attributes
    return StateResource(
        address=address,
        mode=mode,
        type=type_,
        name=name,
        provider="aws",
        provider_config=provider_config,
        module=module,
        index_key=index_key,
        id=attributes.get("id"),
        attributes=attributes,
        sensitive_paths=sensitive_paths,
        **kw,
    )


def state(
    *resources: StateResource,
    serial: int | None = 1,
    lineage: str | None = "lineage-1",
    outputs: tuple[StateOutput, ...] = (),
) -> ParsedState:
    return ParsedState(
        version=4,
        terraform_version="1.9.5",
        serial=serial,
        lineage=lineage,
        resources=resources,
        outputs=outputs,
    )


def changes_of(comparison: StateComparison, address: str) -> list[DriftChange]:
    (found,) = [c for c in comparison.changed if c.address == address]
    return found.changes


# --- added, removed, changed ----------------------------------------------------------------


def test_instances_only_in_the_second_state_are_added_and_only_in_the_first_removed() -> None:
    vpc = resource("aws_vpc", "main")
    comparison = compare_states(
        state(
            vpc, resource("aws_instance", "web", index_key=0), resource("aws_ami", "u", mode="data")
        ),
        state(
            vpc,
            resource("aws_instance", "web", index_key=1),
            resource("aws_caller_identity", "me", mode="data"),
            serial=2,
        ),
    )

    assert comparison.added == ["aws_instance.web[1]", "data.aws_caller_identity.me"]
    assert comparison.removed == ["aws_instance.web[0]", "data.aws_ami.u"]
    assert comparison.changed == []
    assert not comparison.is_empty
    assert comparison.warnings == []


def test_nested_attribute_changes_are_named_by_dotted_paths() -> None:
    before = resource("aws_vpc", "main", {"id": "vpc-1", "tags": {"Name": "main", "Env": "dev"}})
    after = resource("aws_vpc", "main", {"id": "vpc-1", "tags": {"Name": "core", "Team": "net"}})

    comparison = compare_states(state(before), state(after, serial=2))

    assert comparison.changed == [
        ResourceChange(
            address="aws_vpc.main",
            type="aws_vpc",
            changes=[
                DriftChange(path="tags.Env", expected="dev", actual=None),
                DriftChange(path="tags.Name", expected="main", actual="core"),
                DriftChange(path="tags.Team", expected=None, actual="net"),
            ],
        )
    ]


def test_list_changes_are_named_by_position() -> None:
    rule = {"from_port": 22, "cidr_blocks": ["10.0.0.0/8"]}
    before = resource("aws_security_group", "sg", {"ingress": [rule]})
    after = resource(
        "aws_security_group",
        "sg",
        {"ingress": [{**rule, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}, rule]},
    )

    changes = changes_of(compare_states(state(before), state(after)), "aws_security_group.sg")

    assert [(c.path, c.expected, c.actual) for c in changes] == [
        ("ingress[0].cidr_blocks[1]", None, "0.0.0.0/0"),
        ("ingress[1].cidr_blocks", None, ["10.0.0.0/8"]),
        ("ingress[1].from_port", None, 22),
    ]


def test_deposed_objects_are_matched_by_address_and_deposed_key() -> None:
    current = resource("aws_instance", "web", {"id": "i-2"})
    old = resource("aws_instance", "web", {"id": "i-1"}, deposed="0000aaaa")

    comparison = compare_states(
        state(current, old),
        state(current, resource("aws_instance", "web", {"id": "i-0"}, deposed="0000bbbb")),
    )

    assert comparison.removed == ["aws_instance.web (deposed 0000aaaa)"]
    assert comparison.added == ["aws_instance.web (deposed 0000bbbb)"]
    assert comparison.changed == []


def test_status_dependencies_provider_and_schema_version_are_changes_with_pseudo_paths() -> None:
    before = resource(
        "aws_instance",
        "web",
        dependencies=("aws_subnet.a", "aws_vpc.main"),
        schema_version=1,
    )
    after = resource(
        "aws_instance",
        "web",
        dependencies=("aws_vpc.main", "aws_subnet.b"),
        provider_config=AWS_WEST,
        schema_version=2,
        status="tainted",
    )

    changes = changes_of(compare_states(state(before), state(after)), "aws_instance.web")

    assert changes == [
        DriftChange(
            path="(dependencies)",
            expected=["aws_subnet.a", "aws_vpc.main"],
            actual=["aws_subnet.b", "aws_vpc.main"],
            added=["aws_subnet.b"],
            removed=["aws_subnet.a"],
        ),
        DriftChange(path="(provider)", expected=AWS, actual=AWS_WEST),
        DriftChange(path="(schema_version)", expected=1, actual=2),
        DriftChange(path="(status)", expected=None, actual="tainted"),
    ]


def test_dependencies_recorded_in_another_order_are_not_a_change() -> None:
    before = resource("aws_instance", "web", dependencies=("b.b", "a.a"))
    after = resource("aws_instance", "web", dependencies=("a.a", "b.b"))

    assert compare_states(state(before), state(after)).is_empty


def test_output_changes_are_reported_by_output_name() -> None:
    comparison = compare_states(
        state(outputs=(StateOutput("vpc_id", "vpc-1", False), StateOutput("old", 1, False))),
        state(outputs=(StateOutput("vpc_id", "vpc-2", False), StateOutput("ips", ["a"], False))),
    )

    assert comparison.output_changes == [
        DriftChange(path="ips", expected=None, actual=["a"]),
        DriftChange(path="old", expected=1, actual=None),
        DriftChange(path="vpc_id", expected="vpc-1", actual="vpc-2"),
    ]
    assert not comparison.is_empty


# --- secrets --------------------------------------------------------------------------------


def test_sensitive_values_never_appear_in_the_comparison() -> None:
    before = resource(
        "aws_db_instance",
        "db",
        {
            "id": "db-1",
            "password": "hunter2",
            "connection": {"uri": "postgres://u:pw-before@h/db"},
            "marked_in_a": "a-secret-1",
            "marked_in_b": "b-secret-1",
            "block": {"master_password": "nested-secret-1"},
        },
        sensitive_paths=(("marked_in_a",), ("connection", "uri")),
    )
    after = resource(
        "aws_db_instance",
        "db",
        {
            "id": "db-1",
            "password": "correct-horse",
            "connection": {"uri": "postgres://u:pw-after@h/db"},
            "marked_in_a": "a-secret-2",
            "marked_in_b": "b-secret-2",
            # A block replaced by a scalar shows whole: its secret-named key must not leak.
            "block": "gone",
        },
        sensitive_paths=(("marked_in_b",),),
    )
    outputs_before = (StateOutput("db_url", {"url": "out-secret-1"}, sensitive=True),)
    outputs_after = (StateOutput("db_url", {"url": "out-secret-2"}, sensitive=False),)

    comparison = compare_states(
        state(before, outputs=outputs_before), state(after, outputs=outputs_after)
    )

    encoded = msgspec.json.encode(comparison)
    for secret in (
        "hunter2",
        "correct-horse",
        "pw-before",
        "pw-after",
        "a-secret",
        "b-secret",
        "nested-secret",
        "out-secret",
    ):
        assert secret.encode() not in encoded
    changes = changes_of(comparison, "aws_db_instance.db")
    assert [c.path for c in changes] == [
        "block",
        "connection.uri",
        "marked_in_a",
        "marked_in_b",
        "password",
    ]
    assert all(c.expected == c.actual == SENSITIVE_VALUE and c.sensitive for c in changes)
    assert comparison.output_changes == [
        DriftChange(
            path="db_url.url", expected=SENSITIVE_VALUE, actual=SENSITIVE_VALUE, sensitive=True
        )
    ]


# --- warnings -------------------------------------------------------------------------------


def test_states_of_different_lineages_are_flagged_as_unrelated() -> None:
    comparison = compare_states(state(lineage="one", serial=9), state(lineage="two", serial=3))

    assert comparison.same_lineage is False
    assert comparison.lineage == ("one", "two")
    assert comparison.warnings == [
        "lineages differ: these are different states, not versions of one"
    ]


def test_a_serial_that_went_backwards_is_flagged() -> None:
    comparison = compare_states(state(serial=42), state(serial=40))

    assert comparison.same_lineage is True
    assert comparison.serial == (42, 40)
    assert comparison.warnings == ["serial went backwards (42 → 40)"]


def test_the_same_serial_with_different_content_is_flagged() -> None:
    comparison = compare_states(
        state(resource("aws_vpc", "a"), serial=7), state(resource("aws_vpc", "b"), serial=7)
    )

    assert comparison.warnings == ["same serial (7) but different content"]


def test_a_later_serial_or_an_unknown_lineage_raises_no_warning() -> None:
    forward = compare_states(state(serial=7), state(resource("aws_vpc", "a"), serial=8))
    unknown = compare_states(state(lineage=None, serial=None), state(lineage="x", serial=None))

    assert forward.warnings == [] and forward.same_lineage is True
    assert unknown.warnings == [] and unknown.same_lineage is None


# --- properties -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["a", "b"]),
    lambda children: (
        st.lists(children, max_size=2)
        | st.dictionaries(st.sampled_from(["a", "password", "c.d"]), children, max_size=2)
    ),
    max_leaves=4,
)
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["id", "name", "tags", "ingress", "password"]), JSON_VALUES, max_size=3
)
SENSITIVE_PATHS = st.lists(
    st.sampled_from([("name",), ("tags", "a"), ("ingress", 0)]), max_size=2, unique=True
).map(tuple)
DEPENDENCIES = st.lists(st.sampled_from(["aws_vpc.a", "aws_subnet.b", "data.x.y"]), max_size=2).map(
    tuple
)


@st.composite
def resources(draw: st.DrawFn) -> StateResource:
    mode = draw(st.sampled_from(["managed", "data"]))
    return resource(
        draw(st.sampled_from(["aws_vpc", "aws_subnet"])),
        draw(st.sampled_from(["a", "b"])),
        draw(ATTRIBUTES),
        mode=mode,
        module=draw(st.sampled_from([None, "module.m"])),
        index_key=draw(st.sampled_from([None, 0, "k"])),
        deposed=draw(st.sampled_from([None, "0000aaaa"])) if mode == "managed" else None,
    )


@st.composite
def variants(draw: st.DrawFn, original: StateResource) -> StateResource:
    """The same instance as another state might record it: anything but its address."""
    return msgspec.structs.replace(
        original,
        attributes=draw(st.just(original.attributes) | ATTRIBUTES),
        sensitive_paths=draw(SENSITIVE_PATHS),
        dependencies=draw(DEPENDENCIES),
        provider_config=draw(st.sampled_from([AWS, AWS_WEST])),
        status=draw(st.sampled_from([None, "tainted"])),
        schema_version=draw(st.sampled_from([None, 0, 1])),
    )


OUTPUTS = st.lists(
    st.builds(StateOutput, st.sampled_from(["x", "y"]), JSON_VALUES, st.booleans()),
    max_size=2,
    unique_by=lambda o: o.name,
).map(tuple)


def parsed_state(
    draw: st.DrawFn, instances: list[StateResource], outputs: tuple[StateOutput, ...]
) -> ParsedState:
    return state(
        *instances,
        serial=draw(st.none() | st.integers(0, 3)),
        lineage=draw(st.sampled_from([None, "one", "two"])),
        outputs=outputs,
    )


@st.composite
def states(draw: st.DrawFn) -> ParsedState:
    pool = draw(st.lists(resources(), max_size=6, unique_by=lambda r: (r.address, r.deposed)))
    return parsed_state(draw, [draw(variants(r)) for r in pool], draw(OUTPUTS))


@st.composite
def state_pairs(draw: st.DrawFn) -> tuple[ParsedState, ParsedState]:
    """Two states over one pool of instances: each in one, the other or both, alike or not."""
    pool = draw(st.lists(resources(), max_size=6, unique_by=lambda r: (r.address, r.deposed)))
    a: list[StateResource] = []
    b: list[StateResource] = []
    for original in pool:
        where = draw(st.sampled_from(["a", "b", "both", "both alike"]))
        first = draw(variants(original))
        if where != "b":
            a.append(first)
        if where == "both alike":
            b.append(first)
        elif where != "a":
            b.append(draw(variants(original)))
    outputs_a = draw(OUTPUTS)
    outputs_b = draw(st.just(outputs_a) | OUTPUTS)
    return parsed_state(draw, a, outputs_a), parsed_state(draw, b, outputs_b)


def mirrored(change: DriftChange) -> DriftChange:
    return DriftChange(
        path=change.path,
        expected=change.actual,
        actual=change.expected,
        added=change.removed,
        removed=change.added,
        sensitive=change.sensitive,
    )


@settings(max_examples=200, deadline=None)
@given(states())
def test_a_state_compared_with_itself_is_empty_and_raises_no_warning(parsed: ParsedState) -> None:
    comparison = compare_states(parsed, parsed)

    assert comparison.is_empty
    assert comparison.added == comparison.removed == []
    assert comparison.changed == [] and comparison.output_changes == []
    assert comparison.warnings == []


@settings(max_examples=200, deadline=None)
@given(state_pairs())
def test_comparing_the_other_way_round_mirrors_the_comparison(
    pair: tuple[ParsedState, ParsedState],
) -> None:
    a, b = pair
    forward = compare_states(a, b)
    backward = compare_states(b, a)

    assert backward.added == forward.removed and backward.removed == forward.added
    assert backward.changed == [
        ResourceChange(
            address=change.address,
            type=change.type,
            changes=[mirrored(c) for c in change.changes],
        )
        for change in forward.changed
    ]
    assert backward.output_changes == [mirrored(c) for c in forward.output_changes]
    assert backward.same_lineage == forward.same_lineage
    assert backward.serial == forward.serial[::-1]
    assert backward.lineage == forward.lineage[::-1]
    assert backward.is_empty == forward.is_empty


@settings(max_examples=200, deadline=None)
@given(state_pairs())
def test_a_value_under_a_sensitive_path_or_secret_name_is_never_shown(
    pair: tuple[ParsedState, ParsedState],
) -> None:
    a, b = pair

    def marks(parsed: ParsedState) -> dict[str, tuple[AttributePath, ...]]:
        return {
            r.address + (f" (deposed {r.deposed})" if r.deposed else ""): r.sensitive_paths
            for r in parsed.resources
        }

    marks_a, marks_b = marks(a), marks(b)
    for change in compare_states(a, b).changed:
        secrets = ["password"] + [
            path_text(p) for p in marks_a[change.address] + marks_b[change.address]
        ]
        for c in change.changes:
            if any(c.path == s or c.path.startswith((s + ".", s + "[")) for s in secrets):
                assert c.expected in (None, SENSITIVE_VALUE)
                assert c.actual in (None, SENSITIVE_VALUE)
