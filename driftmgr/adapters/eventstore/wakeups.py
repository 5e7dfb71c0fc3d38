"""Wake-ups across processes on PostgreSQL: LISTEN for the log and the read models.

A :class:`PositionSignal` only hears writers of its own process; readers elsewhere used to
find out at the end of a bounded wait (a second). With ``serve`` and ``worker`` processes
apart (ADR 0019) that second would be paid on every hand-over: a job requested by the API,
claimed by a worker, its events projected by a third process. eventsourcing's insert
function already NOTIFYs the log's channel; the read models' leader NOTIFYs
:func:`views_channel` with the position each batch committed (in the batch's transaction,
so the message arrives only once the rows are visible). One thread per process listens to
both and advances the signals.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

from driftmgr.adapters.eventstore.signals import PositionSignal
from driftmgr.settings import Settings

__all__ = ["PostgresWakeups", "views_channel"]

log = logging.getLogger(__name__)


def views_channel(name: str) -> str:
    """The NOTIFY channel of the read models named ``name`` (an identifier ≤ 63 bytes)."""
    return "driftmgr_views_" + hashlib.blake2b(name.encode(), digest_size=8).hexdigest()


class PostgresWakeups:
    def __init__(
        self,
        settings: Settings,
        *,
        log_channel: str,
        log_signal: PositionSignal,
        log_position: Callable[[], int],
        views_name: str,
        views_signal: PositionSignal,
    ) -> None:
        self._settings = settings
        self._channels = {log_channel: self._on_log, views_channel(views_name): self._on_views}
        self._log_signal = log_signal
        self._log_position = log_position
        self._views_signal = views_signal
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _on_log(self, payload: str) -> None:
        self._log_signal.advance(self._log_position())

    def _on_views(self, payload: str) -> None:
        if payload.isdigit():
            self._views_signal.advance(int(payload))

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="pg-wakeups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        import psycopg  # here: most commands never need it, and it takes a while to import

        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as e:
                # Readers still re-read at the end of each bounded wait: nothing is missed,
                # only later. Reconnect after a pause.
                log.warning("listening for database notifications failed (%s); retrying", e)
                self._stopping.wait(1.0)

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        pg = self._settings.postgres()
        with psycopg.connect(
            host=pg.host,
            port=pg.port,
            user=pg.user,
            password=pg.password,
            dbname=pg.dbname,
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            for channel in self._channels:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            # Anything sent before LISTEN took effect is picked up by the readers' own
            # re-reads; wake them once now so that they do not wait for it.
            self._on_log("")
            while not self._stopping.is_set():
                for note in conn.notifies(timeout=0.5):
                    handler = self._channels.get(note.channel)
                    if handler is not None:
                        handler(note.payload)
                    if self._stopping.is_set():
                        break
