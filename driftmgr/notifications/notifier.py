"""From the event log to notifications: one event-bus subscriber per sink.

Which events become which notification:

- ``drift_found``: ``DriftRun.Completed`` whose summary has drift (modified, missing or
  unmanaged resources);
- ``drift_resolved``: ``DriftRun.Completed`` without drift, when the previous completed run
  of the same scope had drift (see :class:`DriftHistory`);
- ``approval_waiting``: ``RemediationPlan.Planned`` with ``requires_approval``;
- ``run_failed``: ``Run.Failed`` with no ``retry_at`` (its last attempt; any kind of run).

Payloads carry ids, scope and counts only, never a resource attribute: state holds secrets.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import httpx
import msgspec
import sqlalchemy as sa

from driftmgr.domain.base import DriftmgrAggregate
from driftmgr.domain.drift_run import DriftRun
from driftmgr.domain.remediation_plan import RemediationPlan
from driftmgr.domain.run import Run
from driftmgr.domain.state_file import StateFile
from driftmgr.events.bus import EventBus, positions_table
from driftmgr.notifications.config import NotificationKind, SinkConfig
from driftmgr.notifications.delivery import Delivery, post

__all__ = ["DriftHistory", "Notification", "NotificationScope", "Notifier", "drift_history"]

log = logging.getLogger(__name__)

_DELIVERY_NAMESPACE = UUID("4e6f7469-6669-4361-b469-6f6e73000001")

drift_history = sa.Table(
    "notification_drift_history",
    sa.MetaData(),
    sa.Column("scope_key", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("run_id", sa.Uuid, nullable=False),
    sa.Column("drifted", sa.Boolean, nullable=False),
)


class NotificationScope(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    provider: str | None = None
    regions: list[str] = []
    """Empty for a drift run: every region enabled in the account."""
    state_ids: list[UUID] = []
    resource_types: list[str] | None = None


class Notification(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The webhook body (docs/notifications.md)."""

    id: str
    kind: NotificationKind
    occurred_at: datetime
    scope: NotificationScope
    summary: dict[str, int]
    run_id: UUID | None = None
    plan_id: UUID | None = None
    url: str | None = None


