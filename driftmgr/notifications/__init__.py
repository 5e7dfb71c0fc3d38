"""Notifications: drift found, drift resolved, approval waiting and run failed, posted to
the operator's webhook and Slack sinks (docs/notifications.md).

Only :mod:`.config` is imported eagerly (``Settings`` needs it); delivery loads httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftmgr.notifications.config import KINDS, NotificationKind, SinkConfig, parse_sinks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftmgr.bootstrap import Services
    from driftmgr.notifications.notifier import Notifier

__all__ = ["KINDS", "NotificationKind", "SinkConfig", "parse_sinks", "register_notifications"]


def register_notifications(
    services: Services, sinks: Sequence[SinkConfig] | None = None, **options: object
) -> list[Notifier]:
    """Subscribe one notifier per sink (default: the configured ones) to
    ``services.events``; ``options`` go to each :class:`~.notifier.Notifier`."""
    from driftmgr.notifications.notifier import DriftHistory, Notifier

    app = services.backend.app
    engine = services.projections.engine
    history = DriftHistory(engine)
    head = app.position()
    notifiers = []
    for sink in services.settings.notifications if sinks is None else sinks:
        notifier = Notifier(sink, load=app.get, history=history, **options)  # type: ignore[arg-type]
        notifier.register(services.events, engine, head=head)
        notifiers.append(notifier)
    return notifiers
