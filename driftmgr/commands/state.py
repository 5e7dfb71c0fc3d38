"""ImportState: record a new version of a Terraform state source."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import msgspec

from driftmgr.adapters.terraform.state import ParsedState, StateFormatError, parse_state
from driftmgr.commands.backend import Backend
from driftmgr.commands.results import Accepted
from driftmgr.domain.base import Cause
from driftmgr.domain.state_file import StateFile, StateVersion
from driftmgr.errors import InvalidCommand

__all__ = ["ImportState", "PreparedState", "import_state", "prepare_state", "stage_import"]

LOCAL_SCHEME = "tfstate://"


class ImportState(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    """Where the state comes from: ``tfstate:///abs/path.tfstate`` or a local path."""
    content: str | None = None
    """The state body. When omitted, the server reads ``source`` itself."""


class PreparedState(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    body: bytes
    parsed: ParsedState


def normalise_source(source: str) -> str:
    if "://" in source:
        return source
    return LOCAL_SCHEME + str(Path(source).expanduser().resolve())


def _read_source(source: str) -> bytes:
    if not source.startswith(LOCAL_SCHEME):
        scheme = source.split("://", 1)[0]
        raise InvalidCommand(
            f"cannot read state source scheme {scheme!r} yet; pass a local file path"
        )
    path = Path(source.removeprefix(LOCAL_SCHEME))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidCommand(f"state file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidCommand(f"{path} is a directory, not a state file") from None
    except OSError as e:
        raise InvalidCommand(f"cannot read state file {path}: {e.strerror}") from None


def prepare_state(source: str, content: str | None) -> PreparedState:
    """Read and parse a state without touching the store: bad input costs nothing."""
    source = normalise_source(source)
    body = _read_source(source) if content is None else content.encode()
    try:
        parsed = parse_state(body)
    except StateFormatError as e:
        raise InvalidCommand(f"{source}: {e}") from None
    return PreparedState(source=source, body=body, parsed=parsed)


def stage_import(backend: Backend, prepared: PreparedState, cause: Cause) -> StateFile:
    """Store the body and record the import on the aggregate, unsaved.

    The blob goes in first: a save that fails afterwards leaves an unreferenced blob,
    never an event naming a blob that is not there.
    """
    digest = backend.blobs.put(prepared.body)
    state_id = StateFile.create_id(prepared.source)
    if state_id in backend.app.repository:
        state = backend.app.get(StateFile, state_id)
    else:
        state = StateFile(source=prepared.source, **cause.fields())
    parsed = prepared.parsed
    state.record_import(
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
    return state


def import_state(backend: Backend, command: ImportState, cause: Cause) -> Accepted:
    prepared = prepare_state(command.source, command.content)
    state = stage_import(backend, prepared, cause)
    position = backend.app.record(state)
    return Accepted(id=state.id, position=position)


def state_id_for(source: str) -> UUID:
    return StateFile.create_id(normalise_source(source))
