"""GetAuditLogQuery on a real (encrypted) SQLite store: filters, paging, and no secret out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import msgspec
import pytest

from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.state import ImportState, UntrackState, import_state, untrack_state
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.report import DriftChange
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation import ApiCall, CodePatch, StatePatch, Target
from driftmgr.domain.remediation_plan import RemediationAction, RemediationPlan
from driftmgr.queries import audit
from driftmgr.queries.audit import (
    AuditLog,
    AuditRecord,
    BadAuditFilter,
    GetAuditLogQuery,
    known_aggregate_types,
)
from driftmgr.settings import Settings
from tests.support.secrets import PLANTED

STATES = Path(__file__).parents[2] / "data" / "terraform" / "states"
#: Values tests/data/terraform marks sensitive, and the ones this test plants.
SECRETS = (
    "s3cret-default",
    "t0ken-default",
    "planted-ssm-value-0b7d",
    "planted-desired-password-1e2f",
    "planted-call-secret-99a1",
    "planted-code-secret-77c3",
    "planted-patch-secret-4d4d",
    "hunter2-reason",
    *PLANTED,
)


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    services = bootstrap(sqlite_settings, source_policy=SourcePolicy.local())
    yield services
    services.close()


def everything(log: AuditLog, **filters: object) -> list[AuditRecord]:
    return log.page(GetAuditLogQuery(limit=1000, **filters)).events  # type: ignore[arg-type]


def import_default(services: Services, actor: str, name: str = "a") -> UUID:
    content = (STATES / "default.tfstate").read_text()
    command = ImportState(source=f"tfstate:///srv/{name}.tfstate", content=content)
    return import_state(services.backend, command, Cause(actor=actor)).id


def plan_with_secrets(services: Services, actor: str) -> UUID:
    """A plan as the remediation planner records it: what the cloud and the state hold of
    its targets, its calls and its code, secrets and all (the store is encrypted)."""
    action = RemediationAction(
        index=0,
        strategy="revert",
        drift_kind="modified",
        address="aws_ssm_parameter.db",
        target=Target(provider="aws", type="aws_ssm_parameter", id="/db", region="eu-west-1"),
        severity="high",
        changes=[DriftChange(path="value", expected="(sensitive)", actual="(sensitive)")],
        attributes=["value"],
        calls=[
            ApiCall(
                service="ssm",
                operation="put_parameter",
                region="eu-west-1",
                params={"Name": "/db", "Value": "planted-call-secret-99a1"},
                sensitive_params=("Value",),
            )
        ],
        state_patch=StatePatch(
            state_id=uuid4(),
            source="tfstate:///srv/a.tfstate",
            address="aws_ssm_parameter.db",
            op="set",
            attributes={"value": "planted-patch-secret-4d4d"},
        ),
        code=[
            CodePatch(
                path="main.tf",
                content='resource "x" "y" {\n  value = "planted-code-secret-77c3"\n}',
            )
        ],
        observed={"name": "/db", "value": "planted-ssm-value-0b7d"},
        desired={"name": "/db", "master_password": "planted-desired-password-1e2f"},
    )
    plan = RemediationPlan.plan(
        drift_run_id=uuid4(), actions=[action], approval_threshold="low", cause=Cause(actor=actor)
    )
    services.backend.app.record(plan)
    return plan.id


def test_every_event_is_a_record_with_its_cause_and_a_summary(services: Services) -> None:
    cause = Cause(actor="alice@ops")
    content = (STATES / "default.tfstate").read_text()
    command = ImportState(source="tfstate:///srv/a.tfstate", content=content)
    state_id = import_state(services.backend, command, cause).id

    records = everything(AuditLog(services.backend.app))

    assert [r.event_type for r in records] == ["Tracked", "Imported", "Analyzed"]
    assert [r.position for r in records] == [1, 2, 3]
    assert [r.aggregate_version for r in records] == [1, 2, 3]
    assert {r.actor for r in records} == {"alice@ops"}
    assert {r.correlation_id for r in records} == {cause.correlation_id}
    assert {(r.aggregate_type, r.aggregate_id) for r in records} == {("StateFile", state_id)}
    assert records[0].summary == (
        f"alice@ops started tracking state {str(state_id)[:8]}… (tfstate:///srv/a.tfstate)"
    )
    assert records[1].summary.startswith(
        f"alice@ops imported serial 10 of state {str(state_id)[:8]}"
    )
    assert records[1].payload["version"]["serial"] == 10
    assert "actor" not in records[1].payload and "timestamp" not in records[1].payload
    times = [r.time for r in records]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_filters_by_actor_type_id_event_and_correlation(services: Services) -> None:
    first = import_default(services, "alice", "a")
    second = import_default(services, "bob", "b")
    untracked = untrack_state(
        services.backend, UntrackState(state_id=first, reason="moved"), Cause(actor="bob")
    )
    run = DriftRun.request(
        state_ids=[second],
        provider="aws",
        regions=["eu-west-1"],
        resource_types=None,
        cause=Cause(actor="carol"),
    )
    run.start(worker="w1", cause=Cause(actor="carol"))
    services.backend.app.record(run)
    log = AuditLog(services.backend.app)
    every = everything(log)
    assert len(every) == 9

    assert {r.actor for r in everything(log, actor="bob")} == {"bob"}
    assert len(everything(log, actor="bob")) == 4
    assert everything(log, actor="nobody") == []
    assert {r.aggregate_id for r in everything(log, aggregate_id=first)} == {first}
    assert len(everything(log, aggregate_id=first)) == 4
    untracks = everything(log, event_type="Untracked")
    assert [(r.position, r.aggregate_id) for r in untracks] == [(untracked.position, first)]
    assert untracks[0].summary == f"bob stopped tracking state {str(first)[:8]}…: moved"
    assert everything(log, event_type="StateFile.Untracked") == untracks

    # A run's Started is stored under the base class's topic: it still reads as a DriftRun.
    runs = everything(log, aggregate_type="DriftRun")
    assert [(r.event_type, r.aggregate_type) for r in runs] == [
        ("Requested", "DriftRun"),
        ("Started", "DriftRun"),
    ]
    assert runs[1].summary == f"carol started drift run {str(run.id)[:8]}… (attempt 1 on w1)"
    assert everything(log, aggregate_type="DiscoveryRun") == []
    assert everything(log, event_type="DriftRun.Started") == [runs[1]]
    with pytest.raises(BadAuditFilter, match="unknown event type 'Started' of StateFile"):
        everything(log, aggregate_type="StateFile", event_type="Started")

    correlation = every[0].correlation_id
    assert correlation is not None
    assert [r.position for r in everything(log, correlation_id=correlation)] == [1, 2, 3]


def test_time_range_is_on_the_events_timestamps(services: Services) -> None:
    import_default(services, "alice", "a")
    import_default(services, "bob", "b")
    log = AuditLog(services.backend.app)
    every = everything(log)
    cut = every[3].time  # bob's first event

    since = everything(log, since=cut)
    until = everything(log, until=cut)

    assert since == [r for r in every if r.time >= cut] and since[0].actor == "bob"
    assert until == [r for r in every if r.time < cut] and {r.actor for r in until} == {"alice"}
    assert everything(log, since=cut.replace(tzinfo=None)) == since  # naive means UTC


def test_pages_by_position_cover_the_log_once(services: Services) -> None:
    for n in range(4):
        import_default(services, f"user{n}", f"s{n}")
    log = AuditLog(services.backend.app)
    seen: list[int] = []
    after: int | None = 0
    pages = 0
    while after is not None:
        page = log.page(GetAuditLogQuery(after=after, limit=5))
        seen += [r.position for r in page.events]
        after = page.next
        pages += 1
    assert seen == list(range(1, 13))
    assert pages == 3
    filtered = log.page(GetAuditLogQuery(actor="user1", after=0, limit=2))
    assert [r.position for r in filtered.events] == [4, 5]
    assert filtered.next == 5
    rest = log.page(GetAuditLogQuery(actor="user1", after=5, limit=2))
    assert [r.position for r in rest.events] == [6] and rest.next is None


def test_a_page_scans_a_bounded_part_of_the_log(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        import_default(services, "alice" if n < 2 else "bob", f"s{n}")
    monkeypatch.setattr(audit, "SCAN_BUDGET", 4)
    log = AuditLog(services.backend.app)
    page = log.page(GetAuditLogQuery(actor="bob"))
    assert page.events == [] and page.next == 4
    positions = []
    after: int | None = 0
    while after is not None:
        page = log.page(GetAuditLogQuery(actor="bob", after=after))
        positions += [r.position for r in page.events]
        after = page.next
    assert positions == [7, 8, 9]


def test_unknown_types_are_refused_naming_the_known_ones(services: Services) -> None:
    log = AuditLog(services.backend.app)
    with pytest.raises(BadAuditFilter, match=r"unknown aggregate type 'Statefile'.*StateFile"):
        log.page(GetAuditLogQuery(aggregate_type="Statefile"))
    with pytest.raises(BadAuditFilter, match="unknown event type 'Aproved'"):
        log.page(GetAuditLogQuery(event_type="Aproved"))
    with pytest.raises(BadAuditFilter, match="not an event of StateFile"):
        log.page(GetAuditLogQuery(aggregate_type="StateFile", event_type="DriftRun.Started"))


def test_no_secret_of_a_state_or_a_plan_ever_leaves(services: Services) -> None:
    state_id = import_default(services, "alice")
    plan_id = plan_with_secrets(services, "alice")
    plan = services.backend.app.get(RemediationPlan, plan_id)
    plan.reject(reason="rotate it first: password=hunter2-reason", cause=Cause(actor="bob"))
    services.backend.app.record(plan)

    records = everything(AuditLog(services.backend.app))
    text = msgspec.json.encode(records).decode()

    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"the audit log shows {leaked}"
    assert {r.aggregate_id for r in records} == {state_id, plan_id}
    planned = next(r for r in records if r.event_type == "Planned")
    action = planned.payload["actions"][0]
    # What is not secret is still shown, so the log still says what was planned.
    assert action["observed"]["name"] == "/db"
    assert action["calls"][0]["params"] == {"Name": "/db", "Value": "(sensitive)"}
    assert action["code"][0]["content"] == "(3 lines of Terraform code, not shown)"
    assert planned.summary.startswith(f"alice planned remediation plan {str(plan_id)[:8]}…")
    rejected = next(r for r in records if r.event_type == "Rejected")
    assert rejected.summary == f"bob rejected remediation plan {str(plan_id)[:8]}…: (sensitive)"
    assert json.loads(text)  # the records are plain JSON


def test_every_kind_of_event_of_a_day_reads_in_the_domains_words(tmp_path: Path) -> None:
    from driftmgr.domain.catalogue import event_classes
    from tests.support.story import story

    with story(tmp_path / "store") as told:
        told.everything()
        log = AuditLog(told.services.backend.app)
        records: list[AuditRecord] = []
        after: int | None = 0
        while after is not None:
            page = log.page(GetAuditLogQuery(after=after, limit=1000))
            records += page.events
            after = page.next

    assert [r.position for r in records] == list(range(1, len(records) + 1))
    # No event falls back to the generic line: each has a rule that met a real payload.
    generic = [r.summary for r in records if f"recorded {r.aggregate_type}." in r.summary]
    assert not generic
    # The story records every event class (the stored-event fixtures rely on it); events a
    # base class records (a run's Started) read as their concrete aggregate.
    assert {r.event_type for r in records} == {
        c.__qualname__.rpartition(".")[2] for c in event_classes()
    }
    assert {r.aggregate_type for r in records} == set(known_aggregate_types())
    text = msgspec.json.encode(records).decode()
    assert not [s for s in SECRETS if s in text]
