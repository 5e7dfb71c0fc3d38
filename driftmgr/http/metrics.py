"""``GET /metrics``: the server's metrics in the Prometheus text format.

Each app has its own registry (tests build many apps in one process; the global registry
would refuse the second). Request latency is observed as requests end; everything else is
read when scraped: the process's tallies (``driftmgr.observability``), the job queue and
the read models' lag from the database. Labels take bounded values only: route templates,
never raw paths.

Who may scrape: any valid token (the ``read`` permission, every role has it), like the
rest of the API but health (docs/security.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from driftmgr.observability import (
    FETCHED_BYTES,
    JOBS,
    NOTIFICATIONS,
    PROVIDER_CALLS,
    PROVIDER_RETRIES,
    PROVIDER_THROTTLES,
    Tally,
)
from driftmgr.projections.jobs import jobs_table

if TYPE_CHECKING:
    from driftmgr.bootstrap import Services

__all__ = ["QUEUED_STATUSES", "AppMetrics", "metrics_route"]

log = logging.getLogger(__name__)

#: Jobs waiting for a worker: never started, or failed and to be tried again.
QUEUED_STATUSES = ("requested", "retrying")
#: The text format every Prometheus reads; our names need none of 1.0.0's escaping. (Litestar
#: adds the charset.)
CONTENT_TYPE = "text/plain; version=0.0.4"
_TALLIES: tuple[Tally, ...] = (
    JOBS,
    PROVIDER_CALLS,
    PROVIDER_THROTTLES,
    PROVIDER_RETRIES,
    FETCHED_BYTES,
    NOTIFICATIONS,
)


class AppMetrics:
    """One app's registry: request latency, and a collector reading the rest at scrape time."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._latency = Histogram(
            "driftmgr_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status class",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.registry.register(_ScrapeTime(services))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._latency.labels(route, method, f"{status // 100}xx").observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _ScrapeTime(Collector):
    def __init__(self, services: Services) -> None:
        self._services = services

    def describe(self) -> Iterable[Metric]:
        return []  # unknown until collected: the families depend on what was counted

    def collect(self) -> Iterator[Metric]:
        for tally in _TALLIES:
            family = CounterMetricFamily(tally.name, tally.documentation, labels=tally.labels)
            for values, amount in sorted(tally.snapshot().items()):
                family.add_metric(values, amount)
            yield family
        # A store or view database that does not answer leaves its families out of this
        # scrape (Prometheus shows them absent); the rest is still reported.
        try:
            yield from self._store()
        except Exception:
            log.warning("metrics: the event store or read models did not answer", exc_info=True)
        try:
            yield from self._queue()
        except Exception:
            log.warning("metrics: the job queue did not answer", exc_info=True)

    def _store(self) -> Iterator[Metric]:
        services = self._services
        store_position = services.backend.app.position()
        read_position = services.projections.position
        yield CounterMetricFamily(
            "driftmgr_events_appended",
            "Events appended to the event store (its position)",
            value=store_position,
        )
        yield GaugeMetricFamily(
            "driftmgr_projection_lag_events",
            "Events in the store the read models have not projected yet",
            value=max(0, store_position - read_position),
        )

    def _queue(self) -> Iterator[Metric]:
        services = self._services
        jobs = jobs_table.c
        query = sa.select(sa.func.count(), sa.func.min(jobs.requested_at)).where(
            jobs.status.in_(QUEUED_STATUSES)
        )
        with services.projections.engine.connect() as conn:
            depth, oldest = conn.execute(query).one()
        yield GaugeMetricFamily(
            "driftmgr_job_queue_depth",
            "Jobs waiting for a worker (requested, or failed and to be retried)",
            value=depth,
        )
        age = 0.0 if oldest is None else (services.backend.clock() - oldest).total_seconds()
        yield GaugeMetricFamily(
            "driftmgr_job_queue_oldest_age_seconds",
            "Seconds since the oldest waiting job was requested (0: none waits)",
            value=max(0.0, age),
        )


@get(
    "/metrics",
    permission="read",
    sync_to_thread=True,
    summary="Metrics in the Prometheus text format",
    media_types=("text/plain",),
)
def metrics_route(state: State) -> Response[Any]:
    app_metrics: AppMetrics = state.metrics
    return Response(app_metrics.exposition(), media_type=CONTENT_TYPE)
