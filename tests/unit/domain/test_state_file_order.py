"""The current version of a state is its highest serial, whatever order imports arrive in.

Issue 13 (item 3): concurrent imports of serials 100–149 left the last to arrive current.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from driftmgr.domain.base import Cause
from driftmgr.domain.state_file import SERIAL_REGRESSED, StateFile, StateVersion
from driftmgr.projections.base import metadata
from driftmgr.projections.state_files import (
    StateFilesProjection,
    state_files_table,
    state_versions_table,
)

CAUSE = Cause(actor="test")


def version(serial: int, lineage: str = "lineage-a") -> StateVersion:
    return StateVersion(
        serial=serial,
        lineage=lineage,
        terraform_version="1.7.0",
        format_version=4,
        content_sha256=hashlib.sha256(f"{lineage}:{serial}".encode()).hexdigest(),
        size=100 + serial,
        resource_count=serial % 7,
    )


def import_in_order(serials: list[int]) -> tuple[StateFile, list[Any]]:
    state = StateFile(source="tfstate+s3://b/k", **CAUSE.fields())
    for serial in serials:
        state.record_import(version(serial), CAUSE)
    return state, list(state.collect_events())


def project(events: list[Any]) -> tuple[Any, list[Any]]:
    engine = sa.create_engine("sqlite://")
    projection = StateFilesProjection(blobs=None)  # type: ignore[arg-type]  # no Analyzed here
    with engine.begin() as conn:
        metadata.create_all(conn, tables=list(StateFilesProjection.tables))
        for position, event in enumerate(events, start=1):
            projection.apply(conn, event, position)
        row = conn.execute(sa.select(state_files_table)).one()
        versions = conn.execute(
            sa.select(state_versions_table).order_by(state_versions_table.c.version)
        ).all()
    return row, list(versions)


@settings(max_examples=60, deadline=None)
@given(st.permutations(range(100, 150)))
def test_the_highest_serial_is_current_whatever_the_arrival_order(serials: list[int]) -> None:
    state, events = import_in_order(list(serials))
    assert state.latest is not None and state.latest.serial == 149
    assert len(state.versions) == 50  # every version is kept as history

    row, versions = project(events)
    assert (row.serial, row.content_sha256) == (149, version(149).content_sha256)
    assert row.version_count == 50
    # A version is out of order exactly when a higher serial had arrived before it.
    highest_so_far = -1
    for arrived in versions:
        assert arrived.out_of_order == (arrived.serial < highest_so_far)
        assert (SERIAL_REGRESSED in arrived.flags) == arrived.out_of_order
        highest_so_far = max(highest_so_far, arrived.serial)


def test_a_late_lower_serial_is_history_flagged_and_not_current() -> None:
    state, events = import_in_order([100, 149, 143])
    assert state.latest == version(149)
    assert state.flags[-1] == [SERIAL_REGRESSED]

    row, versions = project(events)
    assert row.serial == 149
    assert row.flags == [SERIAL_REGRESSED]  # the last import still shows as suspicious
    assert [(v.serial, v.out_of_order) for v in versions] == [
        (100, False),
        (149, False),
        (143, True),
    ]


def test_another_lineage_becomes_current_even_with_a_lower_serial() -> None:
    # A different state now lives at the source: that is no out-of-order import.
    state = StateFile(source="tfstate+s3://b/k", **CAUSE.fields())
    state.record_import(version(149), CAUSE)
    state.record_import(version(3, lineage="lineage-b"), CAUSE)
    assert state.latest == version(3, lineage="lineage-b")


def test_reimporting_the_current_content_after_a_late_lower_serial_changes_nothing() -> None:
    state, _ = import_in_order([149, 143])
    assert state.record_import(version(149), CAUSE) is False
