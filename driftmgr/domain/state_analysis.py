"""What one Terraform state holds: counts, providers, problems, and its dependency graph.

Pure: a :class:`~driftmgr.domain.resources.ParsedState` in, plain values out. The graph work
is iterative and linear in nodes + edges, because real states hold 50,000+ resources.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence

import msgspec

from driftmgr.domain.resources import ParsedState

__all__ = [
    "ROOT_MODULE",
    "AnalysisTotals",
    "DependencyGraph",
    "ProviderUse",
    "StateAnalysis",
    "analyse_state",
    "blast_radius",
    "merge_analyses",
    "to_dot",
    "to_mermaid",
]

#: The ``by_module`` key of resources in the root module.
ROOT_MODULE = "root"


class ProviderUse(msgspec.Struct, frozen=True):
    """One provider configuration the state uses, and how many managed instances use it."""

    name: str
    """Short provider name, e.g. ``aws``."""
    config: str
    """The configuration address as recorded: ``provider["registry…/hashicorp/aws"]``."""
    resource_count: int
    """Managed, current instances; 0 when only data sources or deposed objects use it."""


class DependencyGraph(msgspec.Struct, frozen=True):
    """Which resources depend on which, by resource address (no instance keys).

    Terraform records dependencies between resources, not instances, so ``aws_instance.web[0]``
    and ``aws_instance.web[1]`` are the one node ``aws_instance.web``. A dependency naming a
    resource absent from the state is still a node, so that every edge has both ends.
    """

    nodes: list[str]
    """Sorted resource addresses, managed and data."""
    edges: list[tuple[str, str]]
    """``(dependent, dependency)`` pairs, sorted, without duplicates."""
    cycles: list[list[str]]
    """Each dependency loop once: the nodes of one strongly connected component of two or more
    nodes, or a node that depends on itself. When the component is one simple loop the nodes
    follow the edges (``a → c → b → a`` gives ``[a, c, b]``); when it is a knot of several
    loops they are sorted. Either way the list starts at its smallest node, and the cycles
    are sorted."""


class StateAnalysis(msgspec.Struct, frozen=True, kw_only=True):
    terraform_version: str | None
    serial: int | None
    lineage: str | None
    resource_count: int
    """Managed, current instances: data sources and deposed objects excluded."""
    data_source_count: int
    by_type: dict[str, int]
    """Managed, current instances per resource type; keys sorted (as are the next two)."""
    by_provider: dict[str, int]
    """Per short provider name (``aws``)."""
    by_module: dict[str, int]
    """Per module instance as the state records it (``module.web["a"]``); ``root`` for the root."""
    providers: list[ProviderUse]
    """Every provider configuration any instance names, sorted by configuration address."""
    resources_without_id: list[str]
    """Managed, current instance addresses with no id: Terraform cannot refresh or import them."""
    tainted: list[str]
    """Current instance addresses Terraform will replace on the next apply."""
    deposed: list[str]
    """Objects left behind by create-before-destroy, as ``ADDRESS (deposed KEY)``."""
    output_count: int
    sensitive_outputs: list[str]
    """Names only: an output's value never leaves the state through an analysis."""
    graph: DependencyGraph


class AnalysisTotals(msgspec.Struct, frozen=True, kw_only=True):
    """Counts summed over several states (a workspace set, an organisation).

    There is no per-module count: every state has its own ``root``, so summing modules across
    states would add up unrelated things.
    """

    state_count: int
    resource_count: int
    data_source_count: int
    output_count: int
    by_type: dict[str, int]
    by_provider: dict[str, int]
    without_id_count: int
    tainted_count: int
    deposed_count: int
    cycle_count: int


def analyse_state(state: ParsedState) -> StateAnalysis:
    """Counts, providers, problems and the dependency graph of one state."""
    managed = state.managed
    provider_counts: Counter[tuple[str, str]] = Counter()
    for resource in state.resources:
        # Every configuration named counts, even with no managed instance: it must be configured.
        provider_counts[(resource.provider_config, resource.provider)] += 0
    for resource in managed:
        provider_counts[(resource.provider_config, resource.provider)] += 1
    return StateAnalysis(
        terraform_version=state.terraform_version,
        serial=state.serial,
        lineage=state.lineage,
        resource_count=len(managed),
        data_source_count=sum(1 for r in state.resources if r.mode == "data"),
        by_type=_sorted_counts(r.type for r in managed),
        by_provider=_sorted_counts(r.provider for r in managed),
        by_module=_sorted_counts(r.module or ROOT_MODULE for r in managed),
        providers=[
            ProviderUse(name=name, config=config, resource_count=count)
            for (config, name), count in sorted(provider_counts.items())
        ],
        resources_without_id=sorted(r.address for r in managed if not r.id),
        tainted=sorted(
            r.address for r in state.resources if r.status == "tainted" and r.deposed is None
        ),
        deposed=sorted(
            f"{r.address} (deposed {r.deposed})" for r in state.resources if r.deposed is not None
        ),
        output_count=len(state.outputs),
        sensitive_outputs=sorted(o.name for o in state.outputs if o.sensitive),
        graph=_dependency_graph(state),
    )


