"""Reading the read models: read-your-writes waits and the engine queries run on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from time import monotonic
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.projections.base import tracking_table
from driftmgr.projections.runner import ReadModelBehind
from driftmgr.settings import Settings

__all__ = ["MAX_WAIT_SECONDS", "ReadModels", "create_read_engine", "create_sqlite_read_engine"]

T = TypeVar("T")

#: Longest a query may hold a request open waiting for the read models.
MAX_WAIT_SECONDS = 60.0


def create_read_engine(settings: Settings) -> AsyncEngine:
    url = settings.sqlalchemy_url(database="views", driver="aiosqlite")
    kwargs: dict[str, Any] = {
        "json_serializer": lambda v: msgspec.json.encode(v).decode(),
        "json_deserializer": msgspec.json.decode,
    }
    if not settings.is_postgres:
        kwargs["connect_args"] = {"timeout": 30}
    return create_async_engine(url, **kwargs)


def create_sqlite_read_engine(path: Path) -> AsyncEngine:
    """An engine on a views database file other than the configured one (a replay)."""
    return create_async_engine(
        f"sqlite+aiosqlite:///{path.resolve()}",
        json_serializer=lambda v: msgspec.json.encode(v).decode(),
        json_deserializer=msgspec.json.decode,
        connect_args={"timeout": 30},
    )


class ReadModels:
    def __init__(
        self,
        engine: AsyncEngine,
        progress: PositionSignal,
        *,
        tracking_name: str = "views",
        poll_seconds: float = 1.0,
        default_wait: float = 10.0,
    ) -> None:
        self.engine = engine
        self._progress = progress
        self._tracking_name = tracking_name
        self._poll_seconds = poll_seconds
        self.default_wait = default_wait
        """How long a query waits for ``min_position`` before answering "not yet"."""

    async def position(self) -> int:
        query = sa.select(tracking_table.c.position).where(
            tracking_table.c.name == self._tracking_name
        )
        async with self.engine.connect() as conn:
            value = (await conn.execute(query)).scalar()
        return int(value or 0)

    async def wait_for(self, min_position: int | None, timeout: float | None = None) -> None:
        """Return once the read models include ``min_position``; else :class:`ReadModelBehind`.

        Wakes on this process's projection commits; re-reads the tracking row at least
        every second for projections running in other processes.
        """
        if not min_position:
            return
        wait = self.default_wait if timeout is None else timeout
        deadline = monotonic() + min(wait, MAX_WAIT_SECONDS)
        while True:
            current = self._progress.position
            if current < min_position:
                current = max(current, await self.position())
            if current >= min_position:
                return
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise ReadModelBehind(min_position, current)
            await self._progress.wait_change(min(remaining, self._poll_seconds))

    async def wait_until(
        self, check: Callable[[], Awaitable[T | None]], timeout: float
    ) -> T | None:
        """Re-run ``check`` whenever the read models move, until it returns a value or
        ``timeout`` passes (then None)."""
        deadline = monotonic() + min(timeout, MAX_WAIT_SECONDS)
        while True:
            result = await check()
            remaining = deadline - monotonic()
            if result is not None or remaining <= 0:
                return result
            await self._progress.wait_change(min(remaining, self._poll_seconds))

    async def one(self, query: sa.Select[Any]) -> sa.Row[Any] | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).first()

    async def all(self, query: sa.Select[Any]) -> list[sa.Row[Any]]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).all())
