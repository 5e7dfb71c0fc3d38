"""The scheduler: every few seconds, fire the schedules the read model says are due.

Every worker process runs one, and they need no coordination: a period fires only by saving
a ``Fired`` event on the schedule's next version, so of several schedulers firing the same
period one saves and the others' saves are refused (optimistic concurrency), with the drift
run they would have requested. The read model only says where to look; it may lag, so a
schedule it shows due is loaded and asked (``Schedule.due_period``) before anything is done.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from uuid import UUID, uuid4

import sqlalchemy as sa

from driftmgr.commands.backend import Backend
from driftmgr.commands.schedules import fire_schedule
from driftmgr.domain.base import Cause
from driftmgr.errors import Conflict
from driftmgr.queries.schedules import due_schedules

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        backend: Backend,
        views: sa.Engine,
        *,
        name: str | None = None,
        poll_seconds: float | None = 5.0,
    ) -> None:
        self._backend = backend
        self._views = views
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[UUID]:
        """Fire every due schedule once; return the drift runs this scheduler requested."""
        now = self._backend.clock()
        requested: list[UUID] = []
        for schedule_id in due_schedules(self._views, now):
            cause = Cause(actor=f"scheduler:{self.name}")
            try:
                run_id = fire_schedule(self._backend, schedule_id, now, cause)
            except Conflict:
                continue  # another scheduler fired it (or changed a state) first
            except Exception:
                log.exception("scheduler %s could not fire schedule %s", self.name, schedule_id)
                continue  # the next pass tries again: the period has not fired
            if run_id is not None:
                requested.append(run_id)
        return requested

    def start(self) -> None:
        """Poll in a thread; without ``poll_seconds``, do nothing (:meth:`run_due` still works)."""
        if self._poll_seconds is None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run,
            args=(self._poll_seconds,),
            name=f"scheduler-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self, poll_seconds: float) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
            except Exception:
                log.exception("scheduler %s could not read the due schedules", self.name)
            self._stopping.wait(poll_seconds)
