"""StateFile: one Terraform state source, and every version of it driftmgr imported."""

from __future__ import annotations

from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from driftmgr.domain.base import Cause, DomainError, DriftmgrAggregate

__all__ = [
    "LINEAGE_CHANGED",
    "SERIAL_REGRESSED",
    "SERIAL_REUSED",
    "NotTracked",
    "StateFile",
    "StateVersion",
    "import_flags",
]

_NAMESPACE = UUID("5b0c6f0e-8f9a-4e4e-9a4d-6d7269667473")


class StateVersion(msgspec.Struct, frozen=True, kw_only=True):
    serial: int | None
    lineage: str | None
    terraform_version: str | None
    format_version: int
    content_sha256: str
    size: int
    resource_count: int


#: Why an import deserves a second look. Recorded with the import, shown wherever it is.
SERIAL_REGRESSED = "serial_regressed"
LINEAGE_CHANGED = "lineage_changed"
SERIAL_REUSED = "serial_reused"


def import_flags(latest: StateVersion | None, new: StateVersion) -> list[str]:
    """What is suspicious about ``new`` following ``latest`` from the same source.

    Terraform bumps the serial on every write and keeps the lineage for a state's life, so a
    lower serial means an older state was pushed back, another lineage means a different
    state now lives at this source, and a reused serial with other content means someone
    edited the state by hand.
    """
    if latest is None:
        return []
    flags = []
    if latest.lineage and new.lineage and latest.lineage != new.lineage:
        flags.append(LINEAGE_CHANGED)
    elif latest.serial is not None and new.serial is not None:
        if new.serial < latest.serial:
            flags.append(SERIAL_REGRESSED)
        elif new.serial == latest.serial:
            flags.append(SERIAL_REUSED)
    return flags


class NotTracked(DomainError):
    """The state source is not tracked (any more): it cannot be untracked again."""


class StateFile(DriftmgrAggregate):
    """Tracked once per source URI; ``Imported`` once per new content of that source,
    followed by ``Analyzed`` with the analysis of that content.

    ``Untracked`` stops tracking it: read models forget it, its history stays in the log.
    Importing the source again records ``Retracked`` and starts afresh from that import.
    """

    class Tracked(DriftmgrAggregate.Created):
        source: str
        backend: str
        workspace: str

    class Untracked(DriftmgrAggregate.Event):
        reason: str | None

    class Retracked(DriftmgrAggregate.Event):
        source: str
        backend: str
        workspace: str

    class Imported(DriftmgrAggregate.Event):
        version: StateVersion
        flags: list[str] | None
        out_of_order: bool = False
        """A lower serial of the current lineage, arriving after a higher one: kept as
        history, not made current (absent from events before it existed: False)."""

    class Analyzed(DriftmgrAggregate.Event):
        content_sha256: str
        analysis_sha256: str

    @staticmethod
    def create_id(source: str) -> UUID:
        # Natural key: the same source always maps to the same aggregate.
        return uuid5(_NAMESPACE, source)

    @event(Tracked)
    def __init__(
        self,
        source: str,
        actor: str,
        correlation_id: UUID,
        backend: str = "local",
        workspace: str = "default",
    ) -> None:
        self.source = source
        self.backend = backend
        self.workspace = workspace
        self.versions: list[StateVersion] = []
        self.flags: list[list[str]] = []
        """Per version, what :func:`import_flags` found."""
        self.analysis_sha256: str | None = None
        self.untracked = False
        self.fresh_from = 0
        """Index in ``versions`` of the first version imported since (re)tracking."""
        self.current_index: int | None = None
        """Index in ``versions`` of the current version: the highest serial of its lineage,
        whatever order the versions arrived in."""

    @property
    def latest(self) -> StateVersion | None:
        """The current version (not necessarily the last to arrive: see ``out_of_order``)."""
        if not self.versions:
            return None
        # getattr: aggregates restored from snapshots taken before current_index existed.
        index = getattr(self, "current_index", None)
        return self.versions[-1 if index is None else index]

    def _current_since_tracking(self) -> StateVersion | None:
        """The current version, unless it predates re-tracking (which starts afresh)."""
        index = getattr(self, "current_index", None)
        if index is None:
            index = len(self.versions) - 1
        if index < 0 or index < getattr(self, "fresh_from", 0):
            return None
        return self.versions[index]

    @property
    def is_tracked(self) -> bool:
        # getattr: aggregates restored from snapshots taken before untracking existed.
        return not getattr(self, "untracked", False)

    def untrack(self, *, reason: str | None, cause: Cause) -> None:
        """Stop tracking this source; refused when it is not tracked."""
        if not self.is_tracked:
            raise NotTracked(f"state {self.id} ({self.source}) is not tracked")
        self._untracked(reason=reason, **cause.fields())

    @event(Untracked)
    def _untracked(self, actor: str, correlation_id: UUID, reason: str | None = None) -> None:
        self.untracked = True
        self.analysis_sha256 = None

    def retrack(self, cause: Cause) -> None:
        """Track an untracked source again (an import of it); nothing when it is tracked."""
        if self.is_tracked:
            return
        self._retracked(
            source=self.source, backend=self.backend, workspace=self.workspace, **cause.fields()
        )

    @event(Retracked)
    def _retracked(
        self, source: str, backend: str, workspace: str, actor: str, correlation_id: UUID
    ) -> None:
        self.untracked = False
        self.fresh_from = len(self.versions)

    def record_import(self, version: StateVersion, cause: Cause) -> bool:
        """Record a new version; re-importing the content already latest changes nothing.

        A version that goes backwards or belongs to another lineage is recorded with flags,
        never silently. One that goes backwards within the current lineage is kept as
        history (``out_of_order``) and the current version stays the highest serial: imports
        racing each other must not leave an older state current. Returns whether an event
        was recorded.
        """
        # After re-tracking, the first import is compared with nothing: it starts afresh.
        current = self._current_since_tracking()
        if current is not None and current.content_sha256 == version.content_sha256:
            return False
        flags = import_flags(current, version)
        self._imported(
            version=version,
            flags=flags,
            out_of_order=SERIAL_REGRESSED in flags,
            **cause.fields(),
        )
        return True

    @event(Imported)
    def _imported(
        self,
        version: StateVersion,
        actor: str,
        correlation_id: UUID,
        flags: list[str] | None = None,
        out_of_order: bool = False,
    ) -> None:
        if getattr(self, "current_index", None) is None:
            self.current_index = len(self.versions) - 1 if self.versions else None
        self.versions.append(version)
        self.flags.append(flags or [])
        if not out_of_order:
            self.current_index = len(self.versions) - 1

    def record_analysis(self, analysis_sha256: str, cause: Cause) -> None:
        """Record the analysis of the latest version (stored as a blob)."""
        latest = self.latest
        if latest is None:
            raise DomainError(f"state {self.source} has no imported version to analyse")
        if analysis_sha256 == self.analysis_sha256:
            return
        self._analyzed(
            content_sha256=latest.content_sha256,
            analysis_sha256=analysis_sha256,
            **cause.fields(),
        )

    @event(Analyzed)
    def _analyzed(
        self, content_sha256: str, analysis_sha256: str, actor: str, correlation_id: UUID
    ) -> None:
        self.analysis_sha256 = analysis_sha256
