"""What the process counts and which request it is working for, for /metrics and the logs.

The counters here are plain tallies, cheap enough for the hot paths that feed them (every
AWS call, every job, every state fetch) and free of prometheus_client, which takes ~0.1 s
to import and which a CLI command never needs. ``driftmgr.http.metrics`` turns them into
Prometheus families at scrape time. They count for the whole process: every app built in
it reports the same totals, as its jobs and scans are the process's.

The correlation id is a context variable: set for a request by the HTTP layer, for a job by
the worker (from the id stored with the job's run), read by the JSON log formatter.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

__all__ = [
    "FETCHED_BYTES",
    "JOBS",
    "NOTIFICATIONS",
    "PROVIDER_CALLS",
    "PROVIDER_RETRIES",
    "PROVIDER_THROTTLES",
    "Tally",
    "correlation_id",
    "correlation_scope",
    "current_correlation_id",
]


class Tally:
    """A monotonic counter per tuple of label values, safe to add to from any thread."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...]) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def add(self, *values: str, amount: float = 1) -> None:
        if len(values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}, got {values}")
        with self._lock:
            self._values[values] = self._values.get(values, 0) + amount

    def counted(self, *values: str, data: bytes) -> bytes:
        """Add ``len(data)`` and hand ``data`` back: a byte count in one expression."""
        self.add(*values, amount=len(data))
        return data

    def snapshot(self) -> dict[tuple[str, ...], float]:
        with self._lock:
            return dict(self._values)


# Label values are bounded sets: job kinds and statuses, AWS service names, backend names.
JOBS = Tally("driftmgr_jobs", "Job attempts that ended, by kind and outcome", ("kind", "outcome"))
PROVIDER_CALLS = Tally(
    "driftmgr_provider_calls",
    "Cloud API calls made (each with its retries counts once)",
    ("provider", "service"),
)
PROVIDER_THROTTLES = Tally(
    "driftmgr_provider_throttles",
    "Cloud API attempts the provider answered with throttling",
    ("provider", "service"),
)
PROVIDER_RETRIES = Tally(
    "driftmgr_provider_retries",
    "Cloud API attempts sent again after a retryable failure",
    ("provider", "service"),
)
FETCHED_BYTES = Tally(
    "driftmgr_state_fetch_bytes",
    "Bytes of Terraform state read from state sources",
    ("backend",),
)

NOTIFICATIONS = Tally(
    "driftmgr_notifications",
    "Notifications posted to a sink, by sink and outcome (delivered, failed)",
    ("sink", "outcome"),
)

correlation_id: ContextVar[UUID | None] = ContextVar("driftmgr_correlation_id", default=None)


def current_correlation_id() -> UUID | None:
    return correlation_id.get()


@contextmanager
def correlation_scope(value: UUID | None) -> Iterator[None]:
    """Log lines within carry ``value``; the previous id is back afterwards (a worker thread
    runs many jobs, and lines between them belong to none)."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)
