"""Queries ``as_of`` a past moment: answered from the read models replayed up to it.

Any query function runs unchanged on the :class:`ReadModels` given here: the live ones
without ``as_of``, else those of a replay (cached per position by :class:`ReplayCache`),
which never move, so nothing waits on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.errors import Conflict
from driftmgr.projections.replay import AsOf, ReplayCache
from driftmgr.queries.base import ReadModels, create_sqlite_read_engine

__all__ = ["PastReadModels", "read_as_of"]

T = TypeVar("T")


class PastReadModels(ReadModels):
    """Read models frozen at ``position``: nothing later ever arrives, so a query asking
    for a later ``min_position`` is refused at once, and long-polls answer at once."""

    def __init__(self, engine: AsyncEngine, position: int) -> None:
        progress = PositionSignal()
        progress.advance(position)
        super().__init__(engine, progress, default_wait=0.0)
        self.position_at = position

    async def wait_for(self, min_position: int | None, timeout: float | None = None) -> None:
        if min_position and min_position > self.position_at:
            raise Conflict(
                f"min_position {min_position} is after the as_of position {self.position_at}"
            )

    async def wait_until(
        self, check: Callable[[], Awaitable[T | None]], timeout: float
    ) -> T | None:
        return await check()


@asynccontextmanager
async def read_as_of(
    live: ReadModels, replays: ReplayCache, as_of: str | None
) -> AsyncIterator[ReadModels]:
    """The read models to answer from: ``live`` when ``as_of`` is None, else a replay.

    Raises :class:`~driftmgr.projections.replay.InvalidAsOf` for a value naming no moment.
    """
    if as_of is None:
        yield live
        return
    moment = AsOf.parse(as_of)
    position = await asyncio.to_thread(replays.resolve, moment)
    path = await asyncio.to_thread(replays.views_at, position)
    engine = create_sqlite_read_engine(path)
    try:
        yield PastReadModels(engine, position)
    finally:
        await engine.dispose()
