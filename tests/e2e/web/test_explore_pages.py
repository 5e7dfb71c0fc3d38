"""State Explorer, Resource Manager and Audit in a real Chromium, on a seeded `driftmgr serve`.

Every expectation is read from the API the page uses, with the same role's token: the page
is checked against the backend, not against ids or counts written here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect

from tests.e2e.web.conftest import Backend

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def settled(page: Any) -> None:
    """Wait for an in-page update (filter, page, compare …) to finish."""
    page.wait_for_selector("main:not([data-busy])", timeout=30_000)


def column(table: Any, index: int) -> list[str]:
    """The text of one column of a table's body, row by row."""
    texts: list[str] = table.locator(f"tbody tr > td:nth-child({index})").all_inner_texts()
    return [t.strip() for t in texts]


def ids(inventory: Any) -> list[str]:
    """The resource ids an inventory table shows (without the "default" mark)."""
    texts: list[str] = inventory.locator("tbody tr > td:nth-child(4) > code").all_inner_texts()
    return texts


def all_audit_events(backend: Backend, **filters: Any) -> list[dict[str, Any]]:
    """Every event the audit API answers for these filters, oldest first."""
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = backend.get("/api/v1/audit/events", after=after, limit=1000, **filters)
        events += page["events"]
        if page["next"] is None:
            return events
        after = page["next"]


