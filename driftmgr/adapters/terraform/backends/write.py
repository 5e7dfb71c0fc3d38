"""Write one new state snapshot, under the backend's own lock, exactly as Terraform locks it.

:func:`write_state` takes the lock, reads the current snapshot, asks ``update`` for the next
one, checks that it is the next snapshot of the same state (same lineage, a higher serial,
a state :func:`~driftmgr.adapters.terraform.state.parse_state` reads), writes it and always
releases the lock. Whoever else locks the state — ``terraform apply``, another driftmgr — is
kept out for that time, and is told who holds it by the lock info Terraform itself writes:

============ =====================================================================
local        an fcntl lock on the state file and ``.<name>.lock.info`` beside it
s3           ``?dynamodb_table=T`` (a LockID item) and/or ``?use_lockfile=true``
             (``<key>.tflock``); ``?lock=none`` writes unlocked, and only then
gcs          ``<object minus .tfstate>.tflock``, created only if absent
azurerm      an infinite blob lease, the lock info in the ``terraformlockid`` metadata
http         ``LOCK``/``UNLOCK`` to ``?lock_address=`` (default: the address itself)
tfcloud      the workspace lock of HCP Terraform / Terraform Enterprise
============ =====================================================================

See docs/adr/0011-state-writes.md.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Protocol

from driftmgr import __version__
from driftmgr.adapters.terraform.backends.errors import (
    InvalidSourceURI,
    SourceError,
    StateLocked,
)
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.adapters.terraform.backends.uri import Source

__all__ = ["LockInfo", "LockedState", "StateWrite", "held", "locked_error", "write_state"]


@dataclasses.dataclass(frozen=True, slots=True)
class StateWrite:
    """The snapshot that was current under the lock, and the one written after it."""

    before: bytes
    """Empty when the backend held no state yet."""
    after: bytes
    """Equal to ``before`` when ``update`` changed nothing (then nothing was written)."""


@dataclasses.dataclass(frozen=True, slots=True)
class LockInfo:
    """Terraform's lock info (``statemgr.LockInfo``), field for field."""

    id: str
    operation: str
    info: str
    who: str
    version: str
    created: str
    path: str = ""

    @classmethod
    def new(cls, *, who: str, operation: str) -> LockInfo:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # RFC 3339, as Go writes
        return cls(
            id=str(uuid.uuid4()),
            operation=operation,
            info=f"driftmgr on {socket.gethostname()}",
            who=who,
            version=f"driftmgr {__version__}",
            created=now,
        )

    def at(self, path: str) -> LockInfo:
        return dataclasses.replace(self, path=path)

    def with_id(self, lock_id: str) -> LockInfo:
        return dataclasses.replace(self, id=lock_id)

    def to_json(self) -> bytes:
        """The JSON Terraform writes and reads: Go's field names, in Go's order."""
        document = {
            "ID": self.id,
            "Operation": self.operation,
            "Info": self.info,
            "Who": self.who,
            "Version": self.version,
            "Created": self.created,
            "Path": self.path,
        }
        return json.dumps(document, separators=(",", ":")).encode()

    @classmethod
    def parse(cls, data: bytes | str | None) -> LockInfo | None:
        """The lock info in ``data``; None when it is missing or not Terraform's JSON."""
        if not data:
            return None
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(document, dict):
            return None

        def text(name: str) -> str:
            value = document.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            id=text("ID"),
            operation=text("Operation"),
            info=text("Info"),
            who=text("Who"),
            version=text("Version"),
            created=text("Created"),
            path=text("Path"),
        )


class LockedState(Protocol):
    """A state object while this process holds its lock."""

    def read(self) -> bytes:
        """The current snapshot; ``b""`` when there is none yet."""
        ...

    def write(self, data: bytes) -> None:
        """Store ``data`` as the current snapshot (after a :meth:`read`)."""
        ...


