"""The event bus: every event once, in order, across restarts; failures retried, not
skipped; extensions plugged in through the ``driftmgr.handlers`` entry point group."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from driftmgr.bootstrap import bootstrap
from driftmgr.commands.tokens import CreateToken, create_token
from driftmgr.domain.api_token import ApiToken
from driftmgr.domain.base import Cause, DriftmgrAggregate
from driftmgr.events.bus import EventBus, load_handlers
from driftmgr.settings import Settings

Seen = list[tuple[int, str]]


def issue(settings: Settings, *names: str) -> list[int]:
    """Record one token per name; return the positions of their ``Issued`` events."""
    services = bootstrap(settings)
    try:
        start = services.backend.app.position()
        for name in names:
            create_token(services.backend, CreateToken(name=name, role="viewer"), Cause(actor="t"))
        return [
            n.id
            for n in services.backend.app.recorder.select_notifications(
                start=start,
                limit=1000,
                topics=[get_topic(ApiToken.Issued)],
                inclusive_of_start=False,
            )
        ]
    finally:
        services.close()


def bus_of(settings: Settings) -> tuple[EventBus, Any]:
    services = bootstrap(settings)
    return services.events, services


def test_a_subscriber_sees_every_event_once_in_order_across_restarts(
    sqlite_settings: Settings,
) -> None:
    first = issue(sqlite_settings, "a", "b")
    seen: Seen = []

    def record(event: ApiToken.Issued, position: int) -> None:
        seen.append((position, event.name))

    bus, services = bus_of(sqlite_settings)
    subscription = bus.subscribe_to_type(ApiToken.Issued, record, name="recorder")
    bus.catch_up()
    assert seen == [(first[0], "a"), (first[1], "b")]
    assert bus.position(subscription) == services.backend.app.position()
    services.close()

    # Events recorded while nobody listened are delivered after the restart, and only they.
    later = issue(sqlite_settings, "c")
    bus, services = bus_of(sqlite_settings)
    bus.subscribe_to_type(ApiToken.Issued, record, name="recorder")
    bus.catch_up()
    bus.catch_up()  # caught up: nothing more
    services.close()
    assert seen == [(first[0], "a"), (first[1], "b"), (later[0], "c")]


def test_a_base_class_subscription_sees_every_subclass_event(sqlite_settings: Settings) -> None:
    issue(sqlite_settings, "a")
    seen: list[str] = []
    bus, services = bus_of(sqlite_settings)
    bus.subscribe_to_type(DriftmgrAggregate.Event, lambda e, _: seen.append(type(e).__qualname__))
    bus.catch_up()
    count = services.backend.app.position()
    services.close()
    assert "ApiToken.Issued" in seen
    assert len(seen) == count  # every event of the log is a DriftmgrAggregate event


def test_a_failing_handler_is_retried_and_holds_back_only_its_own_subscriber(
    sqlite_settings: Settings,
) -> None:
    positions = issue(sqlite_settings, "a", "b")
    bus, services = bus_of(sqlite_settings)
    attempts: Seen = []
    others: Seen = []

    def flaky(event: ApiToken.Issued, position: int) -> None:
        attempts.append((position, event.name))
        if len(attempts) == 2:
            raise RuntimeError("downstream unavailable")

    failing = bus.subscribe_to_type(ApiToken.Issued, flaky, name="flaky")
    bus.subscribe_to_type(ApiToken.Issued, lambda e, p: others.append((p, e.name)), name="ok")
    bus.catch_up()
    assert failing.last_error == "RuntimeError: downstream unavailable"
    assert bus.position(failing) == positions[0]
    assert others == [(positions[0], "a"), (positions[1], "b")]

    bus.catch_up()  # the failed event again, then on
    services.close()
    assert failing.last_error is None
    assert attempts == [(positions[0], "a"), (positions[1], "b"), (positions[1], "b")]


def test_the_background_thread_delivers_new_events_as_they_are_recorded(
    sqlite_settings: Settings,
) -> None:
    services = bootstrap(sqlite_settings)
    seen: Seen = []
    bus = services.events
    bus.subscribe_to_type(ApiToken.Issued, lambda e, p: seen.append((p, e.name)), name="live")
    services.start()
    try:
        issued = create_token(
            services.backend, CreateToken(name="live", role="viewer"), Cause(actor="t")
        )
        assert bus.progress.wait_beyond(issued.position - 1, timeout=30)
    finally:
        services.close()
    assert [name for _, name in seen] == ["live"]
    assert seen[0][0] <= issued.position


def test_handlers_plug_in_through_the_entry_point_group(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = tmp_path / "plugins"
    (plugins / "notify_plugin-1.0.dist-info").mkdir(parents=True)
    (plugins / "notify_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: notify-plugin\nVersion: 1.0\n"
    )
    (plugins / "notify_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[driftmgr.handlers]\nnotify = notify_plugin:register\n"
    )
    (plugins / "notify_plugin.py").write_text(
        textwrap.dedent(
            """
            from driftmgr.domain.api_token import ApiToken

            SEEN = []

            def register(bus):
                bus.subscribe_to_type(ApiToken.Issued, lambda e, p: SEEN.append(e.name))
            """
        )
    )
    monkeypatch.syspath_prepend(str(plugins))
    issue(sqlite_settings, "a")
    bus, services = bus_of(sqlite_settings)
    assert load_handlers(bus) == ["notify"]
    bus.catch_up()
    services.close()
    import notify_plugin  # type: ignore[import-not-found]

    assert notify_plugin.SEEN == ["a"]
