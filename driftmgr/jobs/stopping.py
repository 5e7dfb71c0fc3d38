"""Asking a running job to stop: cancelled by a user, or handed back at shutdown.

Runners check one event between steps (providers stop scanning when it is set). What they
then record depends on why: a cancelled run is over, a handed-back one is retried at once
by another worker — so a runner calls :func:`check_handed_back` before confirming a
cancellation.
"""

from __future__ import annotations

import threading

__all__ = ["HandedBack", "StopRequest", "check_handed_back"]


class HandedBack(Exception):
    """The worker is shutting down: the job's attempt ends here and is retried at once."""


class StopRequest(threading.Event):
    """Set when the job should stop at its next step; ``handing_back`` says it is not a
    cancellation but the worker shutting down."""

    def __init__(self) -> None:
        super().__init__()
        self.handing_back = False

    def hand_back(self) -> None:
        self.handing_back = True
        self.set()


def check_handed_back(stop: threading.Event) -> None:
    """Raise :class:`HandedBack` when ``stop`` was set by a shutdown, not a cancellation."""
    if getattr(stop, "handing_back", False):
        raise HandedBack("the worker shut down; another attempt starts at once")
