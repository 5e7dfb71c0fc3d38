"""The :class:`~driftmgr.commands.ports.StateWriter` port over the state backends: each
write locked as Terraform locks that backend, and read and written only where the source
policy lets this caller."""

from __future__ import annotations

from collections.abc import Callable

from driftmgr.adapters.terraform.backends import SourcePolicy, fetch_state
from driftmgr.commands.ports import StateWriteResult

__all__ = ["BackendStateWriter"]


class BackendStateWriter:
    def __init__(self, policy: SourcePolicy) -> None:
        self._policy = policy

    def read(self, source: str) -> bytes:
        return fetch_state(source, self._policy)

    def write(self, source: str, update: Callable[[bytes], bytes], *, who: str) -> StateWriteResult:
        # Imported on first write: most commands never write a state.
        from driftmgr.adapters.terraform.backends import write_state

        written = write_state(source, self._policy, update, who=who)
        return StateWriteResult(before=written.before, after=written.after)
