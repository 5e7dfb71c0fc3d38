"""ImportState: record new versions of Terraform state sources, with their analysis (or, for
a large state, the job that analyses it). UntrackState: stop tracking one (its history stays
in the log)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from uuid import UUID

import msgspec

from driftmgr.adapters.terraform.backends import (
    SourceError,
    SourcePolicy,
    StateObject,
    expand_sources,
    fetch_state,
)
from driftmgr.adapters.terraform.backends.errors import StateTooLarge
from driftmgr.adapters.terraform.state import StateFormatError, parse_state
from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause
from driftmgr.domain.resources import ParsedState
from driftmgr.domain.run import TERMINAL
from driftmgr.domain.state_analysis import analyse_state
from driftmgr.domain.state_analysis_run import StateAnalysisRun
from driftmgr.domain.state_file import NotTracked, StateFile, StateVersion
from driftmgr.errors import Conflict, InvalidCommand

__all__ = [
    "ImportState",
    "PreparedState",
    "StagedImport",
    "UntrackState",
    "import_state",
    "prepare_states",
    "stage_import",
    "store_analysis",
    "untrack_state",
]

_encoder = msgspec.json.Encoder()
_LOCAL_WORKSPACE = re.compile(r"/terraform\.tfstate\.d/([^/]+)/[^/]+$")


class ImportState(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    """A state source URI (``tfstate+s3://bucket/key`` …), a local path, or a glob of either."""
    content: str | None = None
    """The body of a single local state, sent by a client; ``source`` is then only its label.
    Without it the server reads ``source``, if its source policy allows."""
    workspaces: bool = False
    """Also import the source's named workspaces, per its backend's layout."""


class PreparedState(msgspec.Struct, frozen=True, kw_only=True):
    """A fetched and parsed state, not yet recorded anywhere."""

    source: StateObject
    body: bytes
    parsed: ParsedState


def _parse(source: StateObject, body: bytes) -> PreparedState:
    try:
        parsed = parse_state(body)
    except StateFormatError as e:
        raise InvalidCommand(f"{source.uri}: {e}") from None
    return PreparedState(source=source, body=body, parsed=parsed)


def _sent_by_client(source: str, policy: SourcePolicy) -> StateObject:
    # The source only labels the content: it is parsed, never read (nor its symlinks).
    try:
        src = policy.parse(source)
    except SourceError as e:
        raise InvalidCommand(str(e)) from None
    if src.backend != "local":
        raise InvalidCommand(f"{source}: only a local state can be sent with its content")
    uri = src.uri
    match = _LOCAL_WORKSPACE.search(PurePosixPath(uri.removeprefix("tfstate://")).as_posix())
    return StateObject(uri=uri, backend="local", workspace=match.group(1) if match else "default")


def prepare_states(
    source: str,
    content: str | None = None,
    *,
    workspaces: bool = False,
    policy: SourcePolicy,
) -> list[PreparedState]:
    """Fetch and parse every state ``source`` names, touching nothing of ours.

    Bad input — an unknown scheme, nothing matching a glob, a file that is not a state, a
    source ``policy`` does not let this caller read — is refused here, before a single blob or
    event is written. With ``content``, ``source`` is only its label and is never read.
    """
    if content is not None:
        body = content.encode()
        if len(body) > policy.max_state_bytes:
            # The same limit as a state read or fetched here: one size, whoever reads it.
            raise InvalidCommand(str(StateTooLarge(source, policy.max_state_bytes)))
        return [_parse(_sent_by_client(source, policy), body)]
    try:
        objects = expand_sources(source, policy, workspaces=workspaces)
        if not objects:
            raise InvalidCommand(f"no state matches {source}")
        return [_parse(obj, fetch_state(obj.uri, policy)) for obj in objects]
    except SourceError as e:
        raise InvalidCommand(str(e)) from None


@dataclass(frozen=True)
class StagedImport:
    """A state file with its import recorded, unsaved, and the job analysing it, if any."""

    state: StateFile
    analysis_run: StateAnalysisRun | None = None

    @property
    def aggregates(self) -> list[StateFile | StateAnalysisRun]:
        """What to record, together: never an import without its analysis job, nor a job
        without its import."""
        return [self.state] if self.analysis_run is None else [self.state, self.analysis_run]


def store_analysis(backend: Backend, parsed: ParsedState) -> str:
    """Analyse a state and store the analysis; return its blob's sha256 (inline or job)."""
    return backend.blobs.put(_encoder.encode(analyse_state(parsed)))


def stage_import(backend: Backend, prepared: PreparedState, cause: Cause) -> StagedImport:
    """Store the body and its analysis, record both on the aggregate, unsaved.

    A current version with more managed resources than ``analysis_inline_max_resources`` is
    not analysed here, which would hold the import for seconds: a
    :class:`StateAnalysisRun` is staged with it instead.

    Blobs go in first: a save that fails afterwards leaves unreferenced blobs, never an
    event naming a blob that is not there.
    """
    source = prepared.source
    digest = backend.blobs.put(prepared.body)
    state_id = StateFile.create_id(source.uri)
    if state_id in backend.app.repository:
        state = backend.app.get(StateFile, state_id)
        state.retrack(cause)
    else:
        state = StateFile(
            source=source.uri,
            backend=source.backend,
            workspace=source.workspace,
            **cause.fields(),
        )
    parsed = prepared.parsed
    imported = state.record_import(
        StateVersion(
            serial=parsed.serial,
            lineage=parsed.lineage,
            terraform_version=parsed.terraform_version,
            format_version=parsed.version,
            content_sha256=digest,
            size=len(prepared.body),
            resource_count=len(parsed.managed),
        ),
        cause,
    )
    # An out-of-order import is history only: the analysis stays that of the current version.
    current = state.latest
    if not imported or current is None or current.content_sha256 != digest:
        return StagedImport(state=state)
    if len(parsed.managed) > backend.analysis_inline_max_resources:
        run_id = StateAnalysisRun.create_id(state.id, digest)
        if run_id not in backend.app.repository:
            run = StateAnalysisRun.request(
                state_id=state.id,
                content_sha256=digest,
                resource_count=len(parsed.managed),
                cause=cause,
            )
            return StagedImport(state=state, analysis_run=run)
        earlier = backend.app.get(StateAnalysisRun, run_id)
        if earlier.status not in TERMINAL:
            return StagedImport(state=state)  # queued already: it analyses this very content
        if earlier.analysis_sha256 is not None:
            state.record_analysis(earlier.analysis_sha256, cause)
            return StagedImport(state=state)
        # Its job ended without an analysis (superseded, failed): rare enough to do it here.
    state.record_analysis(store_analysis(backend, parsed), cause)
    return StagedImport(state=state)


def import_state(backend: Backend, command: ImportState, cause: Cause) -> Accepted:
    prepared = prepare_states(
        command.source,
        command.content,
        workspaces=command.workspaces,
        policy=backend.source_policy,
    )
    unique = list({p.source.uri: p for p in prepared}.values())
    staged = [stage_import(backend, p, cause) for p in unique]
    position = backend.app.record(*(a for s in staged for a in s.aggregates))
    ids: list[UUID] = [s.state.id for s in staged]
    return Accepted(id=ids[0], position=position, ids=ids)


class UntrackState(msgspec.Struct, frozen=True, kw_only=True):
    state_id: UUID
    reason: str | None = None
    """Why, for the audit log."""


def untrack_state(backend: Backend, command: UntrackState, cause: Cause) -> Accepted:
    """Stop tracking a state source: read models forget it, the log keeps its history.

    An unknown id is :class:`NotFound`; a state not tracked any more is a :class:`Conflict`.
    """
    state = backend.app.get(StateFile, command.state_id)
    reason = command.reason.strip() if command.reason else None
    try:
        state.untrack(reason=reason or None, cause=cause)
    except NotTracked as e:
        raise Conflict(str(e)) from None
    return Accepted(id=state.id, position=backend.app.record(state))
