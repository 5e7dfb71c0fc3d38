"""State files, their imported versions (with flags), and the analysis of each latest one."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.domain.state_file import StateFile
from driftmgr.projections.base import Projection, UTCDateTime, handles, metadata

__all__ = [
    "StateFilesProjection",
    "state_analyses_table",
    "state_files_table",
    "state_versions_table",
]

state_files_table = sa.Table(
    "state_files",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("backend", sa.String(20), nullable=False),
    sa.Column("workspace", sa.String(200), nullable=False),
    sa.Column("tracked_at", UTCDateTime, nullable=False),
    sa.Column("tracked_by", sa.String(200), nullable=False),
    sa.Column("version_count", sa.Integer, nullable=False),
    sa.Column("serial", sa.BigInteger),
    sa.Column("lineage", sa.String(100)),
    sa.Column("terraform_version", sa.String(40)),
    sa.Column("format_version", sa.Integer),
    sa.Column("content_sha256", sa.String(64)),
    sa.Column("size", sa.BigInteger),
    sa.Column("resource_count", sa.Integer),
    sa.Column("flags", sa.JSON, nullable=False),
    sa.Column("imported_at", UTCDateTime),
    sa.Column("imported_by", sa.String(200)),
)

state_versions_table = sa.Table(
    "state_versions",
    metadata,
    sa.Column("state_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("serial", sa.BigInteger),
    sa.Column("lineage", sa.String(100)),
    sa.Column("terraform_version", sa.String(40)),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("resource_count", sa.Integer, nullable=False),
    sa.Column("flags", sa.JSON, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("imported_by", sa.String(200), nullable=False),
    # A lower serial that arrived after a higher one: history, never the current version.
    sa.Column("out_of_order", sa.Boolean, nullable=False, server_default=sa.false()),
)

state_analyses_table = sa.Table(
    "state_analyses",
    metadata,
    sa.Column("state_id", sa.Uuid, primary_key=True),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("analysis_sha256", sa.String(64), nullable=False),
    sa.Column("analysis", sa.JSON, nullable=False),
    sa.Column("analyzed_at", UTCDateTime, nullable=False),
)


class StateFilesProjection(Projection):
    name = "state_files"
    tables = (state_files_table, state_versions_table, state_analyses_table)

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    @handles(StateFile.Tracked, StateFile.Retracked)
    def tracked(
        self, conn: Connection, event: StateFile.Tracked | StateFile.Retracked, position: int
    ) -> None:
        conn.execute(
            state_files_table.insert().values(
                id=event.originator_id,
                source=event.source,
                backend=getattr(event, "backend", "local"),
                workspace=getattr(event, "workspace", "default"),
                tracked_at=event.timestamp,
                tracked_by=event.actor,
                version_count=0,
                flags=[],
            )
        )

    @handles(StateFile.Imported)
    def imported(self, conn: Connection, event: StateFile.Imported, position: int) -> None:
        version = event.version
        flags = getattr(event, "flags", None) or []
        out_of_order = bool(getattr(event, "out_of_order", False))
        row = state_files_table.c
        # The row shows the current version; its flags are the last import's, so a late
        # lower serial is still flagged where states are listed.
        current = (
            {}
            if out_of_order
            else dict(
                serial=version.serial,
                lineage=version.lineage,
                terraform_version=version.terraform_version,
                format_version=version.format_version,
                content_sha256=version.content_sha256,
                size=version.size,
                resource_count=version.resource_count,
                imported_at=event.timestamp,
                imported_by=event.actor,
            )
        )
        conn.execute(
            state_files_table.update()
            .where(row.id == event.originator_id)
            .values(version_count=row.version_count + 1, flags=flags, **current)
        )
        conn.execute(
            state_versions_table.insert().values(
                state_id=event.originator_id,
                version=event.originator_version,
                serial=version.serial,
                lineage=version.lineage,
                terraform_version=version.terraform_version,
                content_sha256=version.content_sha256,
                size=version.size,
                resource_count=version.resource_count,
                flags=flags,
                imported_at=event.timestamp,
                imported_by=event.actor,
                out_of_order=out_of_order,
            )
        )

    @handles(StateFile.Analyzed)
    def analyzed(self, conn: Connection, event: StateFile.Analyzed, position: int) -> None:
        analysis = msgspec.json.decode(self._blobs.get(event.analysis_sha256))
        table = state_analyses_table
        conn.execute(table.delete().where(table.c.state_id == event.originator_id))
        conn.execute(
            table.insert().values(
                state_id=event.originator_id,
                content_sha256=event.content_sha256,
                analysis_sha256=event.analysis_sha256,
                analysis=analysis,
                analyzed_at=event.timestamp,
            )
        )

    @handles(StateFile.Untracked)
    def untracked(self, conn: Connection, event: StateFile.Untracked, position: int) -> None:
        # Forgotten by every view; its history stays in the log (and the audit log).
        state_id = event.originator_id
        for table, column in (
            (state_analyses_table, state_analyses_table.c.state_id),
            (state_versions_table, state_versions_table.c.state_id),
            (state_files_table, state_files_table.c.id),
        ):
            conn.execute(table.delete().where(column == state_id))
