"""The composition root: builds every part from settings, real adapters by default."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from driftmgr.adapters.eventstore.blobs import BlobStore
from driftmgr.adapters.eventstore.config import create_sql_engine, log_key
from driftmgr.adapters.eventstore.leadership import leadership_for
from driftmgr.adapters.eventstore.signals import PositionSignal, signal_for
from driftmgr.adapters.eventstore.wakeups import PostgresWakeups, views_channel
from driftmgr.adapters.providers.base import InventoryProvider, Remediator
from driftmgr.adapters.terraform.backends.policy import SourcePolicy
from driftmgr.commands.application import DriftmgrApplication
from driftmgr.commands.backend import Backend, ProviderRegistry, utc_now
from driftmgr.commands.ports import StateWriter, TerraformTool
from driftmgr.commands.remediation import required_severity
from driftmgr.domain.run import RetryPolicy
from driftmgr.events.bus import EventBus
from driftmgr.events.workflows import WorkflowManager
from driftmgr.jobs.queue import JobQueue
from driftmgr.jobs.scheduler import Scheduler
from driftmgr.jobs.worker import Worker
from driftmgr.projections.base import Projection
from driftmgr.projections.discoveries import DiscoveriesProjection
from driftmgr.projections.drift_reports import DriftReportsProjection
from driftmgr.projections.jobs import JobsProjection
from driftmgr.projections.remediation_plans import RemediationPlansProjection
from driftmgr.projections.replay import ReplayCache
from driftmgr.projections.runner import ProjectionRunner
from driftmgr.projections.schedules import SchedulesProjection
from driftmgr.projections.state_files import StateFilesProjection
from driftmgr.projections.tokens import TokensProjection
from driftmgr.projections.workflows import WorkflowsProjection
from driftmgr.queries.base import ReadModels, create_read_engine
from driftmgr.settings import Settings

__all__ = [
    "ProviderFactory",
    "Services",
    "bootstrap",
    "default_providers",
    "read_model_projections",
]

ProviderFactory = Callable[..., InventoryProvider]


def _aws(*, account_roles: list[str] | None = None) -> InventoryProvider:
    # Imported on first use: aioboto3 takes a while to import and most commands never need it.
    from driftmgr.adapters.providers.aws import AwsProvider

    return AwsProvider(account_roles=account_roles or ())


def _azurerm(*, account_roles: list[str] | None = None) -> InventoryProvider:
    # Imported on first use, as AWS's: the management SDKs load slowly.
    from driftmgr.adapters.providers.azurerm import AzureProvider
    from driftmgr.errors import InvalidCommand

    if account_roles:
        raise InvalidCommand(
            "Azure has no roles to assume: set AZURE_SUBSCRIPTION_ID (comma-separated) to "
            "the subscriptions to scan"
        )
    return AzureProvider()


def _digitalocean(*, account_roles: list[str] | None = None) -> InventoryProvider:
    from driftmgr.adapters.providers.digitalocean import DigitalOceanProvider
    from driftmgr.errors import InvalidCommand

    if account_roles:
        raise InvalidCommand("DigitalOcean has no roles to assume: --account-role is for AWS")
    return DigitalOceanProvider()


def _google(*, account_roles: list[str] | None = None) -> InventoryProvider:
    # Imported on first use, as AWS's: google-cloud-asset (protobuf, grpc) loads slowly.
    from driftmgr.adapters.providers.google import GoogleProvider
    from driftmgr.errors import InvalidCommand

    if account_roles:
        raise InvalidCommand(
            "GCP has no roles to assume: set DRIFTMGR_GCP_SCOPE to a folder or organisation"
        )
    return GoogleProvider()


def default_providers() -> dict[str, ProviderFactory]:
    return {"aws": _aws, "azurerm": _azurerm, "digitalocean": _digitalocean, "google": _google}


def _aws_remediator() -> Remediator:
    from driftmgr.adapters.providers.aws.remediation import AwsRemediator

    return AwsRemediator()


class LazyRemediators(Mapping[str, Remediator]):
    """Provider name → remediator, each built on first use (their SDKs load slowly)."""

    def __init__(self, factories: Mapping[str, Callable[[], Remediator]]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, Remediator] = {}

    def __getitem__(self, name: str) -> Remediator:
        if name not in self._built:
            self._built[name] = self._factories[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


def default_remediators() -> Mapping[str, Remediator]:
    return LazyRemediators({"aws": _aws_remediator})


def default_state_writer(policy: SourcePolicy) -> StateWriter:
    from driftmgr.adapters.terraform.state_writer import BackendStateWriter

    return BackendStateWriter(policy)


def default_terraform() -> TerraformTool:
    from driftmgr.adapters.terraform.tool import TerraformCli

    return TerraformCli()


def _strategies(settings: Settings) -> dict[str, Any]:
    return dict(settings.remediation_defaults)


def read_model_projections(blobs: BlobStore) -> Sequence[Projection]:
    """Every read model, fresh: the live views and each replay project the same ones."""
    return [
        JobsProjection(),
        StateFilesProjection(blobs),
        DiscoveriesProjection(blobs),
        DriftReportsProjection(blobs),
        RemediationPlansProjection(),
        TokensProjection(),
        SchedulesProjection(),
        WorkflowsProjection(),
    ]


@dataclass
class Services:
    settings: Settings
    backend: Backend
    projections: ProjectionRunner
    worker: Worker
    scheduler: Scheduler
    """Fires due schedules; one per process, like the worker (driftmgr/jobs/scheduler.py)."""
    read: ReadModels
    replays: ReplayCache
    """The read models at past moments (``as_of`` queries), replayed on demand."""
    events: EventBus
    """In-process subscribers to the log (``subscribe_to_type``; driftmgr/events/bus.py)."""
    wakeups: PostgresWakeups | None = None
    """On PostgreSQL, wakes this process's readers when another process writes."""

    @property
    def notices(self) -> tuple[str, ...]:
        """Warnings from opening the store (a new key to back up, …): the CLI and ``serve``
        show them; the composition root itself prints nothing."""
        from driftmgr.config_file import config_notices  # a secret in a readable file

        return self.backend.app.store_key.notices + config_notices(self.settings)

    def start(self, *, jobs: bool = True) -> None:
        """Run projections, the event bus and (``jobs``) the worker and the scheduler in
        background threads. Of many processes on one database, one feeds the read models
        and one delivers events (ADR 0019); ``serve --no-worker`` passes ``jobs=False``."""
        if self.wakeups is not None:
            self.wakeups.start()
        self.projections.start()
        if jobs:
            self.worker.start()
            self.scheduler.start()
        self.events.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.events.stop()
        self.worker.stop()
        self.projections.stop()
        if self.wakeups is not None:
            self.wakeups.stop()

    def close(self) -> None:
        """Stop background work and close every database connection."""
        self.stop()
        self.projections.engine.dispose()
        self.backend.blobs.close()
        self.backend.app.close()
        # Inside a running loop asyncio.run refuses; the app's lifespan disposes it there.
        with contextlib.suppress(RuntimeError):
            asyncio.run(self.read.engine.dispose())