def merge_analyses(analyses: Sequence[StateAnalysis]) -> AnalysisTotals:
    """The counts of several analyses added together."""
    by_type: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    for analysis in analyses:
        by_type.update(analysis.by_type)
        by_provider.update(analysis.by_provider)
    return AnalysisTotals(
        state_count=len(analyses),
        resource_count=sum(a.resource_count for a in analyses),
        data_source_count=sum(a.data_source_count for a in analyses),
        output_count=sum(a.output_count for a in analyses),
        by_type=dict(sorted(by_type.items())),
        by_provider=dict(sorted(by_provider.items())),
        without_id_count=sum(len(a.resources_without_id) for a in analyses),
        tainted_count=sum(len(a.tainted) for a in analyses),
        deposed_count=sum(len(a.deposed) for a in analyses),
        cycle_count=sum(len(a.graph.cycles) for a in analyses),
    )


def blast_radius(graph: DependencyGraph, address: str) -> list[str]:
    """Every node that depends on ``address``, directly or not: what a change to it can break.

    ``address`` may be an instance address (``aws_vpc.main[0]``); its keys are dropped, since
    dependencies are between resources. The node itself is not in its own blast radius, even
    inside a cycle; an address the graph does not hold has an empty one.
    """
    start = _resource_node(address)
    dependents: dict[str, list[str]] = {}
    for dependent, dependency in graph.edges:
        dependents.setdefault(dependency, []).append(dependent)
    seen = {start}
    queue = deque([start])
    while queue:
        for dependent in dependents.get(queue.popleft(), ()):
            if dependent not in seen:
                seen.add(dependent)
                queue.append(dependent)
    seen.discard(start)
    return sorted(seen)


def to_dot(graph: DependencyGraph) -> str:
    """The graph in Graphviz DOT, arrows from dependent to dependency (as ``terraform graph``)."""
    lines = ["digraph dependencies {"]
    lines.extend(f"  {_dot_id(node)};" for node in graph.nodes)
    lines.extend(f"  {_dot_id(a)} -> {_dot_id(b)};" for a, b in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: DependencyGraph) -> str:
    """The graph as a Mermaid flowchart.

    Addresses hold characters Mermaid ids cannot (``.``, ``[``, ``"``), so nodes are ``n0``,
    ``n1`` … in sorted order, labelled with their address.
    """
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    lines.extend(f'  {ids[node]}["{_mermaid_label(node)}"]' for node in graph.nodes)
    lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges)
    return "\n".join(lines) + "\n"


# --- graph ----------------------------------------------------------------------------------


def _dependency_graph(state: ParsedState) -> DependencyGraph:
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    for resource in state.resources:
        node = _resource_node(resource.address)
        nodes.add(node)
        for dependency in resource.dependencies:
            target = _resource_node(dependency)
            nodes.add(target)
            edges.add((node, target))
    sorted_nodes = sorted(nodes)
    sorted_edges = sorted(edges)
    return DependencyGraph(
        nodes=sorted_nodes, edges=sorted_edges, cycles=_cycles(sorted_nodes, sorted_edges)
    )


def _resource_node(address: str) -> str:
    """``module.a["k"].aws_instance.web[0]`` → ``module.a.aws_instance.web``.

    Also drops the ``.*`` that pre-0.12 states put after a counted resource in ``depends_on``.
    """
    address = address.removesuffix(".*")
    if "[" not in address:
        return address
    out: list[str] = []
    i, n = 0, len(address)
    while i < n:
        char = address[i]
        if char != "[":
            out.append(char)
            i += 1
            continue
        # Skip one instance key; a string key may itself hold `]`, `"` or `\`.
        i += 1
        in_string = False
        while i < n:
            char = address[i]
            if in_string:
                if char == "\\":
                    i += 1
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char == "]":
                break
            i += 1
        i += 1
    return "".join(out)


def _cycles(nodes: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    # Node numbers follow the sorted names, so the smallest number is the smallest name.
    number = {node: i for i, node in enumerate(nodes)}
    successors: list[list[int]] = [[] for _ in nodes]
    self_loops: set[int] = set()
    for a, b in edges:
        successors[number[a]].append(number[b])
        if a == b:
            self_loops.add(number[a])
    cycles = []
    for component in _strongly_connected(successors):
        if len(component) > 1 or component[0] in self_loops:
            cycles.append([nodes[i] for i in _loop_order(component, successors)])
    return sorted(cycles)


def _strongly_connected(successors: list[list[int]]) -> list[list[int]]:
    """Tarjan's algorithm without recursion: an explicit stack of (node, next successor)."""
    count = len(successors)
    index = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in range(count):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, position = work[-1]
            children = successors[node]
            if position < len(children):
                work[-1] = (node, position + 1)
                child = children[position]
                if index[child] == -1:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, 0))
                elif on_stack[child]:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _loop_order(component: list[int], successors: list[list[int]]) -> list[int]:
    members = set(component)
    start = min(component)
    inside = {m: [s for s in successors[m] if s in members] for m in component}
    if any(len(targets) != 1 for targets in inside.values()):
        return sorted(component)
    order = [start]
    current = inside[start][0]
    while current != start:
        order.append(current)
        current = inside[current][0]
    return order


# --- rendering ------------------------------------------------------------------------------


def _dot_id(node: str) -> str:
    escaped = node.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _mermaid_label(node: str) -> str:
    # Mermaid reads `#name;` as an entity, so `#` goes first; quotes and angle brackets would
    # end the label or open HTML.
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        node = node.replace(char, entity)
    return node.replace("\n", " ")


def _sorted_counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
