"""Read models: built from the log in batches, rebuilt identically, never applied twice."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgspec
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftmgr.bootstrap import Services, bootstrap
from driftmgr.commands.drift import DetectDrift, StateInput, detect_drift
from driftmgr.commands.remediation import CreateRemediationPlan, create_remediation_plan
from driftmgr.commands.schedules import AddSchedule, add_schedule
from driftmgr.commands.state import ImportState, import_state
from driftmgr.commands.tokens import CreateToken, RevokeToken, create_token, revoke_token
from driftmgr.commands.workflows import StartWorkflow, start_workflow
from driftmgr.domain.base import Cause
from driftmgr.domain.state_file import StateFile
from driftmgr.domain.workflow import WorkflowDefinition
from driftmgr.errors import InvalidCommand
from driftmgr.projections.runner import ConcurrentProjectionError
from driftmgr.settings import Settings
from tests.support.fakes import FakeCloud, dump_tables, state_with_vpcs, vpc

CAUSE = Cause(actor="tester")
VIEW_TABLES = [
    "jobs",
    "state_files",
    "state_versions",
    "state_analyses",
    "discovery_runs",
    "discovery_scans",
    "inventory",
    "drift_runs",
    "remediation_plan_views",
    "remediation_plan_events",
    "api_tokens",
    "schedules",
    "workflows",
]


def tables(services: Services) -> list[Any]:
    return list(services.projections.tables)


def views_engine(services: Services) -> Any:
    return services.projections.engine


def record_a_drift_check(services: Services, cidr: str = "10.1.0.0/16") -> None:
    # API tokens live in the same log: one active, one revoked.
    for name in (f"ci-{uuid4().hex[:8]}", f"old-{uuid4().hex[:8]}"):
        create_token(services.backend, CreateToken(name=name, role="viewer"), CAUSE)
    revoke_token(services.backend, RevokeToken(token=name, reason="rotated"), CAUSE)
    accepted = detect_drift(
        services.backend,
        DetectDrift(
            provider="aws",
            regions=["us-east-1"],
            states=[
                StateInput(
                    source="tfstate:///s.tfstate",
                    content=state_with_vpcs(("vpc-1", "10.0.0.0/16"), ("vpc-2", cidr)),
                )
            ],
        ),
        CAUSE,
    )
    services.projections.catch_up()
    services.worker.run_pending()
    services.projections.catch_up()
    # A schedule of the same check, so that the schedules view has a row too.
    add_schedule(
        services.backend,
        AddSchedule(
            every_seconds=3600,
            detect=DetectDrift(
                provider="aws",
                regions=["us-east-1"],
                state_ids=[StateFile.create_id("tfstate:///s.tfstate")],
            ),
        ),
        CAUSE,
    )
    # A workflow of the same check, so that the workflows view has a row too.
    definition = {
        "name": "check",
        "scope": {"state_ids": [str(StateFile.create_id("tfstate:///s.tfstate"))]},
        "steps": [{"step": "detect"}],
    }
    start_workflow(
        services.backend,
        StartWorkflow(definition=msgspec.convert(definition, WorkflowDefinition)),
        CAUSE,
    )
    services.projections.catch_up()
    with contextlib.suppress(InvalidCommand):  # nothing to remediate when nothing drifted
        create_remediation_plan(
            services.backend, CreateRemediationPlan(drift_run_id=accepted.id), CAUSE
        )


@pytest.fixture
def services(store_settings: Settings) -> Any:
    cloud = FakeCloud([vpc("vpc-1"), vpc("vpc-3")])
    services = bootstrap(store_settings, providers={"aws": lambda: cloud})
    yield services
    services.close()


def test_every_read_model_is_filled_from_the_log(services: Services) -> None:
    record_a_drift_check(services)
    services.projections.catch_up()
    rows = dump_tables(views_engine(services), tables(services))
    assert sorted(rows) == sorted(VIEW_TABLES)
    assert {name for name, content in rows.items() if not content} == set()
    assert services.projections.position == services.backend.app.position()


def test_rebuilding_from_the_log_gives_the_same_read_models(services: Services) -> None:
    record_a_drift_check(services)
    services.projections.catch_up()
    before = dump_tables(views_engine(services), tables(services))
    replayed = services.projections.rebuild()
    assert replayed == services.backend.app.position()
    after = dump_tables(views_engine(services), tables(services))
    # Leases are the workers' own, not projected: a rebuild clears them.
    for name in ("jobs",):
        before.pop(name), after.pop(name)
    assert after == before


def test_a_batch_delivered_twice_is_refused_and_changes_nothing(services: Services) -> None:
    record_a_drift_check(services)
    app, runner = services.backend.app, services.projections
    runner.rebuild()
    notifications = app.recorder.select_notifications(
        start=0, limit=10_000, inclusive_of_start=False
    )
    before = dump_tables(views_engine(services), tables(services))
    with pytest.raises(ConcurrentProjectionError):
        runner.apply_batch(0, notifications)
    assert dump_tables(views_engine(services), tables(services)) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cidrs=st.lists(
        st.sampled_from(["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]), min_size=1, max_size=3
    ),
    split=st.integers(1, 200),
)
def test_projections_fed_the_same_events_twice_end_as_if_fed_once(
    cidrs: list[str], split: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cloud = FakeCloud([vpc("vpc-1"), vpc("vpc-2", "10.1.0.0/16")])
        services = bootstrap(Settings(data_dir=Path(tmp)), providers={"aws": lambda: cloud})
        try:
            for n, cidr in enumerate(cidrs):
                import_state(
                    services.backend,
                    ImportState(
                        source=f"tfstate:///s{n % 2}.tfstate",
                        content=state_with_vpcs(("vpc-2", cidr), serial=n),
                    ),
                    CAUSE,
                )
                record_a_drift_check(services, cidr)
            app, runner = services.backend.app, services.projections
            runner.rebuild()
            once = dump_tables(views_engine(services), tables(services))
            notifications = app.recorder.select_notifications(
                start=0, limit=100_000, inclusive_of_start=False
            )
            # Redeliver a prefix and the whole log: both must be refused without effect.
            for batch in (notifications[: split % len(notifications) + 1], notifications):
                with pytest.raises(ConcurrentProjectionError):
                    runner.apply_batch(0, batch)
            assert dump_tables(views_engine(services), tables(services)) == once
        finally:
            services.close()


def test_report_read_model_holds_the_contract_body(services: Services) -> None:
    record_a_drift_check(services)
    services.projections.catch_up()
    with views_engine(services).connect() as conn:
        import sqlalchemy as sa

        (body,) = conn.execute(sa.text("SELECT body FROM drift_runs")).one()
    decoded = msgspec.json.decode(body) if isinstance(body, str | bytes) else body
    summary = decoded["summary"]
    assert (summary["in_sync"], summary["missing"], summary["unmanaged"]) == (1, 1, 1)
    assert {d["id"]: d["kind"] for d in decoded["drifts"]} == {
        "vpc-2": "missing",
        "vpc-3": "unmanaged",
    }


def test_read_models_from_an_older_version_are_rebuilt_from_the_log_on_start(
    store_settings: Settings,
) -> None:
    cloud = FakeCloud([vpc("vpc-1", "10.0.0.0/16"), vpc("vpc-2", "10.9.0.0/16")])
    services = bootstrap(store_settings, providers={"aws": lambda: cloud})
    try:
        record_a_drift_check(services)
        before = dump_tables(views_engine(services), tables(services))
    finally:
        services.close()
    # What an older version made: a table without a column added since.
    engine = sa.create_engine(store_settings.sqlalchemy_url(database="views", driver="pysqlite"))
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE state_versions DROP COLUMN out_of_order"))
    engine.dispose()

    services = bootstrap(store_settings, providers={"aws": lambda: cloud})
    try:
        services.projections.catch_up()
        assert dump_tables(views_engine(services), tables(services)) == before
    finally:
        services.close()
