"""Analysing one state: counts, providers, problems, and the dependency graph."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.domain.resources import ParsedState, StateOutput, StateResource
from driftmgr.domain.state_analysis import (
    DependencyGraph,
    ProviderUse,
    analyse_state,
    blast_radius,
    merge_analyses,
    to_dot,
    to_mermaid,
)

AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
AWS_WEST = 'provider["registry.terraform.io/hashicorp/aws"].west'
GOOGLE = 'provider["registry.terraform.io/hashicorp/google"]'


def resource(
    type_: str,
    name: str,
    *,
    mode: str = "managed",
    module: str | None = None,
    index_key: int | str | None = None,
    provider_config: str = AWS,
    id_: str | None = "id-1",
    **kw: Any,
) -> StateResource:
    address = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    if module:
        address = f"{module}.{address}"
    if index_key is not None:
        address += f"[{json.dumps(index_key)}]"
    return StateResource(
        address=address,
        mode=mode,
        type=type_,
        name=name,
        provider=provider_config.split("/")[-1].split('"')[0],
        provider_config=provider_config,
        module=module,
        index_key=index_key,
        id=id_,
        **kw,
    )


def state(*resources: StateResource, outputs: tuple[StateOutput, ...] = ()) -> ParsedState:
    return ParsedState(
        version=4,
        terraform_version="1.9.5",
        serial=3,
        lineage="lineage-1",
        resources=resources,
        outputs=outputs,
    )


def chain(*links: tuple[str, list[str]]) -> DependencyGraph:
    """A graph from (resource address, its dependencies) pairs, through a state."""
    resources = []
    for address, dependencies in links:
        type_, name = address.split(".")
        resources.append(resource(type_, name, dependencies=tuple(dependencies)))
    return analyse_state(state(*resources)).graph


# --- counts ---------------------------------------------------------------------------------


def test_counts_are_of_managed_current_instances_with_data_sources_counted_apart() -> None:
    analysis = analyse_state(
        state(
            resource("aws_instance", "web", index_key=0),
            resource("aws_instance", "web", index_key=1),
            resource("aws_vpc", "main", module="module.net"),
            resource("aws_instance", "web", index_key=1, deposed="0badf00d"),
            resource("aws_ami", "ubuntu", mode="data"),
            resource("google_bucket", "logs", module='module.gcp["eu"]', provider_config=GOOGLE),
        )
    )

    assert analysis.resource_count == 4
    assert analysis.data_source_count == 1
    assert analysis.by_type == {"aws_instance": 2, "aws_vpc": 1, "google_bucket": 1}
    assert analysis.by_provider == {"aws": 3, "google": 1}
    assert analysis.by_module == {'module.gcp["eu"]': 1, "module.net": 1, "root": 2}
    assert (analysis.terraform_version, analysis.serial, analysis.lineage) == (
        "1.9.5",
        3,
        "lineage-1",
    )


def test_each_provider_configuration_is_listed_with_its_managed_instance_count() -> None:
    analysis = analyse_state(
        state(
            resource("aws_vpc", "main"),
            resource("aws_vpc", "replica", provider_config=AWS_WEST),
            resource("aws_vpc", "other", provider_config=AWS_WEST),
            # Only a data source uses the google configuration: it is still in use.
            resource("google_project", "this", mode="data", provider_config=GOOGLE),
        )
    )

    assert analysis.providers == [
        ProviderUse(name="aws", config=AWS, resource_count=1),
        ProviderUse(name="aws", config=AWS_WEST, resource_count=2),
        ProviderUse(name="google", config=GOOGLE, resource_count=0),
    ]


def test_managed_instances_without_an_id_are_listed_by_instance_address() -> None:
    analysis = analyse_state(
        state(
            resource("aws_vpc", "main"),
            resource("aws_instance", "web", index_key="b", id_=None),
            resource("aws_instance", "web", index_key="a", id_=""),
            resource("aws_ami", "ubuntu", mode="data", id_=None),
        )
    )

    assert analysis.resources_without_id == ['aws_instance.web["a"]', 'aws_instance.web["b"]']


def test_tainted_instances_and_deposed_objects_are_listed() -> None:
    analysis = analyse_state(
        state(
            resource("aws_instance", "web", index_key=0, status="tainted"),
            resource("aws_instance", "web", index_key=1),
            resource("aws_instance", "web", index_key=1, deposed="0badf00d"),
            resource("aws_instance", "api", deposed="00000001", status="tainted"),
        )
    )

    assert analysis.tainted == ["aws_instance.web[0]"]
    assert analysis.deposed == [
        "aws_instance.api (deposed 00000001)",
        "aws_instance.web[1] (deposed 0badf00d)",
    ]


def test_sensitive_outputs_are_named_and_no_output_value_is_in_the_analysis() -> None:
    analysis = analyse_state(
        state(
            outputs=(
                StateOutput("db_password", "hunter2", sensitive=True),
                StateOutput("api_key", {"key": "s3cr3t"}, sensitive=True),
                StateOutput("vpc_id", "vpc-0123", sensitive=False),
            )
        )
    )

    assert analysis.output_count == 3
    assert analysis.sensitive_outputs == ["api_key", "db_password"]
    encoded = msgspec.json.encode(analysis)
    for value in (b"hunter2", b"s3cr3t", b"vpc-0123"):
        assert value not in encoded


def test_analyses_of_several_states_add_up() -> None:
    one = analyse_state(state(resource("aws_vpc", "a"), resource("aws_ami", "u", mode="data")))
    two = analyse_state(
        state(
            resource("aws_vpc", "b", status="tainted", id_=None),
            resource("google_bucket", "c", provider_config=GOOGLE),
        )
    )

    totals = merge_analyses([one, two])

    assert totals.state_count == 2
    assert totals.resource_count == 3 and totals.data_source_count == 1
    assert totals.by_type == {"aws_vpc": 2, "google_bucket": 1}
    assert totals.by_provider == {"aws": 2, "google": 1}
    assert (totals.without_id_count, totals.tainted_count, totals.deposed_count) == (1, 1, 0)
    assert merge_analyses([]).resource_count == 0


# --- the dependency graph -------------------------------------------------------------------


def test_dependencies_join_resources_not_instances_and_each_edge_appears_once() -> None:
    graph = analyse_state(
        state(
            resource("aws_vpc", "main", module='module.net["eu"]'),
            resource("aws_ami", "ubuntu", mode="data"),
            *(
                resource(
                    "aws_instance",
                    "web",
                    module='module.app["a"]',
                    index_key=i,
                    dependencies=("data.aws_ami.ubuntu", "module.net.aws_vpc.main"),
                )
                for i in range(3)
            ),
        )
    ).graph

    assert graph.nodes == [
        "data.aws_ami.ubuntu",
        "module.app.aws_instance.web",
        "module.net.aws_vpc.main",
    ]
    assert graph.edges == [
        ("module.app.aws_instance.web", "data.aws_ami.ubuntu"),
        ("module.app.aws_instance.web", "module.net.aws_vpc.main"),
    ]
    assert graph.cycles == []


def test_instance_keys_holding_brackets_and_quotes_are_dropped_whole() -> None:
    graph = analyse_state(
        state(resource("aws_instance", "web", module='module.a["x]\\"y"]', index_key='k"]'))
    ).graph

    assert graph.nodes == ["module.a.aws_instance.web"]


def test_a_dependency_on_a_resource_absent_from_the_state_is_still_a_node() -> None:
    # Pre-0.12 states write `.*` after a counted resource; that is the resource too.
    graph = chain(("aws_subnet.a", ["aws_vpc.gone", "aws_route_table.old.*"]))

    assert graph.nodes == ["aws_route_table.old", "aws_subnet.a", "aws_vpc.gone"]
    assert graph.edges == [
        ("aws_subnet.a", "aws_route_table.old"),
        ("aws_subnet.a", "aws_vpc.gone"),
    ]
    assert blast_radius(graph, "aws_vpc.gone") == ["aws_subnet.a"]


def test_a_three_node_loop_is_one_cycle_in_edge_order_from_its_smallest_node() -> None:
    graph = chain(
        ("t.c", ["t.b"]),
        ("t.b", ["t.a"]),
        ("t.a", ["t.c"]),
        ("t.d", ["t.a"]),
    )

    assert graph.cycles == [["t.a", "t.c", "t.b"]]


def test_a_resource_that_depends_on_itself_is_a_cycle() -> None:
    graph = chain(("t.a", ["t.a", "t.b"]), ("t.b", []))

    assert graph.cycles == [["t.a"]]


def test_a_knot_of_several_loops_is_one_cycle_of_its_sorted_nodes() -> None:
    graph = chain(
        ("t.a", ["t.b", "t.c"]),
        ("t.b", ["t.a"]),
        ("t.c", ["t.a"]),
        ("t.x", ["t.y"]),
        ("t.y", ["t.x"]),
    )

    assert graph.cycles == [["t.a", "t.b", "t.c"], ["t.x", "t.y"]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=14))
def test_cycles_are_exactly_the_groups_of_nodes_that_reach_each_other(
    pairs: list[tuple[int, int]],
) -> None:
    links: dict[str, list[str]] = {f"t.n{i}": [] for i in range(7)}
    for a, b in pairs:
        links[f"t.n{a}"].append(f"t.n{b}")
    graph = chain(*links.items())

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        pending = list(links[start])
        while pending:
            node = pending.pop()
            if node not in seen:
                seen.add(node)
                pending.extend(links[node])
        return seen

    reach = {node: reachable(node) for node in links}
    expected = {
        frozenset({node} | {other for other in reach[node] if node in reach[other]})
        for node in links
        if node in reach[node]
    }
    assert {frozenset(cycle) for cycle in graph.cycles} == expected
    assert all(cycle[0] == min(cycle) for cycle in graph.cycles)
    assert graph.cycles == sorted(graph.cycles)


def test_blast_radius_is_every_resource_that_depends_on_it_directly_or_not() -> None:
    graph = chain(
        ("aws_vpc.main", []),
        ("aws_subnet.a", ["aws_vpc.main"]),
        ("aws_instance.web", ["aws_subnet.a"]),
        ("aws_eip.web", ["aws_instance.web"]),
        ("aws_s3_bucket.logs", []),
    )

    assert blast_radius(graph, "aws_vpc.main") == [
        "aws_eip.web",
        "aws_instance.web",
        "aws_subnet.a",
    ]
    assert blast_radius(graph, "aws_instance.web[3]") == ["aws_eip.web"]
    assert blast_radius(graph, "aws_s3_bucket.logs") == []
    assert blast_radius(graph, "aws_vpc.unknown") == []


def test_a_resource_in_a_loop_is_not_in_its_own_blast_radius() -> None:
    graph = chain(("t.a", ["t.b"]), ("t.b", ["t.a"]), ("t.c", ["t.b"]))

    assert blast_radius(graph, "t.a") == ["t.b", "t.c"]


# --- rendering ------------------------------------------------------------------------------


def small_graph() -> DependencyGraph:
    return analyse_state(
        state(
            resource("aws_vpc", "main"),
            resource("aws_subnet", "a", dependencies=("aws_vpc.main",)),
            resource(
                "aws_instance", "web", index_key=0, dependencies=("aws_subnet.a", 'aws_x.we"ird')
            ),
        )
    ).graph


def test_dot_output_quotes_every_id_and_lists_nodes_then_edges_in_order() -> None:
    assert to_dot(small_graph()) == (
        "digraph dependencies {\n"
        '  "aws_instance.web";\n'
        '  "aws_subnet.a";\n'
        '  "aws_vpc.main";\n'
        '  "aws_x.we\\"ird";\n'
        '  "aws_instance.web" -> "aws_subnet.a";\n'
        '  "aws_instance.web" -> "aws_x.we\\"ird";\n'
        '  "aws_subnet.a" -> "aws_vpc.main";\n'
        "}\n"
    )


def test_mermaid_output_uses_plain_ids_and_the_address_as_an_escaped_label() -> None:
    assert to_mermaid(small_graph()) == (
        "flowchart LR\n"
        '  n0["aws_instance.web"]\n'
        '  n1["aws_subnet.a"]\n'
        '  n2["aws_vpc.main"]\n'
        '  n3["aws_x.we#quot;ird"]\n'
        "  n0 --> n1\n"
        "  n0 --> n3\n"
        "  n1 --> n2\n"
    )


def test_an_empty_graph_renders_as_an_empty_diagram() -> None:
    empty = DependencyGraph(nodes=[], edges=[], cycles=[])

    assert to_dot(empty) == "digraph dependencies {\n}\n"
    assert to_mermaid(empty) == "flowchart LR\n"


# --- scale ----------------------------------------------------------------------------------

SIZE = 50_000


def test_a_fifty_thousand_resource_chain_is_analysed_without_deep_recursion() -> None:
    # r0 ← r1 ← … ← r49999: far deeper than Python's recursion limit.
    resources = [
        resource(
            "aws_instance",
            f"r{i}",
            dependencies=(f"aws_instance.r{i - 1}",) if i else (),
        )
        for i in range(SIZE)
    ]
    analysis = analyse_state(state(*resources))

    assert analysis.resource_count == SIZE
    assert len(analysis.graph.nodes) == SIZE and len(analysis.graph.edges) == SIZE - 1
    assert analysis.graph.cycles == []
    assert len(blast_radius(analysis.graph, "aws_instance.r0")) == SIZE - 1


def test_a_fifty_thousand_resource_ring_is_one_cycle() -> None:
    resources = [
        resource("aws_instance", f"r{i:05d}", dependencies=(f"aws_instance.r{(i + 1) % SIZE:05d}",))
        for i in range(SIZE)
    ]

    (cycle,) = analyse_state(state(*resources)).graph.cycles

    assert cycle == [f"aws_instance.r{i:05d}" for i in range(SIZE)]


# --- properties -----------------------------------------------------------------------------

CONFIGS = [AWS, AWS_WEST, GOOGLE]


@st.composite
def states(draw: st.DrawFn) -> ParsedState:
    resources = draw(
        st.lists(
            st.builds(
                resource,
                st.sampled_from(["aws_vpc", "aws_subnet", "google_bucket"]),
                st.sampled_from(["a", "b"]),
                mode=st.sampled_from(["managed", "data"]),
                module=st.sampled_from([None, "module.m", 'module.n["x"]']),
                index_key=st.sampled_from([None, 0, "k"]),
                provider_config=st.sampled_from(CONFIGS),
                id_=st.sampled_from([None, "id-1"]),
                deposed=st.sampled_from([None, None, "00000001"]),
                status=st.sampled_from([None, "tainted"]),
                dependencies=st.lists(
                    st.sampled_from(["aws_vpc.a", "aws_subnet.b", "module.m.aws_vpc.a"]),
                    max_size=2,
                ).map(tuple),
            ),
            max_size=20,
        )
    )
    return state(*resources)


@settings(max_examples=200, deadline=None)
@given(states())
def test_every_breakdown_of_the_counts_sums_to_the_resource_count(parsed: ParsedState) -> None:
    analysis = analyse_state(parsed)

    assert analysis.resource_count == len(parsed.managed)
    for counts in (analysis.by_type, analysis.by_provider, analysis.by_module):
        assert sum(counts.values()) == analysis.resource_count
    assert sum(p.resource_count for p in analysis.providers) == analysis.resource_count
    nodes = set(analysis.graph.nodes)
    assert all(a in nodes and b in nodes for a, b in analysis.graph.edges)
