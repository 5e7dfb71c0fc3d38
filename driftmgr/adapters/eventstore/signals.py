"""Wake-ups for readers of an ordered log: "the position moved past N".

The library has no SQLite ``subscribe()``, and our readers (projection runner, job worker,
HTTP long-polls) live in other threads or event loops. A :class:`PositionSignal` lets them
block — in a thread or in asyncio — until a writer in this process reports a new position.
Writers in *other* processes are seen because every wait is bounded and callers re-read
the database when it ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["PositionSignal", "signal_for"]


class PositionSignal:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._position = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    @property
    def position(self) -> int:
        return self._position

    def advance(self, position: int) -> None:
        """Report that everything up to ``position`` is visible; wake every waiter."""
        with self._condition:
            if position <= self._position:
                return
            self._position = position
            self._condition.notify_all()
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    def reset(self, position: int = 0) -> None:
        """Move the position back (after a read model rebuild)."""
        with self._condition:
            self._position = position

    def poke(self) -> None:
        """Wake blocked threads without moving, so they re-check their ``until`` condition."""
        with self._condition:
            self._condition.notify_all()

    def wait_beyond(
        self, position: int, timeout: float, until: Callable[[], bool] | None = None
    ) -> bool:
        """Block until the position exceeds ``position``, ``until()`` holds, or time is up."""
        with self._condition:
            return self._condition.wait_for(
                lambda: self._position > position or (until is not None and until()), timeout
            )

    async def wait_change(self, timeout: float) -> None:
        """Return at the next :meth:`advance`, or after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self._registered(entry):
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                return

    @contextmanager
    def _registered(
        self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]
    ) -> Iterator[None]:
        with self._condition:
            self._waiters.add(entry)
        try:
            yield
        finally:
            with self._condition:
                self._waiters.discard(entry)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_signals: dict[str, PositionSignal] = {}
_signals_lock = threading.Lock()


def signal_for(key: str) -> PositionSignal:
    """The process-wide signal for one log, shared by every object that reads or writes it."""
    with _signals_lock:
        return _signals.setdefault(key, PositionSignal())
