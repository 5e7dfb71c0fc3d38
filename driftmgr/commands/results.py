"""What every accepted command answers."""

from __future__ import annotations

from uuid import UUID

import msgspec

__all__ = ["Accepted"]


class Accepted(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The aggregate a command created or changed, and the log position to wait for.

    Pass ``position`` as ``min_position`` to any query to read your own write.
    """

    id: UUID
    position: int
    ids: list[UUID] | None = None
    """Every aggregate, for commands that touch several (importing a glob of states)."""
