"""Snapshots: every aggregate type survives one, and loading through them changes nothing.

A story of real commands is recorded with a snapshot every 2 events, so every aggregate
that reached version 2 has at least one. Each snapshot is decoded from the store and
compared with the same aggregate replayed from its events alone, by an application on the
same store with snapshots switched off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot

from driftmgr.commands.application import DriftmgrApplication
from driftmgr.domain.catalogue import aggregate_classes
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.settings import Settings
from tests.support.story import Story, story


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Story, Settings]]:
    data_dir = tmp_path_factory.mktemp("snapshots") / "store"
    with story(data_dir, snapshot_interval=2) as told:
        told.everything()
        yield told, told.services.settings


@pytest.fixture(scope="module")
def without_snapshots(recorded: tuple[Story, Settings]) -> Iterator[DriftmgrApplication]:
    _, settings = recorded
    app = DriftmgrApplication(Settings(data_dir=settings.data_dir, snapshot_interval=0))
    assert app.snapshots is None
    yield app
    app.close()


def _aggregate_ids(app: DriftmgrApplication) -> dict[UUID, int]:
    """Each aggregate in the log and its newest version."""
    versions: dict[UUID, int] = {}
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        versions[UUID(str(notification.originator_id))] = notification.originator_version
    return versions


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_every_aggregate_type_round_trips_through_a_snapshot(
    recorded: tuple[Story, Settings], without_snapshots: DriftmgrApplication
) -> None:
    told, _ = recorded
    app = told.services.backend.app
    assert app.snapshots is not None
    kinds: set[type] = set()
    for aggregate_id, version in _aggregate_ids(app).items():
        if version % 2:  # not snapshotted at its newest version yet: do it now
            app.take_snapshot(aggregate_id)
        snapshots = list(app.snapshots.get(aggregate_id))
        assert len(snapshots) == (version + 1) // 2, f"{aggregate_id} v{version}"
        for snapshot in snapshots:
            assert isinstance(snapshot, Snapshot)
            restored = snapshot.mutate(None)
            replayed: Any = without_snapshots.repository.get(
                aggregate_id, version=snapshot.originator_version
            )
            assert type(restored) is type(replayed)
            assert _state(restored) == _state(replayed)
            kinds.add(type(restored))
    concrete = {k for k in aggregate_classes() if k.__name__ != "Run"}
    assert concrete <= kinds, f"never snapshotted: {concrete - kinds}"


def test_loading_through_snapshots_gives_the_same_aggregate_at_every_version(
    recorded: tuple[Story, Settings], without_snapshots: DriftmgrApplication
) -> None:
    told, _ = recorded
    app = told.services.backend.app
    for aggregate_id, version in _aggregate_ids(app).items():
        for v in (None, *range(1, version + 1)):
            with_snapshots = app.repository.get(aggregate_id, version=v)
            replayed: Any = without_snapshots.repository.get(aggregate_id, version=v)
            assert _state(with_snapshots) == _state(replayed), f"{aggregate_id} v{v}"


def test_a_plan_loads_at_its_snapshot_version_for_rollback(
    recorded: tuple[Story, Settings], without_snapshots: DriftmgrApplication
) -> None:
    told, _ = recorded
    app = told.services.backend.app
    for plan_id in told.plans():
        plan = app.get(RemediationPlan, plan_id)
        if plan.snapshot_version is None:
            continue
        at = app.get(RemediationPlan, plan_id, version=plan.snapshot_version)
        expected = without_snapshots.get(RemediationPlan, plan_id, version=plan.snapshot_version)
        assert at.version == plan.snapshot_version
        assert _state(at) == _state(expected)


def test_a_snapshot_that_cannot_be_stored_does_not_fail_the_command(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(state: dict[str, Any]) -> dict[str, Any]:
        raise TypeError("cannot snapshot a value of type Odd")

    monkeypatch.setattr("driftmgr.adapters.eventstore.mapper.encode_state", refuse)
    with story(tmp_path / "store", snapshot_interval=1) as told, caplog.at_level(logging.WARNING):
        told.import_states()  # every save snapshots, and every snapshot fails
        app = told.services.backend.app
        assert len(_aggregate_ids(app)) == 2
        assert app.snapshots is not None
        assert all(not list(app.snapshots.get(i)) for i in _aggregate_ids(app))
    assert "could not snapshot" in caplog.text
