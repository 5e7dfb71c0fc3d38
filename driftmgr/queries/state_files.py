"""State queries: list, show (redacted), versions, analysis and comparison.

Listing and analysis read the read models. Showing outputs and comparing versions need the
state bodies, which only the blob store holds: those handlers parse them in a worker thread
and redact every sensitive value before anything leaves.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.adapters.terraform.state import parse_state
from driftmgr.domain.resources import ParsedState
from driftmgr.domain.secrets import SENSITIVE_VALUE, redact_value
from driftmgr.domain.state_analysis import AnalysisTotals, StateAnalysis, merge_analyses
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_compare import StateComparison, compare_states
from driftmgr.errors import Conflict, InvalidCommand, NotFound
from driftmgr.projections.jobs import jobs_table
from driftmgr.projections.state_files import (
    state_analyses_table,
    state_files_table,
    state_versions_table,
)
from driftmgr.queries.base import ReadModels

__all__ = [
    "AnalysisPending",
    "CompareStatesQuery",
    "GetStateAnalysisQuery",
    "GetStateFileQuery",
    "GetStateTotalsQuery",
    "ListStateFilesQuery",
    "OutputView",
    "ResourceView",
    "StateFileSummary",
    "StateFileView",
    "StateRef",
    "StateVersionView",
    "compare_state_files",
    "get_state_analysis",
    "get_state_file",
    "get_state_totals",
    "list_state_files",
]


class StateFileSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    source: str
    backend: str
    workspace: str
    serial: int | None
    lineage: str | None
    terraform_version: str | None
    resource_count: int | None
    version_count: int
    flags: list[str]
    """What is suspicious about the latest import (serial_regressed, lineage_changed …).
    The other fields describe the current version: the highest serial of its lineage, which
    a late lower serial (``serial_regressed``, ``out_of_order`` in the versions) is not."""
    imported_at: datetime | None
    imported_by: str | None


class StateVersionView(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    serial: int | None
    lineage: str | None
    terraform_version: str | None
    content_sha256: str
    size: int
    resource_count: int
    flags: list[str]
    imported_at: datetime
    imported_by: str
    out_of_order: bool = False
    """A lower serial that arrived after a higher one: kept as history, never current."""


class OutputView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    sensitive: bool
    value: Any
    """``"(sensitive)"`` for sensitive outputs: their values never leave the server. Other
    outputs show with every secret in them (by name or by look, at any depth) hidden."""


class ResourceView(msgspec.Struct, frozen=True, kw_only=True):
    address: str
    mode: str
    type: str
    provider: str
    id: str | None
    status: str | None
    deposed: str | None


class StateFileView(msgspec.Struct, frozen=True, kw_only=True):
    summary: StateFileSummary
    versions: list[StateVersionView]
    outputs: list[OutputView]
    resources: list[ResourceView]


def _summary(row: Any) -> StateFileSummary:
    return StateFileSummary(
        id=row.id,
        source=row.source,
        backend=row.backend,
        workspace=row.workspace,
        serial=row.serial,
        lineage=row.lineage,
        terraform_version=row.terraform_version,
        resource_count=row.resource_count,
        version_count=row.version_count,
        flags=row.flags or [],
        imported_at=row.imported_at,
        imported_by=row.imported_by,
    )


class ListStateFilesQuery(msgspec.Struct, frozen=True, kw_only=True):
    min_position: int | None = None
    backend: str | None = None
    limit: int = 1000
    offset: int = 0


async def list_state_files(read: ReadModels, query: ListStateFilesQuery) -> list[StateFileSummary]:
    await read.wait_for(query.min_position)
    files = state_files_table.c
    select = sa.select(state_files_table).order_by(files.source).limit(query.limit)
    if query.backend:
        select = select.where(files.backend == query.backend)
    return [_summary(row) for row in await read.all(select.offset(query.offset))]


async def _file_row(read: ReadModels, state_id: UUID) -> Any:
    row = await read.one(sa.select(state_files_table).where(state_files_table.c.id == state_id))
    if row is None:
        raise NotFound(f"no state file with id {state_id}")
    return row


async def _versions(read: ReadModels, state_id: UUID) -> list[StateVersionView]:
    versions = state_versions_table.c
    rows = await read.all(
        sa.select(state_versions_table)
        .where(versions.state_id == state_id)
        .order_by(versions.version)
    )
    return [
        StateVersionView(
            version=n,
            serial=v.serial,
            lineage=v.lineage,
            terraform_version=v.terraform_version,
            content_sha256=v.content_sha256,
            size=v.size,
            resource_count=v.resource_count,
            flags=v.flags or [],
            imported_at=v.imported_at,
            imported_by=v.imported_by,
            out_of_order=bool(v.out_of_order),
        )
        for n, v in enumerate(rows, start=1)
    ]


async def _parsed(blobs: BlobStore, content_sha256: str) -> ParsedState:
    def load() -> ParsedState:
        return parse_state(blobs.get(content_sha256))

    return await asyncio.to_thread(load)


class GetStateFileQuery(msgspec.Struct, frozen=True, kw_only=True):
    state_id: UUID
    min_position: int | None = None


async def get_state_file(
    read: ReadModels, blobs: BlobStore, query: GetStateFileQuery
) -> StateFileView:
    await read.wait_for(query.min_position)
    row = await _file_row(read, query.state_id)
    versions = await _versions(read, query.state_id)
    outputs: list[OutputView] = []
    resources: list[ResourceView] = []
    if row.content_sha256:
        parsed = await _parsed(blobs, row.content_sha256)
        outputs = [
            OutputView(
                name=o.name,
                sensitive=o.sensitive,
                # Not marked sensitive is no promise: a password inside an object
                # output, a URL with credentials … are hidden all the same.
                value=SENSITIVE_VALUE if o.sensitive else redact_value(o.value, path=(o.name,)),
            )
            for o in parsed.outputs
        ]
        resources = [
            ResourceView(
                address=r.address,
                mode=r.mode,
                type=r.type,
                provider=r.provider,
                id=r.id,
                status=r.status,
                deposed=r.deposed,
            )
            for r in parsed.resources
        ]
    return StateFileView(
        summary=_summary(row), versions=versions, outputs=outputs, resources=resources
    )


class GetStateAnalysisQuery(msgspec.Struct, frozen=True, kw_only=True):
    state_id: UUID
    min_position: int | None = None


class AnalysisPending(Conflict):
    """The current version's analysis is a job that has not recorded it (yet): retry later."""

    def __init__(self, message: str, job_id: UUID) -> None:
        super().__init__(message)
        self.job_id = job_id


