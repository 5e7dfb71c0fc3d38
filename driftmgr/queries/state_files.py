"""GetStateFileQuery: a tracked state source and its imported versions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.errors import NotFound
from driftmgr.projections.state_files import state_files_table, state_versions_table
from driftmgr.queries.base import ReadModels

__all__ = ["GetStateFileQuery", "StateFileView", "StateVersionView", "get_state_file"]


class GetStateFileQuery(msgspec.Struct, frozen=True, kw_only=True):
    state_id: UUID
    min_position: int | None = None


class StateVersionView(msgspec.Struct, frozen=True, kw_only=True):
    serial: int
    lineage: str | None
    content_sha256: str
    size: int
    resource_count: int
    imported_at: datetime
    imported_by: str


class StateFileView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    source: str
    serial: int | None
    lineage: str | None
    terraform_version: str | None
    resource_count: int | None
    imported_at: datetime | None
    versions: list[StateVersionView]


async def get_state_file(read: ReadModels, query: GetStateFileQuery) -> StateFileView:
    await read.wait_for(query.min_position)
    files, versions = state_files_table.c, state_versions_table.c
    row = await read.one(sa.select(state_files_table).where(files.id == query.state_id))
    if row is None:
        raise NotFound(f"no state file with id {query.state_id}")
    version_rows = await read.all(
        sa.select(state_versions_table)
        .where(versions.state_id == query.state_id)
        .order_by(versions.version)
    )
    return StateFileView(
        id=row.id,
        source=row.source,
        serial=row.serial,
        lineage=row.lineage,
        terraform_version=row.terraform_version,
        resource_count=row.resource_count,
        imported_at=row.imported_at,
        versions=[
            StateVersionView(
                serial=v.serial,
                lineage=v.lineage,
                content_sha256=v.content_sha256,
                size=v.size,
                resource_count=v.resource_count,
                imported_at=v.imported_at,
                imported_by=v.imported_by,
            )
            for v in version_rows
        ],
    )