def write_state(
    uri: str,
    policy: SourcePolicy,
    update: Callable[[bytes], bytes],
    *,
    who: str,
    operation: str = "driftmgr remediation",
) -> StateWrite:
    """Lock the state at ``uri``, replace its snapshot with ``update(current)``, unlock.

    ``update`` may raise to abort: then nothing is written, the lock is released and its
    exception propagates. :class:`StateLocked` when another holder has the lock;
    ``who`` and ``operation`` are what that holder's Terraform would show about us.
    """
    src = policy.parse(uri)
    if src.is_glob:
        raise InvalidSourceURI(f"{src.display}: is a glob; a write names one state object")
    src = policy.admit(src)
    info = LockInfo.new(who=who, operation=operation)
    with _locked(src, policy, info) as state:
        before = state.read()
        after = update(before)
        if after == before:
            return StateWrite(before=before, after=after)
        check_next_snapshot(src, before, after)
        state.write(after)
    return StateWrite(before=before, after=after)


def check_next_snapshot(src: Source, before: bytes, after: bytes) -> None:
    """Refuse ``after`` unless it is a state of ``before``'s lineage with a higher serial."""
    from driftmgr.adapters.terraform.state import StateFormatError, parse_state

    try:
        new = parse_state(after)
    except StateFormatError as e:
        raise SourceError(
            f"{src.display}: refusing to write a document that is not a state: {e}"
        ) from None
    if new.version != 4 or new.serial is None or not new.lineage:
        raise SourceError(
            f"{src.display}: refusing to write a state without version 4, serial and lineage"
        )
    if not before:
        return
    try:
        old = parse_state(before)
    except StateFormatError as e:
        raise SourceError(
            f"{src.display}: the current state is unreadable, so it is not overwritten: {e}"
        ) from None
    if old.lineage and old.lineage != new.lineage:
        raise SourceError(
            f"{src.display}: refusing to write lineage {new.lineage} over lineage {old.lineage}"
        )
    if old.serial is not None and new.serial <= old.serial:
        raise SourceError(
            f"{src.display}: refusing to write serial {new.serial} over serial {old.serial}; "
            "a new snapshot needs a higher serial"
        )


def locked_error(src: Source, info: LockInfo | None, *, lock_id: str = "") -> StateLocked:
    """:class:`StateLocked` naming the holder as its lock info does (when it can be read)."""
    lock_id = (info.id if info else "") or lock_id
    if info is None or not (info.who or info.created):
        holder = "another holder (its lock info could not be read)"
    else:
        holder = f"{info.who or 'an unnamed holder'} since {info.created or 'an unknown time'}"
        if info.operation:
            holder += f" ({info.operation})"
    unlock = f"`terraform force-unlock {lock_id}`" if lock_id else "`terraform force-unlock`"
    shown = f" with lock ID {lock_id}" if lock_id else ""
    return StateLocked(
        f"{src.display}: the state is locked by {holder}{shown}; retry later, or run "
        f"{unlock} if that holder is gone",
        lock_id=lock_id or None,
    )


@contextmanager
def held(src: Source, release: Callable[[], None], lock_id: str) -> Iterator[None]:
    """Run the body, then ``release`` the lock whatever happened.

    A release that fails while the body's own exception is on its way out is added to that
    exception as a note: the caller must see why the write failed first.
    """
    try:
        yield
    except BaseException as failure:
        try:
            release()
        except Exception as e:  # reported on the failure in flight, which goes on
            failure.add_note(f"the lock {lock_id} was not released ({e}); unlock it by hand")
        raise
    try:
        release()
    except Exception as e:
        raise SourceError(
            f"{src.display}: the new state was written, but lock {lock_id} could not be "
            f"released ({_one_line(e)}); run `terraform force-unlock {lock_id}`"
        ) from None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _locked(
    src: Source, policy: SourcePolicy, info: LockInfo
) -> AbstractContextManager[LockedState]:
    # Imports are local so that importing this package does not load four cloud SDKs.
    match src.backend:
        case "local":
            from driftmgr.adapters.terraform.backends import local

            return local.locked(src, info)
        case "s3":
            from driftmgr.adapters.terraform.backends import s3

            return s3.locked(src, info)
        case "gcs":
            from driftmgr.adapters.terraform.backends import gcs

            return gcs.locked(src, info)
        case "azurerm":
            from driftmgr.adapters.terraform.backends import azurerm

            return azurerm.locked(src, info)
        case "http":
            from driftmgr.adapters.terraform.backends import http

            return http.locked(src, info, policy)
        case _:
            from driftmgr.adapters.terraform.backends import tfcloud

            return tfcloud.locked(src, info, policy)