async def get_state_analysis(read: ReadModels, query: GetStateAnalysisQuery) -> StateAnalysis:
    """The analysis of the current version; :class:`AnalysisPending` while a job makes it."""
    await read.wait_for(query.min_position)
    file = await _file_row(read, query.state_id)
    if file.content_sha256 is not None:
        await _check_analysis_job(read, query.state_id, file.content_sha256)
    analyses = state_analyses_table.c
    row = await read.one(sa.select(analyses.analysis).where(analyses.state_id == query.state_id))
    if row is None:
        raise NotFound(f"state file {query.state_id} has not been analysed yet")
    return msgspec.convert(row.analysis, StateAnalysis)


async def _check_analysis_job(read: ReadModels, state_id: UUID, content_sha256: str) -> None:
    # A large version's analysis job has the content's id: while it has not completed, the
    # analysis held is an earlier version's (or none), which must not pass for this one's.
    job_id = StateAnalysisRun.create_id(state_id, content_sha256)
    jobs = jobs_table.c
    job = await read.one(sa.select(jobs.status, jobs.error).where(jobs.job_id == job_id))
    if job is None or job.status == "completed":
        return
    if job.status in ("failed", "cancelled"):
        raise Conflict(
            f"the analysis of state {state_id} is missing: its job {job_id} {job.status}"
            f"{': ' + job.error if job.error else ''}; importing a newer version analyses it"
        )
    raise AnalysisPending(
        f"analysis pending (job {job_id}): state {state_id} is large, so a job analyses "
        "it; retry once that job has completed",
        job_id,
    )


class GetStateTotalsQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Counts summed over several states (AnalyzeStateFiles); every tracked state by default."""

    state_ids: list[UUID] | None = None
    min_position: int | None = None


async def get_state_totals(read: ReadModels, query: GetStateTotalsQuery) -> AnalysisTotals:
    await read.wait_for(query.min_position)
    analyses = state_analyses_table.c
    select = sa.select(analyses.analysis)
    if query.state_ids:
        select = select.where(analyses.state_id.in_(query.state_ids))
    rows = await read.all(select)
    return merge_analyses([msgspec.convert(r.analysis, StateAnalysis) for r in rows])


class StateRef(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a state: its latest, or the one imported with ``serial``."""

    state_id: UUID
    serial: int | None = None

    @classmethod
    def parse(cls, text: str) -> StateRef:
        """``ID`` or ``ID@SERIAL``."""
        ident, _, serial = text.partition("@")
        try:
            return cls(state_id=UUID(ident), serial=int(serial) if serial else None)
        except ValueError:
            raise InvalidCommand(
                f"{text!r} names no state version: use STATE_ID or STATE_ID@SERIAL"
            ) from None


class CompareStatesQuery(msgspec.Struct, frozen=True, kw_only=True):
    a: StateRef
    b: StateRef
    min_position: int | None = None


async def _content_of(read: ReadModels, ref: StateRef) -> str:
    row = await _file_row(read, ref.state_id)
    versions = await _versions(read, ref.state_id)
    if not versions:
        raise NotFound(f"state file {ref.state_id} has no imported version")
    if ref.serial is None:
        return str(row.content_sha256)  # the current version, not the last to arrive
    for version in reversed(versions):
        if version.serial == ref.serial:
            return version.content_sha256
    raise NotFound(f"state file {ref.state_id} has no version with serial {ref.serial}")


async def compare_state_files(
    read: ReadModels, blobs: BlobStore, query: CompareStatesQuery
) -> StateComparison:
    await read.wait_for(query.min_position)
    a = await _parsed(blobs, await _content_of(read, query.a))
    b = await _parsed(blobs, await _content_of(read, query.b))
    return await asyncio.to_thread(compare_states, a, b)