def bootstrap(
    settings: Settings,
    *,
    providers: Mapping[str, ProviderFactory] | None = None,
    clock: Callable[[], datetime] = utc_now,
    worker_name: str | None = None,
    projection_batch_size: int = 500,
    source_policy: SourcePolicy | None = None,
    remediators: Mapping[str, Remediator] | None = None,
    state_writer: StateWriter | None = None,
    terraform: TerraformTool | None = None,
    scheduler_poll_seconds: float | None = 5.0,
) -> Services:
    """Every part, wired. ``source_policy`` decides what state sources commands may read; by
    default a server's (:meth:`SourcePolicy.server`: only the operator's roots and hosts). The
    in-process CLI passes :meth:`SourcePolicy.local`: its user's own files and network.
    ``scheduler_poll_seconds`` None: this process fires no schedules (the in-process CLI)."""
    policy = source_policy if source_policy is not None else SourcePolicy.server(settings)
    app = DriftmgrApplication(settings)
    blobs = BlobStore(create_sql_engine(settings, database="events"), cipher=app.mapper.cipher)
    backend = Backend(
        app=app,
        blobs=blobs,
        providers=ProviderRegistry(providers if providers is not None else default_providers()),
        clock=clock,
        source_policy=policy,
        remediators=remediators if remediators is not None else default_remediators(),
        state_writer=state_writer if state_writer is not None else default_state_writer(policy),
        terraform=terraform if terraform is not None else default_terraform(),
        approval_threshold=required_severity(settings.approval_severity),
        default_strategies=dict(_strategies(settings)),
        analysis_inline_max_resources=settings.analysis_inline_max_resources,
        retry_policy=RetryPolicy(max_attempts=settings.job_max_attempts),
    )
    views = create_sql_engine(settings, database="views")
    backend.views = views
    progress = signal_for("views:" + log_key(settings))
    projections = ProjectionRunner(
        app,
        views,
        read_model_projections(blobs),
        log_signal=app.log_signal,
        progress=progress,
        batch_size=projection_batch_size,
        leadership=leadership_for(views, "projections:views"),
        notify_channel=views_channel("views") if settings.is_postgres else None,
    )
    worker = Worker(
        backend,
        JobQueue(views),
        views_progress=progress,
        name=worker_name,
        lease=timedelta(seconds=settings.job_lease_seconds),
    )
    read = ReadModels(create_read_engine(settings), progress)
    replays = ReplayCache(settings.data_dir / "replays", app, lambda: read_model_projections(blobs))
    services = Services(
        settings=settings,
        backend=backend,
        projections=projections,
        worker=worker,
        scheduler=Scheduler(backend, views, name=worker.name, poll_seconds=scheduler_poll_seconds),
        read=read,
        replays=replays,
        events=EventBus(
            app, views, log_signal=app.log_signal, leadership=leadership_for(views, "event-bus")
        ),
        wakeups=_wakeups(settings, app, progress),
    )
    WorkflowManager(backend).subscribe(services.events)  # workflows advance on the bus
    if settings.notifications:  # one bus subscriber per sink (docs/notifications.md)
        from driftmgr.notifications import register_notifications

        register_notifications(services)
    return services


def _wakeups(
    settings: Settings, app: DriftmgrApplication, progress: PositionSignal
) -> PostgresWakeups | None:
    if not settings.is_postgres:
        return None
    recorder: Any = app.recorder
    return PostgresWakeups(
        settings,
        log_channel=recorder.channel_name,
        log_signal=app.log_signal,
        log_position=lambda: recorder.max_notification_id() or 0,
        views_name="views",
        views_signal=progress,
    )
