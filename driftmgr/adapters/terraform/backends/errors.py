"""Why a state source could not be read or written. Every message is one line naming the source."""

from __future__ import annotations

__all__ = [
    "InvalidSourceURI",
    "SourceAccessDenied",
    "SourceError",
    "SourceNotAllowed",
    "SourceNotFound",
    "SourceUnreachable",
    "StateLocked",
    "StateTooLarge",
]


class SourceError(Exception):
    """A state source could not be listed or read; the message says what to do about it."""

    def __init__(self, message: str) -> None:
        # Messages end up in events, problem+json bodies and log lines: keep them to one line.
        super().__init__(" ".join(message.splitlines()))


class InvalidSourceURI(SourceError):
    """The URI is malformed, uses an unknown scheme, or cannot be used for this operation."""


class SourceNotFound(SourceError):
    """No state object exists at the URI (missing file, bucket, key, workspace…)."""


class SourceAccessDenied(SourceError):
    """Credentials are missing, expired or not allowed to read the object."""


class SourceUnreachable(SourceError):
    """The storage endpoint did not answer: connection refused, DNS failure, timeout, 5xx."""


class SourceNotAllowed(SourceError):
    """The source policy refuses it: a local path outside the operator's state roots, a host
    not in the allowed list, an address that is not public. The message never says whether
    the path or host exists."""


class StateLocked(SourceError):
    """Another holder has the state's lock (terraform, or another driftmgr): nothing was
    written. The message names the holder, since when, and the lock ID to force-unlock."""

    def __init__(self, message: str, *, lock_id: str | None = None) -> None:
        super().__init__(message)
        self.lock_id = lock_id


class StateTooLarge(SourceError):
    """The state is larger than ``DRIFTMGR_MAX_STATE_BYTES``: refused before it is buffered."""

    def __init__(self, display: str, max_bytes: int) -> None:
        super().__init__(
            f"{display}: the state is larger than {max_bytes} bytes, the limit of "
            "DRIFTMGR_MAX_STATE_BYTES; ask the operator to raise it"
        )