def test_state_explorer_lists_compares_draws_and_finds_the_blast_radius(
    login: Any, backend: Backend
) -> None:
    dashboard = login("admin")
    page = dashboard.open("#/states", page="states")
    states = backend.get("/api/v1/states")
    tracked = page.get_by_role("table", name="Tracked states")
    expect(tracked.locator("tbody tr")).to_have_count(len(states))
    state = next(s for s in states if s["id"] == backend.ids["state"])
    row = tracked.locator("tbody tr", has=page.get_by_role("link", name=state["source"]))
    cells = [t.strip() for t in row.locator("td").all_inner_texts()]
    assert cells[:5] == [
        state["source"],
        f"{state['backend']} / {state['workspace']}",
        str(state["serial"]),
        str(state["resource_count"]),
        str(state["version_count"]),
    ]
    assert dashboard.axe_violations() == []
    dashboard.screenshot("states")

    row.get_by_role("link", name=state["source"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"State {state['source']}")
    dashboard.wait_ready("states")
    view = backend.get(f"/api/v1/states/{state['id']}")
    versions = page.get_by_role("table", name="Imported versions, oldest first")
    assert column(versions, 2) == [str(v["serial"]) for v in view["versions"]]
    instances = page.get_by_role("table", name="Resource instances of the current version")
    assert column(instances, 1) == [r["address"] for r in view["resources"]]

    # The two versions compared: the fixture's second version dropped the IAM role.
    first, last = view["versions"][0], view["versions"][-1]
    comparison = backend.get(
        "/api/v1/states/compare",
        a=f"{state['id']}@{first['serial']}",
        b=f"{state['id']}@{last['serial']}",
    )
    assert any(
        ".aws_iam_role." in a or a.startswith("aws_iam_role.") for a in comparison["removed"]
    )
    page.get_by_label("From version").select_option(f"{state['id']}@{first['serial']}")
    page.get_by_label("To version").select_option(f"{state['id']}@{last['serial']}")
    page.get_by_role("button", name="Compare", exact=True).click()
    settled(page)
    removed = page.get_by_role("heading", name=re.compile(r"^Removed")).locator(
        "xpath=following-sibling::ul[1]/li"
    )
    expect(removed).to_have_text(comparison["removed"])
    added = page.get_by_role("heading", name=re.compile(r"^Added"))
    expect(added).to_contain_text(str(len(comparison["added"])))

    # The dependency graph: one drawn node per resource of the graph, one line per edge.
    graph = backend.get(f"/api/v1/states/{state['id']}/graph", format="json")
    drawing = page.locator(".graph svg")
    assert drawing.locator("g.node").count() == len(graph["nodes"])
    assert drawing.locator("line.edge").count() == len(graph["edges"])
    assert sorted(drawing.locator("g.node > text").all_text_contents()) == sorted(graph["nodes"])
    page.get_by_text(re.compile(r"^Dependencies as a table")).click()
    edges = page.get_by_role("table", name="Which resource depends on which")
    assert list(zip(column(edges, 1), column(edges, 2), strict=True)) == [
        tuple(e) for e in graph["edges"]
    ]
    # Every dependency sits in a row above what depends on it (the layered layout).
    for dependent, dependency in graph["edges"]:
        above = drawing.locator(f'g.node[data-address="{dependency}"] rect').get_attribute("y")
        below = drawing.locator(f'g.node[data-address="{dependent}"] rect').get_attribute("y")
        assert float(above or 0) < float(below or 0), (dependent, dependency)

    # Blast radius of the VPC: the API's dependents, the subnet among them, marked in the drawing.
    vpc = next(n for n in graph["nodes"] if n.startswith("aws_vpc."))
    radius = backend.get(f"/api/v1/states/{state['id']}/blast-radius", address=vpc)
    assert any(d.startswith("aws_subnet.") for d in radius["dependents"])
    page.get_by_label("Resource", exact=True).select_option(vpc)
    page.get_by_role("button", name="Show blast radius").click()
    settled(page)
    dependents = page.get_by_role("list", name=f"Dependents of {vpc}").get_by_role("listitem")
    expect(dependents).to_have_text(radius["dependents"])
    assert sorted(
        drawing.locator("g.node.hit").evaluate_all("ns => ns.map(n => n.dataset.address)")
    ) == sorted(radius["dependents"])
    assert dashboard.axe_violations() == []
    dashboard.screenshot("state-detail")


def test_resource_manager_filters_by_type_and_pages_on_the_server(
    login: Any, backend: Backend
) -> None:
    dashboard = login("viewer")
    page = dashboard.open("#/resources", page="resources")
    everything = backend.get("/api/v1/resources", role="viewer", limit=100)
    total = everything["total"]
    assert total > 0
    shown = min(total, 100)
    expect(page.locator(".pager .range")).to_have_text(f"Showing 1–{shown} of {total}")
    inventory = page.get_by_role("table", name=re.compile(r"^Inventory"))
    assert ids(inventory) == [r["id"] for r in everything["resources"]]
    assert dashboard.axe_violations() == []

    # By type: only that type, and the API's total for it.
    tagged = next(r for r in everything["resources"] if r["attributes"].get("tags"))
    kind = tagged["type"]
    of_kind = backend.get("/api/v1/resources", role="viewer", type=kind, limit=100)
    page.get_by_label("Type").fill(kind)
    page.get_by_role("button", name="Apply filters").click()
    settled(page)
    expect(page.locator(".pager .range")).to_have_text(
        f"Showing 1–{len(of_kind['resources'])} of {of_kind['total']}"
    )
    assert set(column(inventory, 2)) == {kind}
    assert ids(inventory) == [r["id"] for r in of_kind["resources"]]
    key, value = next(iter(tagged["attributes"]["tags"].items()))
    expect(inventory.locator("li.chip", has_text=f"{key}={value}").first).to_be_visible()
    assert f"type={kind}" in page.url
    dashboard.screenshot("resources")

    # Server-side paging: a page that starts at 50 (as a shared link can), then back.
    dashboard.open("#/", page="dashboard")  # another page first: "ready" is then this one's
    page = dashboard.open("#/resources?offset=50", page="resources")
    rest = backend.get("/api/v1/resources", role="viewer", limit=100, offset=50)
    if total > 50:
        expect(page.locator(".pager .range")).to_have_text(
            f"Showing 51–{50 + len(rest['resources'])} of {total}"
        )
        assert ids(inventory) == [r["id"] for r in rest["resources"]]
    page.get_by_role("button", name="Previous").click()
    settled(page)
    expect(page.locator(".pager .range")).to_have_text(f"Showing 1–{shown} of {total}")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    if total <= 100:
        expect(page.get_by_role("button", name="Next")).to_be_disabled()


def test_audit_lists_the_newest_events_filters_and_verifies_the_log(
    login: Any, backend: Backend
) -> None:
    dashboard = login("auditor")
    page = dashboard.open("#/audit", page="audit")
    logged = all_audit_events(backend, role="auditor")[::-1]  # newest first
    events = page.get_by_role("table", name="Audit events")
    positions = [int(p) for p in column(events, 1)]
    # Events recorded after the page loaded (none are expected) are not on it.
    newest = [e for e in logged if e["position"] <= positions[0]]
    assert positions == [e["position"] for e in newest[:50]]
    assert newest[0]["position"] == logged[0]["position"]
    first = newest[0]
    assert column(events, 6)[0].startswith(first["summary"])
    details = events.locator("tbody tr").first.locator("details")
    details.locator("summary").click()
    payload = details.locator("pre").inner_text()
    for name in first["payload"]:
        assert f'"{name}"' in payload
    assert dashboard.axe_violations() == []

    # Older pages follow, by position.
    page.get_by_role("button", name="Older").click()
    settled(page)
    older = [int(p) for p in column(events, 1)]
    assert older == [e["position"] for e in newest[50:100]]
    page.get_by_role("button", name="Newer").click()
    settled(page)
    assert [int(p) for p in column(events, 1)] == positions

    # By event type: the API's events of that type, nothing else.
    token_issued = "ApiToken.Issued"
    wanted = all_audit_events(backend, role="auditor", event_type=token_issued)[-50:][::-1]
    assert wanted
    page.get_by_label("Event type").select_option(token_issued)
    page.get_by_role("button", name="Apply filters").click()
    settled(page)
    assert [int(p) for p in column(events, 1)] == [e["position"] for e in wanted]
    assert set(column(events, 5)) == {"Issued"}

    # The server's check of the hash chain.
    verdict = backend.get("/api/v1/audit/verify", role="auditor")
    assert verdict["ok"] is True
    page.get_by_role("button", name="Verify the log").click()
    settled(page)
    note = page.locator(".ok-note")
    expect(note).to_contain_text("The log is intact")
    assert int(re.search(r"(\d+) events verified", note.inner_text()).group(1)) >= verdict["events"]  # type: ignore[union-attr]
    expect(page.get_by_text("driftmgr audit verify", exact=False).first).to_be_visible()
    assert dashboard.axe_violations() == []
    dashboard.screenshot("audit")

    # An event recorded while the page is open: offered, not pushed under the reader.
    shown = column(events, 1)
    backend.post("/api/v1/tokens", {"name": "web-audit-live", "role": "viewer"})
    page.get_by_role("button", name="Show the newest").click()
    settled(page)
    now = column(events, 1)
    assert "web-audit-live" in column(events, 6)[0]
    assert now[1:] == shown[: len(now) - 1]


#: Graphs as (nodes, edges): edges run from a later node to an earlier one, so they have no
#: cycle; ``loops`` adds edges the other way, which may close cycles.
def graphs(loops: bool) -> st.SearchStrategy[tuple[list[str], list[tuple[str, str]]]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]]]:
        size = draw(st.integers(min_value=1, max_value=14))
        nodes = [f"aws_thing.n{i}" for i in range(size)]
        pairs = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1))
        chosen = draw(st.lists(pairs, max_size=30))
        edges = {(nodes[a], nodes[b]) for a, b in chosen if loops or a > b}
        return nodes, sorted(edges)

    return build()


