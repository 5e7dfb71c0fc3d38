"""The event store contract, run against the embedded SQLite files and a real PostgreSQL."""

from __future__ import annotations

import base64
import os
from uuid import uuid4

import pytest
import sqlalchemy as sa

from driftmgr.adapters.eventstore.blobs import BlobCorruptedError, BlobStore, blobs_table
from driftmgr.adapters.eventstore.config import create_sql_engine
from driftmgr.commands.application import DriftmgrApplication
from driftmgr.domain.base import Cause
from driftmgr.domain.drift.report import DriftSummary
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.state_file import StateFile, StateVersion
from driftmgr.errors import Conflict, NotFound
from driftmgr.settings import Settings

CAUSE = Cause(actor="alice@example")


def version(serial: int, digest: str = "ab" * 32) -> StateVersion:
    return StateVersion(
        serial=serial,
        lineage="l-1",
        terraform_version="1.11.4",
        format_version=4,
        content_sha256=digest,
        size=10,
        resource_count=3,
    )


def new_run() -> DriftRun:
    return DriftRun.request(
        state_ids=[uuid4()], provider="aws", regions=["eu-west-1"], resource_types=None, cause=CAUSE
    )


def test_saved_aggregate_reads_back_with_every_field_typed(store_settings: Settings) -> None:
    with DriftmgrApplication(store_settings) as app:
        state = StateFile(source="tfstate:///x.tfstate", **CAUSE.fields())
        state.record_import(version(7), CAUSE)
        run = new_run()
        run.start(worker="w1", cause=CAUSE)
        run.complete(report_sha256="cd" * 32, summary=DriftSummary(total=3, in_sync=3), cause=CAUSE)
        app.record(state, run)

        again = app.get(StateFile, state.id)
        assert again.versions == [version(7)]
        assert isinstance(again.versions[0], StateVersion)
        loaded = app.get(DriftRun, run.id)
        assert loaded.summary == DriftSummary(total=3, in_sync=3)
        assert loaded.state_ids == run.state_ids and loaded.status == "completed"


def test_every_recorded_event_names_its_actor_and_correlation_id(
    store_settings: Settings,
) -> None:
    with DriftmgrApplication(store_settings) as app:
        run = new_run()
        run.start(worker="w1", cause=Cause(actor="worker:1", correlation_id=CAUSE.correlation_id))
        app.record(run)
        events = list(app.events.get(run.id))
        assert [type(e).__qualname__ for e in events] == ["DriftRun.Requested", "Run.Started"]
        assert [e.actor for e in events] == ["alice@example", "worker:1"]  # type: ignore[attr-defined]
        assert {e.correlation_id for e in events} == {CAUSE.correlation_id}  # type: ignore[attr-defined]


def test_two_writers_of_one_aggregate_conflict_and_the_loser_records_nothing(
    store_settings: Settings,
) -> None:
    with DriftmgrApplication(store_settings) as app:
        run = new_run()
        app.record(run)
        first, second = app.get(DriftRun, run.id), app.get(DriftRun, run.id)
        first.start(worker="w1", cause=CAUSE)
        second.start(worker="w2", cause=CAUSE)
        app.record(first)
        position = app.position()
        with pytest.raises(Conflict):
            app.record(second)
        assert app.position() == position


def test_several_aggregates_are_saved_all_or_nothing(store_settings: Settings) -> None:
    with DriftmgrApplication(store_settings) as app:
        run = new_run()
        app.record(run)
        stale = app.get(DriftRun, run.id)
        moved = app.get(DriftRun, run.id)
        moved.start(worker="w1", cause=CAUSE)
        app.record(moved)
        stale.start(worker="w2", cause=CAUSE)
        fresh = StateFile(source="tfstate:///new.tfstate", **CAUSE.fields())
        with pytest.raises(Conflict):
            app.record(fresh, stale)
        with pytest.raises(NotFound):
            app.get(StateFile, fresh.id)


def test_the_log_orders_events_of_all_aggregates_by_position(store_settings: Settings) -> None:
    with DriftmgrApplication(store_settings) as app:
        runs = [new_run() for _ in range(3)]
        positions = [app.record(r) for r in runs]
        assert positions == sorted(positions) and len(set(positions)) == 3
        notifications = app.recorder.select_notifications(start=1, limit=10)
        assert [n.originator_id for n in notifications] == [r.id for r in runs]
        assert [n.id for n in notifications] == positions


def test_a_no_op_save_answers_the_current_position(store_settings: Settings) -> None:
    with DriftmgrApplication(store_settings) as app:
        position = app.record(new_run())
        assert app.record() == position


def test_blobs_are_deduplicated_and_checked_against_their_hash(
    store_settings: Settings,
) -> None:
    engine = create_sql_engine(store_settings, database="events")
    blobs = BlobStore(engine)
    data = b'{"version": 4}' * 1000
    digest = blobs.put(data)
    assert blobs.put(data) == digest
    assert blobs.get(digest) == data
    with engine.connect() as conn:
        rows = conn.execute(sa.select(blobs_table.c.size, blobs_table.c.stored)).all()
    assert [r.size for r in rows] == [len(data)]
    assert len(rows[0].stored) < len(data)  # compressed
    forged = BlobStore(engine).put(b"other")
    with engine.begin() as conn:
        stolen = conn.execute(
            sa.select(blobs_table.c.stored).where(blobs_table.c.sha256 == forged)
        ).scalar_one()
        conn.execute(
            blobs_table.update().where(blobs_table.c.sha256 == digest).values(stored=stolen)
        )
    with pytest.raises(BlobCorruptedError):
        blobs.get(digest)
    engine.dispose()


def test_events_and_blobs_are_encrypted_at_rest_with_a_cipher_key(
    store_settings: Settings,
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(
        data_dir=store_settings.data_dir, database_url=store_settings.database_url, cipher_key=key
    )
    secret_source = "tfstate:///very-secret-name.tfstate"
    with DriftmgrApplication(settings) as app:
        app.record(StateFile(source=secret_source, **CAUSE.fields()))
        (stored,) = app.recorder.select_notifications(start=1, limit=1)
        assert b"very-secret-name" not in stored.state
        assert app.get(StateFile, StateFile.create_id(secret_source)).source == secret_source
        engine = create_sql_engine(settings, database="events")
        blobs = BlobStore(engine, cipher=app.mapper.cipher)
        digest = blobs.put(b"password=hunter2" * 10)
        with engine.connect() as conn:
            raw = conn.execute(sa.select(blobs_table.c.stored)).scalar_one()
        assert b"hunter2" not in raw
        assert blobs.get(digest) == b"password=hunter2" * 10
        engine.dispose()