class DriftHistory:
    """Whether the previous completed run of a scope had drift, for ``drift_resolved``.

    Kept in a table of its own, filled by the subscribers as they go, one row per completed
    drift run (scope, log position, drifted). Not the drift reports read model: projections
    run apart from the bus and may lag behind it, and a resolved notification must not
    depend on which of the two got there first. Rows are facts of the log, so any sink's
    subscriber may write one and every sink reads the run *before its event's position*,
    whichever subscriber is ahead. Runs completed before any sink existed are not in it:
    the first clean run after notifications are configured does not report a resolution.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        with engine.begin() as conn:
            drift_history.create(conn, checkfirst=True)

    def record(self, scope_key: str, position: int, run_id: UUID, drifted: bool) -> bool | None:
        """Record this run; return whether the previous run of the scope drifted (None:
        no previous run known)."""
        with self._engine.begin() as conn:
            exists = conn.execute(
                sa.select(drift_history.c.position).where(
                    drift_history.c.scope_key == scope_key, drift_history.c.position == position
                )
            ).first()
            if exists is None:
                conn.execute(
                    drift_history.insert().values(
                        scope_key=scope_key, position=position, run_id=run_id, drifted=drifted
                    )
                )
            previous = conn.execute(
                sa.select(drift_history.c.drifted)
                .where(drift_history.c.scope_key == scope_key, drift_history.c.position < position)
                .order_by(drift_history.c.position.desc())
                .limit(1)
            ).scalar_one_or_none()
        return None if previous is None else bool(previous)


def _scope_key(run: DriftRun) -> str:
    parts = [
        run.provider,
        sorted(run.regions),
        sorted(str(s) for s in run.state_ids),
        sorted(run.resource_types or []),
        sorted(run.account_roles),
        sorted(run.tags.items()),
    ]
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()


def _scope_of(run: DriftRun) -> NotificationScope:
    return NotificationScope(
        provider=run.provider,
        regions=list(run.regions),
        state_ids=list(run.state_ids),
        resource_types=run.resource_types,
    )


class Notifier:
    """Delivers one sink's notifications; :meth:`register` subscribes it to a bus."""

    def __init__(
        self,
        sink: SinkConfig,
        *,
        load: Callable[[type[Any], UUID, int | None], Any],
        history: DriftHistory,
        client: httpx.Client | None = None,
        environ: Mapping[str, str] | None = None,
        public_url: str | None = None,
        attempts: int = 5,
        deadline: float = 60.0,
        wait_initial: float = 0.5,
    ) -> None:
        self.sink = sink
        self._load = load
        self._history = history
        # follow_redirects=False: a redirect would carry the signature to another address.
        self._client = client or httpx.Client(timeout=10.0, follow_redirects=False)
        self._environ = environ
        self._public_url = public_url.rstrip("/") if public_url else None
        self._attempts = attempts
        self._deadline = deadline
        self._wait_initial = wait_initial
        self._state_filter = {_state_id(s) for s in sink.states}

    def register(self, bus: EventBus, engine: sa.Engine, *, head: int) -> None:
        """Subscribe under the sink's name, so its position persists per sink. One
        subscription for the three event types keeps the sink's notifications in log order
        (each event is decoded for each sink to be matched: a cost paid per event, small
        beside a drift run). A sink new to this store starts at ``head``, the log's current
        end: it is told what happens from now on, not the store's whole history."""
        name = f"notifications/{self.sink.name}"
        _start_at(engine, name, head)
        bus.subscribe_to_type(DriftmgrAggregate.Event, self.handle, name=name)

    def handle(self, event: DriftmgrAggregate.Event, position: int) -> None:
        if isinstance(event, DriftRun.Completed):
            self.on_drift_completed(event, position)
        elif isinstance(event, Run.Failed):
            self.on_run_failed(event, position)
        elif isinstance(event, RemediationPlan.Planned):
            self.on_plan(event, position)

    def close(self) -> None:
        self._client.close()

    # Event handlers -----------------------------------------------------------------------

    def on_drift_completed(self, event: DriftRun.Completed, position: int) -> None:
        run: DriftRun = self._load(DriftRun, event.originator_id, event.originator_version)
        drifted = event.summary.has_drift
        previous = self._history.record(_scope_key(run), position, run.id, drifted)
        if drifted:
            kind: NotificationKind = "drift_found"
        elif previous:
            kind = "drift_resolved"
        else:
            return
        summary = {
            name: getattr(event.summary, name)
            for name in ("total", "in_sync", "modified", "missing", "unmanaged", "unobserved")
        }
        self._send(kind, event, position, _scope_of(run), summary, run_id=run.id)

    def on_run_failed(self, event: Run.Failed, position: int) -> None:
        if event.retry_at is not None:
            return
        run = self._load(Run, event.originator_id, event.originator_version)
        if getattr(run, "drift_run_id", None) is not None:
            return  # a drift run's own inventory: the drift run's failure reports it
        scope = (
            _scope_of(run)
            if isinstance(run, DriftRun)
            else NotificationScope(provider=getattr(run, "provider", None))
        )
        summary = {"attempts": int(getattr(run, "attempt", 0))}
        self._send("run_failed", event, position, scope, summary, run_id=run.id)

    def on_plan(self, event: RemediationPlan.Planned, position: int) -> None:
        if not event.requires_approval:
            return
        run: DriftRun = self._load(DriftRun, event.drift_run_id, None)
        summary: dict[str, int] = {"actions": len(event.actions)}
        for action in event.actions:
            key = f"severity_{action.severity}"
            summary[key] = summary.get(key, 0) + 1
        self._send(
            "approval_waiting",
            event,
            position,
            _scope_of(run),
            summary,
            run_id=run.id,
            plan_id=event.originator_id,
        )

    # Delivery -----------------------------------------------------------------------------

    def wants(self, kind: NotificationKind, scope: NotificationScope) -> bool:
        sink = self.sink
        if kind not in sink.on:
            return False
        if sink.providers and scope.provider not in sink.providers:
            return False
        if sink.regions and scope.regions and not set(scope.regions) & set(sink.regions):
            return False
        if sink.regions and scope.provider is None:
            return False  # a run without a scope (a remediation) is not in a filtered one
        return not self._state_filter or bool(set(scope.state_ids) & self._state_filter)

    def _send(
        self,
        kind: NotificationKind,
        event: Any,
        position: int,
        scope: NotificationScope,
        summary: dict[str, int],
        *,
        run_id: UUID | None,
        plan_id: UUID | None = None,
    ) -> None:
        if not self.wants(kind, scope):
            return
        delivery_id = str(uuid5(_DELIVERY_NAMESPACE, f"{self.sink.name}:{position}"))
        link = None
        if self._public_url is not None:
            path = f"remediation/plans/{plan_id}" if plan_id else f"drift/runs/{run_id}"
            link = f"{self._public_url}/api/v1/{path}"
        notification = Notification(
            id=delivery_id,
            kind=kind,
            occurred_at=event.timestamp,
            scope=scope,
            summary=summary,
            run_id=run_id,
            plan_id=plan_id,
            url=link,
        )
        if self.sink.format == "slack":
            body = msgspec.json.encode(slack_message(notification))
            secret = None
        else:
            body = msgspec.json.encode(notification)
            secret = self.sink.secret(self._environ)
        post(
            self._client,
            sink=self.sink.name,
            url=self.sink.resolve_url(self._environ),
            delivery=Delivery(delivery_id=delivery_id, kind=kind, body=body),
            secret=secret,
            attempts=self._attempts,
            deadline=self._deadline,
            wait_initial=self._wait_initial,
        )


_TITLES = {
    "drift_found": ":warning: Drift found",
    "drift_resolved": ":white_check_mark: Drift resolved",
    "approval_waiting": ":raised_hand: Remediation plan waiting for approval",
    "run_failed": ":x: Run failed",
}


def slack_message(notification: Notification) -> dict[str, Any]:
    """Slack's incoming-webhook message: a plain ``text`` fallback and one mrkdwn section."""
    scope = notification.scope
    where = ", ".join(scope.regions) if scope.regions else "all regions"
    counts = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in notification.summary.items())
    subject = (
        f"plan `{notification.plan_id}`" if notification.plan_id else f"run `{notification.run_id}`"
    )
    title = _TITLES[notification.kind]
    lines = [f"*{title}*: {subject}"]
    if scope.provider:
        lines.append(f"{scope.provider} ({where})")
    lines.append(counts)
    if notification.url:
        lines.append(f"<{notification.url}|details>")
    return {
        "text": f"{title}: {subject}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }


def _state_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        return StateFile.create_id(value)


def _start_at(engine: sa.Engine, name: str, head: int) -> None:
    """Insert the subscriber's position at ``head`` unless it has one (the bus would start
    a new subscriber at 0: the whole history). Names stay short of the bus's 200 limit."""
    with engine.begin() as conn:
        positions_table.create(conn, checkfirst=True)
        found = conn.execute(
            sa.select(positions_table.c.position).where(positions_table.c.name == name)
        ).first()
        if found is None:
            conn.execute(positions_table.insert().values(name=name, position=head))
