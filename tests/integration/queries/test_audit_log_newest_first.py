"""GetAuditLogQuery newest first (``before``) on a real store: the log read backwards, page by
page, is the log read forwards reversed, filters and scan budget included; and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.base import Cause
from driftmgr.http.app import create_app
from driftmgr.http.auth import ServerAuth
from driftmgr.queries import audit
from driftmgr.queries.audit import AuditLog, AuditPage, AuditRecord, GetAuditLogQuery
from tests.support.story import Story, story

#: Filters of each kind: none, one the database applies (types), ones checked per event.
FILTERS: list[dict[str, Any]] = [
    {},
    {"actor": "bob"},
    {"aggregate_type": "RemediationPlan"},
    {"aggregate_type": "DriftRun"},  # its Started is stored under the base class's topic
    {"event_type": "Approved"},
    {"actor": "nobody"},
]


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """A day of every kind of event (some 190), shared: these tests only read."""
    with story(tmp_path_factory.mktemp("audit") / "store") as told:
        told.everything()
        yield told


@pytest.fixture
def log(told: Story) -> AuditLog:
    return AuditLog(told.services.backend.app)


def forwards(log: AuditLog, **filters: Any) -> list[AuditRecord]:
    """Every matching record, oldest first, by the forward pages."""
    records: list[AuditRecord] = []
    after: int | None = 0
    while after is not None:
        page = log.page(GetAuditLogQuery(after=after, limit=1000, **filters))
        records += page.events
        after = page.next
    return records


def backwards(log: AuditLog, before: int, **filters: Any) -> Iterator[tuple[int, AuditPage]]:
    """Each newest-first page with the ``before`` it was asked for, until ``next`` is None."""
    cursor: int | None = before
    while cursor is not None:
        page = log.page(GetAuditLogQuery(before=cursor, **filters))
        yield cursor, page
        cursor = page.next


def test_the_newest_page_holds_the_newest_events_newest_first(log: AuditLog, told: Story) -> None:
    head = told.position
    every = forwards(log)
    assert every[-1].position == head

    page = log.page(GetAuditLogQuery(before=head + 1, limit=10))

    assert page.events == every[::-1][:10]
    assert page.next == every[-10].position
    older = log.page(GetAuditLogQuery(before=page.next, limit=10))
    assert older.events == every[::-1][10:20]
    # A position beyond the head reads from the head: nothing newer exists yet.
    assert log.page(GetAuditLogQuery(before=head + 10**6, limit=10)) == page
    assert log.page(GetAuditLogQuery(before=1)) == AuditPage(events=[], next=None)
    assert log.page(GetAuditLogQuery(before=0)) == AuditPage(events=[], next=None)


def test_filters_apply_newest_first_as_they_do_oldest_first(log: AuditLog, told: Story) -> None:
    for filters in FILTERS:
        page = log.page(GetAuditLogQuery(before=told.position + 1, limit=1000, **filters))
        assert page.events == forwards(log, **filters)[::-1], filters
        assert page.next is None
    approvals = log.page(GetAuditLogQuery(before=told.position + 1, event_type="Approved"))
    assert approvals.events and {r.event_type for r in approvals.events} == {"Approved"}


def test_after_and_before_together_are_the_range_between_them(log: AuditLog, told: Story) -> None:
    every = forwards(log)
    low, high = every[20].position, every[40].position
    between = [r for r in every if low < r.position < high][::-1]

    pages = list(backwards(log, high, after=low, limit=7))

    assert [r for _, page in pages for r in page.events] == between
    assert pages[-1][1].next is None  # it ends at `after`, not at the start of the log
    assert log.page(GetAuditLogQuery(after=low, before=low + 1)).events == []


def test_a_newest_first_page_covers_a_bounded_part_of_the_log(
    log: AuditLog, told: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "SCAN_BUDGET", 10)
    head = told.position
    bobs = [r.position for r in forwards(log, actor="bob")]
    assert bobs, "the story has bob approve and reject"

    page = log.page(GetAuditLogQuery(before=head + 1, actor="bob"))

    # Ten positions read, whatever matched among them; the rest is for the next page.
    assert [r.position for r in page.events] == [p for p in bobs if p > head - 10][::-1]
    assert page.next == head - 9
    positions = [r.position for _, p in backwards(log, head + 1, actor="bob") for r in p.events]
    assert positions == bobs[::-1]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    filters=st.sampled_from(FILTERS),
    limit=st.integers(min_value=1, max_value=40),
    budget=st.integers(min_value=1, max_value=120),
    start=st.floats(min_value=0.0, max_value=1.1),
    floor=st.floats(min_value=0.0, max_value=1.0),
)
def test_newest_first_pages_are_the_oldest_first_pages_reversed(
    log: AuditLog,
    told: Story,
    filters: dict[str, Any],
    limit: int,
    budget: int,
    start: float,
    floor: float,
) -> None:
    head = told.position
    before = round(start * (head + 1))
    after = round(floor * before) if floor < 0.5 else 0  # half the time: to the log's start
    expected = [r for r in forwards(log, **filters) if after < r.position < before][::-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "SCAN_BUDGET", budget)
        pages = list(backwards(log, before, after=after, limit=limit, **filters))

    assert [r for _, page in pages for r in page.events] == expected
    for asked, page in pages:
        assert len(page.events) <= limit
        assert all(r.position < asked for r in page.events)
        if page.next is not None:
            # Progress each page, and never more of the log read than the budget.
            assert after < page.next < asked
            assert min(asked, head + 1) - page.next <= budget


def test_the_route_pages_newest_first_with_before(tmp_path: Path) -> None:
    with story(tmp_path / "store") as told:
        told.import_states()
        services = told.services
        issued = create_token(
            services.backend, CreateToken(name="reader", role="auditor"), Cause(actor="tester")
        )
        services.projections.wait(issued.position)
        app = create_app(services, auth=ServerAuth())
        with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000") as c:
            _page_newest_first(c, {"Authorization": f"Bearer {issued.token}"}, issued.position)


def _page_newest_first(c: TestClient[Any], headers: dict[str, str], head: int) -> None:
    url = "/api/v1/audit/events"
    newest = c.get(url, params={"before": head + 1, "limit": 3}, headers=headers)
    assert newest.status_code == 200, newest.text
    body = newest.json()
    assert [e["position"] for e in body["events"]] == [head, head - 1, head - 2]
    assert body["events"][0]["actor"] == "tester"  # the token just issued
    assert body["next"] == head - 2
    # With after too: the events between them, and no next below after.
    between = {"after": head - 5, "before": head - 2}
    ranged = c.get(url, params=between, headers=headers).json()
    assert [e["position"] for e in ranged["events"]] == [head - 3, head - 4]
    assert ranged["next"] is None
    refused = c.get(url, params={"before": -1}, headers=headers)
    assert refused.status_code == 400
    assert "before" in refused.text