LAYERS = """async ([nodes, edges]) => {
  const module = await import("/assets/pages/states.js");
  return Object.fromEntries(module.layers(nodes, edges));
}"""


def test_the_graph_layout_puts_every_dependency_in_a_row_above(login: Any) -> None:
    """The layered layout's invariant, on many graphs, in the page's own code: a resource's
    row is one below its deepest dependency's, roots on top; a loop still gets rows."""
    page = login("viewer").page

    @settings(max_examples=150, deadline=None)
    @given(graphs(loops=False))
    def acyclic(graph: tuple[list[str], list[tuple[str, str]]]) -> None:
        nodes, edges = graph
        layer: dict[str, int] = page.evaluate(LAYERS, [nodes, edges])
        assert set(layer) == set(nodes)
        for node in nodes:
            below = [layer[to] for frm, to in edges if frm == node]
            assert layer[node] == (max(below) + 1 if below else 0), (node, layer)

    @settings(max_examples=100, deadline=None)
    @given(graphs(loops=True))
    def with_loops(graph: tuple[list[str], list[tuple[str, str]]]) -> None:
        nodes, edges = graph
        layer = page.evaluate(LAYERS, [nodes, edges])
        assert set(layer) == set(nodes)
        assert all(isinstance(n, int) and 0 <= n < len(nodes) for n in layer.values())

    acyclic()
    with_loops()


def test_a_viewer_has_no_audit_link_and_the_page_says_what_it_needs(
    login: Any, backend: Backend
) -> None:
    assert "audit" not in backend.get("/api/v1/me", role="viewer")["permissions"]
    dashboard = login("viewer")
    page = dashboard.page
    expect(
        page.get_by_role("navigation", name="Pages").get_by_role("link", name="Audit")
    ).to_have_count(0)
    expect(page.get_by_role("link", name="State Explorer")).to_be_visible()
    page = dashboard.open("#/audit", page="audit")
    expect(page.get_by_role("alert")).to_contain_text("needs the audit permission")
    expect(page.get_by_role("table", name="Audit events")).to_have_count(0)
    assert dashboard.axe_violations() == []
